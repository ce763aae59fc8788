/**
 * X25519 (RFC 7748) through `node:crypto`, and the map from an Ed25519 node
 * key to its X25519 twin.
 *
 * Why the twin: a node encrypts to another organisation's nodes (the
 * private records of the data-sharing service are wrapped for each node
 * that may hold them), so each node needs an X25519 public key that others
 * can trust. Its Ed25519 node key is already published on the chain, in its
 * organisation's entry (spec/identity.md), and the birational map from the
 * Edwards to the Montgomery form of Curve25519 turns it into an X25519 key
 * with no new registration: u = (1 + y) / (1 - y) mod p, and the secret
 * scalar is the first half of SHA-512 of the Ed25519 seed (the one Ed25519
 * signs with). This is libsodium's `crypto_sign_ed25519_pk_to_curve25519`,
 * and what age does for ssh-ed25519 recipients; using one key pair for both
 * Ed25519 and an X25519 KEM is proven jointly secure (Thormarker,
 * "On using the same key pair for Ed25519 and an X25519 based KEM", 2021).
 * The secret never leaves the node: a service host gets a function that
 * computes shared secrets (src/node/service-host.ts).
 */
import { createHash, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { fromHex } from './bytes.js';

const P = 2n ** 255n - 19n;
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function modPow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = base % P;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

const decodeLe = (bytes: Uint8Array): bigint => {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
};
const encodeLe32 = (n: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};

/** The X25519 public key (u-coordinate) of an Ed25519 public key; throws for a key of the wrong length or the identity point. */
export function x25519PublicFromEd25519(edPublicKey: Uint8Array | string): Uint8Array {
  const bytes = typeof edPublicKey === 'string' ? fromHex(edPublicKey, 32) : edPublicKey;
  if (bytes.length !== 32) throw new TypeError(`expected a 32-byte Ed25519 public key, got ${bytes.length} bytes`);
  const y = decodeLe(bytes) & ((1n << 255n) - 1n);
  if (y >= P) throw new TypeError('expected an Ed25519 public key, got a y-coordinate outside the field');
  const denominator = (1n - y + P) % P;
  if (denominator === 0n) throw new TypeError('expected an Ed25519 public key, got the identity point');
  return encodeLe32(((1n + y) * modPow(denominator, P - 2n)) % P);
}

/** The X25519 secret scalar of an Ed25519 seed: SHA-512(seed)[0..32] (clamped when used, RFC 7748 §5). */
export function x25519SecretFromEd25519Seed(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new TypeError(`expected a 32-byte Ed25519 seed, got ${seed.length} bytes`);
  return new Uint8Array(createHash('sha512').update(seed).digest().subarray(0, 32));
}

const privateKeyObject = (secret: Uint8Array) => createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
const publicKeyObject = (publicKey: Uint8Array) => createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });

/** The public key of a 32-byte X25519 secret. */
export function x25519PublicOf(secret: Uint8Array): Uint8Array {
  if (secret.length !== 32) throw new TypeError(`expected a 32-byte X25519 secret, got ${secret.length} bytes`);
  return new Uint8Array(createPublicKey(privateKeyObject(secret)).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length));
}

/** X25519(secret, publicKey); throws for a low-order public key (an all-zero shared secret). */
export function x25519(secret: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (secret.length !== 32 || publicKey.length !== 32) throw new TypeError(`expected 32-byte X25519 keys, got ${secret.length} and ${publicKey.length} bytes`);
  let shared: Uint8Array;
  try {
    shared = new Uint8Array(diffieHellman({ privateKey: privateKeyObject(secret), publicKey: publicKeyObject(publicKey) }));
  } catch {
    shared = new Uint8Array(32); // OpenSSL refuses the all-zero result of a low-order point
  }
  if (shared.every((b) => b === 0)) throw new TypeError('expected an X25519 public key, got a low-order point');
  return shared;
}
