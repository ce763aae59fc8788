/**
 * The web app: each page's HTML shell, the browser modules the pages import,
 * their styles, and the security headers they are served with.
 *
 * Shell: the server renders every page's frame — skip link, header with the
 * brand and the chain, the navigation built from the page list, the page's
 * title, footer — and the page's module draws the page into #app. So the
 * navigation and the title are in the first paint and without JavaScript,
 * the list of pages lives only here (the client never needs it), and the
 * header shows the chain's id and height as of the request.
 *
 * Modules: served under /app/ from dist/ (tsc's output) and the two
 * libraries, only those in the import closure of the pages (app-modules.ts),
 * read and gzipped once at start-up and answered from memory with an ETag. An import map
 * names Preact and @noble/hashes, and swaps the Node SHA-256 module
 * (src/crypto/sha256.ts, which imports node:crypto) for its browser twin
 * (web/lib/sha256.ts). Each page links its own closure as modulepreload, so
 * the browser fetches it in parallel rather than one import level at a time.
 *
 * Headers: a Content-Security-Policy that allows scripts from this origin
 * and the import map by its hash only (no inline script, no eval), styles
 * from this origin only, requests to this origin only, and no framing; with
 * nosniff, no referrer, and the frame, opener and resource policies that go
 * with them.
 *
 * Static files (web/*.css, the icon) are read on request from allow-listed
 * types; paths are normalised and must stay inside their folder, and nothing
 * is listed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { moduleClosure, type AppModule, type ModuleSpace } from './app-modules.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DIST = join(PACKAGE_ROOT, 'dist') + sep;
const WEB = join(PACKAGE_ROOT, 'web') + sep;

/** A service's web page: where it is served, its title, and its link text in the navigation (its module is src/services/<service>/page.tsx). */
export interface WebPage {
  service: string;
  path: string;
  title: string;
  nav: string;
  /** Its module in the service folder, when not page.tsx (a service's further pages). */
  module?: string;
}

/** The web pages of the services (each descriptor's `page`), in the list's order: the navigation's order. */
export function webPagesOf(services: readonly { name: string; page: { path: string; title: string; nav: string }; morePages?: readonly { path: string; title: string; nav: string; module: string }[] }[]): WebPage[] {
  return services.flatMap((s) => [{ service: s.name, ...s.page }, ...(s.morePages ?? []).map((p) => ({ service: s.name, ...p }))]);
}

export interface StaticOptions {
  pages: readonly WebPage[];
  /** The chain's id and height, for the header of a page as it is served. */
  chainInfo?: () => { chainId: string; height: number };
}

/** A page of the shell: the explorer (a core page) or a service's. */
interface ShellPage {
  key: string;
  paths: string[];
  title: string;
  nav: string;
  /** URL of its module. */
  entry: string;
  /** Its own stylesheet, if it has one (web/styles/<key>.css). */
  style?: string;
}

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};
const MODULE_TYPE = 'text/javascript; charset=utf-8';

