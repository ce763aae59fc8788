/**
 * Browser test of the "Resolve a DID" page (web/did.html) in headless
 * Chromium.
 *
 * The page is served by the node's own static handler (src/api/static.ts)
 * and reads the DID routes (src/services/did/routes.ts) on a small Fastify app
 * whose state comes from blocks executed with the did module — a holder
 * creates a DID with a service, rotates its key, loses it, a registrar
 * recovers it; another DID is deactivated by a registrar. (A small app
 * rather than a full node: the story needs a registrar's official key, and
 * the page reads nothing but /v1/dids/… and /v1/status.)
 *
 * The test resolves each DID as a person would, at the latest version and at
 * an earlier block, follows a deep link, types invalid, unknown and
 * unsupported DIDs, and checks the phone layout. Any console error, page
 * error or failed request that is not an expected 4xx answer fails it.
 * Screenshots go to test-output/did-*.png.
 *
 * Needs Chromium at /usr/bin/chromium; without it the test is skipped,
 * except in CI, where it fails.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { DEFAULT_PARAMS, type Genesis } from '../src/ledger/genesis.js';
import type { PolityNode } from '../src/node/node.js';
import { createTestChain } from '../src/services/test-chain.js';
import { registerStatic, webPagesOf } from '../src/api/static.js';
import { SERVICES } from '../src/services/index.js';
import { typeboxValidatorCompiler } from '../src/api/validator.js';
import { didRoutes } from '../src/services/did/routes.js';
import { DID_ERRORS } from '../src/services/did/errors.js';
import { createErrorIndex } from '../src/api/error-table.js';
import type { TypedApp } from '../src/api/route.js';
import type { AuthenticateDeps } from '../src/api/authenticate.js';
import { didModule } from '../src/services/did/module.js';
import { didPolityFromKey, multikeyEncode } from '../src/services/did/method.js';
import { browserSuite, focusedId, openBrowser, watchPage } from './browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUTPUT = join(ROOT, 'test-output');
const WAIT_MS = 10_000;
const CHAIN = 'polity-local';
const T0 = 1_740_830_400_000; // 2025-03-01T12:00:00Z

browserSuite('the "Resolve a DID" page in Chromium', () => {
  let app: FastifyInstance;
  let base: string;
  let pagePath: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];

  const holder = generateKeyPair();
  const second = generateKeyPair();
  const recovered = generateKeyPair();
  const ended = generateKeyPair();
  const did = didPolityFromKey(CHAIN, holder.publicKey);
  const endedDid = didPolityFromKey(CHAIN, ended.publicKey);
  let rotatedAt = 0;
  let recoveredAt = 0;
  let endedAt = 0;

  const watch = (p: Page) => watchPage(p, (line) => problems.push(line));
  /** Exactly the expected failed answers (and the console line Chromium logs for each) happened since the last check. */
  const expectProblems = (answers: [number, string][]) => {
    const seen = problems;
    problems = [];
    const text: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 410: 'Gone' };
    const expected = answers.flatMap(([status, path]) => [`HTTP ${status}: ${base}${path}`, `console: Failed to load resource: the server responded with a status of ${status} (${text[status]})`]);
    assert.deepEqual([...seen].sort(), expected.sort(), 'only the expected failed answers');
  };

  const resolveInForm = async (value: string, height = '') => {
    await page.fill('#did-input', value);
    await page.fill('#height-input', height);
    await page.press('#did-input', 'Enter');
  };

  before(async () => {
    await mkdir(OUTPUT, { recursive: true });
    // --- the chain: a civil registry whose admin is a registrar; blocks run through the did module ---
    const registrar = generateKeyPair();
    const nodeKey = generateKeyPair();
    const genesis: Genesis = {
      v: 1,
      chainId: CHAIN,
      genesisTime: T0,
      validators: [{ name: 'Civil Registry', pubKey: nodeKey.publicKey, power: 1 }],
      params: DEFAULT_PARAMS,
      organisations: [{ id: 'civil-registry', name: 'Civil Registry', admins: [registrar.publicKey], threshold: 1, nodes: [nodeKey.publicKey] }],
    };
    const chain = createTestChain(genesis, [didModule], { blockMs: 60_000 });
    const run = (key: KeyPair, action: string, args: Record<string, unknown>) => {
      const result = chain.run(key, 'did', action, args);
      assert.equal(result.code, 'OK', `${action}: ${result.message}`);
      return chain.height;
    };
    run(holder, 'create', { services: [{ id: 'inbox', type: 'DIDCommMessaging', serviceEndpoint: 'https://msg.example.gov/inbox' }] });
    chain.skip(3);
    rotatedAt = run(holder, 'rotate', { did, publicKey: second.publicKey });
    run(second, 'update', { did, services: [{ id: 'inbox', type: 'DIDCommMessaging', serviceEndpoint: 'https://msg.example.gov/inbox' }, { id: 'site', type: 'LinkedDomains', serviceEndpoint: 'https://bakery.example.com' }] });
    chain.skip(5);
    recoveredAt = run(registrar, 'recover', { did, publicKey: recovered.publicKey, reason: 'lost-key', caseRef: 'c4'.repeat(32) });
    run(ended, 'create', {});
    endedAt = run(registrar, 'registrarDeactivate', { did: endedDid, reason: 'subject-ceased', caseRef: '5e'.repeat(32) });
    chain.skip(2);
    const node = { chainId: CHAIN, get height() { return chain.height; }, getState: chain.get } as unknown as PolityNode;

    // --- the app: the node's static files, the DID routes, and the status the header shows ---
    app = Fastify({ logger: false });
    app.setValidatorCompiler(typeboxValidatorCompiler);
    didRoutes(app as unknown as TypedApp, { node, host: undefined, auth: {} as AuthenticateDeps, statusOf: createErrorIndex([{ owner: 'did', table: DID_ERRORS }]).statusOf, get: (key) => node.getState(key) });
    app.get('/v1/status', async () => ({ chainId: CHAIN, height: chain.height }));
    await registerStatic(app, { pages: webPagesOf(SERVICES) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    pagePath = '/did';

    ({ browser, context, page } = await openBrowser({ timeoutMs: WAIT_MS }));
    watch(page);
  });

  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('catches console errors and unexpected failed answers (negative control)', async () => {
    await page.goto(base + pagePath);
    await page.evaluate(() => console.error('planted error'));
    await page.evaluate((url) => fetch(url), `/v1/dids/did:polity:${'0'.repeat(32)}`);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(problems.some((p) => p.includes('planted error')), 'a planted console error is caught');
    assert.throws(() => expectProblems([]), 'an unexpected 404 is caught');
  });

  it('loads only from this node, and shows the chain in the header', async () => {
    const origins = new Set<string>();
    const listener = (r: { url(): string }) => origins.add(new URL(r.url()).origin);
    page.on('request', listener);
    await page.goto(base + pagePath);
    await page.locator('#chain-id', { hasText: CHAIN }).waitFor();
    page.off('request', listener);
    assert.deepEqual([...origins], [base]);
    assert.equal(await page.locator('h1').textContent(), 'Resolve a DID');
    assert.equal(await page.locator('nav a[aria-current="page"]').textContent(), 'Resolve a DID');
    expectProblems([]);
  });

  it('resolves a DID: the document, its keys and services, the metadata and the version history', async () => {
    await page.goto(base + pagePath);
    await resolveInForm(did);
    const status = page.locator('#did-status');
    await status.waitFor();
    assert.match((await status.textContent())!, /Active — version 4/);
    assert.equal(await focusedId(page, 'did-status'), 'did-status', 'focus moves to the answer');
    const keys = (await page.locator('#keys-table').textContent())!;
    assert.ok(keys.includes(multikeyEncode(recovered.publicKey)), 'the key in force, in multibase');
    assert.match(keys, /Multikey/);
    assert.match(keys, /authentication/);
    const services = (await page.locator('#services-table').textContent())!;
    assert.match(services, /#inbox.*DIDCommMessaging.*https:\/\/msg\.example\.gov\/inbox/s);
    assert.match(services, /#site.*LinkedDomains.*https:\/\/bakery\.example\.com/s);
    assert.equal(await page.locator('#services-table a').count(), 0, 'service addresses are text, not links');
    const metadata = (await page.locator('#metadata').textContent())!;
    assert.match(metadata, /Created.*1 Mar 2025/s);
    assert.match(metadata, /Version\s*4 of 4/);
    const rows = page.locator('#history-table tbody tr');
    assert.equal(await rows.count(), 4);
    assert.match((await rows.nth(0).textContent())!, /1\s*1.*Created.*Holder/s);
    assert.match((await rows.nth(1).textContent())!, new RegExp(`2\\s*${rotatedAt}.*Key rotated`, 's'));
    assert.match((await rows.nth(3).textContent())!, new RegExp(`4\\s*${recoveredAt}.*Recovered by a registrar.*Registrar, civil-registry.*Lost key.*case`, 's'));
    assert.equal(await rows.nth(3).getAttribute('aria-current'), 'true', 'the version shown is marked');
    assert.match(page.url(), /\?did=did%3Apolity%3A/, 'the address keeps the question');
    await page.screenshot({ path: join(OUTPUT, 'did-active.png'), fullPage: true });
    expectProblems([]);
  });

  it('resolves at an earlier block, and from a deep link', async () => {
    await resolveInForm(did, String(rotatedAt - 1));
    await page.locator('#did-status', { hasText: `Active at block ${rotatedAt - 1} — version 1` }).waitFor();
    assert.ok((await page.locator('#keys-table').textContent())!.includes(multikeyEncode(holder.publicKey)), 'the first key, before the rotation');
    assert.equal(await page.locator('#history-table tbody tr').nth(0).getAttribute('aria-current'), 'true');
    assert.match((await page.locator('#metadata').textContent())!, /Newer version\s*2/);
    await page.screenshot({ path: join(OUTPUT, 'did-at-height.png'), fullPage: true });
    // The same question from a link.
    const fresh = await context.newPage();
    watch(fresh);
    await fresh.goto(`${base}${pagePath}?did=${encodeURIComponent(did)}&height=${rotatedAt}`);
    await fresh.locator('#did-status', { hasText: `Active at block ${rotatedAt} — version 2` }).waitFor();
    assert.equal(await fresh.inputValue('#did-input'), did);
    assert.equal(await fresh.inputValue('#height-input'), String(rotatedAt));
    // A version link in the history table.
    await fresh.locator('#history-table a[aria-label^="Version 3"]').click();
    await fresh.locator('#did-status', { hasText: 'Active — version 3' }).waitFor();
    await fresh.close();
    expectProblems([]);
  });

  it('shows a deactivated DID as such, with the registrar and the reason code', async () => {
    await resolveInForm(endedDid);
    await page.locator('#did-status', { hasText: `Deactivated in block ${endedAt}` }).waitFor();
    assert.match((await page.locator('#no-keys').textContent())!, /no valid key/);
    assert.match((await page.locator('#metadata').textContent())!, /Status\s*Deactivated/);
    assert.match((await page.locator('#history-table tbody tr').nth(1).textContent())!, /Deactivated by a registrar.*civil-registry.*Identity ended/s);
    await page.screenshot({ path: join(OUTPUT, 'did-deactivated.png'), fullPage: true });
    expectProblems([[410, `/v1/dids/${encodeURIComponent(endedDid)}`]]);
  });

  it('resolves a did:key with no ledger state', async () => {
    const didKey = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp';
    await resolveInForm(didKey);
    await page.locator('#did-status', { hasText: 'did:key' }).waitFor();
    assert.ok((await page.locator('#keys-table').textContent())!.includes(didKey.slice(8)));
    assert.equal(await page.locator('#history-table').count(), 0);
    expectProblems([]);
  });

  it('says clearly what is wrong with an invalid, unknown or unsupported DID', async () => {
    await resolveInForm('hello');
    await page.locator('#form-message', { hasText: 'A DID starts with "did:"' }).waitFor();
    assert.equal(await page.getAttribute('#did-input', 'aria-invalid'), 'true');
    assert.equal(await focusedId(page, 'did-input'), 'did-input');
    await page.screenshot({ path: join(OUTPUT, 'did-invalid-local.png'), fullPage: false });
    await resolveInForm(did, 'twelve');
    await page.locator('#form-message', { hasText: 'The block is a whole number' }).waitFor();
    expectProblems([]);

    await resolveInForm('did:polity:12345');
    await page.locator('#resolve-error', { hasText: 'This is not a valid DID' }).waitFor();
    assert.match((await page.locator('#resolve-error').textContent())!, /32 lowercase hex characters/);
    await page.screenshot({ path: join(OUTPUT, 'did-invalid.png'), fullPage: false });
    const unknown = `did:polity:${'ab'.repeat(16)}`;
    await resolveInForm(unknown);
    await page.locator('#resolve-error', { hasText: 'No such DID on this ledger' }).waitFor();
    await page.screenshot({ path: join(OUTPUT, 'did-unknown.png'), fullPage: false });
    await resolveInForm(endedDid, String(rotatedAt));
    await page.locator('#resolve-error', { hasText: `This DID did not exist at block ${rotatedAt}` }).waitFor();
    assert.match((await page.locator('#resolve-error').textContent())!, new RegExp(`created in block ${endedAt - 1}`));
    await resolveInForm('did:web:bakery.example.com');
    await page.locator('#resolve-error', { hasText: 'This kind of DID is not resolved here' }).waitFor();
    await page.screenshot({ path: join(OUTPUT, 'did-unsupported.png'), fullPage: false });
    await resolveInForm(did, '999999');
    await page.locator('#resolve-error', { hasText: 'cannot be answered as asked' }).waitFor();
    assert.match((await page.locator('#resolve-error').textContent())!, /does not exist yet/);
    const enc = encodeURIComponent;
    expectProblems([
      [400, `/v1/dids/${enc('did:polity:12345')}`],
      [400, `/v1/dids/${enc('did:polity:12345')}/history`],
      [404, `/v1/dids/${enc(unknown)}`],
      [404, `/v1/dids/${enc(unknown)}/history`],
      [404, `/v1/dids/${enc(endedDid)}?height=${rotatedAt}`],
      [400, `/v1/dids/${enc('did:web:bakery.example.com')}`],
      [400, `/v1/dids/${enc(did)}?height=999999`],
    ]);
  });

  it('fits a phone screen', async () => {
    const phone = await context.newPage();
    watch(phone);
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${base}${pagePath}?did=${encodeURIComponent(did)}`);
    await phone.locator('#did-status').waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (overflow ${overflow}px)`);
    await phone.screenshot({ path: join(OUTPUT, 'did-phone.png'), fullPage: true });
    await phone.close();
    expectProblems([]);
  });
});
