/**
 * The layering rule of DESIGN.md: imports only point downwards. A module
 * never imports the API; consensus never imports a module; the core layers
 * (crypto, ledger, runtime, consensus) import no I/O and read no clock.
 *
 * The test reads every source file's import specifiers and checks each
 * against the rank table. A negative control plants an upward import and
 * shows the checker catching it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const SRC = join(ROOT, 'src');

/** Lower ranks may not import higher ones; equal ranks may not import each other (except within a folder). */
export const RANK: Record<string, number> = {
  crypto: 0,
  ledger: 1,
  storage: 2,
  runtime: 2,
  consensus: 2,
  p2p: 2,
  modules: 3,
  node: 4,
  sdk: 4,
  sim: 4,
  api: 5,
  cli: 6,
};

/** Layers whose code must be deterministic: no I/O, clock or randomness. */
const PURE = new Set(['crypto', 'ledger', 'runtime', 'consensus', 'modules']);
/** node: built-ins a pure layer may use (hashing and signatures only). */
const PURE_ALLOWED_BUILTINS = new Set(['node:crypto']);

function layerOf(file: string): string {
  return relative(SRC, file).split(sep)[0]!;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) yield path;
  }
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

export function violations(file: string, text: string): string[] {
  const out: string[] = [];
  const from = layerOf(file);
  const rank = RANK[from];
  if (rank === undefined) return [`${relative(ROOT, file)}: folder src/${from} has no rank in the layer table`];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2]!;
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC)) continue;
      const to = layerOf(target);
      if (to === from) continue;
      const toRank = RANK[to];
      if (toRank === undefined || toRank >= rank) out.push(`${relative(ROOT, file)} (${from}) imports ${spec} (${to}): imports must point downwards`);
    } else if (PURE.has(from) && spec.startsWith('node:') && !PURE_ALLOWED_BUILTINS.has(spec)) {
      out.push(`${relative(ROOT, file)}: the ${from} layer must not import ${spec} (no I/O in the deterministic core)`);
    } else if (PURE.has(from) && (spec === 'classic-level' || spec === 'fastify')) {
      out.push(`${relative(ROOT, file)}: the ${from} layer must not import ${spec}`);
    }
  }
  if (PURE.has(from)) {
    const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const banned of ['Date.now(', 'new Date(', 'Math.random(', 'setTimeout(', 'setInterval(', 'performance.now(', 'process.']) {
      if (code.includes(banned)) out.push(`${relative(ROOT, file)}: the ${from} layer must not use ${banned.replace('(', '')} (time, randomness and I/O come in as arguments)`);
    }
  }
  return out;
}

test('imports point downwards and the core is deterministic', () => {
  const found: string[] = [];
  let files = 0;
  for (const file of sourceFiles(SRC)) {
    files++;
    found.push(...violations(file, readFileSync(file, 'utf8')));
  }
  assert.ok(files > 20, `expected the source tree, read ${files} files`);
  assert.deepEqual(found, []);
});

test('negative control: an upward import, an I/O import and a clock read are caught', () => {
  const moduleFile = join(SRC, 'modules', 'notary', 'planted.ts');
  assert.equal(violations(moduleFile, "import { createApi } from '../../api/server.js';").length, 1);
  const consensusFile = join(SRC, 'consensus', 'planted.ts');
  assert.equal(violations(consensusFile, "import { notaryModule } from '../modules/notary/notary.js';").length, 1);
  assert.equal(violations(consensusFile, "import { readFile } from 'node:fs/promises';").length, 1);
  assert.equal(violations(consensusFile, 'const t = Date.now();').length, 1);
  assert.equal(violations(join(SRC, 'runtime', 'planted.ts'), "import { x } from '../storage/chain-store.js';").length, 1);
  assert.equal(violations(join(SRC, 'api', 'planted.ts'), "import { createNode } from '../node/node.js';").length, 0);
});
