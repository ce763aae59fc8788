/**
 * The edge of the HTTP server, where the framework would otherwise answer in
 * its own words: requests that Node's HTTP parser refuses before any route
 * runs (headers or a URL over 16 KB, a garbage request line, a duplicate
 * Content-Length, bad chunked encoding), paths that are no page or file, and
 * the answer of `?wait=commit`. Every refusal is `{code, message}`.
 *
 * The malformed requests are written byte for byte on raw TCP sockets
 * (node:net): no HTTP client would send them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { anchorTx, randomHash, startTestNode, type TestNode } from './helpers.js';

let t: TestNode;
let port: number;

before(async () => {
  t = await startTestNode({ listen: true });
  port = (t.app.server.address() as { port: number }).port;
});
after(async () => {
  await t.close();
});

/** Write `request` on a fresh connection and read everything the server sends until it closes. */
function rawExchange(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    // The server may close while the request is still being written (a 20 KB header): what it sent before is the answer.
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.setTimeout(20_000, () => {
      socket.destroy();
      reject(new Error('no answer within 20 s'));
    });
  });
}

function parseAnswer(raw: string): { status: number; headers: Record<string, string>; body: unknown } {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, `an HTTP answer, got ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine!)?.[1]);
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status, headers, body: JSON.parse(raw.slice(end + 4)) };
}

test('requests Node refuses before routing are answered {code, message} with the right status, and the connection closed', async () => {
  const cases: [string, string, number, string][] = [
    ['a 20 KB header', `GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ['a 20 KB URL', `GET /v1/status?${'q'.repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ['a garbage request line', 'THIS IS NOT HTTP\r\n\r\n', 400, 'MALFORMED_HTTP'],
    ['a duplicate Content-Length', 'POST /v1/tx HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}', 400, 'MALFORMED_HTTP'],
    ['bad chunked encoding', 'POST /v1/tx HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 400, 'MALFORMED_HTTP'],
  ];
  for (const [name, request, status, code] of cases) {
    const answer = parseAnswer(await rawExchange(request));
    assert.equal(answer.status, status, name);
    assert.match(answer.headers['content-type'] ?? '', /^application\/json/, name);
    assert.equal(answer.headers.connection, 'close', name);
    const body = answer.body as { code: string; message: string };
    assert.deepEqual(Object.keys(body).sort(), ['code', 'message'], `${name}: ${JSON.stringify(body)}`);
    assert.equal(body.code, code, name);
    assert.ok(body.message.length > 0, name);
  }
  // The server still answers afterwards.
  assert.equal((await fetch(`http://127.0.0.1:${port}/v1/status`)).status, 200);
});

test('only the files the pages need are served: package.json under /vendor/ and /app/vendor/ is a 404, as is an unknown path', async () => {
  const paths = [
    '/vendor/preact/package.json',
    '/vendor/noble-hashes/package.json',
    '/app/vendor/preact/package.json',
    '/app/vendor/noble-hashes/package.json',
    '/app/vendor/preact/src/index.js',
    '/web/../package.json',
    '/web/README.md',
    '/docs/static/package.json',
    '/no-such-page',
    '/explorer/no-such-page',
    '/verify/extra',
  ];
  for (const path of paths) {
    for (const accept of ['text/html,application/xhtml+xml', 'application/json', '*/*']) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { accept } });
      assert.equal(res.status, 404, `${path} (${accept})`);
      const body = (await res.json()) as { code: string; message: string };
      assert.equal(body.code, 'NOT_FOUND', path);
      assert.equal(typeof body.message, 'string');
    }
  }
  // The pages and what they load are still there.
  for (const path of ['/', '/explorer', '/verify', '/web/app.css', '/favicon.ico']) assert.equal((await fetch(`http://127.0.0.1:${port}${path}`)).status, 200, path);
});

