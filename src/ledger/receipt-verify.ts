/**
 * Node-side receipt verification: the pure shape and hash checks of
 * `receipt.ts`, then the signatures through node:crypto — of the commit
 * certificate (and of any validator-set handovers before it), and of the
 * anchoring transaction itself.
 *
 * Every input gets a verdict: a receipt is untrusted JSON, so anything the
 * checks below throw on (they should not: the shape is checked first) is
 * reported as a failed receipt with the reason, never as an exception
 * (spec/receipts.md §4).
 *
 * Many receipts share a block, so a verifier may pass a `ReceiptCache`
 * (see receipt.ts): among what it remembers, a certificate whose signatures
 * were already checked for a block hash is not checked again, nor a
 * transaction signature already checked for a transaction id. Keying the cache by block hash alone is sound: once a
 * quorum is shown to have signed a block hash, that block is final, whatever
 * signatures a later receipt for the same block carries.
 */
import { verifyBytes } from '../crypto/ed25519.js';
import { verifyCertificate } from './sign.js';
import type { Genesis } from './genesis.js';
import { checkReceipt, createReceiptCache, malformed, sameJson, TX_SIGNATURE_REASON, type ReceiptCache, type ReceiptFacts, type ReceiptFailureCode } from './receipt.js';

export { createReceiptCache, type ReceiptCache, type ReceiptFailureCode };

/** The verdict code of a failed signature or a malformed receipt (a receipt verdict, not an API error code). */
const INVALID: ReceiptFailureCode = 'RECEIPT_INVALID';

export type ReceiptVerification = { ok: true; facts: ReceiptFacts } | { ok: false; reason: string; code: ReceiptFailureCode };

/** Verify a receipt against a genesis. Never throws: a malformed receipt is a failed verdict with the reason. */
export function verifyReceipt(receipt: unknown, genesis: Genesis, options: { documentHash?: string; cache?: ReceiptCache } = {}): ReceiptVerification {
  try {
    return verifyUnsafe(receipt, genesis, options);
  } catch (e) {
    return { ok: false, reason: malformed(e), code: INVALID };
  }
}

function verifyUnsafe(receipt: unknown, genesis: Genesis, options: { documentHash?: string; cache?: ReceiptCache }): ReceiptVerification {
  const check = checkReceipt(receipt, genesis, options.documentHash, options.cache);
  if (!check.ok) return check;
  for (const c of check.certificates) {
    const verified = options.cache?.certificates.get(c.blockHash);
    if (verified && sameJson(verified, c.certificate)) continue;
    const what = c.blockHash === check.facts.blockHash ? 'commit certificate' : `validator-set handover at block ${c.height}`;
    const verdict = verifyCertificate(genesis.chainId, c.certificate, c.validators);
    if (!verdict.ok) return { ok: false, reason: `${what}: ${verdict.reason}`, code: INVALID };
    options.cache?.certificates.set(c.blockHash, c.certificate);
  }
  const t = check.transaction;
  if (options.cache?.txSignatures.get(t.txId) !== t.sig) {
    if (!verifyBytes(t.pubKey, t.message, t.sig)) return { ok: false, reason: TX_SIGNATURE_REASON, code: INVALID };
    options.cache?.txSignatures.set(t.txId, t.sig);
  }
  return { ok: true, facts: check.facts };
}