/** Folder of an npm package (robust to where npm placed it). */
function packageDir(specifier: string, name: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(specifier)));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of the ${name} package`);
    dir = up;
  }
  return dir + sep;
}

/** The URL space of the app's modules and the import map that names the libraries. */
export function appModuleSpace(): ModuleSpace {
  const preact = packageDir('preact', 'preact');
  const noble = packageDir('@noble/hashes/sha2.js', '@noble/hashes');
  const inPreact = (specifier: string) => `/app/vendor/preact/${fileURLToPath(import.meta.resolve(specifier)).slice(preact.length).split(sep).join('/')}`;
  return {
    imports: {
      preact: inPreact('preact'),
      'preact/hooks': inPreact('preact/hooks'),
      'preact/jsx-runtime': inPreact('preact/jsx-runtime'),
      '@noble/hashes/': '/app/vendor/noble-hashes/',
      '/app/src/crypto/sha256.js': '/app/web/lib/sha256.js',
    },
    roots: [
      // What a browser may run: the pure layers (see test/layers.test.ts) and the web app. In a
      // service folder, the parts that sit with the node, the API, the CLI or the app are refused.
      ...['crypto', 'ledger', 'runtime', 'schemas'].map((layer) => ({ url: `/app/src/${layer}/`, dir: join(DIST, 'src', layer) + sep, refuse: /(?:^|\/)sha256\.js$|\.test\.js$/ })),
      { url: '/app/src/services/', dir: join(DIST, 'src', 'services') + sep, refuse: /(?:^|\/)(?:index|host(?:-[^/]*)?|routes(?:-[^/]*)?|cli(?:-[^/]*)?|bench|test-chain)\.js$|\/host\/|\.test\.js$/ },
      { url: '/app/web/', dir: join(DIST, 'web') + sep, refuse: /\.test\.js$/ },
      { url: '/app/vendor/preact/', dir: preact, refuse: /^(?!(?:dist|hooks\/dist|jsx-runtime\/dist)\/[^/]+\.mjs$)/ },
      { url: '/app/vendor/noble-hashes/', dir: noble, refuse: /^(?![^/]+\.js$)/ },
    ],
  };
}

function shellPages(pages: readonly WebPage[]): ShellPage[] {
  const style = (key: string) => (existsSync(join(WEB, 'styles', `${key}.css`)) ? `/web/styles/${key}.css` : undefined);
  const seen = new Set<string>();
  const out: ShellPage[] = [{ key: 'explorer', paths: ['/', '/explorer'], title: 'Explorer', nav: 'Explorer', entry: '/app/web/pages/explorer.js', style: style('explorer') }];
  for (const p of pages) {
    if (!/^[a-z][a-z0-9-]*$/.test(p.service)) throw new Error(`web page of ${p.service}: a service name is lowercase letters, digits and dashes`);
    if (!/^\/[a-z0-9-]+$/.test(p.path) || ['/app', '/web', '/v1', '/explorer', '/docs'].includes(p.path)) throw new Error(`web page of ${p.service}: ${p.path} is not a free page path`);
    if (p.module !== undefined && !/^[a-z][a-z0-9-]*-page$/.test(p.module)) throw new Error(`web page of ${p.service}: a further page's module is named <name>-page, got ${p.module}`);
    const key = p.module === undefined ? p.service : `${p.service}-${p.module.slice(0, -'-page'.length)}`;
    out.push({ key, paths: [p.path], title: p.title, nav: p.nav, entry: `/app/src/services/${p.service}/${p.module ?? 'page'}.js`, style: style(key) });
  }
  for (const p of out) for (const path of p.paths) {
    if (seen.has(path)) throw new Error(`two web pages at ${path}`);
    seen.add(path);
  }
  return out;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The security headers of every page and static file, given the hashes of the inline scripts allowed. */
export function securityHeaders(scriptHashes: readonly string[]): Record<string, string> {
  const csp = [
    "default-src 'none'",
    `script-src 'self' ${scriptHashes.map((h) => `'sha256-${h}'`).join(' ')}`.trim(),
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  };
}

function renderShell(page: ShellPage, all: readonly ShellPage[], importMap: string, preload: readonly string[], chain: { chainId: string; height: number } | undefined): string {
  const nav = all
    .map((p) => `<li><a href="${escapeHtml(p.paths[p.paths.length - 1]!)}"${p === page ? ' aria-current="page"' : ''}>${escapeHtml(p.nav)}</a></li>`)
    .concat('<li><a href="/docs">API</a></li>')
    .join('\n          ');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(page.title)} · Polity</title>
  <link rel="icon" href="/web/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/web/app.css">${page.style ? `\n  <link rel="stylesheet" href="${page.style}">` : ''}
  <script type="importmap">${importMap}</script>
  ${preload.map((url) => `<link rel="modulepreload" href="${escapeHtml(url)}">`).join('\n  ')}
  <script type="module" src="${escapeHtml(page.entry)}"></script>
</head>
<body>
  <a class="skip-link" href="#main">Skip to main content</a>
  <header class="site-header">
    <div class="wrap header-inner">
      <a class="brand" href="/explorer">
        <img src="/web/favicon.svg" alt="" width="36" height="36">
        <span class="brand-text"><strong>Polity</strong><small>Public ledger</small></span>
      </a>
      <nav class="site-nav" aria-label="Main">
        <ul>
          ${nav}
        </ul>
      </nav>
      <dl class="chain-info" aria-label="Chain">
        <div><dt>Chain</dt><dd id="chain-id">${chain ? escapeHtml(chain.chainId) : '…'}</dd></div>
        <div><dt>Height</dt><dd id="chain-height">${chain ? chain.height.toLocaleString('en') : '…'}</dd></div>
      </dl>
    </div>
  </header>
  <main id="main" class="wrap" tabindex="-1">
    <div id="app">
      <h1>${escapeHtml(page.title)}</h1>
      <p class="loading">Loading…</p>
    </div>
    <noscript><p class="notice notice-error">This page needs JavaScript. The same data is available from the node’s <a href="/docs">HTTP API</a> and the <code>polity</code> command line.</p></noscript>
  </main>
  <footer class="site-footer">
    <div class="wrap">
      <p>Everything here is read from this node’s API and is public: blocks are signed by the consortium’s validators, and hashes and signatures shown here can be checked by anyone — pages check them in your browser. Keys you use here never leave it. See the <a href="/docs">API reference</a>.</p>
    </div>
  </footer>
