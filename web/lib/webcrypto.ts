/**
 * Ed25519 signature checks in the browser through WebCrypto: the explorer
 * (block certificates), the verify page (receipts) and the validators page
 * (handovers). A malformed key or signature is simply not a valid signature.
 */
import { fromHex } from '../../src/crypto/bytes.js';

/** True when the page can use WebCrypto (a secure context: HTTPS or localhost). */
export const hasWebCrypto = (): boolean => Boolean(globalThis.crypto?.subtle);

export const INSECURE_CONTEXT = 'this page was not opened over HTTPS (or from localhost), so the browser does not offer WebCrypto; open it over HTTPS';

export async function ed25519Verify(pubKeyHex: string, message: Uint8Array, sigHex: string): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey('raw', fromHex(pubKeyHex, 32) as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, fromHex(sigHex, 64) as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>);
  } catch {
    return false;
  }
}

/** SHA-256 of a file with WebCrypto, as hex. The bytes stay in this tab. */
export async function sha256File(file: Blob): Promise<string> {
  if (!hasWebCrypto()) throw new Error(INSECURE_CONTEXT);
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  let out = '';
  for (const byte of new Uint8Array(digest)) out += byte.toString(16).padStart(2, '0');
  return out;
}
