/**
 * Ed25519 keys as text, the way DIDs and Data Integrity proofs write them:
 * base58btc (the Bitcoin alphabet), Multikey (`publicKeyMultibase`: "z" +
 * base58btc of multicodec 0xed01 + key) and the `did:key` method built on it
 * (W3C did:key; Multikey of W3C Controlled Identifiers).
 *
 * Pure codecs with no chain knowledge: the DID service (services/did), the
 * API's signed-request key resolver and the web pages share them. Malformed
 * input throws `TypeError` saying what is wrong; a Multikey of another key
 * type throws `RangeError`.
 */
import { fromHex, toHex } from './bytes.js';

/** Most base58btc characters decoded (a key is ~47): longer text is refused before any work. */
export const BASE58_TEXT_MAX = 512;

const B58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B58_INDEX: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < B58_ALPHABET.length; i++) t[B58_ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/**
 * Base58 with the Bitcoin alphabet (draft-msporny-base58): each leading zero
 * byte is a leading "1"; the rest is the big-endian number in base 58.
 * Quadratic, which is fine for keys (34 bytes).
 */
export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // Digits of the number in base 58, least significant first.
  const digits: number[] = [];
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!;
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j]! << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  let out = '1'.repeat(zeros);
  for (let i = digits.length - 1; i >= 0; i--) out += B58_ALPHABET[digits[i]!];
  return out;
}

/** Decode base58btc. Throws `TypeError` naming the first character outside the alphabet (0, O, I, l are not in it). */
export function base58Decode(text: string, charsMax = BASE58_TEXT_MAX): Uint8Array {
  if (typeof text !== 'string') throw new TypeError(`expected base58btc text, got ${typeof text}`);
  if (text.length > charsMax) throw new TypeError(`expected at most ${charsMax} base58btc characters, got ${text.length}`);
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  // Bytes of the number, least significant first.
  const bytes: number[] = [];
  for (let i = zeros; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? B58_INDEX[code]! : -1;
    if (value < 0) throw new TypeError(`not base58btc: character ${i + 1} is outside the alphabet`);
    let carry = value;
    for (let j = 0; j < bytes.length; j++) {
      carry += bytes[j]! * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  const out = new Uint8Array(zeros + bytes.length);
  for (let i = 0; i < bytes.length; i++) out[out.length - 1 - i] = bytes[i]!;
  return out;
}

// --- Multikey (Ed25519) and did:key -----------------------------------------------------

/** The multicodec code of an Ed25519 public key (0xed) as an unsigned varint: 0xed 0x01. */
export const ED25519_MULTICODEC = Uint8Array.of(0xed, 0x01);

/** `publicKeyMultibase` of an Ed25519 key: "z" (base58btc) + base58btc(0xed01 || key). Always starts "z6Mk". */
export function multikeyEncode(publicKey: string): string {
  const raw = fromHex(publicKey, 32);
  const prefixed = new Uint8Array(34);
  prefixed.set(ED25519_MULTICODEC, 0);
  prefixed.set(raw, 2);
  return 'z' + base58Encode(prefixed);
}

/** The Ed25519 public key (hex) of a Multikey value. Throws `TypeError` saying what is wrong. */
export function multikeyDecode(multibase: string, charsMax = BASE58_TEXT_MAX): string {
  if (typeof multibase !== 'string' || multibase[0] !== 'z') throw new TypeError('expected a multibase base58btc value starting with "z"');
  const bytes = base58Decode(multibase.slice(1), charsMax);
  if (bytes.length < 2 || bytes[0] !== 0xed || bytes[1] !== 0x01) throw new RangeError('not an Ed25519 key: the multicodec prefix is not 0xed01');
  if (bytes.length !== 34) throw new TypeError(`expected a 32-byte Ed25519 key after the multicodec prefix, got ${bytes.length - 2} bytes`);
  return toHex(bytes.subarray(2));
}

/** The did:key of an Ed25519 public key (hex). */
export function didKeyFromPublicKey(publicKey: string): string {
  return `did:key:${multikeyEncode(publicKey)}`;
}

/** The Ed25519 public key (hex) of a `did:key:z6Mk…`. Throws `TypeError` (malformed) or `RangeError` (another key type). */
export function decodeDidKey(did: string, charsMax = BASE58_TEXT_MAX): string {
  if (typeof did !== 'string' || !did.startsWith('did:key:')) throw new TypeError('expected did:key:z…');
  return multikeyDecode(did.slice('did:key:'.length), charsMax);
}
