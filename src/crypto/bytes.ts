/**
 * Byte helpers shared by every layer: hex codecs with precise input checks,
 * concatenation and constant-shape comparisons.
 *
 * Pure: no `node:` imports, so the same module runs in the browser (the
 * "verify a document" page loads it unchanged).
 */

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

/** Encode bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_TABLE[bytes[i]!];
  return out;
}
const HEX_TABLE: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** True when `value` is lowercase hex of exactly `bytes` bytes (any length when omitted). */
export function isHex(value: unknown, bytes?: number): value is string {
  if (typeof value !== 'string') return false;
  if (bytes !== undefined && value.length !== bytes * 2) return false;
  return HEX_RE.test(value);
}

/**
 * Decode lowercase hex. Throws a `TypeError` that says what was expected and
 * what arrived ("expected 32 bytes of hex, got 31").
 */
export function fromHex(value: string, bytes?: number): Uint8Array {
  if (typeof value !== 'string') throw new TypeError(`expected a hex string, got ${typeof value}`);
  if (value.length % 2 !== 0) throw new TypeError('expected lowercase hex of an even length');
  if (bytes !== undefined && value.length !== bytes * 2) {
    throw new TypeError(`expected ${bytes} bytes of hex, got ${value.length / 2}`);
  }
  const out = new Uint8Array(value.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = NIBBLE[value.charCodeAt(i * 2)] ?? -1;
    const lo = NIBBLE[value.charCodeAt(i * 2 + 1)] ?? -1;
    if (hi < 0 || lo < 0) throw new TypeError('expected lowercase hex of an even length');
    out[i] = (hi << 4) | lo;
  }
  return out;
}
/** Character code -> nibble value for 0-9a-f, -1 for anything else. */
const NIBBLE: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) t[97 + i] = 10 + i;
  return t;
})();

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const encoder = new TextEncoder();
export const utf8Encode = (s: string): Uint8Array => encoder.encode(s);
