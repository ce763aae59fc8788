import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, signBytes, verifyBytes } from '../crypto/ed25519.js';
import { canonicalBytes } from '../crypto/canonical-json.js';
import { createCommitRecordFile, RECORD_SECTOR_BYTES } from './commit-record.js';

const hex = (byte: string): string => byte.repeat(32);

async function withRecord(chainId: string, fn: (path: string, options: Parameters<typeof createCommitRecordFile>[1]) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'polity-record-'));
  const key = generateKeyPair();
  try {
    await fn(join(dir, 'commit-record.json'), { chainId, genesisHash: hex('aa'), nodeKey: key.publicKey, sign: (m: Uint8Array) => signBytes(key.secretKey, m), verify: verifyBytes });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the record is one padded sector, overwritten in place after its first write, and still one JSON document', async () => {
  await withRecord('polity-test', async (path, options) => {
    const record = createCommitRecordFile(path, options);
    assert.equal(await record.load(), undefined);
    await record.save({ height: 1, blockHash: hex('01') });
    const created = await stat(path);
    assert.equal(created.size, RECORD_SECTOR_BYTES);
    for (let h = 2; h <= 20; h++) await record.save({ height: h, blockHash: hex(h.toString(16).padStart(2, '0')) });
    const after = await stat(path);
    assert.equal(after.size, RECORD_SECTOR_BYTES, 'the size never changes');
    assert.equal(after.ino, created.ino, 'the same file, written in place: no temporary file renamed over it');
    const text = await readFile(path, 'utf8');
    assert.equal((JSON.parse(text) as { height: number }).height, 20, 'readers that parse the file whole still can');
    assert.match(text, /^\{.*\} +\n$/, 'the JSON, spaces, one newline');
    assert.deepEqual(await createCommitRecordFile(path, options).load(), { height: 20, blockHash: hex('14') });
  });
});

/** How many of this process's open files are `path` (Linux: /proc/self/fd). */
async function openCount(path: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === path) n++;
  return n;
}

test('the in-place writes go through one file kept open until close; a load or a replacement lets it go', { skip: process.platform !== 'linux' && 'reads /proc/self/fd' }, async () => {
  await withRecord('polity-test', async (path, options) => {
    const record = createCommitRecordFile(path, options);
    await record.save({ height: 1, blockHash: hex('01') });
    assert.equal(await openCount(path), 0, 'the first record replaces the file: nothing is left open');
    await record.save({ height: 2, blockHash: hex('02') });
    assert.equal(await openCount(path), 1, 'an in-place write opens the file and keeps it');
    for (let h = 3; h <= 10; h++) await record.save({ height: h, blockHash: hex(h.toString(16).padStart(2, '0')) });
    assert.equal(await openCount(path), 1, 'and writes every later record through it');
    assert.equal((JSON.parse(await readFile(path, 'utf8')) as { height: number }).height, 10, 'each durable in the file itself');
    await record.close();
    assert.equal(await openCount(path), 0, 'close lets it go');
    await record.save({ height: 11, blockHash: hex('0b') });
    assert.equal(await openCount(path), 1, 'a save after close opens it again');
    assert.deepEqual(await record.load(), { height: 11, blockHash: hex('0b') });
    assert.equal(await openCount(path), 0, 'a load lets it go (the file it reads may not be the one held)');
    await record.close();
  });
});

test("an older release's record (unpadded) is read, then replaced once by the padded form, then written in place", async () => {
  await withRecord('polity-test', async (path, options) => {
    // Written as releases before the padded form wrote it: the signed JSON and a newline, replaced atomically.
    const body = { v: 1, chainId: options.chainId, genesisHash: options.genesisHash, nodeKey: options.nodeKey, height: 5, blockHash: hex('05') };
    await writeFile(path, JSON.stringify({ ...body, sig: options.sign(canonicalBytes(body)) }) + '\n');
    const old = await stat(path);
    assert.ok(old.size < RECORD_SECTOR_BYTES);
    const record = createCommitRecordFile(path, options);
    assert.deepEqual(await record.load(), { height: 5, blockHash: hex('05') });
    await record.save({ height: 6, blockHash: hex('06') });
    const replaced = await stat(path);
    assert.equal(replaced.size, RECORD_SECTOR_BYTES);
    assert.notEqual(replaced.ino, old.ino, 'a file of another size is replaced atomically, not overwritten in place');
    await record.save({ height: 7, blockHash: hex('07') });
    assert.equal((await stat(path)).ino, replaced.ino);
    assert.deepEqual(await record.load(), { height: 7, blockHash: hex('07') });
  });
});

test('the longest record there can be (a 48-character chain id, the largest height) fits the sector', async () => {
  await withRecord('c'.repeat(48), async (path, options) => {
    const record = createCommitRecordFile(path, options);
    await record.save({ height: Number.MAX_SAFE_INTEGER, blockHash: hex('ff') });
    assert.equal((await stat(path)).size, RECORD_SECTOR_BYTES);
    const text = (await readFile(path, 'utf8')).trimEnd();
    assert.ok(text.length <= 469, `${text.length} bytes of JSON`);
    assert.deepEqual(await record.load(), { height: Number.MAX_SAFE_INTEGER, blockHash: hex('ff') });
  });
});

test('an edited padded record is refused as before: its signature no longer verifies', async () => {
  await withRecord('polity-test', async (path, options) => {
    const record = createCommitRecordFile(path, options);
    await record.save({ height: 9, blockHash: hex('09') });
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('"height":9', '"height":8'));
    assert.equal((await stat(path)).size, RECORD_SECTOR_BYTES);
    await assert.rejects(createCommitRecordFile(path, options).load(), /valid signature/);
  });
});
