/**
 * The aggregated-hash index is derived data written after each commit. A node
 * that stopped before indexing (here: its index directory is gone) rebuilds
 * it from the batch leaves stored with the blocks, and look-ups and receipts
 * work again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { initDataDir } from '../src/node/data-dir.js';
import { createLogger } from '../src/node/log.js';
import { createNode } from '../src/node/node.js';
import { createHashIndex } from '../src/services/notary/host/hash-index.js';
import type { NotaryHost } from '../src/services/notary/host.js';
import { SERVICES } from '../src/services/index.js';
import { verifyReceipt } from '../src/ledger/receipt-verify.js';
import { ClassicLevel } from 'classic-level';
import { createApi } from '../src/api/server.js';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { signTx } from '../src/ledger/sign.js';
import { randomHash, tempDir, until } from './helpers.js';

test('an index that is behind is rebuilt from the stored leaves at start-up', async () => {
  const dir = await tempDir('polity-index-');
  const { genesis, nodeKey } = await initDataDir(dir);
  const open = () => createNode({ dataDir: dir, genesis, nodeSecretKey: nodeKey.secretKey, services: SERVICES, log: createLogger('silent'), blockIntervalMs: 20, verifyWorkers: 1 });
  const notary = (): NotaryHost => node.host<NotaryHost>('notary')!;
  const hashes = Array.from({ length: 300 }, randomHash);

  let node = await open();
  await node.start();
  await notary().submitHashes(hashes);
  const anchoredAt = await until(async () => (await notary().locations([hashes[299]!]))[0]?.height, 10_000, 'the batch');
  await node.close();

  // Lose the index, as if the node had died between commit and indexing.
  await rm(join(dir, 'notary-index'), { recursive: true, force: true });
  const bare = createHashIndex(join(dir, 'notary-index'));
  await bare.open();
  assert.equal((await bare.lookup([hashes[0]!]))[0], undefined, 'negative control: the emptied index misses the hash');
  await bare.close();

  node = await open();
  await node.start();
  const [loc] = await notary().locations([hashes[0]!]);
  assert.equal(loc?.height, anchoredAt);
  const receipt = await notary().receipt(hashes[123]!);
  assert.ok(verifyReceipt(receipt, genesis, { documentHash: hashes[123]! }).ok);
  await node.close();
  await rm(dir, { recursive: true, force: true });
});

test('document references: exact look-up through the API, newest first, paged, and rebuilt after a restart (lost index, or one made before references)', async () => {
  const dir = await tempDir('polity-refs-');
  const { genesis, nodeKey } = await initDataDir(dir);
  const open = () => createNode({ dataDir: dir, genesis, nodeSecretKey: nodeKey.secretKey, services: SERVICES, log: createLogger('silent'), blockIntervalMs: 20, verifyWorkers: 1 });
  const official = generateKeyPair();
  const CASE = 'CASE-77/2025';
  const OTHER = 'PERMIT-2025-0142';
  const docs = [randomHash(), randomHash(), randomHash()];
  const refs = [CASE, OTHER, CASE];

  let node = await open();
  let app = await createApi(node, { services: SERVICES });
  await node.start();
  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    return { status: res.statusCode, body: res.json() };
  };
  for (const [i, hash] of docs.entries()) {
    const tx = signTx({ v: 1, chainId: genesis.chainId, module: 'notary', action: 'anchor', args: { hash, meta: { docType: 'decision', reference: refs[i]! } }, signer: official.publicKey, nonce: i }, official.secretKey);
    const res = await app.inject({ method: 'POST', url: '/v1/tx?wait=commit', payload: JSON.stringify(tx), headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().result.code, 'OK');
  }
  const url = (ref: string, query = '') => `/v1/notary/references/${encodeURIComponent(ref)}${query}`;

  const check = async () => {
    const all = await get(url(CASE));
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.equal(all.body.reference, CASE);
    assert.deepEqual(all.body.items.map((d: { hash: string }) => d.hash), [docs[2], docs[0]], 'both documents of the case, newest first');
    const first = all.body.items[0];
    assert.equal(first.signer, official.publicKey);
    assert.equal(first.docType, 'decision');
    assert.equal(first.timeIso, new Date(first.time).toISOString());
    assert.match(first.txId, /^[0-9a-f]{64}$/);
    assert.equal(all.body.next, null);
    // Paged: one a page, the cursor leads to the older one.
    const page1 = await get(url(CASE, '?limit=1'));
    assert.deepEqual(page1.body.items.map((d: { hash: string }) => d.hash), [docs[2]]);
    assert.equal(typeof page1.body.next, 'string');
    const page2 = await get(url(CASE, `?limit=1&cursor=${encodeURIComponent(page1.body.next)}`));
    assert.deepEqual(page2.body.items.map((d: { hash: string }) => d.hash), [docs[0]]);
    // The other reference, exact and case-sensitive.
    assert.deepEqual((await get(url(OTHER))).body.items.map((d: { hash: string }) => d.hash), [docs[1]]);
    assert.deepEqual((await get(url(OTHER.toLowerCase()))).body.items, []);
    assert.deepEqual((await get(url('CASE-77'))).body.items, [], 'no prefix match');
    // Over 128 characters: refused.
    const long = await get(url('x'.repeat(129)));
    assert.equal(long.status, 400);
    assert.equal(long.body.code, 'NOTARY_REFERENCE_INVALID');
  };
  await check();
  await app.close();
  await node.close();

  // Lose the index: the restart rebuilds the references from the blocks.
  await rm(join(dir, 'notary-index'), { recursive: true, force: true });
  node = await open();
  app = await createApi(node, { services: SERVICES });
  await node.start();
  await check();
  await app.close();
  await node.close();

  // An index made before references: complete up to the head, but without them or a version.
  const raw = new ClassicLevel<Buffer, Buffer>(join(dir, 'notary-index'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await raw.open();
  await raw.clear({ gte: Buffer.from([0x02]), lt: Buffer.from([0x03]) });
  await raw.del(Buffer.from('meta/version'));
  await raw.close();
  node = await open();
  app = await createApi(node, { services: SERVICES });
  await node.start();
  await check();
  await app.close();
  await node.close();
  await rm(dir, { recursive: true, force: true });
});
