/**
 * `polity start` serves the API where network.json's `api` says — host and
 * port (spec/deployment.md §2) — unless `--host` or `--port` say otherwise.
 * A real process started from a network made by `polity init --validators 1`,
 * with `api.host` set to another loopback address, 127.0.0.2: the node
 * answers there and not on 127.0.0.1.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePortRange, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

/** Start a node, wait for its banner, run `check` with the printed API URL, then stop it with SIGTERM. */
async function withNode(args: string[], check: (url: string) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'start', ...args, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  try {
    const deadline = Date.now() + 30_000;
    while (!/explorer\s+http:\/\/\S+\//.test(stdout) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const url = /explorer\s+(http:\/\/\S+?)\/\s/.exec(stdout)?.[1];
    assert.ok(url, `the node printed its URL; stdout: ${stdout} stderr: ${stderr}`);
    await check(url);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
}

const refused = async (url: string): Promise<boolean> => {
  try {
    await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return false;
  } catch (e) {
    return /ECONNREFUSED/.test(String((e as { cause?: { code?: string } }).cause?.code ?? e));
  }
};

test("polity start listens on network.json's api.host and api.port; --host and --port override them", async () => {
  const root = await tempDir('polity-api-host-');
  dirs.push(root);
  const base = await freePortRange(3);
  const init = await run(['init', '--validators', '1', '--data', root, '--base-port', String(base), '--api-base-port', String(base + 1), '--json']);
  assert.equal(init.code, 0, init.stderr);
  const data = JSON.parse(init.stdout).nodes[0].data as string;
  const networkFile = join(data, 'network.json');
  const network = JSON.parse(await readFile(networkFile, 'utf8'));
  assert.deepEqual(network.api, { host: '127.0.0.1', port: base + 1 });
  network.api.host = '127.0.0.2';
  await writeFile(networkFile, JSON.stringify(network, null, 2));

  await withNode(['--data', data], async (url) => {
    assert.equal(url, `http://127.0.0.2:${base + 1}`);
    const status = await fetch(`${url}/v1/status`);
    assert.equal(status.status, 200);
    assert.equal(((await status.json()) as { chainId: string }).chainId, JSON.parse(init.stdout).chainId);
    assert.ok(await refused(`http://127.0.0.1:${base + 1}/v1/status`), 'nothing listens on 127.0.0.1');
  });

  // The command line wins over the file, each option on its own.
  await withNode(['--data', data, '--host', '127.0.0.1'], async (url) => {
    assert.equal(url, `http://127.0.0.1:${base + 1}`);
    assert.equal((await fetch(`${url}/v1/status`)).status, 200);
  });
  await withNode(['--data', data, '--port', String(base + 2)], async (url) => {
    assert.equal(url, `http://127.0.0.2:${base + 2}`);
    assert.equal((await fetch(`${url}/v1/status`)).status, 200);
  });
});
