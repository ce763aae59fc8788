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
  io.out(`state root   ${s.stateRoot} (${s.stateKeys} keys)`);
  io.out(`waiting      ${s.mempoolTxs} transactions`);
  // What each service's host adds to the status, in its schema's words.
  for (const service of app.services) {
    for (const [field, schema] of Object.entries(service.status?.properties ?? {})) {
      if (s[field] !== undefined) io.out(`${service.name.padEnd(12)} ${String(s[field])} ${(schema as { description?: string }).description ?? field}`);
    }
  }
  io.out(`node         ${client.url}`);
  return 0;
}
