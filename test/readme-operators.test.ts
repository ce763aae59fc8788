/**
 * The README's "Organisations, officials and governance" commands, run as
 * written from a fresh folder: `polity init --encrypt --data ./data`, a node
 * started on it, then each line of the README's block in that folder (the
 * `<…>` placeholders filled with real keys, `--api` added since the test's
 * node is on a free port). What a department's administrator types first
 * must work: the admin key at the path the README gives, the official's
 * consent, and an organisation added with the modules it needs.
 *
 * Lines that need a second organisation (a vote, a validator change of a
 * one-node chain) are not run here; test/bft.test.ts covers them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { freePort, tempDir } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'polity.js');
const PASS = 'a passphrase for the README test';

/** The first ```sh block after a heading. */
export function blockAfter(markdown: string, heading: string): string[] {
  const at = markdown.indexOf(`\n## ${heading}\n`);
  assert.ok(at >= 0, `README has a "## ${heading}" section`);
  const open = markdown.indexOf('```sh\n', at);
  const close = markdown.indexOf('\n```', open + 6);
  return markdown.slice(open + 6, close).split('\n');
}

/** A shell line's words: double quotes group, `#` outside quotes starts a comment. */
export function words(line: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') {
      quoted = !quoted;
      word ??= '';
    } else if (!quoted && ch === '#') break;
    else if (!quoted && /\s/.test(ch)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else word = (word ?? '') + ch;
  }
  if (word !== undefined) out.push(word);
  return out;
}

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, POLITY_KEY_PASSPHRASE: PASS }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('README: the organisations block runs as written from a fresh data directory, and add-org grants the modules it names', async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const lines = blockAfter(readme, 'Organisations, officials and governance').filter((l) => l.startsWith('polity '));
  const cwd = await tempDir('polity-readme-');
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  let node: ReturnType<typeof spawn> | undefined;
  try {
    const init = await run(['init', '--encrypt', '--data', './data', '--json'], cwd);
    assert.equal(init.code, 0, init.stderr);
    const org = JSON.parse(init.stdout).organisation as string;
    node = spawn(process.execPath, [BIN, 'start', '--data', './data', '--port', String(port), '--log-level', 'warn'], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', POLITY_KEY_PASSPHRASE: PASS } });
    let out = '';
    node.stdout!.on('data', (d) => (out += d));
    node.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 60_000;
    while (!/press Ctrl\+C/.test(out) && Date.now() < deadline && node.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /Polity node running/, out);

    const fill: Record<string, string> = {
      '<their-admin-key>': generateKeyPair().publicKey,
      '<their-node-key>': generateKeyPair().publicKey,
    };
    const skipped: string[] = [];
    for (const line of lines) {
      if (/gov vote|propose validators/.test(line)) {
        skipped.push(line);
        continue;
      }
      let args = words(line).slice(1);
      assert.ok(!args.some((a) => /^<.*>$/.test(a) && !(a in fill) && a !== '<official-key>'), `a placeholder this test does not know in: ${line}`);
      if (args.includes('<official-key>')) {
        const shown = await run(['keys', 'show', '--key', 'my-key.json', '--json'], cwd);
        fill['<official-key>'] = JSON.parse(shown.stdout).publicKey;
      }
      args = args.map((a) => fill[a] ?? a);
      const needsNode = !(args[0] === 'keys');
      const r = await run([...args, ...(needsNode ? ['--api', api] : [])], cwd);
      assert.equal(r.code, 0, `${line}\n${r.stdout}${r.stderr}`);
    }
    assert.equal(skipped.length, 2, 'only the vote and the validator change are left to the BFT tests');

    const orgs = (await (await fetch(`${api}/v1/orgs`)).json()) as { organisations?: { id: string; permissions: string[]; officials?: unknown }[] } | { id: string; permissions: string[] }[];
    const list = Array.isArray(orgs) ? orgs : (orgs.organisations ?? []);
    const health = list.find((o) => o.id === 'health');
    assert.ok(health, `the health organisation was added: ${JSON.stringify(orgs).slice(0, 400)}`);
    for (const m of ['notary', 'did', 'credentials']) assert.ok(health!.permissions.includes(m), `health may act in ${m}`);
    assert.ok(list.some((o) => o.id === org), 'the organisation init named');
  } finally {
    node?.kill('SIGTERM');
    await rm(cwd, { recursive: true, force: true });
  }
});
