/** `polity status`: what a node reports about itself, and what each of its services adds. */
import { createClient } from '../sdk/client.js';
import type { CliApp } from './command.js';
import { apiUrl, type Io } from './io.js';

export async function runStatus(values: Record<string, unknown>, _positionals: string[], io: Io, app: CliApp): Promise<number> {
  const client = createClient({ url: apiUrl(values), timeoutMs: 10_000 });
  const s = await client.status();
  if (values.json) {
    io.out(JSON.stringify(s));
    return 0;
  }
  io.out(`chain        ${s.chainId} (${s.consensus} consensus, ${s.validators.length} validator${s.validators.length === 1 ? '' : 's'})`);
  io.out(`genesis      ${s.genesisHash}`);
  io.out(`height       ${s.height}`);
  io.out(`latest block ${s.latestBlockHash}`);
  io.out(`block time   ${s.height ? new Date(s.latestBlockTime).toISOString() : '(no block yet)'}`);
  const h = s.health;
  io.out(`last block   ${s.height ? `${ageInWords(h.lastBlockAgeMs)} ago` : '(no block yet)'}`);
  if (s.consensus === 'bft') {
    io.out(`peers        ${s.peers.length} connected`);
    io.out(`quorum       ${h.quorum ? 'yes' : 'NO QUORUM'}: hears from validators holding ${h.heardPower} of ${h.totalPower} voting power (more than two thirds needed)`);
    io.out(`  hears from ${h.heardFrom.join(', ')}`);
    if (h.missing.length > 0) io.out(`  not from   ${h.missing.join(', ')}`);
  }
  io.out(`ready        ${h.ready ? 'yes' : `NO — ${h.reasons.map((r) => r.message).join('; ')}`}`);
  if (h.stalled) io.out(`             the chain is stalled: ${h.quorum ? 'see the reasons above' : 'no block can commit until validators holding more than two thirds of the power are back'}`);
  io.out(`state root   ${s.stateRoot} (${s.stateKeys} keys)`);
  io.out(`waiting      ${s.mempoolTxs} transactions`);
  io.out(`rules        version ${s.rulesVersion}${s.rulesVersionNewest > s.rulesVersion ? ` (this node's release runs up to ${s.rulesVersionNewest}: a governance upgradeRules change moves the chain up)` : ''}`);
  // What each service's host adds to the status, in its schema's words.
  for (const service of app.services) {
    for (const [field, schema] of Object.entries(service.status?.properties ?? {})) {
      if (s[field] !== undefined) io.out(`${service.name.padEnd(12)} ${String(s[field])} ${(schema as { description?: string }).description ?? field}`);
    }
  }
  io.out(`node         ${client.url}`);
  return 0;
}

/** 42 s, 3 min 5 s, 2 h 10 min, 3 d 4 h. */
export function ageInWords(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}
