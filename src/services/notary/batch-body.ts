/**
 * The body of `POST /v1/notary/batch`, read fast: up to 100,000 document
 * hashes a request, millions a second.
 *
 * The generic path (JSON.parse, then the TypeBox schema's pattern checked
 * on each of 100,000 strings, then a Set of hex strings and a hex decode)
 * cost the node's one API thread more than the rest of aggregation
 * together. So the route reads its body's bytes directly when they have
 * the plain form every client sends,
 *
 *   {"hashes":["<64 lowercase hex>", ...]}   (JSON whitespace anywhere between tokens)
 *
 * and decodes the hashes straight into one byte array, 32 bytes each, in
 * one pass. Anything else — escapes, other keys, a wrong type, a bad hash,
 * too many or none — is not an error here: it goes the generic way, so its
 * answer (400 SCHEMA_INVALID naming the first bad place, MALFORMED_JSON,
 * ...) is the one the schema gives, word for word. The fast form accepts
 * only bodies the schema accepts, with the same hashes in the same order.
 *
 * Pure: bytes in, bytes out.
 */

/** Character code -> nibble value for 0-9a-f, -1 for anything else (upper case too: the schema says lower case). */
const NIBBLE: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) t[97 + i] = 10 + i;
  return t;
})();

/** Two character codes (first << 8 | second) -> the byte their hex spells, -1 when either is not 0-9a-f: one look-up per byte. */
const PAIR: Int16Array = (() => {
  const t = new Int16Array(65536).fill(-1);
  for (let hi = 0; hi < 256; hi++) {
    if (NIBBLE[hi]! < 0) continue;
    for (let lo = 0; lo < 256; lo++) if (NIBBLE[lo]! >= 0) t[(hi << 8) | lo] = (NIBBLE[hi]! << 4) | NIBBLE[lo]!;
  }
  return t;
})();

const QUOTE = 0x22;
/** `"hashes"`, the one key of the body. */
const KEY = new TextEncoder().encode('"hashes"');

const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The hashes of a batch body in its plain form, 32 bytes each back to back;
 * undefined when the body is in any other form (valid or not), which the
 * generic JSON parser and the schema then answer.
 */
export function decodeBatchBody(body: Uint8Array, hashesMax: number): Uint8Array | undefined {
  const end = body.length;
  let i = 0;
  const skip = (): void => {
    while (i < end && isSpace(body[i])) i++;
  };
  skip();
  if (body[i] !== 0x7b /* { */) return undefined;
  i++;
  skip();
  for (let j = 0; j < KEY.length; j++) if (body[i + j] !== KEY[j]) return undefined;
  i += KEY.length;
  skip();
  if (body[i] !== 0x3a /* : */) return undefined;
  i++;
  skip();
  if (body[i] !== 0x5b /* [ */) return undefined;
  i++;
  // At most one hash per 66 bytes ("64 hex",): room for every hash the body can hold, within the limit.
  const room = Math.min(hashesMax, Math.floor(end / 66) + 1);
  const out = new Uint8Array(room * 32);
  let count = 0;
  skip();
  if (body[i] === 0x5d /* ] */) return undefined; // none: the schema's minItems answers
  for (;;) {
    if (count >= room || body[i] !== QUOTE || i + 65 >= end || body[i + 65] !== QUOTE) return undefined;
    i++;
    const at = count * 32;
    let bad = 0;
    for (let j = 0; j < 32; j++) {
      const byte = PAIR[(body[i + 2 * j]! << 8) | body[i + 2 * j + 1]!]!;
      bad |= byte; // a -1 anywhere sets the sign bit
      out[at + j] = byte;
    }
    if (bad < 0) return undefined;
    i += 65;
    count++;
    skip();
    if (body[i] === 0x2c /* , */) {
      i++;
      skip();
      continue;
    }
    if (body[i] !== 0x5d /* ] */) return undefined;
    i++;
    break;
  }
  skip();
  if (body[i] !== 0x7d /* } */) return undefined;
  i++;
  skip();
  if (i !== end) return undefined;
  return out.subarray(0, count * 32);
}

/** Whether a parsed body is `{ hashes: [...] }` with 1..hashesMax hashes of 64 lowercase hex and nothing else: the schema's verdict, without a pattern match per hash. */
export function isBatchBody(value: unknown, hashesMax: number): value is { hashes: string[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== 'hashes') return false;
  const hashes = (value as { hashes: unknown }).hashes;
  if (!Array.isArray(hashes) || hashes.length < 1 || hashes.length > hashesMax) return false;
  for (const h of hashes) {
    if (typeof h !== 'string' || h.length !== 64) return false;
    for (let j = 0; j < 64; j++) {
      const c = h.charCodeAt(j);
      if (c > 0xff || NIBBLE[c]! < 0) return false;
    }
  }
  return true;
}

/** Hex hashes (already checked) as bytes, 32 each, in order. */
export function packHashes(hashes: readonly string[]): Uint8Array {
  const out = new Uint8Array(hashes.length * 32);
  for (let n = 0; n < hashes.length; n++) {
    const h = hashes[n]!;
    const at = n * 32;
    for (let j = 0; j < 32; j++) {
      const hi = NIBBLE[h.charCodeAt(2 * j)] ?? -1;
      const lo = NIBBLE[h.charCodeAt(2 * j + 1)] ?? -1;
      if ((hi | lo) < 0) throw new TypeError(`expected 64 lowercase hex characters at hash ${n}`);
      out[at + j] = (hi << 4) | lo;
    }
  }
  return out;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The hashes of packed bytes (32 each) as 64-hex strings. */
export function unpackHashes(packed: Uint8Array): string[] {
  const out: string[] = [];
  for (let at = 0; at < packed.length; at += 32) {
    let s = '';
    for (let j = 0; j < 32; j++) s += HEX[packed[at + j]!];
    out.push(s);
  }
  return out;
}
