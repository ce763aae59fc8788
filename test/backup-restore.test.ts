/**
 * Back up a running validator, lose it, restore it on a fresh folder: it
 * rejoins and signs again, and nobody double-signs (spec/operations.md,
 * "Back up, restore and upgrade").
 *
 *   1. four validators run and commit;
 *   2. `polity backup` of validator 4 while it runs; `polity backup check` passes;
 *      the backup holds no keys and no signing records;
 *   3. the chain goes on past the backup; validator 4 is killed (SIGKILL) and its
 *      folder wiped (its node key kept apart, as a department keeps its keys);
 *   4. `polity restore` into a fresh folder (refused into a non-empty one without --yes),
 *      the key put back, `polity start`: it catches up, then signs blocks again;
 *   5. evidence: none on any node.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Genesis } from '../src/ledger/genesis.js';
import { runInitNetwork } from '../src/cli/network-init.js';
import type { Io } from '../src/cli/io.js';
import { main } from '../src/main.js';
import { freePortRange, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const quietIo: Io = { out: () => {}, err: () => {}, progress: () => {}, isTty: false };
/** Run `polity …` in-process; what it printed, and its exit status. */
async function polity(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface Dept {
  name: string;
  dir: string;
  api: string;
  proc?: ChildProcess;
  log: string[];
}

function startNode(d: Dept): void {
  const proc = spawn(process.execPath, [BIN, 'start', '--data', d.dir, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (b: Buffer) => d.log.push(b.toString()));
  proc.stderr!.on('data', (b: Buffer) => d.log.push(b.toString()));
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  d.proc = proc;
}
async function get(d: Dept, path: string): Promise<any> {
  const res = await fetch(d.api + path, { signal: AbortSignal.timeout(2000) });
  return res.json();
}
const heightOf = async (d: Dept): Promise<number> => {
  try {
    return ((await get(d, '/v1/status')) as { height: number }).height;
  } catch {
    return -1;
  }
};
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

test('a running validator backed up, lost and restored on a fresh folder rejoins and signs again, with no double-signing', { timeout: 300_000 }, async () => {
  const root = await tempDir('polity-restore-');
  const p2pBase = await freePortRange(8);
  const apiBase = await freePortRange(8);
  const code = await runInitNetwork({ validators: '4', data: root, 'base-port': String(p2pBase), 'api-base-port': String(apiBase), json: false }, [], quietIo);
  assert.equal(code, 0);
  const slugs = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  assert.equal(slugs.length, 4);
  const depts: Dept[] = await Promise.all(
    slugs.map(async (slug) => {
      const network = JSON.parse(await readFile(join(root, slug, 'network.json'), 'utf8')) as { api: { port: number } };
      return { name: slug, dir: join(root, slug), api: `http://127.0.0.1:${network.api.port}`, log: [] };
    }),
  );
  const genesis = JSON.parse(await readFile(join(depts[0]!.dir, 'genesis.json'), 'utf8')) as Genesis;
  const lost = depts[3]!;
  const lostKey = JSON.parse(await readFile(join(lost.dir, 'node-key.json'), 'utf8')) as { publicKey: string };
  for (const d of depts) startNode(d);
  try {
    await waitFor('all four nodes to commit block 3', async () => (await Promise.all(depts.map(heightOf))).every((h) => h >= 3));

    // 2. A backup of validator 4 while it runs.
    const backup = join(root, 'backup-v4');
    const made = await polity('backup', '--data', lost.dir, '--out', backup, '--json');
    assert.equal(made.code, 0, made.err);
    const summary = JSON.parse(made.out) as { height: number; includesKeys: boolean };
    console.log(`backup of a running validator: ${made.out}`);
    assert.ok(summary.height >= 3 && summary.includesKeys === false);
    const checked = await polity('backup', 'check', backup);
    assert.equal(checked.code, 0, checked.out);
    console.log(checked.out);
    const manifest = JSON.parse(await readFile(join(backup, 'backup.json'), 'utf8')) as { files: { path: string }[] };
    const paths = manifest.files.map((f) => f.path);
    for (const left of ['node-key.json', 'admin-key.json', 'commit-record.json', 'consensus-wal']) assert.ok(!paths.includes(left), `${left} is not in the backup`);
    assert.ok(paths.includes('genesis.json') && paths.includes('network.json') && paths.some((p) => p.startsWith('chain/')));

    // 3. The chain goes on past the backup; validator 4 signs there; then it is lost.
    await waitFor('the chain to pass the backup by 6 blocks', async () => (await heightOf(lost)) >= summary.height + 6);
    lost.proc!.kill('SIGKILL');
    await new Promise((r) => lost.proc!.exitCode !== null || lost.proc!.signalCode !== null ? r(undefined) : lost.proc!.once('exit', r));
    const keyKept = join(root, 'kept-node-key.json');
    await copyFile(join(lost.dir, 'node-key.json'), keyKept);
    await rm(lost.dir, { recursive: true, force: true });

    // 4. Restore into a fresh folder; a non-empty one is refused without --yes.
    const fresh = join(root, 'v4-restored');
    await mkdir(fresh);
    await writeFile(join(fresh, 'note.txt'), 'something else\n');
    const refused = await polity('restore', '--from', backup, '--data', fresh);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /not empty.*--yes/);
    await rm(fresh, { recursive: true });
    const restored = await polity('restore', '--from', backup, '--data', fresh);
    assert.equal(restored.code, 0, restored.err);
    console.log(restored.out);
    assert.match(restored.out, /signing hold/);
    await copyFile(keyKept, join(fresh, 'node-key.json'));
    lost.dir = fresh;
    lost.log.length = 0;
    const before = await heightOf(depts[0]!);
    startNode(lost);
    await waitFor('the restored node to catch up', async () => (await heightOf(lost)) >= before);
    const caughtUp = await heightOf(lost);
    // It signs again: its precommit is in the certificate of a later block.
    let signedAt = 0;
    await waitFor('the restored validator to sign a block', async () => {
      const h = await heightOf(depts[0]!);
      for (let k = caughtUp + 1; k <= h; k++) {
        const block = await get(depts[0]!, `/v1/blocks/${k}`);
        if ((block.certificate?.signatures as { validator: string }[] | undefined)?.some((s) => s.validator === lostKey.publicKey)) {
          signedAt = k;
          return true;
        }
      }
      return false;
    }, 90_000);
    console.log(`restored at height ${summary.height}, caught up to ${caughtUp}, signed again at ${signedAt}`);
    assert.ok(lost.log.join('').includes('consensus.signingHold'), 'the restored node logs its signing hold');

    // 5. No equivocation anywhere, and every node holds the same blocks.
    for (const d of depts) assert.deepEqual((await get(d, '/v1/evidence')).evidence, [], `${d.name} recorded no equivocation`);
    const top = Math.min(...(await Promise.all(depts.map(heightOf))));
    for (const h of [1, summary.height, top]) {
      const hashes = await Promise.all(depts.map(async (d) => (await get(d, `/v1/blocks/${h}`)).header?.stateRoot));
      assert.equal(new Set(hashes).size, 1, `every node holds the same block ${h}`);
    }
    void genesis;
  } catch (e) {
    for (const d of depts) process.stderr.write(`--- ${d.name} height ${await heightOf(d)}\n${d.log.join('').slice(-3000)}\n`);
    throw e;
  } finally {
    for (const d of depts) if (d.proc && d.proc.exitCode === null) d.proc.kill('SIGTERM');
  }
});
