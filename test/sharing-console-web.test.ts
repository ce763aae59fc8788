/**
 * An official reads a record in the organisation console (/data-sharing),
 * in Chromium: they load their key file, the page opens a session
 * (challenge signed in the browser), lists the records the node holds,
 * and opens one stating fields, purpose and basis. The node writes the
 * access entry on the chain (channel "console") before it decrypts: the
 * page shows the fields only with the entry's id, and the entry names the
 * official and the purpose. A read on a basis the chain refuses shows the
 * refusal, no values, and leaves a refused entry.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { didKeyFromPublicKey } from '../src/crypto/multikey.js';
import { signTx } from '../src/ledger/sign.js';
import { adminKeyPath } from '../src/node/data-dir.js';
import { signedFetch } from '../src/sdk/http-auth.js';
import { signConsent as signOrgConsent } from '../src/services/org/consent-sign.js';
import { commitTx, startTestNode, tempDir, type TestNode } from './helpers.js';
import { browserSuite, openBrowser, watchPage } from './browser.js';

const WAIT_MS = 20_000;
const SCREENSHOT = process.env.SHARING_CONSOLE_PNG ?? join(fileURLToPath(new URL('../..', import.meta.url)), 'test-output', 'sharing-console.png');

browserSuite('the organisation console: an official reads a record, the access entry first', () => {
  let t: TestNode;
  let base: string;
  let org: string;
  let browser: Browser;
  let page: Page;
  let keyFile: string;
  let recordId: string;
  let subject: string;
  const steward = generateKeyPair();
  const problems: string[] = [];

  const commit = (key: KeyPair, module: string, action: string, args: Record<string, unknown>): Promise<void> => commitTx(t, key, module, action, args);

  before(async () => {
    t = await startTestNode({ listen: true });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    org = t.genesis.organisations![0]!.id;
    const admin = JSON.parse(await readFile(adminKeyPath(t.dir), 'utf8')) as KeyPair;
    const consent = signOrgConsent({ chainId: t.genesis.chainId, org, use: 'official', publicKey: steward.publicKey, secretKey: steward.secretKey }).signature;
    await commit(admin, 'org', 'propose', { org, op: { type: 'registerOfficial', key: steward.publicKey, roles: ['data-steward'], consent } });
    await commit(steward, 'sharing', 'defineDataset', { name: 'residents', title: 'Resident register', fields: [{ name: 'name', sensitivity: 'personal' }, { name: 'address', sensitivity: 'personal' }], sensitivity: 'personal', legalBasis: 'Population Register Act §3', terms: [], retentionDays: 3650 });
    subject = didKeyFromPublicKey(generateKeyPair().publicKey);
    const res = await signedFetch(`${base}/v1/sharing/store/records`, { method: 'POST', body: JSON.stringify({ dataset: 'residents', subject, fields: { name: 'Ada Console', address: '12 Canary Lane' }, retentionUntil: Date.now() + 86_400_000 }) }, { keyId: steward.publicKey, secretKey: steward.secretKey });
    const stored = (await res.json()) as { recordId: string };
    assert.equal(res.status, 201, JSON.stringify(stored));
    recordId = stored.recordId;
    keyFile = join(await tempDir('polity-console-'), 'steward.json');
    await writeFile(keyFile, JSON.stringify(steward), { mode: 0o600 });
    ({ browser, page } = await openBrowser({ timeoutMs: WAIT_MS }));
    watchPage(page, (line) => problems.push(line));
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  const entryOf = async (id: string) => (await t.app.inject({ method: 'GET', url: `/v1/sharing/access/${id}` })).json() as { entry: { outcome: string; channel: string; official: string; purpose: string; code?: string } };

  it('opens a held record: the entry (channel console, the official, the purpose) is on the chain before the fields show', async () => {
    await page.goto(`${base}/data-sharing?org=${org}`);
    await page.setInputFiles('#key-input', keyFile);
    await page.locator(`#console-records option[value="${recordId}"]`).waitFor({ state: 'attached' });
    await page.selectOption('#console-records', recordId);
    await page.fill('#console-fields', 'name, address');
    await page.fill('#console-purpose', 'check an address change');
    await page.fill('#console-basis', 'Population Register Act §3');
    await page.click('#console-open');
    await page.locator('#console-result[data-outcome="granted"]').waitFor();
    const shown = await page.locator('#console-result').innerText();
    assert.ok(shown.includes('12 Canary Lane') && shown.includes('Ada Console'), shown);
    const entryId = await page.locator('#console-entry').getAttribute('data-entry');
    assert.match(entryId ?? '', /^[0-9a-f]{64}$/);
    const { entry } = await entryOf(entryId!);
    assert.deepEqual([entry.outcome, entry.channel, entry.official, entry.purpose], ['granted', 'console', steward.publicKey, 'check an address change']);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual(problems, []);
  });

  it('a read the chain refuses shows the refusal and no values, and leaves a refused entry', async () => {
    await page.fill('#console-basis', 'No Such Act');
    await page.click('#console-open');
    await page.locator('#console-result[data-outcome="refused"]').waitFor();
    const shown = await page.locator('#console-result').innerText();
    assert.ok(shown.includes('SHARING_NO_LEGAL_BASIS') && !shown.includes('12 Canary Lane'), shown);
    const log = (await t.app.inject({ method: 'GET', url: `/v1/sharing/subjects/${encodeURIComponent(subject)}/access?limit=100` })).json() as { entries: { outcome: string; code?: string; channel: string; official: string }[] };
    assert.deepEqual(
      log.entries.map((e) => [e.outcome, e.code ?? null, e.channel, e.official]),
      [
        ['granted', null, 'console', steward.publicKey],
        ['refused', 'SHARING_NO_LEGAL_BASIS', 'console', steward.publicKey],
      ],
      "both console reads are in the subject's log",
    );
    problems.splice(0); // the refused read answered 403, which the watcher records
  });

  it('data released to the organisation is fetched through the same panel (an unknown request is refused with its code)', async () => {
    await page.fill('#console-request', 'ab'.repeat(32));
    await page.click('#console-fetch');
    // The panel still shows the last refusal until this answer replaces it: wait for this one's code.
    await page.locator('#console-result[data-outcome="refused"]', { hasText: 'SHARING_REQUEST_UNKNOWN' }).waitFor();
    problems.splice(0);
  });
});
