/**
 * Keys encrypted at rest, through the real `polity` command: `keys new
 * --encrypt`, `keys show` without the passphrase, `keys decrypt` and `keys
 * encrypt` back (the same key), a signing command (`notarize --sign`) with
 * an encrypted key and its passphrase from a file or POLITY_KEY_PASSPHRASE, a
 * wrong passphrase refused, and a plaintext key refused by default unless
 * --allow-plaintext-key or POLITY_PLAINTEXT_KEYS=allow says otherwise
 * (spec/deployment.md §9). Then `polity init --encrypt` and `polity start`
 * opening the encrypted node key.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startTestNode, tempDir, type TestNode } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));
const PASS = 'correct horse battery staple';

/** Run `polity` with only the environment given here (plus PATH): no inherited POLITY_* settings. */
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: work, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let t: TestNode;
let api: string;
let work: string;
before(async () => {
  t = await startTestNode({ listen: true });
  api = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  work = await tempDir('polity-keys-');
});
after(async () => {
  await t.close();
  await rm(work, { recursive: true, force: true });
});

test('keys new --encrypt, show without the passphrase, decrypt and encrypt again: the same key throughout', async () => {
  const file = join(work, 'sealed.json');
  const made = await run(['keys', 'new', '--encrypt', '--key', file, '--json'], { POLITY_KEY_PASSPHRASE: PASS });
  assert.equal(made.code, 0, made.stderr);
  const publicKey = JSON.parse(made.stdout).publicKey as string;
  const sealed = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(sealed.publicKey, publicKey);
  assert.equal(sealed.secretKey, undefined, 'no seed in clear');
  assert.equal(sealed.sealed.kdf, 'scrypt');

  const shown = await run(['keys', 'show', '--key', file]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`public key ${publicKey}`));
  assert.match(shown.stdout, /encrypted/);

  const passFile = join(work, 'pass.txt');
  await writeFile(passFile, `${PASS}\n`, { mode: 0o600 });
  const opened = await run(['keys', 'decrypt', file, '--passphrase-file', passFile]);
  assert.equal(opened.code, 0, opened.stderr);
  const plain = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(plain.publicKey, publicKey);
  assert.match(plain.secretKey, /^[0-9a-f]{64}$/);

  const resealed = await run(['keys', 'encrypt', file], { POLITY_KEY_PASSPHRASE: PASS });
  assert.equal(resealed.code, 0, resealed.stderr);
  const again = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(again.publicKey, publicKey);
  assert.equal(again.secretKey, undefined);
  assert.notEqual(again.sealed.salt, sealed.sealed.salt, 'a fresh salt each time');
  // Decrypting once more gives the very same seed: the round trip kept the key.
  assert.equal((await run(['keys', 'decrypt', file], { POLITY_KEY_PASSPHRASE: PASS })).code, 0);
  assert.equal(JSON.parse(await readFile(file, 'utf8')).secretKey, plain.secretKey);
});

test('a signing command opens an encrypted key with its passphrase, and refuses a wrong one or none', async () => {
  const file = join(work, 'signer.json');
  assert.equal((await run(['keys', 'new', '--encrypt', '--key', file], { POLITY_KEY_PASSPHRASE: PASS })).code, 0);
  const doc = join(work, 'doc.txt');
  await writeFile(doc, 'a signed document');
  const ok = await run(['notarize', doc, '--api', api, '--key', file, '--type', 'memo', '--json'], { POLITY_KEY_PASSPHRASE: PASS });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).files[0].mode, 'signed');

  const wrong = await run(['notarize', doc, '--api', api, '--key', file, '--type', 'memo'], { POLITY_KEY_PASSPHRASE: 'not the passphrase' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /passphrase does not open/);
  assert.doesNotMatch(wrong.stderr, /not the passphrase/, 'the passphrase is never echoed');

  const none = await run(['notarize', doc, '--api', api, '--key', file, '--type', 'memo']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /is encrypted.*POLITY_KEY_PASSPHRASE.*--passphrase-file/);
});

