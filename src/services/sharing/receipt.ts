/**
 * Access receipts (spec/services/sharing.md §7): a subject proves, to
 * anyone and with no node at hand, that an organisation read (or was
 * refused) their data — a state receipt (ledger/state-receipt.ts,
 * `polity.state.receipt`) of the one key `sharing/access/<entryId>`,
 * checked against the chain's genesis alone.
 *
 * Why a state receipt: the entry is a value in the state tree under a
 * block the validators signed; its Merkle proof against the header's state
 * root and the certificate's signatures (with the validator-set handovers
 * since genesis) are all a verifier needs. The entry itself says who read,
 * what, when, for what purpose and on which basis.
 */
import type { Genesis } from '../../ledger/genesis.js';
import { verifyStateReceipt } from '../../ledger/state-receipt.js';
import { accessKey, type AccessEntry } from './module.js';

export type AccessReceiptCheck = { ok: true; entry: AccessEntry; height: number; timeMs: number } | { ok: false; reason: string };

const isEntry = (v: unknown): v is AccessEntry =>
  typeof v === 'object' && v !== null && typeof (v as AccessEntry).id === 'string' && typeof (v as AccessEntry).org === 'string' && typeof (v as AccessEntry).subject === 'string' && Array.isArray((v as AccessEntry).fields);

/**
 * Verify an access receipt against a genesis; `entryId`, when given, must be
 * the entry it proves. Never throws: anything wrong is a verdict with the reason.
 */
export function verifyAccessReceipt(receipt: unknown, genesis: Genesis, entryId?: string): AccessReceiptCheck {
  const check = verifyStateReceipt(receipt, genesis);
  if (!check.ok) return { ok: false, reason: check.reason };
  const keys = [...check.values.keys()].filter((k) => k.startsWith('sharing/access/'));
  if (keys.length !== 1) return { ok: false, reason: `expected a receipt of one access-log entry, got ${keys.length}` };
  const key = keys[0]!;
  if (entryId !== undefined && key !== accessKey(entryId)) return { ok: false, reason: 'the receipt proves another entry' };
  const value = check.values.get(key);
  if (value === null || value === undefined) return { ok: false, reason: 'the receipt proves that no such entry exists' };
  if (!isEntry(value) || key !== accessKey(value.id)) return { ok: false, reason: 'the proven value is not an access-log entry' };
  return { ok: true, entry: value, height: check.height, timeMs: check.timeMs };
}
