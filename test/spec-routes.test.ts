/**
 * spec/api.md keeps up with the routes: every operation of the OpenAPI
 * document the node serves (the core's and each service's) has a row in one
 * of its tables, `| METHOD | \`/path…\` |`. Path parameters are compared by
 * position, not name (`{h}` in the spec may be `{height}` in the code), and a
 * query string after the path is ignored. A negative control plants a route
 * the page does not list.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startTestNode, type TestNode } from './helpers.js';

const API_MD = fileURLToPath(new URL('../../spec/api.md', import.meta.url));

let t: TestNode;
before(async () => {
  t = await startTestNode({ api: { web: false } });
});
after(async () => {
  await t.close();
});

const normalise = (path: string): string => path.replace(/\?.*$/, '').replace(/\{[^}]*\}/g, '{}');

/** The `METHOD path` rows of the page's tables. */
function rowsOf(markdown: string): Set<string> {
  const rows = new Set<string>();
  for (const m of markdown.matchAll(/^\|\s*(GET|POST|PUT|DELETE|PATCH)\s*\|\s*`([^`]+)`/gm)) rows.add(`${m[1]} ${normalise(m[2]!)}`);
  return rows;
}

function missing(operations: string[], rows: Set<string>): string[] {
  return operations.filter((op) => !rows.has(op));
}

test('every route of the OpenAPI document is listed in spec/api.md', async () => {
  const doc = (await t.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${normalise(path)}`));
  assert.ok(operations.length > 20, `the document lists ${operations.length} operations`);
  const rows = rowsOf(await readFile(API_MD, 'utf8'));
  assert.deepEqual(missing(operations, rows), [], 'operations missing from spec/api.md');
  // Negative control: a route the page does not list is caught.
  assert.deepEqual(missing([...operations, 'GET /v1/not-in-the-spec'], rows), ['GET /v1/not-in-the-spec']);
});
