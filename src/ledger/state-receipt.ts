/**
 * State receipts: proof, checkable with no server, of what a set of state
 * keys held at one block — the values (or their absence), each with a
 * Merkle proof against the header's `stateRoot`, the header, its commit
 * certificate and, when the chain changed its validator set, the handovers
 * that lead from the genesis set to the block's (as notary receipts carry,
 * receipt.ts).
 *
 * Why a second kind of receipt: a notary receipt proves a transaction
 * happened; what a credential's verifier needs offline is a *state* — the
 * issuance record, the accreditations, the status bits — at a block recent
 * enough for its purpose. The block time says how fresh the state is; the
 * verifier decides what is fresh enough.
 *
 *   { "type": "polity.state.receipt", "v": 1, "chainId", "genesisHash",
 *     "header", "certificate", "validatorSets"?,
 *     "entries": [ { "key", "value" (JSON or null), "proof" (StateProof) }, … ] }
 *
 * A value's bytes are its RFC 8785 JSON (spec/state.md). Checking: the
 * header hashes to the certificate's block hash; the validator set is the
 * genesis set or the one its handovers reach; every entry's proof leads to
 * the header's stateRoot; then the certificates' signatures (Node:
 * `verifyStateReceipt`). Pure except for that last step.
 */
import { fromHex, utf8Encode } from '../crypto/bytes.js';
import { canonicalBytes, type Json } from '../crypto/canonical-json.js';
import { blockHash, type BlockHeader, type CommitCertificate } from './block.js';
import { genesisHash, type Genesis } from './genesis.js';
import { followSets, setHashOf, type SetHandover } from './set-history.js';
import { verifyCertificate } from './sign.js';
import { verifyStateProof, type StateProof } from './state-tree.js';

export const STATE_RECEIPT_TYPE = 'polity.state.receipt';
/** Most entries one receipt proves (bounds a verifier's work). */
export const STATE_RECEIPT_ENTRIES_MAX = 64;

export interface StateReceiptEntry {
  key: string;
  value: Json | null;
  proof: StateProof;
}

export interface StateReceipt {
  type: typeof STATE_RECEIPT_TYPE;
  v: 1;
  chainId: string;
  genesisHash: string;
  header: BlockHeader;
  certificate: CommitCertificate;
  validatorSets?: SetHandover[];
  entries: StateReceiptEntry[];
}

export type StateReceiptCheck = { ok: true; height: number; timeMs: number; values: Map<string, Json | null> } | { ok: false; reason: string };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Verify a state receipt against a genesis, signatures included. Never throws: anything malformed is a failed verdict with the reason. */
export function verifyStateReceipt(receipt: unknown, genesis: Genesis): StateReceiptCheck {
  try {
    return verifyUnsafe(receipt, genesis);
  } catch (e) {
    return { ok: false, reason: `malformed state receipt (${(e instanceof Error ? e.message : typeof e).slice(0, 160)})` };
  }
}

function verifyUnsafe(r: unknown, genesis: Genesis): StateReceiptCheck {
  const fail = (reason: string): StateReceiptCheck => ({ ok: false, reason });
  if (!isObject(r) || r['type'] !== STATE_RECEIPT_TYPE || r['v'] !== 1) return fail(`not a Polity state receipt (expected type ${STATE_RECEIPT_TYPE}, v 1)`);
  const { header: h, certificate: c, entries } = r as unknown as StateReceipt;
  if (r['chainId'] !== genesis.chainId) return fail('the receipt is for another chain');
  if (r['genesisHash'] !== genesisHash(genesis)) return fail('the receipt names a different genesis than the one given');
  if (!isObject(h) || h.chainId !== genesis.chainId || typeof h.height !== 'number' || typeof h.stateRoot !== 'string') return fail('block header is missing or for another chain');
  if (!isObject(c) || c.blockHash !== blockHash(h) || c.height !== h.height) return fail('the commit certificate is not for this block header (header was altered)');
  const sets = followSets(genesis.chainId, genesis.validators, r['validatorSets'], h.height);
  if (!sets.ok) return fail(sets.reason);
  if (h.validatorSetHash !== setHashOf(sets.validators)) return fail('the block was not signed by the validator set the genesis (and the receipt\'s handovers) lead to');
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > STATE_RECEIPT_ENTRIES_MAX) return fail(`entries: expected 1 to ${STATE_RECEIPT_ENTRIES_MAX}`);
  const root = fromHex(h.stateRoot, 32);
  const values = new Map<string, Json | null>();
  for (const e of entries) {
    if (!isObject(e) || typeof e.key !== 'string' || e.key.length > 1024) return fail('entries: each is {key, value, proof}');
    const value = e.value === null ? null : canonicalBytes(e.value as Json);
    if (!verifyStateProof(root, utf8Encode(e.key), value, e.proof)) return fail(`the proof of state key ${e.key.slice(0, 120)} does not lead to the header's state root (the value was altered)`);
    values.set(e.key, e.value as Json | null);
  }
  for (const check of [...sets.handovers, { height: h.height, blockHash: c.blockHash, certificate: c, validators: sets.validators }]) {
    const verdict = verifyCertificate(genesis.chainId, check.certificate, check.validators);
    if (!verdict.ok) return fail(`${check.height === h.height ? 'commit certificate' : `validator-set handover at block ${check.height}`}: ${verdict.reason}`);
  }
  return { ok: true, height: h.height, timeMs: h.time, values };
}
