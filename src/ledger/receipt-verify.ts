/**
 * Node-side receipt verification: the pure hash checks of `receipt.ts`, then
 * the signatures of the commit certificate (and of any validator-set
 * handovers before it) through node:crypto.
 *
 * Many receipts share a block, so a verifier may pass a `ReceiptCache`
 * (see receipt.ts): among what it remembers, a certificate whose signatures
 * were already checked for a block hash is not checked again. Keying the cache by block hash alone is sound: once a
 * quorum is shown to have signed a block hash, that block is final, whatever
 * signatures a later receipt for the same block carries.
 */
import { verifyCertificate } from './sign.js';
import type { Genesis } from './genesis.js';
import { checkReceipt, createReceiptCache, sameJson, type ReceiptCache, type ReceiptFacts } from './receipt.js';

export { createReceiptCache, type ReceiptCache };

export type ReceiptVerification = { ok: true; facts: ReceiptFacts } | { ok: false; reason: string };

export function verifyReceipt(receipt: unknown, genesis: Genesis, options: { documentHash?: string; cache?: ReceiptCache } = {}): ReceiptVerification {
  const check = checkReceipt(receipt, genesis, options.documentHash, options.cache);
  if (!check.ok) return check;
  for (const c of check.certificates) {
    const verified = options.cache?.certificates.get(c.blockHash);
    if (verified && sameJson(verified, c.certificate)) continue;
    const what = c.blockHash === check.facts.blockHash ? 'commit certificate' : `validator-set handover at block ${c.height}`;
    const verdict = verifyCertificate(genesis.chainId, c.certificate, c.validators);
    if (!verdict.ok) return { ok: false, reason: `${what}: ${verdict.reason}` };
    options.cache?.certificates.set(c.blockHash, c.certificate);
  }
  return { ok: true, facts: check.facts };
}
