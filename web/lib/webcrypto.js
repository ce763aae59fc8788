/**
 * Ed25519 signature checks in the browser through WebCrypto, shared by the
 * explorer (certificates of blocks) and the verify page (receipts).
 * A malformed key or signature is simply not a valid signature.
 */
import { fromHex } from '/lib/crypto/bytes.js';

export async function ed25519Verify(pubKeyHex, message, sigHex) {
  try {
    const key = await crypto.subtle.importKey('raw', fromHex(pubKeyHex, 32), { name: 'Ed25519' }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, fromHex(sigHex, 64), message);
  } catch {
    return false;
  }
}
