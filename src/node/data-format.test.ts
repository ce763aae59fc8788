/** The data format file and its migrations (data-format.ts): an old directory is migrated once, a newer one refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_FORMAT_CURRENT, loadDataFormat, migrateDataDir, saveDataFormat, type Migration } from './data-format.js';

const temp = () => mkdtemp(join(tmpdir(), 'polity-format-'));

test('a directory without format.json is format 1 and is migrated to the current format once', async () => {
  const dir = await temp();
  assert.deepEqual(await loadDataFormat(dir), { format: 1, migratedFrom: [] });
  const ran = await migrateDataDir(dir);
  assert.deepEqual(ran.map((m) => m.from), [1]);
  assert.deepEqual(await loadDataFormat(dir), { format: DATA_FORMAT_CURRENT, migratedFrom: [1] });
  assert.deepEqual(await migrateDataDir(dir), [], 'nothing runs a second time');
  const fresh = await temp();
  await saveDataFormat(fresh);
  assert.deepEqual(await migrateDataDir(fresh), [], 'a new directory is current');
});

test('migrations run in order, each recorded before the next; a newer format and a garbled file are refused', async () => {
  const dir = await temp();
  const seen: number[] = [];
  const steps: Migration[] = [1, 2, 3].map((from) => ({ from, what: `step ${from}`, run: async () => void seen.push(from) }));
  await migrateDataDir(dir, steps, 4);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal((await loadDataFormat(dir)).format, 4);
  // A step that fails leaves the directory at the last step that finished: the next start resumes there.
  const half = await temp();
  const failing: Migration[] = [steps[0]!, { from: 2, what: 'fails', run: async () => Promise.reject(new Error('disk full')) }];
  await assert.rejects(migrateDataDir(half, failing, 3), /disk full/);
  assert.equal((await loadDataFormat(half)).format, 2);
  // Newer than this release: refused, the file untouched.
  await writeFile(join(dir, 'format.json'), JSON.stringify({ v: 1, kind: 'polity/data-format', format: DATA_FORMAT_CURRENT + 1 }));
  await assert.rejects(migrateDataDir(dir), /newer release of Polity/);
  assert.equal(JSON.parse(await readFile(join(dir, 'format.json'), 'utf8')).format, DATA_FORMAT_CURRENT + 1);
  await writeFile(join(dir, 'format.json'), '{"format":"two"}');
  await assert.rejects(migrateDataDir(dir), /not a Polity data format file/);
});
