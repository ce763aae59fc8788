/**
 * Keys and transaction signatures in the browser, with WebCrypto Ed25519.
 *
 * The bytes signed are the node's own: the transaction id is SHA-256 over the
 * RFC 8785 canonical JSON of the body, and the signature covers
 * `"polity/tx/v1" || 0x00 || id` — both computed by the ledger module the
 * node runs (src/ledger/transaction.ts), never re-implemented here.
 * `decodeTx` then checks the signed transaction as the node will (shape,
 * canonical form, size) before it is sent.
 *
 * Key files are the CLI's (`polity keys new`, <data>/admin-key.json):
 * `{ "publicKey": <32 bytes hex>, "secretKey": <32-byte seed, hex> }`
 * (src/crypto/ed25519.ts). The seed is wrapped in PKCS#8 (RFC 8410) to be
 * imported; what a page keeps is a non-extractable CryptoKey, so no script
 * can read the seed back out of it. Nothing is put in any storage.
 *
 * A key file encrypted at rest (`polity keys new --encrypt`, `polity keys
 * encrypt`; src/crypto/sealed-key.ts) is opened here with its passphrase:
 * scrypt from @noble/hashes (WebCrypto has no scrypt; the async form yields
 * to the page every few milliseconds, so it stays responsive), AES-256-GCM
 * from WebCrypto. The passphrase and the opened seed are not kept: only the
 * non-extractable CryptoKey is.
 */
import { fromHex, isHex, toHex } from '../../src/crypto/bytes.js';
import { decodeTx, txIdBytes, txSignMessage, type SignedTx, type TxBody } from '../../src/ledger/transaction.js';
import { isSealed, openSealedKey, parseSealedKey, SealedKeyError, type ScryptFn, type SealedKeyFile } from '../../src/crypto/sealed-key.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { hasWebCrypto, INSECURE_CONTEXT } from './webcrypto.js';

/** DER prefix of an RFC 8410 PKCS#8 Ed25519 private key; the 32-byte seed follows. */
const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');
/** A key file is ~150 bytes; anything much larger is not one. */
export const KEY_FILE_BYTES_MAX = 4096;

/** A key ready to sign: its public half (hex) and a non-extractable private CryptoKey. */
export interface SigningKey {
  publicKey: string;
  privateKey: CryptoKey;
}

/** A key file that cannot be used, with a sentence a person can act on. */
export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

const NO_ED25519 = 'this browser cannot sign with Ed25519 keys (WebCrypto Ed25519 is missing); use a current browser or the polity command line';

function base64UrlToHex(text: string): string {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return toHex(Uint8Array.from(raw, (c) => c.charCodeAt(0)));
}

/** Wrap a 32-byte seed as PKCS#8 and import it; the DER copy is wiped. */
async function importSeed(seed: Uint8Array, extractable: boolean): Promise<CryptoKey> {
  const der = new Uint8Array(PKCS8_PREFIX.length + seed.length);
  der.set(PKCS8_PREFIX, 0);
  der.set(seed, PKCS8_PREFIX.length);
  try {
    return await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, extractable, ['sign']);
  } finally {
    der.fill(0);
  }
}

/** The public key (hex) of an extractable private key. */
async function publicKeyOf(key: CryptoKey): Promise<string> {
  const jwk = await crypto.subtle.exportKey('jwk', key);
  if (typeof jwk.x !== 'string') throw new KeyFileError(NO_ED25519);
  return base64UrlToHex(jwk.x);
}

function parseKeyFileText(text: string): { publicKey?: unknown; secretKey?: unknown } {
  if (text.length > KEY_FILE_BYTES_MAX) throw new KeyFileError(`this file is larger than a key file (at most ${KEY_FILE_BYTES_MAX} bytes)`);
  let value: { publicKey?: unknown; secretKey?: unknown };
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    throw new KeyFileError('this file is not JSON, so it is not a Polity key file');
  }
  if (typeof value !== 'object' || value === null) throw new KeyFileError('expected a key file {"publicKey", "secretKey"}');
  return value;
}