test('?wait=commit answers what GET /v1/txs/{id} says of a committed transaction: its block hash and time included', async () => {
  const user = generateKeyPair();
  const hash = randomHash();
  const committed = await t.app.inject({ method: 'POST', url: '/v1/tx?wait=commit&timeoutMs=10000', payload: anchorTx(t.genesis, user, 0, hash) });
  assert.equal(committed.statusCode, 200, committed.body);
  const body = committed.json();
  const lookup = (await t.app.inject({ url: `/v1/txs/${body.txId}` })).json();
  assert.equal(lookup.status, 'committed');
  for (const member of ['txId', 'status', 'height', 'index', 'result', 'blockHash', 'time'] as const) {
    assert.deepEqual(body[member], lookup[member], member);
  }
  assert.match(body.blockHash, /^[0-9a-f]{64}$/);
  // The service's own submit route answers the same.
  const other = randomHash();
  const viaService = await t.app.inject({ method: 'POST', url: '/v1/notary/anchor?wait=commit&timeoutMs=10000', payload: anchorTx(t.genesis, user, 1, other) });
  assert.equal(viaService.statusCode, 200, viaService.body);
  const s = viaService.json();
  assert.deepEqual(s.blockHash, (await t.app.inject({ url: `/v1/txs/${s.txId}` })).json().blockHash);
  assert.equal(typeof s.time, 'number');
});

test('a wrong method on a path that exists is 405 METHOD_NOT_ALLOWED with Allow; an unknown path stays 404', async () => {
  const base = `http://127.0.0.1:${port}`;
  const del = await fetch(`${base}/v1/status`, { method: 'DELETE' });
  assert.equal(del.status, 405);
  assert.equal(((await del.json()) as { code: string }).code, 'METHOD_NOT_ALLOWED');
  assert.match(del.headers.get('allow') ?? '', /\bGET\b/);
  const postBlock = await fetch(`${base}/v1/blocks/1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(postBlock.status, 405, 'a path with a parameter');
  assert.match(postBlock.headers.get('allow') ?? '', /\bGET\b/);
  const getTx = await fetch(`${base}/v1/tx`);
  assert.equal(getTx.status, 405);
  assert.match(getTx.headers.get('allow') ?? '', /\bPOST\b/);
  // Negative control: a path that is no route is a 404.
  const none = await fetch(`${base}/v1/no-such-thing`, { method: 'DELETE' });
  assert.equal(none.status, 404);
});

test('a block by height or hash is immutable: Cache-Control immutable with max-age, ETag its hash, If-None-Match answers 304; latest is not cached', async () => {
  const committed = await t.app.inject({ method: 'POST', url: '/v1/tx?wait=commit&timeoutMs=10000', payload: anchorTx(t.genesis, generateKeyPair(), 0, randomHash()) });
  assert.equal(committed.statusCode, 200, committed.body);
  const base = `http://127.0.0.1:${port}`;
  const first = await fetch(`${base}/v1/blocks/1`);
  assert.equal(first.status, 200);
  const hash = ((await first.json()) as { hash: string }).hash;
  assert.match(first.headers.get('cache-control') ?? '', /immutable/);
  assert.match(first.headers.get('cache-control') ?? '', /max-age=\d+/);
  assert.equal(first.headers.get('etag'), `"${hash}"`);
  const again = await fetch(`${base}/v1/blocks/1`, { headers: { 'if-none-match': `"${hash}"` } });
  assert.equal(again.status, 304);
  const byHash = await fetch(`${base}/v1/blocks/${hash}`, { headers: { 'if-none-match': `W/"${hash}"` } });
  assert.equal(byHash.status, 304, 'a weak validator matches too (RFC 9110 §13.1.2)');
  const other = await fetch(`${base}/v1/blocks/1`, { headers: { 'if-none-match': `"${'0'.repeat(64)}"` } });
  assert.equal(other.status, 200, 'another tag: the block');
  const latest = await fetch(`${base}/v1/blocks/latest`);
  assert.doesNotMatch(latest.headers.get('cache-control') ?? '', /immutable/);
});
