/**
 * The installable package (spec/deployment.md §5): what `npm pack` puts in
 * the tarball, read from `npm pack --dry-run` (no build, no network):
 * a scoped name that no public `polity` package can capture, the `polity`
 * command, no script that runs at install time (a tarball has no TypeScript
 * and no tsconfig), and every module the program imports inside the
 * tarball. Then `polity --version`, and the one-line refusal on a Node.js
 * older than 24 (with Debian's Node 20 where the machine has it).
 *
 * The full install — npm pack, npm install -g of the tarball, polity init and
 * start from the installed command — needs the registry for the
 * dependencies: scripts/check-package.sh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'polity.js');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  private?: boolean;
  bin: Record<string, string>;
  scripts: Record<string, string>;
  engines: { node: string };
};

function exec(file: string, args: string[], options: { cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd ?? ROOT, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('package.json: a scoped name, the polity command, Node 24, no install-time script', () => {
  assert.match(pkg.name, /^@[a-z0-9-]+\/polity$/, 'a scoped name: `npx polity` and a registry package called polity can never be this one');
  assert.equal(pkg.private, true, 'not publishable until the scope is the department\'s own (spec/deployment.md §5)');
  assert.deepEqual(pkg.bin, { polity: './bin/polity.js' });
  assert.equal(pkg.engines.node, '>=24');
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) {
    assert.equal(pkg.scripts[hook], undefined, `no ${hook} script: npm would run it where the tarball is installed, without TypeScript`);
  }
  assert.match(pkg.scripts.prepack ?? '', /tsc/, 'npm pack builds dist/ first');
});

test('npm pack: the tarball holds the program, its pages, styles, spec and packaging, and nothing of the tests or sources', async (t) => {
  const r = await exec('npm', ['pack', '--dry-run', '--json', '--ignore-scripts']).catch(() => undefined);
  if (!r || r.code !== 0) {
    t.skip(`npm is not on PATH here (${r?.stderr.slice(0, 200) ?? 'not found'})`);
    return;
  }
  const listing = JSON.parse(r.stdout) as { name: string; filename: string; files: { path: string }[]; size: number }[];
  const files = new Set(listing[0]!.files.map((f) => f.path));
  t.diagnostic(`${listing[0]!.filename}: ${files.size} files, ${listing[0]!.size} bytes packed`);
  for (const needed of ['bin/polity.js', 'package.json', 'README.md', 'dist/src/main.js', 'dist/src/sim-worker.js', 'dist/src/cli/main.js', 'dist/web/pages/explorer.js', 'web/app.css', 'web/favicon.svg', 'web/styles/org.css', 'spec/deployment.md', 'packaging/polity.service', 'packaging/Containerfile']) {
    assert.ok(files.has(needed), `the tarball has ${needed}`);
  }
  for (const f of files) {
    assert.doesNotMatch(f, /^(dist\/test|dist\/bench|src|test|bench|conformance|node_modules|data)\/|\.test\.js$|\.map$|^tsconfig\.json$|\.tsbuildinfo$/, `the tarball leaves out ${f}`);
  }
  // Every relative import of a packed module is packed too (a file left out would fail at the first start).
  const missing: string[] = [];
  for (const f of files) {
    if (!f.endsWith('.js')) continue;
    const text = readFileSync(join(ROOT, f), 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = normalize(join(dirname(f), m[1]!));
      if (!files.has(target)) missing.push(`${f} -> ${target}`);
    }
  }
  assert.deepEqual(missing, [], 'every relative import resolves inside the tarball');
});

test('polity --version prints the package version', async () => {
  for (const arg of ['--version', 'version']) {
    const r = await exec(process.execPath, [BIN, arg]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), pkg.version);
  }
});

test('on a Node.js older than 24 the command says which Node it needs, in one sentence, before importing anything', async (t) => {
  const old = ['/usr/bin/node', '/bin/node'].find((p) => {
    try {
      readFileSync(p, { flag: 'r' }).subarray(0, 1);
      return true;
    } catch {
      return false;
    }
  });
  if (!old) {
    t.skip('no older Node.js on this machine');
    return;
  }
  const version = await exec(old, ['--version']);
  if (Number(/^v(\d+)/.exec(version.stdout)?.[1]) >= 24) {
    t.skip(`${old} is ${version.stdout.trim()}, not older than 24`);
    return;
  }
  t.diagnostic(`with ${old} ${version.stdout.trim()}`);
  const r = await exec(old, [BIN, '--version']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^polity needs Node\.js 24 or later; this is Node\.js 2\d\.\d+\.\d+/);
  assert.doesNotMatch(r.stderr, /at .*\(.*:\d+:\d+\)|SyntaxError|ERR_/, 'no stack trace');
});
