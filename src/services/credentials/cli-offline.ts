/**
 * `polity credential receipt` and `polity credential verify --offline`:
 * checking a credential with no node at hand.
 *
 *   polity credential receipt FILE|HASH [--out R]
 *       fetch (online) the state receipt of everything verifying it reads
 *   polity credential receipt FILE --status [--out R]
 *       fetch only its two status pages, fresher (smaller; the node learns a page, not the credential)
 *   polity credential verify FILE --offline --status-receipt R [--status-receipt R2 …] --genesis G [--max-status-age S]
 *       signature, record, trust, claims, status, validity — from the receipts and the genesis alone
 *
 * The genesis is the only trust anchor: the receipts carry headers signed by
 * the validators it names (and the handovers to later sets). The status is
 * judged as of the receipt that proves it; older than --max-status-age
 * (default 24 hours) is CREDENTIALS_STATUS_STALE.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { loadGenesisFile } from '../../node/data-dir.js';
import type { Client } from '../../sdk/client.js';
import { UsageError, type Io } from '../../cli/io.js';
import { claimsProblem } from './claims.js';
import { verifyOffline } from './offline.js';
import type { VerificationViewT, RecordView } from './schemas.js';
import type { Static } from '@sinclair/typebox';

export const MAX_STATUS_AGE_DEFAULT_S = 24 * 3600;
/** A receipt file: at most 64 entries of a 512-byte page and their proofs, a header and certificates. */
const RECEIPT_BYTES_MAX = 4 * 1024 * 1024;

async function readReceipt(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`--status-receipt: cannot read ${path}`);
  }
  if (text.length > RECEIPT_BYTES_MAX) throw new UsageError(`--status-receipt: at most ${RECEIPT_BYTES_MAX} bytes, got ${text.length}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`--status-receipt: ${path} is not JSON`);
  }
}

export async function verifyOfflineCommand(credential: unknown, values: Record<string, unknown>, io: Io, print: (v: VerificationViewT, io: Io) => number): Promise<number> {
  const paths = (values['status-receipt'] as string[] | undefined) ?? [];
  if (paths.length === 0) throw new UsageError('--offline: give the receipts with --status-receipt R (fetch one with polity credential receipt FILE)');
  if (typeof values.genesis !== 'string') throw new UsageError("--offline: give the chain's genesis with --genesis FILE");
  const ageText = values['max-status-age'];
  const maxAgeS = ageText === undefined ? MAX_STATUS_AGE_DEFAULT_S : Number(ageText);
  if (!Number.isSafeInteger(maxAgeS) || maxAgeS <= 0) throw new UsageError('--max-status-age: expected seconds, a positive integer');
  const genesis = await loadGenesisFile(values.genesis);
  const receipts = await Promise.all(paths.map(readReceipt));
  const v = verifyOffline(credential, receipts, genesis, { nowMs: Date.now(), claimsProblem, maxStatusAgeMs: maxAgeS * 1000 });
  const height = Math.max(0, ...v.receipts.map((r) => r.height));
  if (values.json) {
    io.out(JSON.stringify({ ...v, height, offline: true }, null, 2));
    return v.verified ? 0 : 1;
  }
  io.out(`offline: ${v.receipts.length} receipt(s), blocks ${v.receipts.map((r) => `${r.height} (${new Date(r.timeMs).toISOString()})`).join(', ') || '—'}; genesis ${values.genesis}`);
  return print({ ...v, height }, io);
}

export async function fetchReceipt(client: Client, hash: string, values: Record<string, unknown>, io: Io): Promise<number> {
  let receipts: unknown[];
  if (values.status === true) {
    const rec = await client.request<Static<typeof RecordView>>('GET', `/v1/credentials/records/${hash}`);
    receipts = await Promise.all(
      (['revocation', 'suspension'] as const).map((purpose) => client.request<unknown>('GET', `/v1/credentials/status/${rec.org}/${rec.list}/${purpose}/receipt?index=${rec.index}`)),
    );
  } else receipts = [await client.request<unknown>('GET', `/v1/credentials/records/${hash}/receipt`)];
  const out = typeof values.out === 'string' ? values.out : undefined;
  for (const [i, r] of receipts.entries()) {
    const text = JSON.stringify(r, null, 2);
    if (out === undefined) io.out(text);
    else {
      const path = receipts.length === 1 ? out : out.replace(/(\.json)?$/, `.${i === 0 ? 'revocation' : 'suspension'}$1`);
      await writeFile(path, text + '\n');
      io.out(`wrote ${path}`);
    }
  }
  return 0;
}
