/**
 * Key files encrypted at rest ("sealed"): scrypt (RFC 7914) derives a
 * 256-bit key from a passphrase, AES-256-GCM encrypts the 32-byte Ed25519
 * seed. The public key stays in clear beside it, so `polity keys show`, a
 * genesis or a peer list can name the key without the passphrase, and it is
 * bound to the ciphertext as additional data: a file whose public key was
 * swapped does not open.
 *
 *   { "publicKey": <32 bytes hex>,
 *     "sealed": { "v": 1, "kdf": "scrypt", "logN": 17, "r": 8, "p": 1, "salt": <16 bytes hex>,
 *                 "cipher": "aes-256-gcm", "iv": <12 bytes hex>, "ciphertext": <48 bytes hex: seed, then tag> } }
 *
 * Why scrypt + AES-GCM rather than encrypted PKCS#8 from `node:crypto`:
 * Node's encrypted PKCS#8 is PBES2 with PBKDF2 at OpenSSL's fixed 2048
 * iterations (no option to raise it), which a GPU guesses through quickly;
 * scrypt is memory-hard and its cost is written in the file. And the web
 * console must open the same file: AES-GCM is in WebCrypto and scrypt is
 * in @noble/hashes, which the pages already load.
 *
 * Pure: no `node:` import, so the pages run this module unchanged. The KDF
 * is handed in (Node's scrypt on the command line, noble's in a page: the
 * same function, one fast and one portable), and so is the randomness.
 * AES-GCM comes from WebCrypto, which Node has as `globalThis.crypto`.
 *
 * Limits: logN 10..18 (at most 256 MiB of scrypt memory for a hostile
 * file), r = 8 and p = 1 only, fixed salt, IV and ciphertext lengths.
 * Files written here use logN 17 (128 MiB, about a third of a second in Node).
 */
import { fromHex, isHex, toHex } from './bytes.js';

export const SEALED_KEY_VERSION = 1;
export const SEAL_LOG_N_DEFAULT = 17;
export const SEAL_LOG_N_MIN = 10;
export const SEAL_LOG_N_MAX = 18;
export const SEAL_R = 8;
export const SEAL_P = 1;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const SEED_BYTES = 32;
const TAG_BYTES = 16;
/** A new passphrase is at least this many characters (opening a file takes any). */
export const PASSPHRASE_CHARS_MIN = 8;
/** A passphrase longer than this is not one (a file read by mistake). */
export const PASSPHRASE_CHARS_MAX = 1024;
/** Domain separation for the additional data: "polity/sealed-key/v1" || 0x00 || public key. */
const AAD_TAG = 'polity/sealed-key/v1';

export interface SealParams {
  v: 1;
  kdf: 'scrypt';
  logN: number;
  r: number;
  p: number;
  salt: string;
  cipher: 'aes-256-gcm';
  iv: string;
  ciphertext: string;
}

export interface SealedKeyFile {
  publicKey: string;
  sealed: SealParams;
}

/** scrypt(passphrase, salt, N, r, p) -> 32 bytes; Node's or noble's. */
export type ScryptFn = (passphrase: Uint8Array, salt: Uint8Array, params: { N: number; r: number; p: number; dkLen: number }) => Promise<Uint8Array>;

/** A key file that cannot be opened, with the reason in words (never the passphrase). */
export class SealedKeyError extends Error {
  override name = 'SealedKeyError';
  constructor(
    readonly reason: 'malformed' | 'wrong-passphrase' | 'weak-passphrase',
    message: string,
  ) {
    super(message);
  }
}

/** True when a parsed key file is sealed (it has a `sealed` member); it may still be malformed. */
export function isSealed(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'sealed' in value;
}

/** Check a parsed key file's shape and limits; throws SealedKeyError('malformed') saying which field is wrong. */
export function parseSealedKey(value: unknown): SealedKeyFile {
  const bad = (what: string): never => {
    throw new SealedKeyError('malformed', `encrypted key file: ${what}`);
  };
  if (typeof value !== 'object' || value === null) return bad('expected a JSON object');
  const file = value as { publicKey?: unknown; sealed?: unknown };
  if (!isHex(file.publicKey, 32)) bad('publicKey: expected 64 hex digits');
  const s = file.sealed as Record<string, unknown> | null;
  if (typeof s !== 'object' || s === null) return bad('sealed: expected an object');
  if (s.v !== SEALED_KEY_VERSION) bad(`sealed.v: expected ${SEALED_KEY_VERSION}, got ${JSON.stringify(s.v)}`);
  if (s.kdf !== 'scrypt') bad('sealed.kdf: expected "scrypt"');
  if (!Number.isInteger(s.logN) || (s.logN as number) < SEAL_LOG_N_MIN || (s.logN as number) > SEAL_LOG_N_MAX) bad(`sealed.logN: expected a whole number from ${SEAL_LOG_N_MIN} to ${SEAL_LOG_N_MAX}`);
  if (s.r !== SEAL_R || s.p !== SEAL_P) bad(`sealed.r and sealed.p: expected ${SEAL_R} and ${SEAL_P}`);
  if (!isHex(s.salt, SALT_BYTES)) bad(`sealed.salt: expected ${SALT_BYTES} bytes of hex`);
  if (s.cipher !== 'aes-256-gcm') bad('sealed.cipher: expected "aes-256-gcm"');
  if (!isHex(s.iv, IV_BYTES)) bad(`sealed.iv: expected ${IV_BYTES} bytes of hex`);
  if (!isHex(s.ciphertext, SEED_BYTES + TAG_BYTES)) bad(`sealed.ciphertext: expected ${SEED_BYTES + TAG_BYTES} bytes of hex`);
  const { v, kdf, logN, r, p, salt, iv, cipher, ciphertext } = s as unknown as SealParams;
  return { publicKey: file.publicKey as string, sealed: { v, kdf, logN, r, p, salt, cipher, iv, ciphertext } };
}

