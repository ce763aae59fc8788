/**
 * Backups and restores (backup.ts): what goes in, what is left out, the
 * manifest catching a changed, missing or added file, and a restore that
 * never hands a validator an older signing record than it had.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChainStore } from '../storage/interface.js';
import { saveDataFormat } from './data-format.js';
import { checkBackup, loadSigningHold, restoreBackup, writeBackup } from './backup.js';

const temp = () => mkdtemp(join(tmpdir(), 'polity-backup-'));

/** A store whose copy is one file, at height 3. */
const fakeStore = { exportTo: async (path: string) => {
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'CURRENT'), 'MANIFEST-000002\n');
  return { head: { height: 3, blockHash: 'ab'.repeat(32) }, entries: 1, bytes: 16 };
} } as unknown as ChainStore;

async function dataDir(validators: number, network: boolean): Promise<string> {
  const dir = await temp();
  await writeFile(join(dir, 'genesis.json'), JSON.stringify({ chainId: 'c', validators: Array.from({ length: validators }, (_, i) => ({ name: `v${i}` })) }));
  if (network) await writeFile(join(dir, 'network.json'), '{}');
  await saveDataFormat(dir);
  for (const f of ['node-key.json', 'admin-key.json', 'commit-record.json', 'consensus-wal', 'polity.json']) await writeFile(join(dir, f), `${f} of the node\n`);
  await mkdir(join(dir, 'sharing', 'records'), { recursive: true });
  await writeFile(join(dir, 'sharing', 'records', 'r1.env'), 'ciphertext');
  await writeFile(join(dir, 'sharing', 'records', 'r2.env.tmp'), 'cut short');
  await mkdir(join(dir, 'notary-index'));
  await writeFile(join(dir, 'notary-index', 'CURRENT'), 'x');
  await mkdir(join(dir, 'chain.damaged-1'));
  await writeFile(join(dir, 'chain.damaged-1', 'x.ldb'), 'x');
  return dir;
}
const backupOf = async (dir: string, includeKeys = false) => {
  const out = join(await temp(), 'b');
  const manifest = await writeBackup({ dataDir: dir, out, store: fakeStore, chainId: 'c', genesisHash: 'cd'.repeat(32), includeKeys, nowMs: 0 });
  return { out, manifest };
};

test('a backup holds the store copy and the node\'s own files, not its keys (unless asked), signing records, derived stores or leftovers', async () => {
  const dir = await dataDir(4, true);
  const { out, manifest } = await backupOf(dir);
  assert.deepEqual(manifest.files.map((f) => f.path), ['chain/CURRENT', 'format.json', 'genesis.json', 'network.json', 'polity.json', 'sharing/records/r1.env']);
  assert.equal(manifest.height, 3);
  assert.deepEqual(manifest.leftOut.map((l) => l.path).sort(), ['admin-key.json', 'commit-record.json', 'consensus-wal', 'node-key.json', 'notary-index/']);
  assert.ok((await checkBackup(out)).ok);
  const withKeys = await backupOf(dir, true);
  assert.ok(withKeys.manifest.includesKeys && withKeys.manifest.files.some((f) => f.path === 'node-key.json'));
  await assert.rejects(writeBackup({ dataDir: dir, out, store: fakeStore, chainId: 'c', genesisHash: '', includeKeys: false, nowMs: 0 }), /not empty/);
  await assert.rejects(writeBackup({ dataDir: dir, out: join(dir, 'inside'), store: fakeStore, chainId: 'c', genesisHash: '', includeKeys: false, nowMs: 0 }), /inside the data directory/);
});

test('the check catches a changed, a missing and an added file (and a restore refuses such a backup)', async () => {
  const { out } = await backupOf(await dataDir(4, true));
  await writeFile(join(out, 'polity.json'), 'changed');
  await writeFile(join(out, 'format.json'), (await readFile(join(out, 'format.json'), 'utf8')).replace('"format":2', '"format":3'));
  await rm(join(out, 'network.json'));
  await writeFile(join(out, 'extra.txt'), 'added');
  const check = await checkBackup(out);
  assert.equal(check.ok, false);
  assert.deepEqual(check.problems, [
    'format.json does not match its SHA-256 in the manifest',
    'network.json is missing',
    'polity.json has 7 bytes, the manifest says 24',
    'extra.txt is not in the manifest',
  ]);
  await assert.rejects(restoreBackup({ from: out, data: join(await temp(), 'd'), yes: false, rewind: false, nowMs: 0 }), /does not match its manifest/);
});