test('a plaintext key: refused by default; --allow-plaintext-key uses it with a one-line notice, POLITY_PLAINTEXT_KEYS=allow silently', async () => {
  const file = join(work, 'plain.json');
  const made = await run(['keys', 'new', '--key', file]);
  assert.equal(made.code, 0);
  assert.match(made.stdout, /not encrypted/, 'keys new says the file is not encrypted');
  const doc = join(work, 'plain-doc.txt');
  await writeFile(doc, 'a document signed with a plaintext key');

  const refused = await run(['notarize', doc, '--api', api, '--key', file, '--type', 'memo']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /plain\.json is not encrypted; encrypt it with `polity keys encrypt .*` or pass --allow-plaintext-key/);

  const flagged = await run(['notarize', doc, '--api', api, '--key', file, '--type', 'memo', '--allow-plaintext-key']);
  assert.equal(flagged.code, 0, flagged.stderr);
  assert.equal(flagged.stderr.trim().split('\n').filter((l) => /plain\.json/.test(l)).length, 1, flagged.stderr);
  assert.match(flagged.stderr, /not encrypted/);

  const env = await run(['notarize', doc, '--api', api, '--key', file, '--type', 'memo'], { POLITY_PLAINTEXT_KEYS: 'allow' });
  assert.equal(env.code, 0, env.stderr);
  assert.doesNotMatch(env.stderr, /not encrypted/);

  const warn = await run(['notarize', doc, '--api', api, '--key', file, '--type', 'memo'], { POLITY_PLAINTEXT_KEYS: 'warn' });
  assert.equal(warn.code, 0, warn.stderr);
  assert.match(warn.stderr, /warning: .*plain\.json is not encrypted/);
});

test('polity start refuses a plaintext node key by default and names the override; npm start passes it for a try-out node', async () => {
  const data = join(work, 'node-plain');
  const init = await run(['init', '--data', data]);
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /not encrypted/, 'init says the keys are not encrypted');
  const refused = await run(['start', '--data', data, '--port', String(await freePort())]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /node-key\.json is not encrypted; encrypt it with `polity keys encrypt .*` or pass --allow-plaintext-key/);
  const pkg = JSON.parse(await readFile(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));
  assert.match(pkg.scripts.start, /start --init --data \.\/data --allow-plaintext-key/);
});

test('init --encrypt seals the node and admin keys; start opens the node key with the passphrase, and says why not without it', async () => {
  const data = join(work, 'node-sealed');
  const init = await run(['init', '--encrypt', '--data', data, '--json'], { POLITY_KEY_PASSPHRASE: PASS });
  assert.equal(init.code, 0, init.stderr);
  for (const name of ['node-key.json', 'admin-key.json']) {
    const k = JSON.parse(await readFile(join(data, name), 'utf8'));
    assert.equal(k.secretKey, undefined, `${name} has no seed in clear`);
    assert.ok(k.sealed, `${name} is sealed`);
  }

  // A planned network's keys are sealed by each department where they live, not by the coordinator.
  const network = await run(['init', '--validators', '2', '--encrypt', '--data', join(work, 'net')], { POLITY_KEY_PASSPHRASE: PASS });
  assert.equal(network.code, 2);
  assert.match(network.stderr, /--encrypt is for a one-node chain/);

  const without = await run(['start', '--data', data, '--port', String(await freePort())]);
  assert.equal(without.code, 1);
  assert.match(without.stderr, /node-key\.json is encrypted/);

  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start', '--data', data, '--port', String(port), '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', POLITY_KEY_PASSPHRASE: PASS, POLITY_PLAINTEXT_KEYS: 'refuse' },
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  try {
    const deadline = Date.now() + 60_000;
    while (!/press Ctrl\+C/.test(stdout) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    assert.match(stdout, /Polity node running/, stderr);
    const status = await (await fetch(`http://127.0.0.1:${port}/v1/status`)).json();
    assert.equal(typeof status.height, 'number');
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
});

test('polity start --issuing-key opens an encrypted key like the node key, and refuses a plaintext one by default', async () => {
  const data = join(work, 'desk-node');
  assert.equal((await run(['init', '--encrypt', '--data', data], { POLITY_KEY_PASSPHRASE: PASS })).code, 0);
  const sealedKey = join(work, 'issuer-sealed.json');
  assert.equal((await run(['keys', 'new', '--encrypt', '--key', sealedKey], { POLITY_KEY_PASSPHRASE: PASS })).code, 0);
  const plainKey = join(work, 'issuer-plain.json');
  assert.equal((await run(['keys', 'new', '--key', plainKey])).code, 0);

  const plain = await run(['start', '--data', data, '--port', String(await freePort()), '--issuing-key', plainKey], { POLITY_KEY_PASSPHRASE: PASS });
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /issuer-plain\.json is not encrypted; encrypt it with `polity keys encrypt .*` or pass --allow-plaintext-key/);

  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start', '--data', data, '--port', String(port), '--log-level', 'warn', '--issuing-key', sealedKey, '--public-url', `http://127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', POLITY_KEY_PASSPHRASE: PASS },
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  try {
    const deadline = Date.now() + 60_000;
    while (!/press Ctrl\+C/.test(stdout) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    assert.match(stdout, /Polity node running/, stderr);
    // The desk runs: its OAuth metadata answers (503 CREDENTIALS_DESK_OFF without a desk).
    const res = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`);
    assert.equal(res.status, 200, await res.clone().text());
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
});
