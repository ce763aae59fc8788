/**
 * Signing Polity transactions in the browser with WebCrypto Ed25519.
 *
 * The bytes signed are the node's own: the transaction id is SHA-256 over the
 * RFC 8785 canonical JSON of the body, and the signature covers
 * `"polity/tx/v1" || 0x00 || id` — both computed by the compiled ledger
 * module the node runs (/lib/ledger/transaction.js), never re-implemented
 * here. `decodeTx` then checks the signed transaction as the node will
 * (shape, canonical form, size) before it is sent.
 *
 * Key files are the CLI's (`polity keys new`, <data>/admin-key.json):
 * `{ "publicKey": <32 bytes hex>, "secretKey": <32-byte seed, hex> }`
 * (src/crypto/ed25519.ts). The seed is wrapped in PKCS#8 (RFC 8410) to be
 * imported; what callers keep is a non-extractable CryptoKey, so no script
 * can read the seed back out of it.
 */
import { fromHex, isHex, toHex } from '/lib/crypto/bytes.js';
import { decodeTx, txIdBytes, txSignMessage } from '/lib/ledger/transaction.js';

/** DER prefix of an RFC 8410 PKCS#8 Ed25519 private key; the 32-byte seed follows. */
const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');
/** A key file is ~150 bytes; anything much larger is not one. */
export const KEY_FILE_BYTES_MAX = 4096;

export class KeyFileError extends Error {}

function base64UrlToHex(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return toHex(Uint8Array.from(raw, (c) => c.charCodeAt(0)));
}

/** Wrap a 32-byte seed as PKCS#8 and import it (extractable only to read its public half once). */
async function importSeed(seed, extractable) {
  const der = new Uint8Array(PKCS8_PREFIX.length + seed.length);
  der.set(PKCS8_PREFIX, 0);
  der.set(seed, PKCS8_PREFIX.length);
  try {
    return await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, extractable, ['sign']);
  } finally {
    der.fill(0);
  }
}

/**
 * Read a key file's text into a signing key: `{ publicKey, privateKey }`
 * where privateKey is a non-extractable CryptoKey. Throws KeyFileError with
 * a sentence a person can act on.
 */
export async function loadSigningKey(text) {
  if (!globalThis.crypto?.subtle) {
    throw new KeyFileError('this page was not opened over HTTPS (or from localhost), so the browser cannot sign; open it over HTTPS');
  }
  if (typeof text !== 'string' || text.length > KEY_FILE_BYTES_MAX) throw new KeyFileError(`this file is larger than a key file (at most ${KEY_FILE_BYTES_MAX} bytes)`);
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new KeyFileError('this file is not JSON, so it is not a Polity key file');
  }
  if (typeof value !== 'object' || value === null) throw new KeyFileError('expected a key file {"publicKey", "secretKey"}');
  if (!isHex(value.secretKey, 32)) throw new KeyFileError('secretKey: expected 64 hex digits (a 32-byte Ed25519 seed)');
  if (value.publicKey !== undefined && !isHex(value.publicKey, 32)) throw new KeyFileError('publicKey: expected 64 hex digits');

  const seed = fromHex(value.secretKey, 32);
  let publicKey;
  let privateKey;
  try {
    // The public key is derived from the seed (as the CLI does), not taken on trust from the file.
    const probe = await importSeed(seed, true);
    const jwk = await crypto.subtle.exportKey('jwk', probe);
    publicKey = base64UrlToHex(jwk.x);
    privateKey = await importSeed(seed, false);
  } catch (e) {
    if (e instanceof KeyFileError) throw e;
    throw new KeyFileError('this browser cannot sign with Ed25519 keys (WebCrypto Ed25519 is missing); use a current browser or the polity command line');
  } finally {
    seed.fill(0);
  }
  if (value.publicKey !== undefined && value.publicKey !== publicKey) throw new KeyFileError('publicKey does not match secretKey: the file is damaged');
  return { publicKey, privateKey };
}

/**
 * Sign a transaction body. Returns `{ tx, id }`: the signed transaction as
 * POST /v1/tx takes it, and its id (the id of an operation or proposal it
 * creates). Throws the node's own TX_MALFORMED / TX_TOO_LARGE PolityError
 * for a transaction the node would refuse on sight.
 */
export async function signTransaction(body, key) {
  const idBytes = txIdBytes(body);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key.privateKey, txSignMessage(idBytes)));
  const tx = { body, sig: toHex(sig) };
  const decoded = decodeTx(tx);
  return { tx, id: decoded.id };
}
