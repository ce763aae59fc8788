/**
 * Static files for the web pages: the pages and their scripts (web/), the
 * browser-safe ledger modules compiled from src/ (served under /lib/ so the
 * "verify a document" page checks receipts with the very code Node uses), and
 * the library those modules import for SHA-256 (@noble/hashes).
 *
 * Only allow-listed folders are served, paths are normalised and must stay
 * inside their folder, and nothing is listed.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
};

/** Browser-safe compiled modules (no node: imports) the verify page may load. */
const LIB_ALLOWED = new Set([
  'crypto/bytes.js',
  'crypto/canonical-json.js',
  'crypto/merkle.js',
  'crypto/sha256.js',
  'ledger/block.js',
  'ledger/errors.js',
  'ledger/genesis.js',
  'ledger/receipt.js',
  'ledger/set-history.js',
  'ledger/transaction.js',
]);

/** Folder holding a module that `import` resolves (robust to where npm placed the package). */
function moduleDir(specifier: string): string {
  return dirname(fileURLToPath(import.meta.resolve(specifier))) + sep;
}

export async function registerStatic(app: FastifyInstance): Promise<void> {
  const roots: Record<string, string> = {
    web: join(PACKAGE_ROOT, 'web') + sep,
    lib: join(PACKAGE_ROOT, 'dist', 'src') + sep,
    'vendor/noble-hashes': moduleDir('@noble/hashes/sha2.js'),
  };

  const send = async (root: string, relative: string, reply: import('fastify').FastifyReply) => {
    const path = normalize(join(root, relative));
    const type = TYPES[extname(path)];
    if (!path.startsWith(root) || !type) return reply.status(404).send({ code: 'NOT_FOUND', message: 'no such file' });
    try {
      const body = await readFile(path);
      return reply.header('content-type', type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(body);
    } catch {
      return reply.status(404).send({ code: 'NOT_FOUND', message: 'no such file' });
    }
  };

  const page = (file: string) => async (_req: unknown, reply: import('fastify').FastifyReply) => send(roots.web!, file, reply);
  app.get('/', { schema: { hide: true } }, page('explorer.html'));
  app.get('/explorer', { schema: { hide: true } }, page('explorer.html'));
  app.get('/verify', { schema: { hide: true } }, page('verify.html'));
  app.get('/did', { schema: { hide: true } }, page('did.html'));
  app.get('/console', { schema: { hide: true } }, page('console.html'));
  app.get('/favicon.ico', { schema: { hide: true } }, page('favicon.svg'));

  app.get('/web/*', { schema: { hide: true } }, async (request, reply) => send(roots.web!, (request.params as { '*': string })['*'], reply));
  app.get('/lib/*', { schema: { hide: true } }, async (request, reply) => {
    const rel = (request.params as { '*': string })['*'];
    if (!LIB_ALLOWED.has(rel)) return reply.status(404).send({ code: 'NOT_FOUND', message: 'no such module' });
    return send(roots.lib!, rel, reply);
  });
  app.get('/vendor/noble-hashes/*', { schema: { hide: true } }, async (request, reply) =>
    send(roots['vendor/noble-hashes']!, (request.params as { '*': string })['*'], reply),
  );
}
