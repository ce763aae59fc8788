/**
 * RFC 8785 JSON Canonicalization Scheme (JCS) for everything Polity signs or
 * hashes, with the checks that make "canonical" safe to rely on: no
 * `undefined`, no non-finite numbers, no lone surrogates, only plain JSON
 * values, bounded depth (spec/encoding.md §4).
 *
 * Why our own encoder: every transaction is canonicalised on arrival (its id
 * is the hash of its canonical body) and every state value and result when a
 * block is built, so this is on the hot path of every transaction. One pass
 * that checks and serialises at once costs about a third of a check pass
 * followed by the reference implementation (`canonicalize`), which also
 * scans every string character by character in JavaScript. The reference
 * implementation stays as the oracle of a differential property test
 * (crypto.test.ts), beside the RFC's known answers.
 *
 * How: RFC 8785 serialises strings exactly as ECMAScript `JSON.stringify`
 * does and numbers as `Number.prototype.toString` does, and sorts member
 * names by UTF-16 code units, which is what `Array.prototype.sort` does with
 * no comparator. So the encoder delegates each string and number to the
 * engine and only orders members and joins.
 *
 * Pure: runs unchanged in the browser.
 */
import { sha256 } from './sha256.js';
import { utf8Encode } from './bytes.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const DEPTH_MAX = 64;
/** In Unicode mode a surrogate pair is one code point, so this matches lone surrogates only. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Canonical JSON text of `value` (RFC 8785). Throws `TypeError`, naming the path, on values JSON cannot carry. */
export function canonicalJson(value: unknown): string {
  try {
    return encode(value, 0);
  } catch (e) {
    if (e === REFUSED) throw refusal(value, '$', 0) ?? new TypeError('value has no canonical JSON form');
    throw e;
  }
}

export function canonicalBytes(value: unknown): Uint8Array {
  return utf8Encode(canonicalJson(value));
}

/** SHA-256 over the canonical JSON bytes of `value`. */
export function canonicalHash(value: unknown): Uint8Array {
  return sha256(canonicalBytes(value));
}

/** Thrown inside the fast path; the error message is then found by a second, descriptive walk. */
const REFUSED = new Error('refused');

/** Characters that need escaping, or a look at surrogates; most strings (hex, names) have none. */
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;

function encodeString(s: string): string {
  if (!NEEDS_CARE.test(s)) return '"' + s + '"';
  if (LONE_SURROGATE.test(s)) throw REFUSED;
  return JSON.stringify(s);
}

function encode(value: unknown, depth: number): string {
  if (depth > DEPTH_MAX) throw REFUSED;
  switch (typeof value) {
    case 'string':
      return encodeString(value);
    case 'number':
      if (!Number.isFinite(value)) throw REFUSED;
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += encode(value[i], depth + 1);
        }
        return out + ']';
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw REFUSED;
      const keys = Object.keys(value).sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (i > 0) out += ',';
        out += encodeString(key) + ':' + encode((value as Record<string, unknown>)[key], depth + 1);
      }
      return out + '}';
    }
    default:
      throw REFUSED; // undefined, function, symbol, bigint
  }
}

/** Why `value` has no canonical form, as a TypeError naming the path; undefined if it has one. */
function refusal(value: unknown, path: string, depth: number): TypeError | undefined {
  if (depth > DEPTH_MAX) return new TypeError(`${path}: nested deeper than ${DEPTH_MAX}`);
  switch (typeof value) {
    case 'string':
      return LONE_SURROGATE.test(value) ? new TypeError(`${path}: lone surrogate in a string`) : undefined;
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : new TypeError(`${path}: expected a finite number, got ${value}`);
    case 'undefined':
      return new TypeError(`${path}: undefined has no JSON form`);
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const e = refusal(value[i], `${path}[${i}]`, depth + 1);
          if (e) return e;
        }
        return undefined;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return new TypeError(`${path}: expected a plain object`);
      for (const key of Object.keys(value)) {
        if (LONE_SURROGATE.test(key)) return new TypeError(`${path}: lone surrogate in a member name`);
        const e = refusal((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
        if (e) return e;
      }
      return undefined;
    }
    default:
      return new TypeError(`${path}: ${typeof value} has no JSON form`);
  }
}