/** The passphrase's bytes: UTF-8 of its NFKC form, so a terminal and a browser agree on the same words. */
export function passphraseBytes(passphrase: string): Uint8Array {
  if (passphrase.length === 0) throw new SealedKeyError('weak-passphrase', 'the passphrase is empty');
  if (passphrase.length > PASSPHRASE_CHARS_MAX) throw new SealedKeyError('weak-passphrase', `the passphrase is longer than ${PASSPHRASE_CHARS_MAX} characters`);
  return new TextEncoder().encode(passphrase.normalize('NFKC'));
}

function aadOf(publicKey: string): Uint8Array<ArrayBuffer> {
  const tag = new TextEncoder().encode(AAD_TAG);
  const out = new Uint8Array(tag.length + 1 + 32);
  out.set(tag, 0);
  out.set(fromHex(publicKey, 32), tag.length + 1);
  return out;
}

async function aesKey(scrypt: ScryptFn, passphrase: string, salt: Uint8Array, logN: number, usage: KeyUsage): Promise<CryptoKey> {
  const derived = await scrypt(passphraseBytes(passphrase), salt, { N: 2 ** logN, r: SEAL_R, p: SEAL_P, dkLen: 32 });
  try {
    return await globalThis.crypto.subtle.importKey('raw', derived as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, [usage]);
  } finally {
    derived.fill(0);
  }
}

export interface SealOptions {
  scrypt: ScryptFn;
  /** `n` random bytes (salt and IV). */
  random: (n: number) => Uint8Array;
  /** Lower only in tests (a fast file); files for use take the default. */
  logN?: number;
}

/** Seal a 32-byte seed whose public key is `publicKey` (hex) under a passphrase of at least 8 characters. */
export async function sealKey(key: { publicKey: string; secretKey: string }, passphrase: string, options: SealOptions): Promise<SealedKeyFile> {
  if (passphrase.length < PASSPHRASE_CHARS_MIN) throw new SealedKeyError('weak-passphrase', `a passphrase has at least ${PASSPHRASE_CHARS_MIN} characters`);
  const logN = options.logN ?? SEAL_LOG_N_DEFAULT;
  if (!Number.isInteger(logN) || logN < SEAL_LOG_N_MIN || logN > SEAL_LOG_N_MAX) throw new RangeError(`logN: expected ${SEAL_LOG_N_MIN}..${SEAL_LOG_N_MAX}, got ${logN}`);
  const salt = options.random(SALT_BYTES);
  const iv = options.random(IV_BYTES);
  if (salt.length !== SALT_BYTES || iv.length !== IV_BYTES) throw new Error('invariant broken: random returned the wrong length');
  const seed = fromHex(key.secretKey, SEED_BYTES);
  try {
    const aes = await aesKey(options.scrypt, passphrase, salt, logN, 'encrypt');
    const sealed = new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, additionalData: aadOf(key.publicKey), tagLength: TAG_BYTES * 8 }, aes, seed as Uint8Array<ArrayBuffer>));
    return {
      publicKey: key.publicKey,
      sealed: { v: SEALED_KEY_VERSION, kdf: 'scrypt', logN, r: SEAL_R, p: SEAL_P, salt: toHex(salt), cipher: 'aes-256-gcm', iv: toHex(iv), ciphertext: toHex(sealed) },
    };
  } finally {
    seed.fill(0);
  }
}

/**
 * Open a sealed key file: its 32-byte seed. The caller checks that the seed's
 * public key is the file's (an Ed25519 derivation is not this module's). A
 * wrong passphrase and a tampered file look the same to AES-GCM: both say so.
 */
export async function openSealedKey(file: SealedKeyFile, passphrase: string, scrypt: ScryptFn): Promise<Uint8Array> {
  const s = file.sealed;
  const aes = await aesKey(scrypt, passphrase, fromHex(s.salt, SALT_BYTES), s.logN, 'decrypt');
  try {
    const seed = await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromHex(s.iv, IV_BYTES) as Uint8Array<ArrayBuffer>, additionalData: aadOf(file.publicKey), tagLength: TAG_BYTES * 8 }, aes, fromHex(s.ciphertext) as Uint8Array<ArrayBuffer>);
    return new Uint8Array(seed);
  } catch {
    throw new SealedKeyError('wrong-passphrase', 'the passphrase does not open this key file (or the file was altered)');
  }
}
