/**
 * The layering rule of DESIGN.md: imports only point downwards, ranked by a
 * file's role rather than its folder.
 *
 * - The core layers keep their folders: crypto, ledger, then storage,
 *   runtime, consensus and p2p, then the node, the SDK, the simulator, the
 *   API, the CLI.
 * - A service folder (src/services/<name>/) holds files of every rank, and
 *   the file's name says which: `module.ts`, `errors.ts`, `queries.ts` and
 *   the rest are pure and sit with the runtime ("service"); `host.ts` (and
 *   `host-*.ts`, `host/`) sits with the node; `routes.ts` with the API;
 *   `page.tsx` with the web pages; `cli.ts` with the CLI; `index.ts`, which
 *   assembles the service, and src/services/index.ts, the list, sit above
 *   them all ("app"); `bench.ts` with the benchmarks.
 * - The core never imports a service: the node, the API and the CLI receive
 *   the service list from the app (src/main.ts).
 * - Web pages import only what a browser can run: the pure layers and web/.
 * - The deterministic core (crypto, ledger, runtime, consensus, the HTTP
 *   schemas and the services' pure files) imports no I/O and reads no clock.
 * - No import cycles anywhere, inside a folder included.
 *
 * src/, web/, bench/ and test/ are all scanned. Negative controls plant each
 * kind of fault and show the checker catching it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const SRC = join(ROOT, 'src');
const SERVICES = join(SRC, 'services');
const SCANNED = ['src', 'web', 'bench', 'test'];

export type Layer =
  | 'crypto' | 'ledger' | 'storage' | 'runtime' | 'consensus' | 'p2p' | 'schemas' | 'service'
  | 'node' | 'sdk' | 'sim' | 'api' | 'web' | 'cli' | 'app' | 'test' | 'bench';

/** A layer may import its own layer and strictly lower ranks. */
export const RANK: Record<Layer, number> = {
  crypto: 0,
  ledger: 10,
  storage: 20,
  runtime: 20,
  consensus: 20,
  p2p: 20,
  schemas: 25,
  service: 30,
  node: 40,
  sdk: 40,
  sim: 45,
  api: 50,
  web: 50,
  cli: 60,
  app: 70,
  test: 80,
  bench: 90,
};

/** Layers whose code must be deterministic: no I/O, clock or randomness. */
const PURE = new Set<Layer>(['crypto', 'ledger', 'runtime', 'consensus', 'schemas', 'service']);
/** node: built-ins a pure layer may use (hashing and signatures only). */
const PURE_ALLOWED_BUILTINS = new Set(['node:crypto']);
/** What a web page may import: code a browser runs (crypto/sha256.js is swapped for its browser twin by import map). */
const BROWSER_LAYERS = new Set<Layer>(['crypto', 'ledger', 'runtime', 'schemas', 'service', 'web']);

/** The layer of a file, from its folder and, inside a service folder, its name. */
export function layerOf(file: string): Layer | undefined {
  const rel = relative(ROOT, file).split(sep);
  const name = basename(file);
  if (/\.test\.tsx?$/.test(name) || rel[0] === 'test') return 'test';
  if (rel[0] === 'bench') return 'bench';
  if (rel[0] === 'web') return 'web';
  if (rel[0] !== 'src') return undefined;
  if (rel.length === 2) return 'app'; // entry points: src/main.ts and the app-level worker entries
  if (rel[1] === 'services') {
    if (rel.length === 3) return name === 'index.ts' || name === 'service.ts' ? 'app' : 'service';
    const inFolder = rel.slice(3);
    if (inFolder[0] === 'host' && inFolder.length > 1) return 'node';
    if (name === 'index.ts') return 'app';
    if (name === 'bench.ts') return 'bench';
    if (/^cli(-.*)?\.ts$/.test(name)) return 'cli';
    if (/^routes(-.*)?\.ts$/.test(name)) return 'api';
    if (/^host(-.*)?\.ts$/.test(name)) return 'node';
    if (name.endsWith('.tsx')) return 'web';
    return 'service';
  }
  return rel[1] !== undefined && rel[1] in RANK ? (rel[1] as Layer) : undefined;
}

const inServices = (file: string): boolean => file.startsWith(SERVICES + sep);
/** The core: src/ outside the services and the app. */
const isCore = (file: string): boolean => file.startsWith(SRC + sep) && !inServices(file) && layerOf(file) !== 'app' && layerOf(file) !== 'test';

