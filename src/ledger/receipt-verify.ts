/**
 * Node-side receipt verification: the pure hash checks of `receipt.ts`, then
 * the commit certificate's signatures through node:crypto.
 *
 * Many receipts share a block, so a verifier may pass a `ReceiptCache`
 * (see receipt.ts): among what it remembers, a certificate whose signatures
 * were already checked for a block hash is not checked again. Keying the cache by block hash alone is sound: once a
 * quorum is shown to have signed a block hash, that block is final, whatever
 * signatures a later receipt for the same block carries.
 */
import { verifyBytes } from '../crypto/ed25519.js';
import { hasQuorum, type CommitCertificate } from './block.js';
import type { Genesis } from './genesis.js';
import { checkReceipt, createReceiptCache, sameJson, type ReceiptCache, type ReceiptFacts } from './receipt.js';

export { createReceiptCache, type ReceiptCache };

export type ReceiptVerification = { ok: true; facts: ReceiptFacts } | { ok: false; reason: string };

export function verifyReceipt(receipt: unknown, genesis: Genesis, options: { documentHash?: string; cache?: ReceiptCache } = {}): ReceiptVerification {
  const check = checkReceipt(receipt, genesis, options.documentHash, options.cache);
  if (!check.ok) return check;
  const key = check.facts.blockHash;
  const certificate = (receipt as { certificate: CommitCertificate }).certificate;
  const verified = options.cache?.certificates.get(key);
  if (verified && sameJson(verified, certificate)) return { ok: true, facts: check.facts };
  if (check.certificateError) return { ok: false, reason: `commit certificate: ${check.certificateError}` };
  let signed = 0;
  for (const s of check.signatures) {
    if (!verifyBytes(s.pubKey, s.message, s.sig)) {
      return { ok: false, reason: `commit certificate: bad signature from validator ${s.pubKey.slice(0, 16)}…` };
    }
    signed += s.power;
  }
  if (!hasQuorum(signed, check.totalPower)) {
    return { ok: false, reason: `commit certificate: signers hold ${signed} of ${check.totalPower} voting power; more than two thirds is needed` };
  }
  options.cache?.certificates.set(key, certificate);
  return { ok: true, facts: check.facts };
}
