import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHashIndex } from './hash-index.js';
import { createHashIndexThread } from './hash-index-thread.js';

test('the index on its own thread answers as the index in process does, and keeps what it wrote', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polity-index-thread-'));
  const leaves = randomBytes(32 * 1000);
  // A view into a larger buffer, as the host's leaves often are: only the view's bytes are indexed.
  const framed = Buffer.concat([randomBytes(64), leaves, randomBytes(64)]).subarray(64, 64 + leaves.length);
  const hashAt = (i: number): string => leaves.toString('hex', i * 32, i * 32 + 32);
  const absent = randomBytes(32).toString('hex');

  const index = createHashIndexThread(join(dir, 'thread'));
  await index.open();
  assert.equal(await index.current(), true);
  await index.write(1, [], []);
  await index.write(2, [{ txIndex: 3, leaves: framed }], [{ reference: 'CASE-1', hash: hashAt(5), txIndex: 0 }]);
  const threaded = await index.lookup([hashAt(0), hashAt(999), absent]);
  assert.deepEqual(threaded, [{ height: 2, txIndex: 3, leafIndex: 0 }, { height: 2, txIndex: 3, leafIndex: 999 }, undefined]);
  assert.deepEqual(await index.references('CASE-1', 10), [{ hash: hashAt(5), height: 2, txIndex: 0 }]);
  assert.equal(await index.indexedHeight(), 2);
  await index.close();

  // The same calls in process give the same answers, and the thread's writes are on disk.
  const inProcess = createHashIndex(join(dir, 'process'));
  await inProcess.open();
  await inProcess.write(2, [{ txIndex: 3, leaves }], [{ reference: 'CASE-1', hash: hashAt(5), txIndex: 0 }]);
  assert.deepEqual(await inProcess.lookup([hashAt(0), hashAt(999), absent]), threaded);
  await inProcess.close();
  const reopened = createHashIndex(join(dir, 'thread'));
  await reopened.open();
  assert.deepEqual(await reopened.lookup([hashAt(0), hashAt(999), absent]), threaded);
  assert.equal(await reopened.indexedHeight(), 2);
  await reopened.close();
  await rm(dir, { recursive: true, force: true });
});

test("an error in the index's thread rejects that call with the index's own message and code", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polity-index-thread-'));
  const index = createHashIndexThread(join(dir, 'index'));
  await index.open();
  // A second index on the same directory (two nodes given one data directory): LevelDB's lock refuses it, and says so.
  const second = createHashIndexThread(join(dir, 'index'));
  await assert.rejects(second.open(), (e: Error & { code?: string }) => e.code === 'LEVEL_DATABASE_NOT_OPEN');
  await second.close();
  await assert.rejects(index.write(1, [], [{ reference: 'x'.repeat(129), hash: randomBytes(32).toString('hex'), txIndex: 0 }]), /reference over its length limit/);
  // The thread lives on: the next calls are answered.
  await index.write(1, [], []);
  assert.equal(await index.indexedHeight(), 1);
  await index.close();
  await rm(dir, { recursive: true, force: true });
});

test('if the thread dies, the waiting call and every later one are refused, never left waiting', async () => {
  const dies = new URL(`data:text/javascript,${encodeURIComponent("import { parentPort } from 'node:worker_threads'; parentPort.once('message', () => process.exit(3));")}`);
  const index = createHashIndexThread('/nonexistent', dies);
  await assert.rejects(index.open(), /the hash index's thread ended \(exit code 3\)/);
  await assert.rejects(index.lookup([randomBytes(32).toString('hex')]), /exit code 3/);
  await index.close();
});
