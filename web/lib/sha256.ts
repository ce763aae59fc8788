/**
 * The browser twin of src/crypto/sha256.ts: the same exports over
 * @noble/hashes. The pages' import map points the compiled URL of the Node
 * module (/app/src/crypto/sha256.js), which imports node:crypto, at this
 * file, so the ledger code the node runs hashes the same way in a browser.
 *
 * Synchronous on purpose: Merkle and canonical-hash code calls sha256() in
 * loops and expects bytes back, which WebCrypto's promise-based digest cannot
 * give. The verify page still hashes the (possibly large) document itself
 * with WebCrypto.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import type * as NodeSha256 from '../../src/crypto/sha256.js';

/** SHA-256 (FIPS 180-4) of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError(`sha256: expected a Uint8Array, got ${typeof data}`);
  return nobleSha256(data);
}

/** SHA-256 of `data` written into `out` at `offset`. */
export function sha256Into(data: Uint8Array, out: Uint8Array, offset: number): void {
  out.set(sha256(data), offset);
}

/** SHA-256 of the UTF-8 encoding of `text`, and that encoding's length in bytes. */
export function sha256Utf8(text: string): { hash: Uint8Array; bytes: number } {
  const bytes = new TextEncoder().encode(text);
  return { hash: nobleSha256(bytes), bytes: bytes.length };
}

/** The twin has every export of the Node module, with the same types (checked by tsc, erased at run time). */
export const twinOfNodeModule: typeof NodeSha256 = { sha256, sha256Into, sha256Utf8 };
