/**
 * The W3C VC API routes as W3C's conformance suites call them
 * (conformance/run.sh runs the suites themselves; this file keeps what they
 * found fixed, in `npm test`): every request a suite may send gets an
 * answer in the route's declared shape — never a 500 — including a body the
 * route's schema refuses (a suite whose issuer step failed sends
 * `{"options": …}` with no credential at all).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, type TestNode } from './helpers.js';

let t: TestNode;
before(async () => {
  t = await startTestNode();
});
after(async () => {
  await t.close();
});

const post = (url: string, payload: string) => t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });

test('POST /credentials/verify answers 400 (not 500) to a body its schema refuses, and to bad JSON', async () => {
  for (const body of ['{}', '{"options":{"checks":["proof"]}}', '{"verifiableCredential":7}', '{"verifiableCredential":']) {
    const r = await post('/credentials/verify', body);
    assert.equal(r.statusCode, 400, `${body} → ${r.statusCode} ${r.body}`);
    const answer = r.json() as { code?: string };
    assert.match(answer.code ?? '', /^(SCHEMA_INVALID|MALFORMED_JSON)$/, r.body);
  }
});

test('POST /credentials/verify still answers a credential it refuses in the VC API shape', async () => {
  const r = await post('/credentials/verify', JSON.stringify({ verifiableCredential: { type: ['NonconformingDocument'] } }));
  assert.equal(r.statusCode, 400);
  const answer = r.json() as { checks: string[]; warnings: unknown[]; errors: { code: string }[] };
  assert.deepEqual(answer.checks, []);
  assert.equal(answer.errors[0]?.code, 'CREDENTIALS_MALFORMED');
});
