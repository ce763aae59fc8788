/**
 * The notary host's threads (the tree workers, the index's thread) keep
 * the process running only while a call waits for them: a process that
 * used them and left them open still exits by itself, and a call it awaits
 * is not cut short.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('tree workers and the index thread, left open, do not keep the process running', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polity-workers-idle-'));
  try {
    const url = (file: string): string => JSON.stringify(new URL(file, import.meta.url).href);
    // A file, not --eval: workers inherit the parent's flags, and --input-type would reach them.
    const child = join(dir, 'child.mjs');
    await writeFile(
      child,
      `import { createMerklePool } from ${url('./merkle-pool.js')};
import { createHashIndexThread } from ${url('./hash-index-thread.js')};
const pool = createMerklePool(2);
const tree = await pool.build(new Uint8Array(64));
const index = createHashIndexThread(${JSON.stringify(join(dir, 'index'))});
await index.open();
console.log(tree.size, await index.indexedHeight());`,
    );
    const r = spawnSync(process.execPath, [child], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.signal, null, 'the child was killed at the timeout: a worker kept it running');
    assert.equal(r.stdout.trim(), '2 0', `each awaited call was answered: ${r.stderr}`);
    assert.equal(r.status, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
