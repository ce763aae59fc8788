/**
 * `polity verify <file> <receipt>`: offline proof that this exact file was
 * anchored. Hashes the file, checks every link of the receipt and the commit
 * certificate's signatures against the chain's genesis. No server is needed
 * when the genesis is at hand (--genesis FILE, or <data>/genesis.json);
 * --api fetches it from a node instead, and says so.
 */
import { readFile } from 'node:fs/promises';
import type { Genesis } from '../../ledger/genesis.js';
import { verifyReceipt, type ReceiptFailureCode } from '../../ledger/receipt-verify.js';
import { exists, genesisPath, loadGenesisFile } from '../../node/data-dir.js';
import { createClient } from '../../sdk/client.js';
import { hashFile } from '../../cli/hash-file.js';
import { apiUrl, type Io } from '../../cli/io.js';
import { parseGenesis } from '../../ledger/genesis.js';

/**
 * The verdicts of `polity verify`, each with its exit code (spec/receipts.md
 * §4.1). Scripts branch on the code (`--json`: `code`), people read the
 * reason. 3 is every command's "no node answered" (only with --api).
 */
export const VERIFY_EXIT_CODES = {
  VERIFIED: 0,
  DOCUMENT_MISMATCH: 1,
  USAGE: 2,
  RECEIPT_INVALID: 5,
  INCONCLUSIVE: 6,
} as const satisfies Record<ReceiptFailureCode | 'VERIFIED' | 'USAGE', number>;
export type VerifyCode = keyof typeof VERIFY_EXIT_CODES;

/** The lines `polity verify --help` adds: each code, its exit status and what it means. */
export const VERIFY_HELP = [
  'exit codes (--json: "code"):',
  '  0 VERIFIED           the file is the one the receipt anchored, in a block the chain signed',
  '  1 DOCUMENT_MISMATCH  the receipt is not for this file (the file was changed, or it is another file\'s receipt)',
  '  2 USAGE              wrong arguments, or the file or receipt cannot be read',
  '  3                    no node answered (--api only)',
  '  5 RECEIPT_INVALID    the receipt is malformed, altered or forged: do not trust it',
  '  6 INCONCLUSIVE       cannot be decided here: no genesis, another chain\'s genesis, or a validator-set handover is missing',
  'examples:',
  '  polity verify contract.pdf contract.pdf.receipt.json --genesis genesis.json',
  '  polity verify contract.pdf contract.pdf.receipt.json --api https://node.example.gov --json',
];

type Verdict = ReturnType<typeof verifyReceipt> | { ok: false; reason: string; code: 'USAGE' };

export async function runVerify(values: Record<string, unknown>, [file, receiptPath]: string[], io: Io): Promise<number> {
  let hash: string;
  try {
    hash = await hashFile(file!);
  } catch (e) {
    return report(io, values, file!, undefined, { ok: false, reason: (e as Error).message, code: 'USAGE' });
  }
  let receiptText: string;
  try {
    receiptText = await readFile(receiptPath!, 'utf8');
  } catch {
    return report(io, values, file!, hash, { ok: false, reason: `cannot read the receipt ${receiptPath}`, code: 'USAGE' });
  }
  let receipt: unknown;
  try {
    receipt = JSON.parse(receiptText);
  } catch {
    return report(io, values, file!, hash, { ok: false, reason: `${receiptPath} is not JSON`, code: 'RECEIPT_INVALID' });
  }

  let genesis: Genesis;
  let genesisSource: string;
  try {
    if (typeof values.genesis === 'string') {
      genesis = await loadGenesisFile(values.genesis);
      genesisSource = values.genesis;
    } else if (typeof values.api === 'string' || typeof values.port === 'string') {
      const url = apiUrl(values);
      // A node that does not answer throws through: exit 3, as for every command.
      genesis = parseGenesis(await createClient({ url, timeoutMs: 10_000 }).genesis());
      genesisSource = `${url}/v1/genesis (fetched from the node)`;
    } else if (await exists(genesisPath(values.data as string))) {
      genesis = await loadGenesisFile(genesisPath(values.data as string));
      genesisSource = genesisPath(values.data as string);
    } else {
      return report(io, values, file!, hash, { ok: false, reason: `need the chain's genesis to verify: pass --genesis FILE (no ${genesisPath(values.data as string)} here)`, code: 'INCONCLUSIVE' });
    }
  } catch (e) {
    if (typeof values.genesis !== 'string' && values.data === undefined) throw e;
    if (typeof values.api === 'string' || typeof values.port === 'string') throw e;
    return report(io, values, file!, hash, { ok: false, reason: `no usable genesis: ${(e as Error).message.slice(0, 200)}`, code: 'INCONCLUSIVE' });
  }
  const result = verifyReceipt(receipt, genesis, { documentHash: hash });
  const who = result.ok ? await signerInWords(values, genesis, result.facts.signer, result.facts.mode) : undefined;
  return report(io, values, file!, hash, result, genesisSource, who);
}

