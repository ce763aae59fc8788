/**
 * A loopback proxy in front of the Polity node for W3C's suites: it adds
 * `Authorization: Bearer <token>` (the issuing desk's --issuing-token-file)
 * to the desk's routes, POST /credentials/issue and /credentials/status,
 * and forwards everything else as it came. Why: the VC data model suite
 * posts to http:// endpoints with its own client, which sends no headers
 * from the implementation's settings, so the token cannot be configured
 * there; the desk rightly refuses unauthenticated issuance.
 *
 * With ADAPT_TYPE=T (run.sh's ADAPT=1; a measurement, never the official
 * count) it also rewrites each issue request's credential the way a Polity
 * client must: `type` ["VerifiableCredential", T] and `@context` [VC 2.0]
 * when they start with those, so the suites' later checks (the proof, the
 * status entries, verification of what was issued) get a credential to
 * look at. Everything else the desk refuses stays refused.
 *
 * With TLS_CERT and TLS_KEY (PEM files) it listens with TLS: the status
 * list suite fetches status list credentials over https: only, so the node
 * names this proxy's https origin (--public-url) in the credentials it issues.
 *
 *   node bearer-proxy.mjs LISTEN_PORT TARGET_URL TOKEN_FILE
 */
import { createServer as createHttpServer, request } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';

const [port, target, tokenFile] = process.argv.slice(2);
const token = readFileSync(tokenFile, 'utf8').trim();
const origin = new URL(target);
const DESK = new Set(['/credentials/issue', '/credentials/status']);
const ADAPT_TYPE = process.env.ADAPT_TYPE;
const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const BODY_BYTES_MAX = 1024 * 1024;

/** The issue request with a Polity credential type and the VC 2.0 context alone (ADAPT_TYPE only). */
function adapt(body) {
  let request;
  try {
    request = JSON.parse(body);
  } catch {
    return body;
  }
  const c = request?.credential;
  if (c && typeof c === 'object') {
    if (Array.isArray(c.type) && c.type[0] === 'VerifiableCredential') c.type = ['VerifiableCredential', ADAPT_TYPE];
    if (Array.isArray(c['@context']) && c['@context'][0] === VC_V2) c['@context'] = [VC_V2];
  }
  return JSON.stringify(request);
}

const tls = process.env.TLS_CERT ? { cert: readFileSync(process.env.TLS_CERT), key: readFileSync(process.env.TLS_KEY) } : undefined;
const handle = (req, res) => {
  const headers = { ...req.headers };
  const path = new URL(req.url, origin).pathname;
  if (req.method === 'POST' && DESK.has(path)) headers.authorization = `Bearer ${token}`;
  const chunks = [];
  let bytes = 0;
  req.on('data', (c) => {
    bytes += c.length;
    if (bytes <= BODY_BYTES_MAX) chunks.push(c);
  });
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    if (ADAPT_TYPE && req.method === 'POST' && path === '/credentials/issue') body = Buffer.from(adapt(body.toString('utf8')));
    delete headers['transfer-encoding'];
    if (req.method !== 'GET' && req.method !== 'HEAD') headers['content-length'] = String(body.length);
    const upstream = request({ hostname: origin.hostname, port: origin.port, path: req.url, method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"code":"PROXY","message":"the Polity node did not answer"}');
    });
    upstream.end(body);
  });
};
(tls ? createHttpsServer(tls, handle) : createHttpServer(handle)).listen(Number(port), '127.0.0.1', () => console.log(`bearer proxy on ${tls ? 'https' : 'http'}://127.0.0.1:${port} → ${target}`));
