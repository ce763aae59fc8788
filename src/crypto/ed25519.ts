/**
 * Ed25519 (RFC 8032) through `node:crypto`.
 *
 * Verification is the throughput ceiling of the whole system, so imported
 * public keys are cached as `KeyObject`s: re-importing a key on every call
 * costs ~40% of verification throughput (FIELD-NOTES).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { fromHex, toHex } from './bytes.js';

/** DER prefixes that wrap a raw 32-byte key as SPKI (public) and PKCS#8 (private). */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface KeyPair {
  /** 32-byte public key, hex. */
  publicKey: string;
  /** 32-byte private seed, hex. */
  secretKey: string;
}

export function generateKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  return { publicKey: toHex(pub), secretKey: toHex(seed) };
}

/** Derive the public key of a 32-byte seed. */
export function publicKeyOf(secretKeyHex: string): string {
  const pub = createPublicKey(privateKeyObject(secretKeyHex)).export({ format: 'der', type: 'spki' });
  return toHex(pub.subarray(SPKI_PREFIX.length));
}

const privateCache = new Map<string, KeyObject>();
function privateKeyObject(secretKeyHex: string): KeyObject {
  let key = privateCache.get(secretKeyHex);
  if (!key) {
    const seed = fromHex(secretKeyHex, 32);
    key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    if (privateCache.size > 1024) privateCache.clear();
    privateCache.set(secretKeyHex, key);
  }
  return key;
}

const PUBLIC_CACHE_MAX = 100_000;
const publicCache = new Map<string, KeyObject>();

/** Import (once) a raw 32-byte public key given as hex or bytes. Throws on a malformed key. */
export function publicKeyObject(publicKey: string | Uint8Array): KeyObject {
  const hex = typeof publicKey === 'string' ? publicKey : toHex(publicKey);
  let key = publicCache.get(hex);
  if (!key) {
    const raw = typeof publicKey === 'string' ? fromHex(publicKey, 32) : publicKey;
    if (raw.length !== 32) throw new TypeError(`expected a 32-byte public key, got ${raw.length}`);
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    if (publicCache.size >= PUBLIC_CACHE_MAX) publicCache.clear();
    publicCache.set(hex, key);
  }
  return key;
}

/** Sign `message` with a 32-byte seed; returns the 64-byte signature as hex. */
export function signBytes(secretKeyHex: string, message: Uint8Array): string {
  return toHex(sign(null, message, privateKeyObject(secretKeyHex)));
}

export function signRaw(secretKeyHex: string, message: Uint8Array): Uint8Array {
  return sign(null, message, privateKeyObject(secretKeyHex));
}

/**
 * Verify an Ed25519 signature. Never throws: a malformed key or signature is
 * simply not a valid signature.
 */
export function verifyBytes(publicKey: string | Uint8Array, message: Uint8Array, signature: string | Uint8Array): boolean {
  try {
    const sig = typeof signature === 'string' ? fromHex(signature, 64) : signature;
    if (sig.length !== 64) return false;
    return verify(null, message, publicKeyObject(publicKey), sig);
  } catch {
    return false;
  }
}


/** Whether a public key is a point (ed25519-point.ts: no node:crypto, so the web pages use it too). */
export { ed25519PointProblem, isEd25519Point } from './ed25519-point.js';
