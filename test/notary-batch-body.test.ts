/**
 * `POST /v1/notary/batch` reads the plain form of its body straight into
 * bytes (src/services/notary/batch-body.ts) and every other form through
 * JSON.parse and the schema. These pin the answers a client sees, which
 * must not depend on which way a body went: the schema's 400 naming the
 * first bad hash, the same count for the same hashes however the JSON is
 * written, duplicates counted once, the limit, and authentication after
 * the body is checked.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { signRequest } from '../src/sdk/http-auth.js';
import { randomHash, startTestNode, until, type TestNode } from './helpers.js';

let t: TestNode;
const HOST = '127.0.0.1:8701';
const requester = generateKeyPair();

before(async () => {
  t = await startTestNode({ api: { publicOrigin: `http://${HOST}` } });
});
after(async () => {
  await t.close();
});

/** POST a body exactly as given (text), signed like a client signs it, or unsigned. */
async function post(body: string, signed = true): Promise<{ status: number; body: any }> {
  const url = '/v1/notary/batch';
  const headers = { 'content-type': 'application/json' };
  const auth = signed ? { host: HOST, ...signRequest({ method: 'POST', url: `http://${HOST}${url}`, headers, body, keyId: requester.publicKey, secretKey: requester.secretKey }) } : {};
  const res = await t.app.inject({ method: 'POST', url, payload: body, headers: { ...headers, ...auth } });
  return { status: res.statusCode, body: res.json() };
}

const plain = (hashes: unknown[]): string => JSON.stringify({ hashes });

test('a malformed hash is refused with 400 SCHEMA_INVALID naming the first bad index, in any form of the body', async () => {
  const good = Array.from({ length: 5 }, randomHash);
  const cases: [string, string, string][] = [
    ['not hex at index 3', plain([...good.slice(0, 3), 'zz'.repeat(32), good[4]]), "body/hashes/3: Expected string to match '^[0-9a-f]{64}$'"],
    ['upper case at index 1', plain([good[0], good[1]!.toUpperCase(), 'nothex']), "body/hashes/1: Expected string to match '^[0-9a-f]{64}$'"],
    ['63 characters at index 0', plain([good[0]!.slice(1), 'zz']), "body/hashes/0: Expected string to match '^[0-9a-f]{64}$'"],
    ['a number at index 2', plain([good[0], good[1], 7]), 'body/hashes/2: Expected string'],
    ['bad hash, body spaced out', `{ "hashes" : [ "${good[0]}" ,\n "${'g'.repeat(64)}" ] }`, "body/hashes/1: Expected string to match '^[0-9a-f]{64}$'"],
    ['empty list', plain([]), 'body/hashes: Expected array length to be greater or equal to 1'],
    ['not a list', JSON.stringify({ hashes: good[0] }), 'body/hashes: Expected array'],
    ['another key', JSON.stringify({ hashes: good, extra: 1 }), 'body/extra: Unexpected property'],
    ['over the limit', plain(Array.from({ length: 100_001 }, () => good[0])), 'body/hashes: Expected array length to be less or equal to 100000'],
  ];
  for (const [name, body, message] of cases) {
    for (const signed of [true, false]) {
      const res = await post(body, signed);
      assert.equal(res.status, 400, `${name} (${signed ? 'signed' : 'unsigned'}): ${JSON.stringify(res.body).slice(0, 200)}`);
      assert.equal(res.body.code, 'SCHEMA_INVALID', name);
      assert.equal(res.body.message, message, name);
    }
  }
  // Not JSON at all, or JSON cut short: the JSON parser's answer.
  for (const body of ['{"hashes":["', '{"hashes":[]', 'hashes']) {
    const res = await post(body);
    assert.equal(res.status, 400, body);
    assert.equal(res.body.code, 'MALFORMED_JSON', body);
  }
  assert.equal(t.node.status().notaryPendingHashes, 0, 'nothing was queued');
});

test('the same hashes get the same answer however the JSON is written; repeats are counted once', async () => {
  const hashes = Array.from({ length: 6 }, randomHash);
  // \u0061 is "a": valid JSON the fast reader leaves to JSON.parse.
  const escaped = `{"hashes":[${hashes.map((h) => `"${h.replace(/a/g, '\\u0061')}"`).join(',')}]}`;
  const forms = [plain(hashes), `\n{\t"hashes":\r\n[ ${hashes.map((h) => `"${h}"`).join(' , ')} ]\n}\n`, escaped];
  for (const [i, body] of forms.entries()) {
    const res = await post(body);
    assert.equal(res.status, 202, `form ${i}: ${JSON.stringify(res.body).slice(0, 200)}`);
    // The first form queued them; the others repeat hashes that still wait (or were anchored meanwhile).
    if (i === 0) assert.deepEqual(res.body, { status: 'pending', count: 6 });
  }
  // Repeats inside one request, and of a hash that waits, are not counted.
  const fresh = Array.from({ length: 3 }, randomHash);
  const res = await post(plain([fresh[0], fresh[1], fresh[0], fresh[2], fresh[1]]));
  assert.equal(res.status, 202);
  assert.equal(res.body.count, 3);
  // Anchored: each has its receipt.
  for (const h of [...hashes, ...fresh]) {
    await until(async () => ((await t.app.inject({ method: 'GET', url: `/v1/notary/receipts/${h}` })).statusCode === 200 ? true : undefined), 10_000, 'a receipt');
  }
});

test('an unsigned request with a valid body is refused with 401 AUTH_REQUIRED and queues nothing', async () => {
  const res = await post(plain([randomHash()]), false);
  assert.equal(res.status, 401);
  assert.equal(res.body.code, 'AUTH_REQUIRED');
  assert.equal(t.node.status().notaryPendingHashes, 0);
});
