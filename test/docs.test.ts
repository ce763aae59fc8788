/**
 * The API reference at /docs (Swagger UI from its npm package) in headless
 * Chromium: it renders this node's OpenAPI document — the title, the core's
 * and each service's tags — under its tightened Content-Security-Policy,
 * with no console error, CSP violation or failed request. Screenshot:
 * test-output/docs.png.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { docsPolicy } from '../src/api/server.js';
import { SERVICES } from '../src/services/index.js';
import { browserSuite, openBrowser, watchPage } from './browser.js';
import { startTestNode, type TestNode } from './helpers.js';

const OUTPUT = join(fileURLToPath(new URL('../../', import.meta.url)), 'test-output');

browserSuite('the API reference at /docs in Chromium', () => {
  let t: TestNode;
  let base: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    t = await startTestNode({ listen: true });
    base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    ({ browser, page } = await openBrowser({ timeoutMs: 15_000 }));
    watchPage(page, (line) => problems.push(line));
    await mkdir(OUTPUT, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('renders the node’s own document with every service’s tag, under a policy that refuses framing and other origins', async () => {
    const response = await page.goto(`${base}/docs`);
    assert.equal(response?.status(), 200);
    const csp = response!.headers()['content-security-policy']!;
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/, 'scripts from this origin only');
    assert.doesNotMatch(csp, /https:|validator\.swagger\.io|upgrade-insecure-requests/);
    assert.equal(response!.headers()['x-content-type-options'], 'nosniff');
    await page.getByRole('heading', { name: /Polity node API/ }).first().waitFor();
    for (const tag of ['node', 'transactions', ...SERVICES.flatMap((s) => s.tags.map((x) => x.name))]) {
      await page.locator(`#operations-tag-${tag}`).waitFor();
    }
    // An operation opens with its schemas (the page draws more as a person reads).
    await page.locator('#operations-node-getStatus button').first().click();
    await page.getByText('NodeStatus', { exact: false }).first().waitFor().catch(() => undefined);
    await page.screenshot({ path: join(OUTPUT, 'docs.png') });
    assert.deepEqual(problems, []);
  });
});

it('the reference page policy: framing refused, no other origin, no upgrade of plain HTTP (negative control: the library default allows framing by this origin)', () => {
  const library = "default-src 'self'; frame-ancestors 'self'; img-src 'self' data: validator.swagger.io; style-src 'self' https: 'sha256-x'; upgrade-insecure-requests;";
  assert.equal(docsPolicy(library), "default-src 'self'; frame-ancestors 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
  assert.match(library, /frame-ancestors 'self'/);
});
