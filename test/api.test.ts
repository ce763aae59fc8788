/**
 * The node end to end through its HTTP API, in-process (app.inject): signed
 * anchors, aggregated anchors, receipts that verify offline, state proofs,
 * history proofs, and a bad-input table covering every route — each answered
 * with a 4xx `{code, message}` and no change to the node.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { fromHex, utf8Encode } from '../src/crypto/bytes.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../src/crypto/merkle.js';
import { verifyStateProof } from '../src/ledger/state-tree.js';
import { createReceiptCache, verifyReceipt } from '../src/ledger/receipt-verify.js';
import { signTx } from '../src/ledger/sign.js';
import { txId } from '../src/ledger/transaction.js';
import { canonicalBytes } from '../src/crypto/canonical-json.js';
import { anchorTx, randomHash, startTestNode, until, type TestNode } from './helpers.js';
import { signRequest } from '../src/sdk/http-auth.js';
import { signBytes } from '../src/crypto/ed25519.js';
import { sessionMessage } from '../src/api/sessions.js';

let t: TestNode;
const user = generateKeyPair();
let nonce = 0;
const HOST = '127.0.0.1:8700';

before(async () => {
  // In-process (inject): the API listens nowhere, so it is told the origin its signed requests name.
  t = await startTestNode({ api: { publicOrigin: `http://${HOST}` } });
});
after(async () => {
  await t.close();
});

/** A key that signs requests (RFC 9421), as `polity notarize` does with the user's key. */
const requester = generateKeyPair();

/** A request signed with `requester`: the headers a client adds for the URL it uses. */
function signedHeaders(method: string, url: string, payload: unknown, key = requester): Record<string, string> {
  const body = JSON.stringify(payload);
  return { host: HOST, ...signRequest({ method, url: `http://${HOST}${url}`, headers: { 'content-type': 'application/json' }, body, keyId: key.publicKey, secretKey: key.secretKey }) };
}
const signedPost = (url: string, payload: unknown) => inject('POST', url, payload, signedHeaders('POST', url, payload));

async function inject(method: 'GET' | 'POST' | 'DELETE' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const res = await t.app.inject({
    method,
    url,
    ...(payload === undefined ? {} : { payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload) }),
    headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
  });
  let body: any;
  try {
    body = res.json();
  } catch {
    body = res.body;
  }
  return { status: res.statusCode, body };
}

async function quiescent(): Promise<void> {
  await until(() => {
    const s = t.node.status();
    return s.mempoolTxs === 0 && s.notaryPendingHashes === 0 ? true : undefined;
  }, 10_000, 'an idle node');
  await new Promise((r) => setTimeout(r, 60));
}

test('a signed anchor commits and its receipt verifies offline', async () => {
  const hash = randomHash();
  const tx = anchorTx(t.genesis, user, nonce++, hash, { args: { hash, meta: { docType: 'permit', reference: 'P-2026-001' } } });
  const res = await inject('POST', '/v1/tx?wait=commit&timeoutMs=5000', tx);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.status, 'committed');
  assert.equal(res.body.result.code, 'OK');

  const receipt = await inject('GET', `/v1/notary/receipts/${hash}`);
  assert.equal(receipt.status, 200);
  const check = verifyReceipt(receipt.body, t.genesis, { documentHash: hash });
  assert.ok(check.ok, check.ok ? '' : check.reason);
  assert.equal(check.facts.mode, 'signed');
  assert.equal(check.facts.signer, user.publicKey);
  assert.deepEqual(check.facts.meta, { docType: 'permit', reference: 'P-2026-001' });

  const lookup = await inject('GET', `/v1/notary/hashes/${hash}`);
  assert.equal(lookup.body.status, 'anchored');
  assert.equal(lookup.body.height, res.body.height);

  // Anchoring the same hash again is a committed, failed transaction that changes nothing.
  const again = await inject('POST', '/v1/tx?wait=commit', anchorTx(t.genesis, user, nonce++, hash));
  assert.equal(again.status, 200);
  assert.equal(again.body.result.code, 'NOTARY_ALREADY_ANCHORED');
  const lookup2 = await inject('GET', `/v1/notary/hashes/${hash}`);
  assert.equal(lookup2.body.height, res.body.height);
});

