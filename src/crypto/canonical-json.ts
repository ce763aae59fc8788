/**
 * RFC 8785 JSON Canonicalization Scheme (JCS) for everything Polity signs or
 * hashes. The serialisation itself is the `canonicalize` package (the RFC
 * author's reference implementation); this module adds the checks that make
 * "canonical" safe to rely on: no `undefined`, no non-finite numbers, and only
 * plain JSON values.
 *
 * Pure: runs unchanged in the browser.
 */
import canonicalizeImpl from 'canonicalize';
import { sha256 } from './sha256.js';
import { utf8Encode } from './bytes.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Canonical JSON text of `value` (RFC 8785). Throws `TypeError` on values JSON cannot carry. */
export function canonicalJson(value: unknown): string {
  assertJson(value, '$', 0);
  const text = canonicalizeImpl(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

export function canonicalBytes(value: unknown): Uint8Array {
  return utf8Encode(canonicalJson(value));
}

/** SHA-256 over the canonical JSON bytes of `value`. */
export function canonicalHash(value: unknown): Uint8Array {
  return sha256(canonicalBytes(value));
}

const DEPTH_MAX = 64;

function assertJson(value: unknown, path: string, depth: number): void {
  if (depth > DEPTH_MAX) throw new TypeError(`${path}: nested deeper than ${DEPTH_MAX}`);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: expected a finite number, got ${value}`);
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) assertJson(value[i], `${path}[${i}]`, depth + 1);
        return;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
        throw new TypeError(`${path}: expected a plain object`);
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined) throw new TypeError(`${path}.${k}: undefined has no JSON form`);
        assertJson(v, `${path}.${k}`, depth + 1);
      }
      return;
    default:
      throw new TypeError(`${path}: ${typeof value} has no JSON form`);
  }
}
