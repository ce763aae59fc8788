/**
 * The answered-releases log: what was recorded is read back after a restart; a torn last line is
 * ignored; lines older than the window are dropped when the file is compacted; past its limit it
 * refuses with its code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PolityError } from '../../ledger/errors.js';
import { tempDir } from '../../../test/helpers.js';
import { createServedLog, SERVED_WINDOW_MS } from './host-served.js';

const id = (n: number): string => n.toString(16).padStart(64, '0');

test('answered requests survive a restart, old ones age out, a torn line is ignored, and the log is bounded', async () => {
  const dir = await tempDir('polity-served-');
  const now = 10 * SERVED_WINDOW_MS;
  const a = createServedLog(dir, 3);
  await a.open(now);
  assert.ok(a.take(id(1)));
  assert.equal(a.take(id(1)), false, 'two asks at once: one wins');
  await a.record(id(1), now - 1);
  await a.record(id(2), now - SERVED_WINDOW_MS - 1); // released long ago
  await appendFile(join(dir, 'sharing', 'served.log'), `${id(3)} ${now}`); // a crash mid-append: no newline yet
  const b = createServedLog(dir, 3);
  await b.open(now);
  assert.ok(b.has(id(1)), 'remembered across the restart');
  assert.equal(b.has(id(2)), false, 'outside the window: dropped (the holder refuses it as stale anyway)');
  assert.equal(b.has(id(3)), false, 'a torn line is no answer');
  assert.equal((await readFile(join(dir, 'sharing', 'served.log'), 'utf8')).trim().split('\n').length, 1, 'compacted');
  await b.record(id(4), now);
  await b.record(id(5), now);
  await assert.rejects(b.record(id(6), now), (e: PolityError) => e.code === 'SHARING_STORE_FULL');
});
