/**
 * How the web app is served (src/api/static.ts, src/api/app-modules.ts),
 * in-process:
 *
 * - each page's import closure holds only what a browser may run — the
 *   pure layers, web/, Preact and @noble/hashes — never a `node:` module,
 *   the Node SHA-256 module (its browser twin is loaded instead), or the
 *   node, API or CLI; a planted bad import of each kind stops the server
 *   (negative controls), and the import scanner reads tsc's and minified
 *   libraries' imports alike;
 * - pages and files carry the Content-Security-Policy (the inline import
 *   map allowed by its hash, no 'unsafe-inline'), frame-ancestors 'none',
 *   nosniff and the referrer policy; the navigation lists every page;
 * - only the closure is served; paths are normalised, nothing is listed,
 *   and the old page addresses redirect.
 *
 * It also prints what each page loads (modules and bytes): the figures
 * behind serving ES modules without a bundler (web/README.md).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { appModuleSpace, webPagesOf } from '../src/api/static.js';
import { SERVICES } from '../src/services/index.js';
import { moduleClosure, moduleImports, ModuleClosureError, type ModuleSpace } from '../src/api/app-modules.js';
import { startTestNode, type TestNode } from './helpers.js';

const PAGES = webPagesOf(SERVICES);
const ENTRIES: [string, string][] = [['explorer', '/app/web/pages/explorer.js'], ...PAGES.map((p): [string, string] => [p.module ? `${p.service}/${p.module}` : p.service, `/app/src/services/${p.service}/${p.module ?? 'page'}.js`])];
const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

describe('the pages import only what a browser may run', () => {
  const space = appModuleSpace();

  it('every page: pure layers, web/, Preact and @noble/hashes only; no node: module; the SHA-256 twin instead of the Node module', () => {
    const figures: string[] = [];
    for (const [name, entry] of ENTRIES) {
      const closure = moduleClosure([entry], space, read);
      const urls = [...closure.keys()];
      for (const url of urls) {
        assert.match(url, /^\/app\/(?:src\/(?:crypto|ledger|runtime|schemas|services)\/|web\/|vendor\/(?:preact|noble-hashes)\/)/, `${name}: ${url} is outside the allow-list`);
        assert.doesNotMatch(url, /\/services\/[^/]+\/(?:index|host|routes|cli|bench)\.js$/, `${name}: ${url} is not for a browser`);
        assert.ok(!/\bfrom\s*["']node:/.test(closure.get(url)!.text), `${name}: ${url} imports a node: module`);
      }
      assert.ok(!urls.includes('/app/src/crypto/sha256.js'), `${name}: the Node SHA-256 module is never loaded`);
      assert.ok(urls.includes('/app/vendor/preact/dist/preact.mjs'), `${name}: Preact is in the closure`);
      const bytes = [...closure.values()].reduce((s, m) => s + Buffer.byteLength(m.text), 0);
      const gzipped = [...closure.values()].reduce((s, m) => s + gzipSync(m.text).length, 0);
      figures.push(`${name}: ${urls.length} modules, ${(bytes / 1024).toFixed(0)} kB (${(gzipped / 1024).toFixed(0)} kB gzipped)`);
    }
    console.log(`what each page loads:\n  ${figures.join('\n  ')}`);
  });

  it('pages that check signatures or receipts load the ledger code itself, and its SHA-256 through the twin', () => {
    const verify = moduleClosure(['/app/src/services/notary/page.js'], space, read);
    for (const url of ['/app/src/ledger/receipt.js', '/app/src/ledger/block.js', '/app/web/lib/sha256.js', '/app/vendor/noble-hashes/sha2.js']) assert.ok(verify.has(url), `the verify page loads ${url}`);
    const did = moduleClosure(['/app/src/services/did/page.js'], space, read);
    assert.ok(did.has('/app/src/crypto/multikey.js') && did.has('/app/src/services/did/method.js'), 'the DID page uses the chain’s own Multikey codec and DID syntax');
    const gov = moduleClosure(['/app/src/services/gov/page.js'], space, read);
    assert.ok(gov.has('/app/src/runtime/membership.js') && gov.has('/app/src/services/gov/limits.js'), 'governance checks proposals with the chain’s rules');
    assert.ok(!gov.has('/app/src/services/gov/module.js'), 'but not the module itself, whose argument schemas would bring TypeBox');
  });

  /** A planted graph: a page module `text` under a service folder, with the real roots and import map. */
  const planted = (text: string, extra: Record<string, string> = {}) => {
    const files: Record<string, string> = { 'services/x/page.js': text, ...extra };
    const fake: ModuleSpace = { imports: space.imports, roots: space.roots.map((r) => ({ ...r })) };
    const src = space.roots.find((r) => r.url === '/app/src/services/')!.dir.replace(/services\/$/, '');
    return () => moduleClosure(['/app/src/services/x/page.js'], fake, (file) => (file.startsWith(src) ? (files[file.slice(src.length)] ?? read(file)) : read(file)));
  };

  it('negative controls: a page that reaches a Node built-in, an unmapped package, the node, or a host part stops the server', () => {
    const fails = (run: () => unknown, pattern: RegExp) => {
      assert.throws(run, (e: unknown) => e instanceof ModuleClosureError && pattern.test(e.message), `expected ${pattern}`);
    };
    fails(planted('import { readFile } from "node:fs";'), /page\.js imports the Node built-in node:fs/);
    fails(planted('import "./helper.js";', { 'services/x/helper.js': 'export { hash } from "node:crypto";' }), /page\.js → \/app\/src\/services\/x\/helper\.js imports the Node built-in node:crypto/);
    fails(planted('import Fastify from "fastify";'), /imports fastify, which the import map does not name/);
    fails(planted('import { createNode } from "../../node/node.js";'), /reaches \/app\/src\/node\/node\.js, outside the folders a page may load from/);
    fails(planted('import { host } from "./host.js";'), /reaches \/app\/src\/services\/x\/host\.js, which a browser must not load/);
    fails(planted('import { x } from "./missing.js";'), /no such module/);
    // Allowed: the pure layers, and the Node SHA-256 module's URL, which the import map swaps for the twin.
    const ok = planted('import { sha256 } from "../../crypto/sha256.js";\nimport { toHex } from "../../crypto/bytes.js";')();
    assert.ok(ok.has('/app/web/lib/sha256.js') && !ok.has('/app/src/crypto/sha256.js'));
  });

  it('reads the imports of tsc output and of minified libraries, and skips comments', () => {
    assert.deepEqual(moduleImports('import{options as n}from"preact";var t;export{Fragment}from"preact";import{x}from"./y.js"'), ['preact', './y.js']);
    assert.deepEqual(moduleImports('import { a,\n  b } from "./a.js";\nimport "./side.js";\nexport * from \'./all.js\';\nconst m = await import("./lazy.js");'), ['./a.js', './side.js', './all.js', './lazy.js']);
    assert.deepEqual(moduleImports(' * import { sha256 } from \'@noble/hashes/sha2.js\';\nconst s = "import x from y";\nexport const a = 1;'), []);
  });
});