test('a restored validator keeps its newer signing records, or gets a signing hold; never the backup\'s older ones', async () => {
  const old = await dataDir(4, true);
  const { out } = await backupOf(old);
  // No old records: a hold, and no signing record at all.
  const fresh = join(await temp(), 'fresh');
  const held = await restoreBackup({ from: out, data: fresh, yes: false, rewind: false, nowMs: 5 });
  assert.deepEqual(held.signing, { hold: true });
  assert.deepEqual(await loadSigningHold(fresh), { reason: 'restored from a backup at height 3', backupHeight: 3, sinceMs: 5 });
  assert.ok(!(await readdir(fresh)).includes('consensus-wal'));
  // The old directory's records, newer than the backup: kept, no hold.
  await writeFile(join(old, 'consensus-wal'), 'the newer log\n');
  const again = join(await temp(), 'again');
  assert.deepEqual((await restoreBackup({ from: out, data: again, yes: false, signingRecordFrom: old, rewind: false, nowMs: 0 })).signing, { from: old });
  assert.equal(await readFile(join(again, 'consensus-wal'), 'utf8'), 'the newer log\n');
  assert.equal(await loadSigningHold(again), undefined);
  // Over a non-empty directory: refused without --yes; with it, that directory's own records are kept.
  await assert.rejects(restoreBackup({ from: out, data: old, yes: false, rewind: false, nowMs: 0 }), /not empty.*--yes/);
  await restoreBackup({ from: out, data: old, yes: true, rewind: false, nowMs: 0 });
  assert.equal(await readFile(join(old, 'consensus-wal'), 'utf8'), 'the newer log\n');
  assert.ok(!(await readdir(old)).includes('node-key.json'), 'a restore without keys leaves none behind');
});

test('a one-validator chain is not rewound without the word: its later receipts would stop matching', async () => {
  const { out } = await backupOf(await dataDir(1, false));
  await assert.rejects(restoreBackup({ from: out, data: join(await temp(), 'p'), yes: false, rewind: false, nowMs: 0 }), /one-validator chain.*--rewind/);
  const rewound = await restoreBackup({ from: out, data: join(await temp(), 'p'), yes: false, rewind: true, nowMs: 0 });
  assert.equal(rewound.bft, false);
});

test('a LevelDB store that holds primary data (the notary batch leaves) is in the backup: copied from a stopped node, exported by a running one', async () => {
  const { ClassicLevel } = await import('classic-level');
  const dir = await dataDir(4, true);
  const leaves = new ClassicLevel<string, string>(join(dir, 'notary-leaves'));
  await leaves.put('batch-1', 'leaf hashes of batch 1');
  await leaves.close();
  // Stopped node: the command opens the store itself.
  const stopped = await backupOf(dir);
  assert.ok(stopped.manifest.files.some((f) => f.path.startsWith('notary-leaves/')), `notary-leaves/ is not in the backup: ${JSON.stringify(stopped.manifest.leftOut)}`);
  assert.ok(!stopped.manifest.leftOut.some((l) => l.path === 'notary-leaves/'));
  const copy = new ClassicLevel<string, string>(join(stopped.out, 'notary-leaves'));
  assert.equal(await copy.get('batch-1'), 'leaf hashes of batch 1');
  await copy.close();
  // Running node: the store is open (and locked) in this process; its owner exports it.
  const open = new ClassicLevel<string, string>(join(dir, 'notary-leaves'));
  await open.open();
  await open.put('batch-2', 'leaf hashes of batch 2');
  try {
    const out = join(await temp(), 'b');
    const { exportLevelDb } = await import('../storage/level-copy.js');
    const manifest = await writeBackup({ dataDir: dir, out, store: fakeStore, chainId: 'c', genesisHash: 'cd'.repeat(32), includeKeys: false, nowMs: 0, openStores: new Map([['notary-leaves', (target: string) => exportLevelDb(open as never, target)]]) });
    assert.ok(manifest.files.some((f) => f.path.startsWith('notary-leaves/')));
    const running = new ClassicLevel<string, string>(join(out, 'notary-leaves'));
    assert.equal(await running.get('batch-2'), 'leaf hashes of batch 2');
    await running.close();
  } finally {
    await open.close();
  }
});
