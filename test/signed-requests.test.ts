/**
 * Signed requests are bound to one node and one run of it (spec/api-auth.md
 * §3, §4): a request signed for node A's public origin is refused by node B
 * even when it names A in its Host header, and a request accepted before a
 * restart is refused after it, although the replay guard, kept in memory,
 * starts empty. Real nodes listening on 127.0.0.1; the restart restarts the
 * API (the replay guard lives there) on the same port, as a new process would.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { signRequest } from '../src/sdk/http-auth.js';
import { createApi } from '../src/api/server.js';
import { SERVICES } from '../src/services/index.js';
import { startTestNode, until, type TestNode } from './helpers.js';

const client = generateKeyPair();
const nodes: TestNode[] = [];
const apps: TestNode['app'][] = [];
after(async () => {
  for (const app of apps) await app.close();
  for (const n of nodes) await n.close();
});

const portOf = (t: { app: TestNode['app'] }): number => (t.app.server.address() as { port: number }).port;

/** GET `path` from 127.0.0.1:`port` with these headers (Host included, as a client may set it). */
function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: { code?: string; message?: string; keyId?: string } }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A whoami request signed for `origin`, with the Host header that origin names. */
function signedWhoami(origin: string): Record<string, string> {
  const url = `${origin}/v1/auth/whoami`;
  return { host: new URL(origin).host, ...signRequest({ method: 'GET', url, headers: {}, keyId: client.publicKey, secretKey: client.secretKey }) };
}

test('a request signed for node A is refused by node B, even with A in its Host header', async () => {
  const a = await startTestNode({ listen: true });
  nodes.push(a);
  const b = await startTestNode({ listen: true });
  nodes.push(b);
  const headers = signedWhoami(`http://127.0.0.1:${portOf(a)}`);
  const atA = await get(portOf(a), '/v1/auth/whoami', headers);
  assert.equal(atA.status, 200, JSON.stringify(atA.body));
  assert.equal(atA.body.keyId, client.publicKey);
  const atB = await get(portOf(b), '/v1/auth/whoami', headers);
  assert.deepEqual([atB.status, atB.body.code], [401, 'AUTH_WRONG_ORIGIN'], JSON.stringify(atB.body));
  // Negative control: B accepts a request signed for B.
  const forB = await get(portOf(b), '/v1/auth/whoami', signedWhoami(`http://127.0.0.1:${portOf(b)}`));
  assert.equal(forB.status, 200, JSON.stringify(forB.body));
});

test('a request accepted before a restart is refused after it', async () => {
  const t = await startTestNode({ listen: true });
  nodes.push(t);
  const port = portOf(t);
  const headers = signedWhoami(`http://127.0.0.1:${port}`);
  assert.equal((await get(port, '/v1/auth/whoami', headers)).status, 200);
  assert.equal((await get(port, '/v1/auth/whoami', headers)).body.code, 'AUTH_REPLAYED', 'the running node remembers it');
  // Restart: a new API (and so a new, empty replay guard) on the same address, started in a later
  // second than the signature's `created` (a real restart takes longer than that).
  await t.app.close();
  const created = Math.floor(Date.now() / 1000);
  await until(() => Math.floor(Date.now() / 1000) > created || undefined, 5000, 'the next second');
  const restarted = await createApi(t.node, { services: SERVICES });
  apps.push(restarted);
  await restarted.listen({ port, host: '127.0.0.1' });
  const replayed = await get(port, '/v1/auth/whoami', headers);
  assert.deepEqual([replayed.status, replayed.body.code], [401, 'AUTH_EXPIRED'], JSON.stringify(replayed.body));
  // Negative control: a request signed now is accepted by the restarted node.
  assert.equal((await get(port, '/v1/auth/whoami', signedWhoami(`http://127.0.0.1:${port}`))).status, 200);
});