test('aggregated hashes each get a receipt that verifies; a tampered receipt does not', async () => {
  const hashes = Array.from({ length: 37 }, randomHash);
  const res = await signedPost('/v1/notary/batch', { hashes });
  assert.equal(res.status, 202);
  assert.deepEqual(res.body, { status: 'pending', count: 37 });
  const receipts = await until(async () => {
    const r = await inject('POST', '/v1/notary/receipts', { hashes });
    return r.body.receipts.every((x: any) => x.type === 'polity.notary.receipt') ? r.body.receipts : undefined;
  });
  const cache = createReceiptCache();
  for (const [i, r] of receipts.entries()) {
    const check = verifyReceipt(r, t.genesis, { documentHash: hashes[i], cache });
    assert.ok(check.ok, check.ok ? '' : check.reason);
    assert.equal(check.facts.mode, 'batch');
  }
  // Negative controls: each link of the chain is checked.
  const r0 = receipts[0];
  // ... with a fresh verifier, and with the warm cache of the session above.
  const bad = (mutate: (r: any) => void, expect: RegExp) => {
    for (const session of [undefined, cache]) {
      const copy = structuredClone(r0);
      mutate(copy);
      const check = verifyReceipt(copy, t.genesis, { documentHash: copy.hash, ...(session ? { cache: session } : {}) });
      assert.equal(check.ok, false, `expected failure for ${expect} (${session ? 'warm cache' : 'no cache'})`);
      assert.match((check as { reason: string }).reason, expect);
    }
  };
  bad((r) => (r.batch.path[0] = '00'.repeat(32)), /batch path/);
  bad((r) => (r.batch.path[r.batch.path.length - 1] = '00'.repeat(32)), /batch path/);
  bad((r) => (r.batch.index = (r.batch.index + 1) % r.batch.size), /batch path/);
  bad((r) => (r.batch.path = [`${r.batch.path[0]},${r.batch.path[1]}`, ...r.batch.path.slice(2)]), /malformed receipt: batch\.path\[0\]: expected 32 bytes of lowercase hex/);
  bad((r) => (r.batch.path = [[r.batch.path[0]], ...r.batch.path.slice(1)]), /malformed receipt: batch\.path\[0\]: expected 32 bytes of lowercase hex, got a list of 1/);
  bad((r) => (r.certificate.signatures = [...r.certificate.signatures, r.certificate.signatures[0]]), /signed twice/);
  bad((r) => (r.tx.body.nonce += 1), /batch root is not|not in the block/);
  bad((r) => (r.header.stateRoot = '00'.repeat(32)), /certificate is not for this block header/);
  bad((r) => (r.hash = hashes[1]), /batch path/);
  bad((r) => (r.header.time += 1), /certificate is not for this block header/);
  bad((r) => (r.txPath = r.txPath.concat(['11'.repeat(32)])), /transaction path|not in the block/);
  bad((r) => (r.result.code = 'TX_EXPIRED'), /failed on chain/);
  bad((r) => (r.certificate.signatures[0].sig = 'ab'.repeat(64)), /bad signature/);
  bad((r) => (r.certificate.signatures = []), /more than two thirds/);
  bad((r) => (r.chainId = 'other-chain'), /chain/);
  bad((r) => (r.tx.sig = '00'.repeat(64)), /transaction's signature \(tx\.sig\) does not verify/);
  bad((r) => (r.certificate.signatures = [null, ...r.certificate.signatures]), /certificate\.signatures\[0\]: expected an object, got null/);
  const otherHash = randomHash();
  const mismatch = verifyReceipt(r0, t.genesis, { documentHash: otherHash });
  assert.equal(mismatch.ok, false);
  assert.match((mismatch as { reason: string }).reason, /does not match/);
  // A hash anchored again keeps its earliest anchoring in look-ups and receipts.
  const firstHeight = r0.header.height;
  const again = await signedPost('/v1/notary/batch', { hashes: [hashes[0]] });
  assert.equal(again.body.status, 'pending');
  // The answer says it was anchored before, and when (the earliest anchoring), raw and ISO 8601.
  assert.deepEqual(again.body.anchored, [{ hash: hashes[0], height: firstHeight, time: r0.header.time, timeIso: new Date(r0.header.time).toISOString() }]);
  await quiescent();
  assert.ok(t.node.height > firstHeight, 'the repeat was anchored in a later block');
  assert.equal((await inject('GET', `/v1/notary/hashes/${hashes[0]}`)).body.height, firstHeight);
  assert.equal((await inject('GET', `/v1/notary/receipts/${hashes[0]}`)).body.header.height, firstHeight);
});

test('a single large submission is anchored with no further traffic (background sealing wakes consensus)', async () => {
  await quiescent();
  const hashes = Array.from({ length: 25_000 }, randomHash); // above the eager-sealing threshold
  assert.equal((await signedPost('/v1/notary/batch', { hashes })).status, 202);
  const last = hashes[hashes.length - 1]!;
  const receipt = await until(async () => {
    const r = await inject('GET', `/v1/notary/receipts/${last}`);
    return r.status === 200 ? r.body : undefined;
  }, 10_000, 'the batch to be anchored');
  assert.ok(verifyReceipt(receipt, t.genesis, { documentHash: last }).ok);
});

test('state reads carry inclusion and non-inclusion proofs against the header', async () => {
  await quiescent();
  const hash = randomHash();
  await inject('POST', '/v1/tx?wait=commit', anchorTx(t.genesis, user, nonce++, hash));
  const key = `notary/doc/${hash}`;
  const read = await inject('GET', `/v1/state?key=${encodeURIComponent(key)}&proof=true`);
  assert.equal(read.status, 200);
  assert.equal(read.body.stateRoot, read.body.header.stateRoot);
  const root = fromHex(read.body.stateRoot, 32);
  assert.ok(verifyStateProof(root, utf8Encode(key), canonicalBytes(read.body.value), read.body.proof));
  assert.equal(verifyStateProof(root, utf8Encode(key), canonicalBytes({ ...read.body.value, height: 1 }), read.body.proof), false);

  const missing = await inject('GET', `/v1/state?key=${encodeURIComponent('notary/doc/' + randomHash())}&proof=true`);
  assert.equal(missing.body.value, null);
  assert.ok(verifyStateProof(fromHex(missing.body.stateRoot, 32), utf8Encode(missing.body.key), null, missing.body.proof));
});

test('history proofs: an old block is in a later head, and heads are consistent', async () => {
  for (let i = 0; i < 4; i++) await inject('POST', '/v1/tx?wait=commit', anchorTx(t.genesis, user, nonce++, randomHash()));
  const head = t.node.height;
  assert.ok(head >= 5);
  const inc = await inject('GET', `/v1/blocks/2/inclusion?head=${head}`);
  assert.equal(inc.status, 200);
  const ok = verifyInclusion(
    leafHash(fromHex(inc.body.blockHash, 32)),
    inc.body.leafIndex,
    inc.body.treeSize,
    inc.body.path.map((h: string) => fromHex(h, 32)),
    fromHex(inc.body.head.header.historyRoot, 32),
  );
  assert.ok(ok);
  const cons = await inject('GET', `/v1/history/consistency?from=3&to=${head}`);
  assert.equal(cons.status, 200);
  assert.ok(
    verifyConsistency(
      cons.body.fromSize,
      cons.body.toSize,
      fromHex(cons.body.from.header.historyRoot, 32),
      fromHex(cons.body.to.header.historyRoot, 32),
      cons.body.path.map((h: string) => fromHex(h, 32)),
    ),
  );
});

test('explorer reads: blocks, a block, a transaction, status, genesis, OpenAPI', async () => {
  const blocks = await inject('GET', '/v1/blocks?limit=3');
  assert.equal(blocks.status, 200);
  assert.equal(blocks.body.blocks.length, 3);
  const b = await inject('GET', `/v1/blocks/${blocks.body.blocks[0].hash}`);
  assert.equal(b.status, 200);
  assert.equal(b.body.header.height, blocks.body.blocks[0].header.height);
  const txId = b.body.results[0].txId;
  const tx = await inject('GET', `/v1/txs/${txId}`);
  assert.equal(tx.status, 200);
  assert.equal(tx.body.status, 'committed');
  assert.equal((await inject('GET', '/v1/status')).body.chainId, t.genesis.chainId);
  assert.deepEqual((await inject('GET', '/v1/genesis')).body, t.genesis);
  const api = await inject('GET', '/openapi.json');
  assert.equal(api.status, 200);
  assert.ok(api.body.paths['/v1/tx'].post.requestBody, 'request schemas are in the OpenAPI document');
  assert.ok(api.body.paths['/v1/notary/batch'].post);
});

test('every route refuses bad input with a 4xx {code, message} and changes nothing', async () => {
  await quiescent();
  const committed = anchorTx(t.genesis, user, nonce - 1, randomHash()); // its nonce is used
  const good = () => anchorTx(t.genesis, user, nonce, randomHash());
  const stranger = generateKeyPair();
  const withSig = (tx: any, sig: string) => ({ ...tx, sig });
  const tooBig = 'x'.repeat(9 * 1024 * 1024);
  const cases: [string, 'GET' | 'POST' | 'DELETE', string, unknown, number, string, Record<string, string>?][] = [
    ['malformed JSON', 'POST', '/v1/tx', '{"body": ', 400, 'MALFORMED_JSON'],
    ['empty body', 'POST', '/v1/tx', '', 400, 'MALFORMED_JSON'],
    ['not JSON content type', 'POST', '/v1/tx', 'hello', 415, 'UNSUPPORTED_MEDIA_TYPE', { 'content-type': 'text/plain' }],
    ['oversized body', 'POST', '/v1/tx', JSON.stringify({ pad: tooBig }), 413, 'BODY_TOO_LARGE'],
    ['wrong type', 'POST', '/v1/tx', { ...good(), body: { ...good().body, nonce: 'seven' } }, 400, 'SCHEMA_INVALID'],
    ['number sent as a string is not coerced', 'POST', '/v1/tx', { ...good(), body: { ...good().body, nonce: String(nonce) } }, 400, 'SCHEMA_INVALID'],
    ['extra field', 'POST', '/v1/tx', { ...good(), extra: 1 }, 400, 'SCHEMA_INVALID'],
    ['bad signature', 'POST', '/v1/tx', withSig(good(), 'ab'.repeat(64)), 401, 'TX_BAD_SIGNATURE'],
    ['signature of another key', 'POST', '/v1/tx', withSig(good(), anchorTx(t.genesis, stranger, 0, randomHash()).sig), 401, 'TX_BAD_SIGNATURE'],
    ['replayed transaction', 'POST', '/v1/tx', committed, 409, 'TX_NONCE_USED'],
    ['nonce far ahead', 'POST', '/v1/tx', anchorTx(t.genesis, user, nonce + 1_000_000, randomHash()), 409, 'TX_NONCE_TOO_FAR'],
    ['another chain', 'POST', '/v1/tx', anchorTx({ ...t.genesis, chainId: 'other-chain' }, user, nonce, randomHash()), 400, 'TX_WRONG_CHAIN'],
    ['expired', 'POST', '/v1/tx', anchorTx(t.genesis, user, nonce, randomHash(), { expiresAt: 1 }), 410, 'TX_EXPIRED'],
    ['unknown module', 'POST', '/v1/tx', signTx({ v: 1, chainId: t.genesis.chainId, module: 'lottery', action: 'draw', args: {}, signer: user.publicKey, nonce }, user.secretKey), 400, 'TX_UNKNOWN_MODULE'],
    ['unknown action', 'POST', '/v1/tx', signTx({ v: 1, chainId: t.genesis.chainId, module: 'notary', action: 'erase', args: {}, signer: user.publicKey, nonce }, user.secretKey), 400, 'TX_UNKNOWN_ACTION'],
    ['invalid args', 'POST', '/v1/tx', signTx({ v: 1, chainId: t.genesis.chainId, module: 'notary', action: 'anchor', args: { hash: 'nothex' }, signer: user.publicKey, nonce }, user.secretKey), 400, 'TX_ARGS_INVALID'],
    ['batch: empty', 'POST', '/v1/txs', { txs: [] }, 400, 'SCHEMA_INVALID'],
    ['batch: all rejected', 'POST', '/v1/txs', { txs: [committed] }, 400, 'TX_REJECTED'],
    ['tx status: bad id', 'GET', '/v1/txs/xyz', undefined, 400, 'SCHEMA_INVALID'],
    ['tx status: unknown', 'GET', `/v1/txs/${randomHash()}`, undefined, 404, 'NOT_FOUND'],
    ['account: bad key', 'GET', '/v1/accounts/12', undefined, 400, 'SCHEMA_INVALID'],
    ['blocks: bad limit', 'GET', '/v1/blocks?limit=many', undefined, 400, 'SCHEMA_INVALID'],
    ['blocks: limit too large', 'GET', '/v1/blocks?limit=1000', undefined, 400, 'SCHEMA_INVALID'],
    ['block: bad ref', 'GET', '/v1/blocks/abc', undefined, 400, 'SCHEMA_INVALID'],
    ['block: unknown height', 'GET', '/v1/blocks/999999', undefined, 404, 'NOT_FOUND'],
    ['block: unknown hash', 'GET', `/v1/blocks/${randomHash()}`, undefined, 404, 'NOT_FOUND'],
    ['inclusion: head missing', 'GET', '/v1/blocks/1/inclusion', undefined, 400, 'SCHEMA_INVALID'],
    ['inclusion: head beyond chain', 'GET', '/v1/blocks/1/inclusion?head=999999', undefined, 400, 'BAD_REQUEST'],
    ['consistency: from > to', 'GET', '/v1/history/consistency?from=5&to=3', undefined, 400, 'BAD_REQUEST'],
    ['state: no key', 'GET', '/v1/state', undefined, 400, 'SCHEMA_INVALID'],
    ['state: key too long', 'GET', `/v1/state?key=${'k'.repeat(300)}`, undefined, 400, 'SCHEMA_INVALID'],
    ['notary anchor: other action', 'POST', '/v1/notary/anchor', signTx({ v: 1, chainId: t.genesis.chainId, module: 'notary', action: 'anchorBatch', args: { root: randomHash(), count: 1 }, signer: user.publicKey, nonce }, user.secretKey), 400, 'SCHEMA_INVALID'],
    ['notary batch: not hex', 'POST', '/v1/notary/batch', { hashes: ['zz'] }, 400, 'SCHEMA_INVALID'],
    ['notary batch: empty', 'POST', '/v1/notary/batch', { hashes: [] }, 400, 'SCHEMA_INVALID'],
    ['notary batch: wrong type', 'POST', '/v1/notary/batch', { hashes: 'abc' }, 400, 'SCHEMA_INVALID'],
    ['notary receipts: too many', 'POST', '/v1/notary/receipts', { hashes: Array.from({ length: 1001 }, () => '00'.repeat(32)) }, 400, 'SCHEMA_INVALID'],
    ['receipt: unknown hash', 'GET', `/v1/notary/receipts/${randomHash()}`, undefined, 404, 'NOTARY_NOT_ANCHORED'],
    ['receipt: bad hash', 'GET', '/v1/notary/receipts/123', undefined, 400, 'SCHEMA_INVALID'],
    ['lookup: bad hash', 'GET', '/v1/notary/hashes/G'.padEnd(40, 'G'), undefined, 400, 'SCHEMA_INVALID'],
    ['unknown route', 'GET', '/v1/nothing', undefined, 404, 'NOT_FOUND'],
    ['wrong method', 'DELETE', '/v1/tx', undefined, 405, 'METHOD_NOT_ALLOWED'],
    ['path traversal', 'GET', '/web/../package.json', undefined, 404, 'NOT_FOUND'],
    ['lib outside allow-list', 'GET', '/lib/node/node.js', undefined, 404, 'NOT_FOUND'],
  ];
  const before = t.node.status();
  for (const [name, method, url, payload, status, code, headers] of cases) {
    const res = await inject(method, url, payload, headers);
    assert.equal(res.status, status, `${name}: expected ${status}, got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    assert.equal(res.body.code, code, `${name}: expected code ${code}, got ${JSON.stringify(res.body).slice(0, 200)}`);
    assert.equal(typeof res.body.message, 'string', `${name}: a message`);
  }
  await new Promise((r) => setTimeout(r, 80));
  const after = t.node.status();
  assert.equal(after.height, before.height, 'no block was cut');
  assert.equal(after.stateRoot, before.stateRoot, 'state unchanged');
  assert.equal(after.mempoolTxs, 0, 'nothing waits');
  assert.equal(after.notaryPendingHashes, 0, 'no hash waits');
  assert.equal(t.node.nextNonce(user.publicKey), nonce, 'the signer nonce did not move');
  // ... and the node still works.
  const ok = await inject('POST', '/v1/tx?wait=commit', good());
  assert.equal(ok.body.result.code, 'OK');
  nonce++;
});

test('a duplicate of a waiting transaction is refused', async () => {
  await quiescent();
  const tx = anchorTx(t.genesis, user, nonce + 1, randomHash()); // waits for nonce `nonce`
  assert.equal((await inject('POST', '/v1/tx', tx)).status, 202);
  const dup = await inject('POST', '/v1/tx', tx);
  assert.equal(dup.status, 409);
  assert.equal(dup.body.code, 'TX_DUPLICATE');
  const sameNonce = await inject('POST', '/v1/tx', anchorTx(t.genesis, user, nonce + 1, randomHash()));
  assert.equal(sameNonce.body.code, 'TX_NONCE_USED');
  // Fill the gap: both commit, in nonce order.
  const first = await inject('POST', '/v1/tx?wait=commit', anchorTx(t.genesis, user, nonce, randomHash()));
  assert.equal(first.body.result.code, 'OK');
  const second = await until(async () => {
    const s = await inject('GET', `/v1/txs/${txId(tx)}`);
    return s.body.status === 'committed' ? s.body : undefined;
  });
  assert.equal(second.result.code, 'OK');
  nonce += 2;
});

test('writes without a transaction signature need a signed request: none, replayed or altered ones are refused and queue nothing', async () => {
  const hashes = [randomHash()];
  const none = await t.app.inject({ method: 'POST', url: '/v1/notary/batch', payload: JSON.stringify({ hashes }), headers: { 'content-type': 'application/json' } });
  assert.equal(none.statusCode, 401);
  assert.equal(none.json().code, 'AUTH_REQUIRED');
  assert.equal(none.headers['www-authenticate'], 'Bearer');
  assert.match(String(none.headers['accept-signature']), /alg="ed25519"/);
  const headers = signedHeaders('POST', '/v1/notary/batch', { hashes });
  assert.equal((await inject('POST', '/v1/notary/batch', { hashes }, headers)).status, 202, 'control: the signed request is taken');
  const replayed = await inject('POST', '/v1/notary/batch', { hashes }, headers);
  assert.deepEqual([replayed.status, replayed.body.code], [401, 'AUTH_REPLAYED']);
  const other = [randomHash()];
  const altered = await inject('POST', '/v1/notary/batch', { hashes: other }, signedHeaders('POST', '/v1/notary/batch', { hashes }));
  assert.deepEqual([altered.status, altered.body.code], [400, 'AUTH_DIGEST_MISMATCH']);
  const lookup = await inject('GET', `/v1/notary/hashes/${other[0]}`);
  assert.equal(lookup.body.status, 'unknown', 'the altered request queued nothing');
  const forged = signedHeaders('POST', '/v1/notary/batch', { hashes: other });
  forged.signature = forged.signature!.replace(/:(.)/, (_, c: string) => `:${c === 'A' ? 'B' : 'A'}`);
  assert.equal((await inject('POST', '/v1/notary/batch', { hashes: other }, forged)).body.code, 'AUTH_BAD_SIGNATURE');
});

test('a session by challenge-response: the key signs the challenge, the token authenticates, a reused challenge or closed token is refused', async () => {
  const key = generateKeyPair();
  const { challenge } = (await inject('POST', '/v1/auth/challenge', { subject: key.publicKey })).body;
  const signature = signBytes(key.secretKey, sessionMessage(t.genesis.chainId, key.publicKey, challenge));
  const opened = await inject('POST', '/v1/auth/session', { subject: key.publicKey, challenge, signature });
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  const bearer = { authorization: `Bearer ${opened.body.token}` };
  const me = await inject('GET', '/v1/auth/whoami', undefined, bearer);
  assert.equal(me.status, 200);
  assert.equal(me.body.publicKey, key.publicKey);
  assert.deepEqual(me.body.roles, []);
  assert.equal((await inject('POST', '/v1/auth/session', { subject: key.publicKey, challenge, signature })).body.code, 'AUTH_REPLAYED');
  const wrong = generateKeyPair();
  const c2 = (await inject('POST', '/v1/auth/challenge', { subject: key.publicKey })).body.challenge;
  const badSig = signBytes(wrong.secretKey, sessionMessage(t.genesis.chainId, key.publicKey, c2));
  assert.equal((await inject('POST', '/v1/auth/session', { subject: key.publicKey, challenge: c2, signature: badSig })).body.code, 'AUTH_BAD_SIGNATURE');
  assert.equal((await inject('DELETE', '/v1/auth/session', undefined, bearer)).status, 204);
  assert.equal((await inject('GET', '/v1/auth/whoami', undefined, bearer)).body.code, 'AUTH_EXPIRED');
  assert.equal((await inject('GET', '/v1/auth/whoami')).body.code, 'AUTH_REQUIRED');
  // The admin key of the node's organisation is known as such.
  const admin = JSON.parse(await readFile(join(t.dir, 'admin-key.json'), 'utf8'));
  const whoHeaders = { host: HOST, ...signRequest({ method: 'GET', url: `http://${HOST}/v1/auth/whoami`, headers: {}, keyId: admin.publicKey, secretKey: admin.secretKey }) };
  const adminMe = await inject('GET', '/v1/auth/whoami', undefined, whoHeaders);
  assert.equal(adminMe.body.admin, true);
  assert.equal(adminMe.body.org, 'local-department');
});

test('a read of non-public data (the waiting transactions) needs a signed request from an auditor or admin; others are refused', async () => {
  const url = '/v1/mempool?limit=5';
  const none = await inject('GET', url);
  assert.deepEqual([none.status, none.body.code], [401, 'AUTH_REQUIRED']);
  const citizen = generateKeyPair();
  const asCitizen = { host: HOST, ...signRequest({ method: 'GET', url: `http://${HOST}${url}`, headers: {}, keyId: citizen.publicKey, secretKey: citizen.secretKey }) };
  const refused = await inject('GET', url, undefined, asCitizen);
  assert.deepEqual([refused.status, refused.body.code], [403, 'AUTH_FORBIDDEN']);
  assert.ok(!JSON.stringify(refused.body).includes(citizen.publicKey), 'the refusal names nobody');
  const admin = JSON.parse(await readFile(join(t.dir, 'admin-key.json'), 'utf8'));
  const asAdmin = { host: HOST, ...signRequest({ method: 'GET', url: `http://${HOST}${url}`, headers: {}, keyId: admin.publicKey, secretKey: admin.secretKey }) };
  const ok = await inject('GET', url, undefined, asAdmin);
  assert.equal(ok.status, 200);
  assert.ok(Array.isArray(ok.body.txs));
  assert.ok(ok.body.txs.length <= 5);
});

test('a path segment over the length limit is refused in the API\'s error shape, without echoing the path', async () => {
  const secret = 'citizen-name-'.repeat(120);
  const res = await inject('GET', `/v1/orgs/${secret}`);
  assert.equal(res.status, 414);
  assert.equal(res.body.code, 'URI_TOO_LONG');
  assert.ok(!JSON.stringify(res.body).includes('citizen-name'), 'the path is not echoed');
});

test('GET /v1/modules publishes who may call each action, and the roles', async () => {
  const res = await inject('GET', '/v1/modules');
  assert.equal(res.status, 200);
  const actions = new Map<string, unknown>(res.body.modules.flatMap((m: { name: string; actions: { name: string; access: unknown }[] }) => m.actions.map((a) => [`${m.name}.${a.name}`, a.access])));
  assert.deepEqual(actions.get('did.recover'), { roles: ['registrar'] });
  assert.equal(actions.get('gov.vote'), 'orgAdmin');
  assert.equal(actions.get('validators.propose'), 'validator');
  assert.equal(actions.get('notary.anchor'), 'anyone');
  assert.ok([...actions.values()].every((a) => a !== undefined), 'every action declares its access');
  assert.deepEqual(res.body.roles.slice(0, 4), ['registrar', 'issuer', 'approver', 'auditor']);
});

test('block lists page with ?limit=&cursor= and answer next (null on the last page); the older ?before= still works', async () => {
  await quiescent();
  assert.ok(t.node.height >= 3, 'a few blocks to page through');
  const seen: number[] = [];
  let cursor: string | null | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await inject('GET', `/v1/blocks?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    seen.push(...page.body.blocks.map((b: { header: { height: number } }) => b.header.height));
    cursor = page.body.next;
    if (cursor === null) break;
    assert.equal(typeof cursor, 'string');
  }
  assert.equal(cursor, null, 'the last page says there is no next');
  assert.deepEqual(seen, Array.from({ length: seen[0]! }, (_, i) => seen[0]! - i), 'every block once, newest first');
  const before = await inject('GET', `/v1/blocks?limit=1&before=2`);
  assert.equal(before.body.blocks[0].header.height, 1);
  assert.equal((await inject('GET', '/v1/blocks?cursor=not-a-cursor')).status, 400);
});