</body>
</html>
`;
}

const etagOf = (body: string | Buffer): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;

export async function registerStatic(app: FastifyInstance, options: StaticOptions): Promise<void> {
  const pages = shellPages(options.pages);
  const space = appModuleSpace();
  const importMap = JSON.stringify({ imports: space.imports });
  const headers = securityHeaders([createHash('sha256').update(importMap).digest('base64')]);
  const read = (file: string): string | undefined => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };

  // The closure of every page, computed now: a page that reaches a Node built-in stops the server here.
  const modules = new Map<string, AppModule & { etag: string; gzip: Buffer }>();
  const preloads = new Map<ShellPage, string[]>();
  for (const page of pages) {
    const closure = moduleClosure([page.entry], space, read);
    preloads.set(page, [...closure.keys()].filter((url) => url !== page.entry));
    // Compressed once here: the modules are tsc's readable output (comments and all), about a third the size gzipped.
    for (const [url, m] of closure) if (!modules.has(url)) modules.set(url, { ...m, etag: etagOf(m.text), gzip: gzipSync(m.text, { level: 9 }) });
  }

  const secure = (reply: FastifyReply): FastifyReply => reply.headers(headers).header('cache-control', 'no-cache');
  const notFound = (reply: FastifyReply, what = 'no such file') => secure(reply).status(404).send({ code: 'NOT_FOUND', message: what });
  const fresh = (request: FastifyRequest, etag: string) => request.headers['if-none-match'] === etag;

  for (const page of pages) {
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const html = renderShell(page, pages, importMap, preloads.get(page)!, options.chainInfo?.());
      return secure(reply).header('content-type', 'text/html; charset=utf-8').send(request.method === 'HEAD' ? '' : html);
    };
    for (const path of page.paths) app.get(path, { schema: { hide: true } }, handler);
  }

  app.get('/app/*', { schema: { hide: true } }, async (request, reply) => {
    const m = modules.get(new URL(request.url, 'http://app').pathname);
    if (!m) return notFound(reply, 'no such module');
    secure(reply).header('etag', m.etag).header('vary', 'accept-encoding');
    if (fresh(request, m.etag)) return reply.status(304).send();
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-type', MODULE_TYPE).header('content-encoding', 'gzip').send(m.gzip);
    return reply.header('content-type', MODULE_TYPE).send(m.text);
  });

  // Styles and images of the pages, from web/.
  const send = async (root: string, relative: string, reply: FastifyReply) => {
    const path = normalize(join(root, relative));
    const type = TYPES[extname(path)];
    if (!path.startsWith(root) || !type) return notFound(reply);
    try {
      const body = await readFile(path);
      return secure(reply).header('content-type', type).send(body);
    } catch {
      return notFound(reply);
    }
  };
  app.get('/web/*', { schema: { hide: true } }, async (request, reply) => send(WEB, (request.params as { '*': string })['*'], reply));
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => send(WEB, 'favicon.svg', reply));

  // The addresses before the app: links and bookmarks keep working. The compiled ledger modules
  // (/lib/…) and the hash library (/vendor/noble-hashes/…) moved under /app/, where the same
  // rule holds: only what a page imports.
  const moved: Record<string, string> = { '/web/explorer.html': '/explorer', '/web/verify.html': '/verify', '/web/console.html': '/console', '/web/did.html': '/did' };
  for (const [from, to] of Object.entries(moved)) app.get(from, { schema: { hide: true } }, async (_request, reply) => secure(reply).redirect(to, 301));
  const movedUnder = (from: string, to: string) =>
    app.get(`${from}*`, { schema: { hide: true } }, async (request, reply) => {
      const target = to + (request.params as { '*': string })['*'];
      return modules.has(target) ? secure(reply).redirect(target, 301) : notFound(reply, 'no such module');
    });
  movedUnder('/lib/', '/app/src/');
  movedUnder('/vendor/noble-hashes/', '/app/vendor/noble-hashes/');
}
