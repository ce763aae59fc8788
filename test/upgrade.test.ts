/**
 * The upgrade path (spec/operations.md, "Upgrade"): this release starts on
 * the previous release's data directory (test/fixtures/release-0.1.0, data
 * format 1: no format.json), migrates it at start, keeps its chain, and the
 * receipts that release handed out still verify offline. A directory of a
 * newer format is refused with a message, not opened. A stopped node's
 * directory is backed up and checked by the command itself.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/main.js';
import { freePort, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../test/fixtures/release-0.1.0', import.meta.url));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function polity(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function start(dir: string, port: number, log: string[]): ChildProcess {
  const proc = spawn(process.execPath, [BIN, 'start', '--data', dir, '--port', String(port), '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (b: Buffer) => log.push(b.toString()));
  proc.stderr!.on('data', (b: Buffer) => log.push(b.toString()));
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  return proc;
}
const exited = (proc: ChildProcess): Promise<number | null> => (proc.exitCode !== null ? Promise.resolve(proc.exitCode) : new Promise((r) => proc.once('exit', (code) => r(code))));
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

test("this release starts on release 0.1.0's data directory, migrates it, and its receipts still verify offline", { timeout: 120_000 }, async () => {
  const root = await tempDir('polity-upgrade-');
  process.env.POLITY_KEY = join(root, 'client-key.json');
  assert.equal((await polity('keys', 'new')).code, 0);
  await cp(FIXTURE, root, { recursive: true });
  const dir = join(root, 'node-data');
  const old = JSON.parse(await readFile(join(root, 'receipts', 'deed-1.txt.receipt.json'), 'utf8')) as { header: { height: number } };
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  const proc = start(dir, port, log);
  try {
    await waitFor('the node on the old directory to answer', async () => {
      try {
        return ((await (await fetch(`${api}/v1/status`)).json()) as { height: number }).height >= old.header.height;
      } catch {
        return false;
      }
    });
    // Migrated at start: format 1 (no file) to 2, said in the log.
    const format = JSON.parse(await readFile(join(dir, 'format.json'), 'utf8')) as { format: number; migratedFrom: number[] };
    assert.deepEqual([format.format, format.migratedFrom], [2, [1]]);
    assert.match(log.join(''), /data\.migrated.*from=1 to=2/);
    // The old receipts verify offline, and the chain goes on.
    for (const doc of ['deed-1.txt', 'minutes-2.txt']) {
      const v = await polity('verify', join(root, 'docs', doc), join(root, 'receipts', `${doc}.receipt.json`), '--genesis', join(dir, 'genesis.json'));
      assert.equal(v.code, 0, `${v.out}\n${v.err}`);
      console.log(`old receipt: ${v.out.split('\n')[0]}`);
    }
    const fresh = join(root, 'docs', 'after-upgrade.txt');
    await writeFile(fresh, 'signed after the upgrade\n');
    const n = await polity('notarize', fresh, '--api', api, '--out', join(root, 'receipts'));
    assert.equal(n.code, 0, n.err);
    assert.equal((await polity('verify', fresh, join(root, 'receipts', 'after-upgrade.txt.receipt.json'), '--genesis', join(dir, 'genesis.json'))).code, 0);
  } finally {
    proc.kill('SIGTERM');
    await exited(proc);
  }

  // A stopped node's directory: the command copies it itself; the copy checks; a changed file is caught.
  const backup = join(root, 'backup');
  const b = await polity('backup', '--data', dir, '--out', backup);
  assert.equal(b.code, 0, b.err);
  assert.equal((await polity('backup', 'check', backup)).code, 0);
  // Restored (a one-validator chain: with the old folder's commit record, so nothing is rewound) and started:
  // the notary index, left out of the backup, is rebuilt, and the node serves the old receipt again.
  const restoredDir = join(root, 'restored');
  const noRewind = await polity('restore', '--from', backup, '--data', restoredDir);
  assert.equal(noRewind.code, 1);
  assert.match(noRewind.err, /one-validator chain.*--rewind/);
  const r = await polity('restore', '--from', backup, '--data', restoredDir, '--signing-record-from', dir);
  assert.equal(r.code, 0, r.err);
  for (const key of ['node-key.json']) await cp(join(dir, key), join(restoredDir, key));
  const docHash = (JSON.parse(await readFile(join(root, 'receipts', 'deed-1.txt.receipt.json'), 'utf8')) as { hash: string }).hash;
  const again = start(restoredDir, port, []);
  try {
    await waitFor('the restored node to serve the old receipt', async () => {
      try {
        return (await fetch(`${api}/v1/notary/receipts/${docHash}`)).status === 200;
      } catch {
        return false;
      }
    });
  } finally {
    again.kill('SIGTERM');
    await exited(again);
  }
  await writeFile(join(backup, 'genesis.json'), (await readFile(join(backup, 'genesis.json'), 'utf8')).replace('polity-prev-release', 'polity-prev-releasE'));
  const damaged = await polity('backup', 'check', backup);
  assert.equal(damaged.code, 1);
  assert.match(damaged.out, /genesis\.json does not match its SHA-256/);

  // A directory of a newer format is refused, with a message, and left as it is.
  await writeFile(join(dir, 'format.json'), JSON.stringify({ v: 1, kind: 'polity/data-format', format: 99 }) + '\n');
  const refusedLog: string[] = [];
  const refused = start(dir, port, refusedLog);
  assert.notEqual(await exited(refused), 0);
  assert.match(refusedLog.join(''), /data format 99, written by a newer release of Polity; this release reads format 2 and older/);
  assert.equal(JSON.parse(await readFile(join(dir, 'format.json'), 'utf8')).format, 99);
});
