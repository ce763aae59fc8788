/**
 * The web wallet (/wallet) in headless Chromium, against a node with an
 * issuing desk: the holder creates a wallet in the browser, receives a
 * diploma by pasting an offer link (OpenID4VCI in the page, WebCrypto
 * Ed25519), sees it listed; an official asks for the degree (OpenID4VP);
 * the holder pastes the request link, sees who asks (the organisation the
 * chain lists for the key), why and what, approves; the official reads the
 * verified outcome; the holder reads the use in its usage log, opened in the
 * browser (WebCrypto X25519, HKDF, AES-GCM; @noble/hashes HMAC). Checked
 * with axe at desktop and phone widths; any console error, failed request or
 * 4xx/5xx answer fails the test.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { createApi } from '../src/api/server.js';
import { adminKeyPath } from '../src/node/data-dir.js';
import type { KeyPair } from '../src/crypto/ed25519.js';
import { signTx } from '../src/ledger/sign.js';
import { createClient, type Client } from '../src/sdk/client.js';
import { SERVICES } from '../src/services/index.js';
import { signRequestObject } from '../src/services/credentials/oid4vp.js';
import { startTestNode, tempDir, type TestNode } from './helpers.js';
import { axeViolations, browserSuite, openBrowser, PHONE, watchPage } from './browser.js';

const OUTPUT = join(fileURLToPath(new URL('../../', import.meta.url)), 'test-output', 'wallet');
const WAIT_MS = 20_000;
const TOKEN = 'desk-token-' + 'w'.repeat(40);
const SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, degree: { type: 'string' }, awarded: { type: 'string' } },
  required: ['degree', 'awarded'],
  additionalProperties: false,
};

let t: TestNode;
let desk: FastifyInstance;
let api: string;
let work: string;
let admin: KeyPair;
let client: Client;
let org: string;
let browser: Browser;
let page: Page;
const problems: string[] = [];

async function commit(module: string, action: string, args: Record<string, unknown>): Promise<string> {
  const nonce = await client.nonce(admin.publicKey);
  const tx = signTx({ v: 1, chainId: t.genesis.chainId, module, action, args: args as never, signer: admin.publicKey, nonce }, admin.secretKey);
  const outcome = (await client.submitTx(tx, { wait: true, timeoutMs: WAIT_MS })) as { status: string; txId: string; result: { code: string } };
  assert.equal(outcome.result.code, 'OK', JSON.stringify(outcome));
  return outcome.txId;
}

async function decide(decision: Record<string, unknown>): Promise<void> {
  const proposal = await commit('gov', 'propose', { change: { type: 'serviceDecision', module: 'credentials', decision } });
  await commit('credentials', 'enact', { proposal });
}

browserSuite('the web wallet', () => {
  before(async () => {
    t = await startTestNode();
    work = await tempDir('polity-wallet-web-');
    await writeFile(join(work, 'token'), TOKEN + '\n');
    desk = await createApi(t.node, { services: SERVICES, serviceOptions: { credentials: { 'issuing-key': adminKeyPath(t.dir), 'issuing-token-file': join(work, 'token') } } });
    await desk.listen({ port: 0, host: '127.0.0.1' });
    api = `http://127.0.0.1:${(desk.server.address() as { port: number }).port}`;
    admin = JSON.parse(await readFile(adminKeyPath(t.dir), 'utf8')) as KeyPair;
    client = createClient({ url: api });
    org = t.genesis.organisations![0]!.id;
    await decide({ type: 'defineType', name: 'UniversityDiploma', title: 'University diploma', schema: SCHEMA });
    await decide({ type: 'accredit', org, credentialType: 'UniversityDiploma', role: 'issuer' });
    await mkdir(OUTPUT, { recursive: true });
    ({ browser, page } = await openBrowser({ timeoutMs: WAIT_MS }));
    watchPage(page, (line) => problems.push(line));
  });
  after(async () => {
    await browser?.close();
    await desk?.close();
    await t?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('receive an offer, present to a verifier after seeing who asks, and read the usage log, in the browser', async () => {
    await page.goto(`${api}/wallet`);
    await page.click('#create-wallet');
    const did = (await page.textContent('#holder-did'))!;
    assert.match(did, /^did:key:z6Mk/);

    // The issuer's official makes an offer; the holder pastes its link.
    const offer = await desk.inject({ method: 'POST', url: '/v1/credentials/offers', headers: { authorization: `Bearer ${TOKEN}` }, payload: { credentialType: 'UniversityDiploma', claims: { degree: 'MSc Physics', awarded: '2026-05-30' } } });
    assert.equal(offer.statusCode, 201, offer.body);
    await page.fill('#offer-link', (offer.json() as { link: string }).link);
    await page.click('#receive');
    await page.waitForSelector('#receive-note');
    assert.match((await page.textContent('#receive-note'))!, /Received your UniversityDiploma from did:key:/);
    assert.equal(await page.locator('#credential-list li').count(), 1);

    // The employer's official asks for the degree.
    const { jwt } = signRequestObject({ ask: { credentialType: 'UniversityDiploma', claims: ['degree'], purpose: 'hiring: check the degree', format: 'jwt_vc_json' }, publicKey: admin.publicKey, secretKey: admin.secretKey, responseUri: `${api}/v1/credentials/responses`, nonce: randomBytes(16).toString('base64url'), state: randomBytes(16).toString('base64url'), nowS: Math.floor(Date.now() / 1000) });
    const official = createClient({ url: api, key: admin });
    const filed = await official.request<{ id: string; link: string }>('POST', '/v1/credentials/requests', { request: jwt }, { signed: true });
    await page.fill('#request-link', filed.link);
    await page.click('#read-request');
    await page.waitForSelector('#approval');
    const approval = (await page.textContent('#approval'))!;
    assert.match(approval, new RegExp(`Who asks${org} \\(an official of it, as the chain says\\)`));
    assert.match(approval, /Whyhiring: check the degree/);
    await page.screenshot({ path: join(OUTPUT, 'approval.png'), fullPage: true });
    for (const width of [1280, PHONE.width]) {
      await page.setViewportSize({ width, height: 900 });
      const serious = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(serious.map((v) => `${v.id} at ${v.targets.join(', ')}`), [], `axe at ${width}px`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.click('#approve');
    await page.waitForSelector('#present-note');
    assert.match((await page.textContent('#present-note'))!, /The verifier accepted it/);
    const outcome = await official.request<{ status: string; outcome?: { claims?: Record<string, unknown>; usageLogged: boolean } }>('GET', `/v1/credentials/requests/${filed.id}`, undefined, { signed: true });
    assert.equal(outcome.status, 'verified');
    assert.deepEqual(outcome.outcome?.claims, { degree: 'MSc Physics' });
    assert.equal(outcome.outcome?.usageLogged, true);

    // The usage log, read from the chain and opened in the browser.
    const start = Date.now();
    for (;;) {
      await page.click('#read-log');
      await page.waitForSelector('#usage-log, #log-empty');
      if ((await page.locator('#usage-log li').count()) > 0) break;
      assert.ok(Date.now() - start < WAIT_MS, 'the usage-log entry reaches the chain');
      await new Promise((r) => setTimeout(r, 200));
    }
    const line = (await page.textContent('#usage-log li'))!;
    assert.match(line, new RegExp(`${org} checked your UniversityDiploma \\(degree\\) for “hiring: check the degree”`));
    console.log(`web wallet usage log: ${line}`);
    await page.screenshot({ path: join(OUTPUT, 'usage-log.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });
});