describe('pages and files are served with their security headers, and nothing else is served', () => {
  let tn: TestNode;
  const get = (url: string, headers: Record<string, string> = {}) => tn.app.inject({ method: 'GET', url, headers });

  before(async () => {
    tn = await startTestNode();
  });
  after(async () => {
    await tn?.close();
  });

  const assertSecure = (headers: Record<string, unknown>, what: string) => {
    const csp = String(headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/, what);
    assert.match(csp, /frame-ancestors 'none'/, what);
    assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/]+=*'(;|$)/, what);
    assert.match(csp, /style-src 'self'(;|$)/, what);
    assert.match(csp, /connect-src 'self'/, what);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, what);
    assert.equal(headers['x-content-type-options'], 'nosniff', what);
    assert.equal(headers['referrer-policy'], 'no-referrer', what);
    assert.equal(headers['x-frame-options'], 'DENY', what);
  };

  it('every page: the shell with its navigation, the import map allowed by its hash, and the headers', async () => {
    const pages = [['/', 'Explorer'], ['/explorer', 'Explorer'], ...PAGES.map((p) => [p.path, p.nav])] as const;
    for (const [path, nav] of pages) {
      const r = await get(path);
      assert.equal(r.statusCode, 200, path);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
      assertSecure(r.headers, path);
      const html = r.body;
      const importMap = /<script type="importmap">([^<]*)<\/script>/.exec(html)?.[1];
      assert.ok(importMap, `${path}: an import map`);
      const hash = createHash('sha256').update(importMap).digest('base64');
      assert.ok(String(r.headers['content-security-policy']).includes(`'sha256-${hash}'`), `${path}: the CSP allows this import map by its hash`);
      assert.equal((html.match(/<script/g) ?? []).length, 2, `${path}: the import map and the page module, no other script`);
      assert.doesNotMatch(html, / style=|<style/, `${path}: no inline style`);
      assert.match(html, new RegExp(`<a href="[^"]+" aria-current="page">${nav}</a>`), `${path}: the navigation marks the page`);
      for (const p of PAGES) assert.ok(html.includes(`<a href="${p.path}"`), `${path}: the navigation links ${p.path}`);
      assert.match(html, new RegExp(`<dd id="chain-id">${tn.genesis.chainId}</dd>`), `${path}: the header names the chain before any script runs`);
      assert.match(html, /<a class="skip-link" href="#main">/);
      // Every module the page preloads is served, as JavaScript, with the same headers.
      const preloads = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]!);
      assert.ok(preloads.includes('/app/web/app.js') && preloads.some((m) => m.startsWith('/app/vendor/preact/')), `${path}: the page preloads its closure (the app shell and Preact at least)`);
      for (const url of preloads.slice(0, 3)) {
        const m = await get(url);
        assert.equal(m.statusCode, 200, url);
        assert.equal(m.headers['content-type'], 'text/javascript; charset=utf-8');
        assertSecure(m.headers, url);
      }
    }
  });

  it('modules: only the closure, revalidated by ETag', async () => {
    const ok = await get('/app/web/lib/sha256.js');
    assert.equal(ok.statusCode, 200);
    const etag = String(ok.headers.etag);
    assert.equal((await get('/app/web/lib/sha256.js', { 'if-none-match': etag })).statusCode, 304);
    const zipped = await get('/app/web/lib/sha256.js', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(zipped.rawPayload).toString('utf8'), ok.body, 'the gzipped module is the module');
    for (const url of ['/app/src/crypto/sha256.js', '/app/src/node/node.js', '/app/src/api/static.js', '/app/src/crypto/ed25519.js', '/app/web/lib/sha256.test.js', '/app/web/lib/sha256.ts', '/app/', '/app/web/', '/app/../package.json', '/app/vendor/preact/package.json', '/app/src/services/org/module.js']) {
      const r = await get(url);
      assert.equal(r.statusCode, 404, url);
      assert.equal(r.json().code, 'NOT_FOUND', url);
    }
  });

  it('styles and the icon: allow-listed types, paths inside web/, no listing', async () => {
    const css = await get('/web/app.css');
    assert.equal(css.statusCode, 200);
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    assertSecure(css.headers, '/web/app.css');
    assert.equal((await get('/web/styles/notary.css')).statusCode, 200);
    assert.equal((await get('/favicon.ico')).headers['content-type'], 'image/svg+xml');
    for (const url of ['/web/', '/web/styles/', '/web/app.tsx', '/web/../package.json', '/web/%2e%2e/package.json', '/web/lib/api.ts', '/web/README.md']) {
      assert.equal((await get(url)).statusCode, 404, url);
    }
  });

  it('the pages’ old addresses redirect', async () => {
    for (const [from, to] of [
      ['/web/explorer.html', '/explorer'],
      ['/web/verify.html', '/verify'],
      ['/web/console.html', '/console'],
      ['/web/did.html', '/did'],
      ['/lib/ledger/receipt.js', '/app/src/ledger/receipt.js'],
      ['/vendor/noble-hashes/sha2.js', '/app/vendor/noble-hashes/sha2.js'],
    ]) {
      const r = await get(from!);
      assert.equal(r.statusCode, 301, from);
      assert.equal(r.headers.location, to);
    }
    // Only to what the app serves: the node's own modules stay unreachable.
    for (const url of ['/lib/node/node.js', '/lib/crypto/sha256.js', '/lib/../package.json', '/vendor/noble-hashes/package.json']) assert.equal((await get(url)).statusCode, 404, url);
  });
});