/** The sealed key a key file holds, or null for a plaintext key file. Throws KeyFileError for a malformed one. */
export function sealedKeyOf(text: string): SealedKeyFile | null {
  const value = parseKeyFileText(text);
  if (!isSealed(value)) return null;
  try {
    return parseSealedKey(value);
  } catch (e) {
    throw new KeyFileError(e instanceof SealedKeyError ? e.message : 'this encrypted key file is damaged');
  }
}

/** scrypt in the page: noble's, asynchronous, reporting how far it is (0..1). */
const pageScrypt =
  (onProgress?: (done: number) => void): ScryptFn =>
  (passphrase, salt, params) =>
    scryptAsync(passphrase, salt, { ...params, ...(onProgress ? { onProgress } : {}) });

/**
 * Read a key file's text into a signing key; an encrypted one needs its
 * passphrase. Throws KeyFileError saying what is wrong (a wrong passphrase
 * included); the passphrase is never part of a message.
 */
export async function loadSigningKey(text: string, passphrase?: string, onProgress?: (done: number) => void): Promise<SigningKey> {
  if (!hasWebCrypto()) throw new KeyFileError(INSECURE_CONTEXT);
  const value = parseKeyFileText(text);
  let seed: Uint8Array;
  const sealed = sealedKeyOf(text);
  if (sealed) {
    if (passphrase === undefined || passphrase === '') throw new KeyFileError('this key file is encrypted: enter its passphrase');
    try {
      seed = await openSealedKey(sealed, passphrase, pageScrypt(onProgress));
    } catch (e) {
      throw new KeyFileError(e instanceof SealedKeyError ? e.message : 'the key file could not be opened');
    }
    value.publicKey = sealed.publicKey;
  } else {
    if (!isHex(value.secretKey, 32)) throw new KeyFileError('secretKey: expected 64 hex digits (a 32-byte Ed25519 seed)');
    if (value.publicKey !== undefined && !isHex(value.publicKey, 32)) throw new KeyFileError('publicKey: expected 64 hex digits');
    seed = fromHex(value.secretKey, 32);
  }
  let publicKey: string;
  let privateKey: CryptoKey;
  try {
    // The public key is derived from the seed (as the CLI does), not taken on trust from the file.
    publicKey = await publicKeyOf(await importSeed(seed, true));
    privateKey = await importSeed(seed, false);
  } catch (e) {
    if (e instanceof KeyFileError) throw e;
    throw new KeyFileError(NO_ED25519);
  } finally {
    seed.fill(0);
  }
  if (value.publicKey !== undefined && value.publicKey !== publicKey) throw new KeyFileError('publicKey does not match secretKey: the file is damaged');
  return { publicKey, privateKey };
}

/**
 * A new key made in this browser: the signing key, and the key file's text
 * for the person to save (the CLI's format). The page offers the file for
 * download and then drops the text; only the non-extractable key stays.
 */
export async function generateSigningKey(): Promise<{ key: SigningKey; keyFile: string }> {
  if (!hasWebCrypto()) throw new KeyFileError(INSECURE_CONTEXT);
  let pair: CryptoKeyPair;
  try {
    pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  } catch {
    throw new KeyFileError(NO_ED25519);
  }
  const der = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const seed = der.slice(PKCS8_PREFIX.length);
  der.fill(0);
  try {
    const publicKey = await publicKeyOf(pair.privateKey);
    const keyFile = `${JSON.stringify({ publicKey, secretKey: toHex(seed) }, null, 2)}\n`;
    return { key: { publicKey, privateKey: await importSeed(seed, false) }, keyFile };
  } finally {
    seed.fill(0);
  }
}

/**
 * Sign a transaction body. Returns the signed transaction as POST /v1/tx
 * takes it, and its id (the id of an operation or proposal it creates).
 * Throws the node's own TX_MALFORMED / TX_TOO_LARGE error for a transaction
 * the node would refuse on sight.
 */
export async function signTransaction(body: TxBody, key: SigningKey): Promise<{ tx: SignedTx; id: string }> {
  const idBytes = txIdBytes(body);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key.privateKey, txSignMessage(idBytes) as Uint8Array<ArrayBuffer>));
  const tx: SignedTx = { body, sig: toHex(sig) };
  return { tx, id: decodeTx(tx).id };
}
