/**
 * Browser replacement of src/crypto/sha256.ts (same exports), over
 * @noble/hashes. The web pages' import map points "/lib/crypto/sha256.js" —
 * the URL the compiled ledger modules import — at this file, because the Node
 * version imports node:crypto, which a browser does not have.
 *
 * Synchronous on purpose: Merkle and canonical-hash code calls sha256() in
 * loops and expects bytes back, which WebCrypto's promise-based digest cannot
 * give. The verify page still hashes the (possibly large) document itself
 * with WebCrypto.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** SHA-256 (FIPS 180-4) of `data`. */
export function sha256(data) {
  if (!(data instanceof Uint8Array)) throw new TypeError(`sha256: expected a Uint8Array, got ${typeof data}`);
  return nobleSha256(data);
}

/** SHA-256 of `data` written into `out` at `offset` (same export as the Node module). */
export function sha256Into(data, out, offset) {
  out.set(sha256(data), offset);
}

/** SHA-256 of the UTF-8 encoding of `text`, and that encoding's length (same export as the Node module). */
export function sha256Utf8(text) {
  const bytes = new TextEncoder().encode(text);
  return { hash: nobleSha256(bytes), bytes: bytes.length };
}