/** Who signed, in words, and from what: the node's current state (--api), or the genesis (offline). */
interface SignerName {
  name: string;
  from: string;
}

const titleCase = (role: string): string => role.charAt(0).toUpperCase() + role.slice(1);

/**
 * Name the signer: "Registrar, Civil Registry". With --api (or --port) the
 * node's current state says (GET /v1/members/{key}, /v1/orgs): roles may have
 * changed since the block, and the line says it is today's. Offline, the
 * genesis knows only the first organisations' admins and node keys.
 */
async function signerInWords(values: Record<string, unknown>, genesis: Genesis, signer: string, mode: 'signed' | 'batch'): Promise<SignerName | undefined> {
  if (typeof values.api === 'string' || typeof values.port === 'string') {
    try {
      const client = createClient({ url: apiUrl(values), timeoutMs: 10_000 });
      const member = (await client.request('GET', `/v1/members/${signer}`)) as { org?: string; roles: string[]; admin: boolean; nodeOf?: string };
      const orgs = (await client.request('GET', '/v1/orgs')) as { height: number; organisations: { id: string; name: string }[] };
      const orgName = (id: string | undefined) => orgs.organisations.find((o) => o.id === id)?.name ?? id;
      const from = `the node's current state at height ${orgs.height}, not necessarily the block's`;
      if (member.nodeOf) return { name: `${mode === 'batch' ? 'aggregating node' : 'node'} of ${orgName(member.nodeOf)}`, from };
      if (member.org) {
        // An admin may act in every role: "Admin" says it; an official is named by the roles held.
        const roles = (member.admin ? ['admin'] : [...new Set(member.roles)]).map(titleCase);
        return { name: `${roles.length ? roles.join(' and ') : 'Member'}, ${orgName(member.org)}`, from };
      }
      return { name: 'no organisation: a citizen, or a key no organisation holds now', from };
    } catch {
      return undefined;
    }
  }
  for (const o of genesis.organisations ?? []) {
    if (o.nodes.includes(signer)) return { name: `${mode === 'batch' ? 'aggregating node' : 'node'} of ${o.name}`, from: 'the genesis' };
    if (o.admins.includes(signer)) return { name: `Admin, ${o.name}`, from: 'the genesis' };
  }
  return { name: 'not named in the genesis', from: 'the genesis; pass --api URL to ask a node who holds the key now' };
}

function report(io: Io, values: Record<string, unknown>, file: string, hash: string | undefined, result: Verdict, genesisSource?: string, who?: SignerName): number {
  const code: VerifyCode = result.ok ? 'VERIFIED' : result.code;
  const exit = VERIFY_EXIT_CODES[code];
  if (values.json) {
    io.out(JSON.stringify(result.ok ? { ok: true, code, file, ...result.facts, timeIso: new Date(result.facts.time).toISOString(), ...(who ? { signerName: who.name, signerNameFrom: who.from } : {}), genesis: genesisSource } : { ok: false, code, file, ...(hash ? { hash } : {}), reason: result.reason }));
    return exit;
  }
  if (result.ok) {
    const f = result.facts;
    io.out(`verified: ${file} was anchored in block ${f.height} at ${new Date(f.time).toISOString()}`);
    io.out(`  sha256   ${hash}`);
    io.out(`  block    ${f.blockHash}`);
    io.out(`  mode     ${f.mode === 'batch' ? 'aggregated batch' : `signed by ${f.signer}`}`);
    if (who) io.out(`  signer   ${who.name} — key ${f.signer.slice(0, 16)}… (from ${who.from})`);
    if (f.meta) io.out(`  metadata ${JSON.stringify(f.meta)}`);
    io.out(`  genesis  ${genesisSource}`);
    return exit;
  }
  io.err(`${code === 'INCONCLUSIVE' ? 'INCONCLUSIVE' : 'NOT verified'}: ${file}`);
  io.err(`  code     ${code} (exit ${exit})`);
  io.err(`  reason   ${result.reason}`);
  if (hash) io.err(`  sha256   ${hash}`);
  return exit;
}
