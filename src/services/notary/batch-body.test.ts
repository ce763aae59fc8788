/**
 * The fast reader of batch bodies (batch-body.ts) against the generic path
 * it stands in for: JSON.parse, then the route's TypeBox schema. Whatever
 * the fast reader accepts, the generic path accepts with the same hashes in
 * the same order; the plain form is always taken fast; and the string
 * check agrees with the schema's verdict on every value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { decodeBatchBody, isBatchBody, packHashes, unpackHashes } from './batch-body.js';
import { BatchBody } from './schemas.js';

const schema = TypeCompiler.Compile(BatchBody);
const MAX = 100_000;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const space = fc.constantFrom('', ' ', '\n', '\t', '\r\n', '  ');

/** What the generic path makes of a body: the hashes when the schema accepts it, else undefined. */
function generic(body: string): string[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  return schema.Check(value) ? (value as { hashes: string[] }).hashes : undefined;
}

test('the plain form, with any JSON whitespace, is read fast into the same bytes the generic path gives', () => {
  fc.assert(
    fc.property(fc.array(hashArb, { minLength: 1, maxLength: 40 }), fc.array(space, { minLength: 8, maxLength: 8 }), (hashes, ws) => {
      const [a, b, c, d, e, f, g, h] = ws as [string, string, string, string, string, string, string, string];
      const body = `${a}{${b}"hashes"${c}:${d}[${e}${hashes.map((x) => `"${x}"`).join(`${f},${e}`)}${g}]${h}}${a}`;
      const fast = decodeBatchBody(enc(body), MAX);
      assert.ok(fast, body.slice(0, 80));
      assert.deepEqual(generic(body), hashes);
      assert.deepEqual(Buffer.from(fast), Buffer.from(packHashes(hashes)));
      assert.deepEqual(unpackHashes(fast), hashes);
    }),
  );
});

test('whatever the fast reader accepts, the schema accepts with the same hashes (mutated bodies)', () => {
  const base = JSON.stringify({ hashes: [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')] });
  let taken = 0;
  fc.assert(
    fc.property(fc.nat(base.length), fc.nat(base.length), fc.constantFrom('', 'A', 'g', '"', ',', ']', '}', '[', '{', ' ', '\\', 'x', '0', '\u00e9', ':'), (at, cut, insert) => {
      const body = base.slice(0, at) + insert + base.slice(Math.min(base.length, at + (cut % 3)));
      const fast = decodeBatchBody(enc(body), MAX);
      if (!fast) return;
      taken++;
      const hashes = generic(body);
      assert.ok(hashes, `read fast but refused by the schema: ${body}`);
      assert.deepEqual(unpackHashes(fast), hashes);
    }),
    { numRuns: 3000 },
  );
  assert.ok(taken > 0, 'control: unchanged bodies are read fast');
});

test('other forms and bad bodies are left to the generic path', () => {
  const h = randomBytes(32).toString('hex');
  const refused = [
    '',
    '{}',
    '{"hashes":[]}',
    `{"hashes":["${h}"],"hashes":["${h}"]}`, // a repeated key: JSON.parse keeps the last
    `{"hashes":["${h}"],"extra":1}`,
    `{"hashes":["${h.toUpperCase()}"]}`,
    `{"hashes":["${h}",]}`,
    `{"hashes":["${h}"]}x`,
    `{"hashes":["${h.slice(0, 63)}"]}`,
    `{"hashes":["${h}0"]}`,
    `{"hashes":["\\u00${h.slice(2)}"]}`,
    `{"hashes":[${JSON.stringify(h)}]`,
    `["${h}"]`,
    `{"hashes":"${h}"}`,
  ];
  for (const body of refused) assert.equal(decodeBatchBody(enc(body), MAX), undefined, body);
  // The limit: one over is the schema's to refuse.
  const three = JSON.stringify({ hashes: [h, h, h] });
  assert.ok(decodeBatchBody(enc(three), 3));
  assert.equal(decodeBatchBody(enc(three), 2), undefined);
});

test('the string check agrees with the schema on parsed values', () => {
  const h = randomBytes(32).toString('hex');
  const values: unknown[] = [
    { hashes: [h] },
    { hashes: [h, h] },
    { hashes: [] },
    { hashes: [h.toUpperCase()] },
    { hashes: [h.slice(1)] },
    { hashes: [`${h.slice(1)}\u0130`] },
    { hashes: [`${h.slice(1)}\u0030`] },
    { hashes: [1] },
    { hashes: h },
    { hashes: [h], more: 1 },
    [h],
    null,
    'x',
    { hashes: Array.from({ length: 4 }, () => h) },
  ];
  for (const v of values) assert.equal(isBatchBody(v, MAX), schema.Check(v), JSON.stringify(v)?.slice(0, 80));
  fc.assert(fc.property(fc.array(fc.oneof(hashArb, fc.string({ minLength: 64, maxLength: 64 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 64, maxLength: 64 })), { maxLength: 5 }), (hashes) => {
    assert.equal(isBatchBody({ hashes }, MAX), schema.Check({ hashes }));
  }));
});