function* sourceFiles(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The import specifiers of a file's text. */
export function importsOf(text: string): string[] {
  return [...text.matchAll(IMPORT_RE)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** The source file a relative specifier names (`./x.js` is `./x.ts` or `./x.tsx`), or undefined. */
export function resolveImport(from: string, spec: string, exists: (path: string) => boolean = existsSync): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const target = resolve(dirname(from), spec);
  const base = target.replace(/\.(js|jsx|ts|tsx)$/, '');
  for (const candidate of [`${base}.ts`, `${base}.tsx`, target]) if (exists(candidate)) return candidate;
  return `${base}.ts`;
}

/** What is wrong with one file's imports and code. */
export function violations(file: string, text: string, exists: (path: string) => boolean = existsSync): string[] {
  const out: string[] = [];
  const at = relative(ROOT, file);
  const from = layerOf(file);
  if (from === undefined) return [`${at}: its folder has no rank in the layer table`];
  for (const spec of importsOf(text)) {
    const target = resolveImport(file, spec, exists);
    if (target) {
      const to = layerOf(target);
      const where = `${at} (${from}) imports ${spec} (${to ?? 'unranked'})`;
      if (to === undefined) out.push(`${where}: the target has no rank`);
      else if (to !== from && RANK[to] >= RANK[from]) out.push(`${where}: imports must point downwards`);
      else if (isCore(file) && inServices(target)) out.push(`${where}: the core never names a service; it receives the service list`);
      else if (from === 'web' && !BROWSER_LAYERS.has(to)) out.push(`${where}: a web page imports only what a browser runs`);
    } else if (from === 'web' && spec.startsWith('node:')) {
      out.push(`${at}: a web page must not import ${spec}`);
    } else if (PURE.has(from) && spec.startsWith('node:') && !PURE_ALLOWED_BUILTINS.has(spec)) {
      out.push(`${at}: the ${from} layer must not import ${spec} (no I/O in the deterministic core)`);
    } else if (PURE.has(from) && (spec === 'classic-level' || spec === 'fastify' || spec.startsWith('@fastify/'))) {
      out.push(`${at}: the ${from} layer must not import ${spec}`);
    }
  }
  if (PURE.has(from)) {
    const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const banned of ['Date.now(', 'new Date(', 'Math.random(', 'setTimeout(', 'setInterval(', 'performance.now(', 'process.']) {
      if (code.includes(banned)) out.push(`${at}: the ${from} layer must not use ${banned.replace('(', '')} (time, randomness and I/O come in as arguments)`);
    }
  }
  return out;
}

/** Import cycles (strongly connected components of more than one file, or a file importing itself). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

function scan(): { files: Map<string, string>; graph: Map<string, string[]> } {
  const files = new Map<string, string>();
  for (const top of SCANNED) for (const file of sourceFiles(join(ROOT, top))) files.set(file, readFileSync(file, 'utf8'));
  const graph = new Map<string, string[]>();
  for (const [file, text] of files) {
    graph.set(file, importsOf(text).map((spec) => resolveImport(file, spec)).filter((t): t is string => t !== undefined));
  }
  return { files, graph };
}

test('imports point downwards, the core names no service, and the deterministic core reads no clock', () => {
  const { files } = scan();
  const found: string[] = [];
  for (const [file, text] of files) found.push(...violations(file, text));
  assert.ok(files.size > 100, `expected the source tree, read ${files.size} files`);
  assert.ok([...files.keys()].some((f) => f.includes(`${sep}test${sep}`)) && [...files.keys()].some((f) => f.includes(`${sep}bench${sep}`)), 'test/ and bench/ are scanned');
  assert.deepEqual(found, []);
});

test('no import cycles, inside a folder or across folders', () => {
  const { graph } = scan();
  assert.deepEqual(cycles(graph).map((c) => c.map((f) => relative(ROOT, f)).join(' <-> ')), []);
});

test('negative control: each kind of fault is caught', () => {
  const planted = (path: string): string => join(ROOT, path);
  const yes = (): boolean => true;
  const one = (path: string, text: string): number => violations(planted(path), text, yes).length;
  // An upward import, from a service's pure module to the API.
  assert.equal(one('src/services/notary/module.ts', "import { createApi } from '../../api/server.js';"), 1);
  // Consensus importing a service, I/O, a clock.
  assert.equal(one('src/consensus/planted.ts', "import { notaryModule } from '../services/notary/module.js';"), 1);
  assert.equal(one('src/consensus/planted.ts', "import { readFile } from 'node:fs/promises';"), 1);
  assert.equal(one('src/consensus/planted.ts', 'const t = Date.now();'), 1);
  assert.equal(one('src/services/notary/queries.ts', 'const t = Date.now();'), 1);
  // The runtime importing storage (equal rank, another layer).
  assert.equal(one('src/runtime/planted.ts', "import { x } from '../storage/chain-store.js';"), 1);
  // The node naming a service's host part (same rank, but the core never names a service).
  assert.equal(one('src/node/planted.ts', "import { createNotaryHost } from '../services/notary/host.js';"), 1);
  // A web page importing the node, and a Node built-in.
  assert.equal(one('src/services/notary/page.tsx', "import { createNode } from '../../node/node.js';"), 1);
  assert.equal(one('web/planted.tsx', "import { readFile } from 'node:fs';"), 1);
  // A service's host part importing its routes (the API sits above the node).
  assert.equal(one('src/services/notary/host.ts', "import { routes } from './routes.js';"), 1);
  // Allowed: the API importing the node; a service's routes importing its queries; the app importing anything below it.
  assert.equal(one('src/api/planted.ts', "import { createNode } from '../node/node.js';"), 0);
  assert.equal(one('src/services/notary/routes.ts', "import { lookup } from './queries.js';"), 0);
  assert.equal(one('src/services/notary/index.ts', "import { notaryRoutes } from './routes.js';\nimport { createNotaryHost } from './host.js';"), 0);
  // A cycle inside a folder.
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  assert.deepEqual(cycles(graph), [['a', 'b', 'c']]);
  assert.deepEqual(cycles(new Map([['a', ['a']]])), [['a']]);
});
