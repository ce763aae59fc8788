/**
 * `polity start` settings from flags, the environment and a config file
 * (spec/deployment.md §6): every option of `polity start --help` is listed
 * with its default and its POLITY_ variable, and resolves flag > environment >
 * file > default. `--print-config` shows each value and where it came from; a
 * real node takes its port, log format and body limit from polity.json and
 * the environment.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/main.js';
import type { Io } from '../src/cli/io.js';
import { START_SETTINGS, envNameOf } from '../src/cli/start-config.js';
import { freePort, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function runInProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('start --help lists every option with its default and its environment variable', async () => {
  const help = await runInProcess(['start', '--help']);
  assert.equal(help.code, 0);
  for (const s of START_SETTINGS) {
    const line = help.out.split('\n').find((l) => l.trimStart().startsWith(`--${s.name} `) || l.trim() === `--${s.name}`);
    assert.ok(line, `--${s.name} is listed`);
    if (s.default !== undefined) assert.ok(line.includes(`(default ${String(s.default)})`), `--${s.name} shows its default: ${line}`);
    if (s.env !== false) assert.ok(line.includes(envNameOf(s.name)), `--${s.name} names ${envNameOf(s.name)}: ${line}`);
  }
  // The services' own start options are listed too (the credentials desk's key, say), and a config file and the order are explained.
  assert.match(help.out, /polity\.json/);
  assert.match(help.out, /flag > environment > config file > default/);
  assert.ok(START_SETTINGS.some((s) => s.name === 'host') && START_SETTINGS.some((s) => s.name === 'log-level') && START_SETTINGS.some((s) => s.name === 'body-limit-bytes') && START_SETTINGS.some((s) => s.name === 'stall-after-ms'));
});

test('precedence: flag > environment > config file > default, each setting on its own', async () => {
  const data = await tempDir('polity-config-');
  dirs.push(data);
  await writeFile(join(data, 'polity.json'), JSON.stringify({ 'log-level': 'error', 'log-format': 'json', port: 8811, 'stall-after-ms': 20000, 'no-repair': true }));
  const r = await run(['start', '--data', data, '--print-config', '--log-level', 'debug'], { POLITY_LOG_LEVEL: 'warn', POLITY_LOG_FORMAT: 'text', POLITY_PORT: '8822' });
  assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(r.stdout) as { settings: Record<string, { value: unknown; from: string }>; file: string | null };
  assert.deepEqual(config.settings['log-level'], { value: 'debug', from: 'flag' });
  assert.deepEqual(config.settings['log-format'], { value: 'text', from: 'environment POLITY_LOG_FORMAT' });
  assert.deepEqual(config.settings.port, { value: '8822', from: 'environment POLITY_PORT' });
  assert.deepEqual(config.settings['stall-after-ms'], { value: '20000', from: `file ${join(data, 'polity.json')}` });
  assert.deepEqual(config.settings['no-repair'], { value: true, from: `file ${join(data, 'polity.json')}` });
  assert.deepEqual(config.settings.metrics, { value: 'on', from: 'default' });
  assert.equal(config.file, join(data, 'polity.json'));

  // --config names another file; POLITY_DATA picks the data directory.
  const other = join(data, 'other.json');
  await writeFile(other, JSON.stringify({ host: '127.0.0.2' }));
  const r2 = await run(['start', '--print-config', '--config', other], { POLITY_DATA: data });
  assert.equal(r2.code, 0, r2.stderr);
  const c2 = JSON.parse(r2.stdout);
  assert.deepEqual(c2.settings.host, { value: '127.0.0.2', from: `file ${other}` });
  assert.deepEqual(c2.settings.data, { value: data, from: 'environment POLITY_DATA' });
  assert.equal(c2.settings['log-level'].from, 'default', 'polity.json in the data directory is not read when --config names another');
});

test('a config file with an unknown key, a wrong type or a bad value is refused, naming it', async () => {
  const data = await tempDir('polity-config-bad-');
  dirs.push(data);
  const file = join(data, 'polity.json');
  const cases: [unknown, RegExp][] = [
    [{ 'log-levle': 'info' }, /unknown setting "log-levle"/],
    [{ port: true }, /port: expected a number or a string/],
    [{ 'log-level': 'loud' }, /--log-level: expected debug, info, warn, error or silent/],
    [{ 'verify-workers': 'many' }, /--verify-workers: expected a whole number from 0 to 256/],
    [{ 'verify-workers': 1000 }, /--verify-workers: expected a whole number from 0 to 256/],
    [[1, 2], /expected a JSON object/],
    [{ data: '/elsewhere' }, /data: set the data directory with --data or POLITY_DATA/],
  ];
  for (const [content, message] of cases) {
    await writeFile(file, JSON.stringify(content));
    const r = await run(['start', '--data', data, '--print-config']);
    assert.equal(r.code, 2, `${JSON.stringify(content)}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  await writeFile(file, '{ not json');
  const r = await run(['start', '--data', data, '--print-config']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /polity\.json is not JSON/);
  const env = await run(['start', '--data', data, '--print-config'], { POLITY_METRICS: 'maybe' });
  assert.equal(env.code, 2);
});

test('a node started from polity.json and the environment: its port, JSON logs and body limit as configured (and no verification workers: intake on the main thread)', async () => {
  const data = await tempDir('polity-config-node-');
  dirs.push(data);
  assert.equal((await run(['init', '--data', data])).code, 0);
  const port = await freePort();
  await writeFile(join(data, 'polity.json'), JSON.stringify({ port, 'log-format': 'json', 'log-level': 'info', 'body-limit-bytes': 4096, 'plaintext-keys': 'allow', 'verify-workers': 0 }));
  const child = spawn(process.execPath, [BIN, 'start', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', POLITY_ACCESS_LOG: 'info' } });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  try {
    const deadline = Date.now() + 60_000;
    while (!/press Ctrl\+C/.test(stdout) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    assert.match(stdout, new RegExp(`http://127\\.0\\.0\\.1:${port}/`), stderr);
    const status = await fetch(`http://127.0.0.1:${port}/v1/status`);
    assert.equal(status.status, 200);
    const big = await fetch(`http://127.0.0.1:${port}/v1/tx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(8192) }) });
    assert.equal(big.status, 413, 'the body limit from polity.json applies');
    // The access log (from POLITY_ACCESS_LOG) is a JSON line (from polity.json's log-format).
    const until = Date.now() + 10_000;
    while (!/"route":"\/v1\/status"/.test(stdout + stderr) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const line = (stdout + stderr).split("\n").find((l) => l.includes("\"route\":\"/v1/status\""));
    assert.ok(line, `an access log line; output: ${stdout}${stderr}`);
    assert.doesNotThrow(() => JSON.parse(line));
    assert.doesNotMatch(stderr, /not encrypted/, "plaintext-keys: allow from polity.json silences the warning");
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
});
