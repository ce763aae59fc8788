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
