/**
 * The OpenAPI document a node serves (/openapi.json) is a contract outside
 * clients are generated from:
 *
 * - it passes an independent linter (@redocly/cli, recommended rules) with no
 *   errors and no warnings;
 * - every operation has a unique operationId, tags the document defines, a
 *   summary, and a success answer with a schema; those that need a
 *   principal name a security scheme the document defines;
 * - a client type generated from it by another tool (openapi-typescript)
 *   compiles against a real answer of GET /v1/status;
 * - answers are serialised with their schemas: a member a schema does not
 *   name never leaves the node (negative control: the same object through a
 *   route without a schema would leak it).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { startTestNode, type TestNode } from './helpers.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin');

let t: TestNode;
let dir: string;
let doc: any;

before(async () => {
  t = await startTestNode();
  dir = await mkdtemp(join(tmpdir(), 'polity-openapi-'));
  doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  await writeFile(join(dir, 'openapi.json'), JSON.stringify(doc));
});
after(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const operations = (): { path: string; method: string; op: any }[] =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));

test('the document passes @redocly/cli lint (recommended rules) with no errors and no warnings', async () => {
  const { stdout } = await run(join(BIN, 'redocly'), ['lint', join(dir, 'openapi.json'), '--format=json'], { maxBuffer: 32 * 1024 * 1024 }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
  const report = JSON.parse(stdout) as { problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[] };
  assert.deepEqual(
    report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`),
    [],
  );
});

test('negative control: the linter finds a planted fault (an operation with no success answer and no operationId)', async () => {
  const planted = structuredClone(doc);
  const op = planted.paths['/v1/status'].get;
  delete op.operationId;
  op.responses = { 400: op.responses['400'] };
  await writeFile(join(dir, 'planted.json'), JSON.stringify(planted));
  const { stdout } = await run(join(BIN, 'redocly'), ['lint', join(dir, 'planted.json'), '--format=json'], { maxBuffer: 32 * 1024 * 1024 }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
  const rules = (JSON.parse(stdout) as { problems: { ruleId: string }[] }).problems.map((p) => p.ruleId);
  assert.ok(rules.includes('operation-operationId') && rules.includes('operation-2xx-response'), rules.join(', '));
});

test('every operation: a unique operationId, defined tags, a summary, a success answer with a schema, and defined security', () => {
  const ids = new Set<string>();
  const tags = new Set((doc.tags as { name: string }[]).map((x) => x.name));
  const schemes = new Set(Object.keys(doc.components.securitySchemes));
  const problems: string[] = [];
  const ops = operations();
  assert.ok(ops.length >= 30, `expected the whole API, got ${ops.length} operations`);
  for (const { path, method, op } of ops) {
    const where = `${method.toUpperCase()} ${path}`;
    if (!op.operationId || ids.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} missing or repeated`);
    ids.add(op.operationId);
    if (!op.summary) problems.push(`${where}: no summary`);
    if (!op.tags?.length || !op.tags.every((x: string) => tags.has(x))) problems.push(`${where}: tags ${op.tags} not all defined`);
    const success = Object.entries(op.responses as Record<string, any>).filter(([status]) => /^2\d\d$/.test(status));
    if (success.length === 0) problems.push(`${where}: no success answer`);
    // JSON everywhere but GET /metrics, whose answer is Prometheus text (it has a schema all the same).
    const type = path === '/metrics' ? 'text/plain' : 'application/json';
    for (const [status, r] of success) if (status !== '204' && !r.content?.[type]?.schema) problems.push(`${where}: answer ${status} has no schema`);
    if (!Array.isArray(op.security)) problems.push(`${where}: security not stated`);
    for (const req of op.security ?? []) for (const name of Object.keys(req)) if (!schemes.has(name)) problems.push(`${where}: unknown security scheme ${name}`);
  }
  assert.deepEqual(problems, []);
  // Shared shapes are published once and referenced.
  for (const name of ['Error', 'BlockWithResults', 'BlockHeader', 'Receipt', 'SignedTx', 'Status', 'NotaryLookup', 'Organisation', 'GovProposal', 'DidResolution']) {
    assert.ok(doc.components.schemas[name], `components/schemas/${name}`);
  }
  // Routes that need a principal say which schemes they accept.
  const batch = doc.paths['/v1/notary/batch'].post;
  assert.deepEqual(batch.security, [{ httpSignature: [] }, { session: [] }]);
  assert.deepEqual(doc.paths['/v1/status'].get.security, []);
});

test('a client type generated by openapi-typescript compiles against a real GET /v1/status answer', async () => {
  await run(join(BIN, 'openapi-typescript'), [join(dir, 'openapi.json'), '--output', join(dir, 'api.d.ts')]);
  const status = (await t.app.inject({ method: 'GET', url: '/v1/status' })).json();
  const check = (value: unknown) => `import type { components } from './api.js';\nexport const status: components['schemas']['Status'] = ${JSON.stringify(value, null, 2)};\n`;
  await writeFile(join(dir, 'check.ts'), check(status));
  const tsc = ['--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', join(dir, 'check.ts')];
  await run(join(BIN, 'tsc'), tsc);
  // Negative control: the generated type refuses an answer of the wrong shape.
  await writeFile(join(dir, 'check.ts'), check({ ...status, height: 'seven' }));
  await assert.rejects(run(join(BIN, 'tsc'), tsc), (e: { stdout: string }) => /check\.ts\(\d+,\d+\): error TS2322/.test(e.stdout));
});

test('answers carry only what their schema names', async () => {
  const original = t.node.status.bind(t.node);
  (t.node as { status: () => object }).status = () => ({ ...original(), internalNote: 'never sent' });
  try {
    const body = (await t.app.inject({ method: 'GET', url: '/v1/status' })).json();
    assert.equal(body.chainId, t.genesis.chainId);
    assert.equal('internalNote' in body, false);
  } finally {
    (t.node as { status: () => object }).status = original;
  }
  // Negative control: the same object through a route with no response schema would leak it.
  const bare = Fastify();
  bare.get('/status', async () => ({ ...t.node.status(), internalNote: 'never sent' }));
  assert.equal((await bare.inject({ method: 'GET', url: '/status' })).json().internalNote, 'never sent');
  await bare.close();
});
