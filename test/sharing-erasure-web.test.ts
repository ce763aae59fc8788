/**
 * A citizen asks for erasure on "Who used my data" (/sharing), in Chromium:
 * they load their pseudonym's key file, choose the dataset, read what
 * erasure means and confirm (cancelling sends nothing). The page signs the
 * same `polity-sharing-erasure` request as `polity sharing request-erasure`
 * with the pseudonym's key; the holder's node carries it out (sharing.erase
 * naming the request, then its purge confirmation), and the page shows the
 * request purged, by which holder, from the chain. axe finds nothing
 * serious at both widths.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
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
import { subjectKeyPair } from '../src/services/sharing/pseudonym.js';
import { commitTx, startTestNode, tempDir, type TestNode } from './helpers.js';
import { axeViolations, browserSuite, DESKTOP, focusedId, openBrowser, PHONE, watchPage } from './browser.js';

const WAIT_MS = 60_000;
const SCREENSHOT = process.env.SHARING_ERASURE_PNG ?? join(fileURLToPath(new URL('../..', import.meta.url)), 'test-output', 'sharing-erasure.png');

browserSuite('/sharing: a citizen asks for erasure, the holder purges, the page shows it', () => {
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
  const erasures = async () => (await t.app.inject({ method: 'GET', url: `/v1/sharing/subjects/${subject}/erasures` })).json() as { erasures: { request: { erasure: { id: string; subject: string; holder: string; dataset: string; recordId?: string }; records: string[] } }[] };

  before(async () => {
    t = await startTestNode({ listen: true });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    org = t.genesis.organisations![0]!.id;
    const admin = JSON.parse(await readFile(adminKeyPath(t.dir), 'utf8')) as KeyPair;
    const consent = signOrgConsent({ chainId: t.genesis.chainId, org, use: 'official', publicKey: steward.publicKey, secretKey: steward.secretKey }).signature;
    await commit(admin, 'org', 'propose', { org, op: { type: 'registerOfficial', key: steward.publicKey, roles: ['data-steward'], consent } });
    await commit(steward, 'sharing', 'defineDataset', { name: 'residents', title: 'Resident register', fields: [{ name: 'name', sensitivity: 'personal' }, { name: 'address', sensitivity: 'personal' }], sensitivity: 'personal', legalBasis: 'Population Register Act §3', terms: [], retentionDays: 3650 });
    // A second dataset, listed first would be wrong: the page offers the directory, the citizen picks.
    await commit(steward, 'sharing', 'defineDataset', { name: 'vehicles', title: 'Vehicle register', fields: [{ name: 'plate', sensitivity: 'personal' }], sensitivity: 'personal', legalBasis: 'Road Traffic Act §2', terms: [], retentionDays: 3650 });
    // The citizen's pseudonym at the registry's resident register, derived from their secret as `polity sharing pseudonym --key-out` does.
    const pseudonym = subjectKeyPair(randomBytes(32), t.genesis.chainId, org, 'residents');
    subject = didKeyFromPublicKey(pseudonym.publicKey);
    const res = await signedFetch(`${base}/v1/sharing/store/records`, { method: 'POST', body: JSON.stringify({ dataset: 'residents', subject, fields: { name: 'Ada Erasure', address: '3 Forget Street' }, retentionUntil: Date.now() + 86_400_000 }) }, { keyId: steward.publicKey, secretKey: steward.secretKey });
    const stored = (await res.json()) as { recordId: string };
    assert.equal(res.status, 201, JSON.stringify(stored));
    recordId = stored.recordId;
    keyFile = join(await tempDir('polity-erasure-'), 'pseudonym.json');
    await writeFile(keyFile, JSON.stringify(pseudonym), { mode: 0o600 });
    ({ browser, page } = await openBrowser({ timeoutMs: WAIT_MS }));
    watchPage(page, (line) => problems.push(line), { ignoreAbortedReads: true });
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('explains erasure and sends nothing until the citizen confirms; Cancel sends nothing', async () => {
    await page.goto(`${base}/sharing`);
    await page.setInputFiles('#key-input', keyFile);
    await page.locator('#erasure-form').waitFor();
    const explained = await page.locator('#erasure-explained').innerText();
    for (const words of [/key that encrypts it/, /salt/, /every node that holds it/, /fingerprint of the record \(its commitment\)/, /purge entry/, /cannot be undone/i]) assert.match(explained, words);
    await page.locator(`#erasure-dataset option[value="${org}/residents"]`).waitFor({ state: 'attached' });
    await page.selectOption('#erasure-dataset', `${org}/residents`);
    assert.equal(await page.locator('#erasure-confirm').isVisible(), false, 'no confirmation before the citizen asks');
    await page.click('#erasure-ask');
    await page.locator('#erasure-confirm').waitFor();
    assert.match(await page.locator('#erasure-confirm-text').innerText(), /Resident register.*cannot be undone/s);
    assert.equal(await focusedId(page, 'erasure-yes'), 'erasure-yes', 'the confirmation takes the focus');
    await page.click('#erasure-cancel');
    assert.equal(await page.locator('#erasure-confirm').isVisible(), false);
    assert.deepEqual((await erasures()).erasures, [], 'nothing was sent');
  });

  it('confirmed: the request is signed by the pseudonym, the holder purges, and the page shows it purged by the holder', async () => {
    await page.click('#erasure-ask');
    await page.click('#erasure-yes');
    await page.locator('#sharing-outcome[data-outcome="done"]').waitFor();
    assert.match(await page.locator('#sharing-outcome').innerText(), /Erasure requested/);
    const [req] = (await erasures()).erasures;
    assert.ok(req, 'the request is on the chain');
    assert.deepEqual({ subject: req.request.erasure.subject, holder: req.request.erasure.holder, dataset: req.request.erasure.dataset, recordId: req.request.erasure.recordId }, { subject, holder: org, dataset: 'residents', recordId: undefined });
    // The holder's node carries it out on its own: sharing.erase naming the request, then its purge; the page follows.
    const row = page.locator(`#erasures-table tr[data-erasure="${req.request.erasure.id}"]`);
    await row.and(page.locator('[data-status="purged"]')).waitFor();
    assert.match(await row.innerText(), new RegExp(`purged[\\s\\S]*${org} \\(block \\d+\\)`));
    assert.equal(await row.locator('[data-purged-by]').getAttribute('data-purged-by'), org, 'the page names the holder that confirmed the purge');
    const rec = (await t.app.inject({ method: 'GET', url: `/v1/sharing/records/${recordId}` })).json() as { record: { status: string; purged: Record<string, number> } };
    assert.equal(rec.record.status, 'purged');
    assert.deepEqual(Object.keys(rec.record.purged), [org]);
    assert.deepEqual((await erasures()).erasures[0]!.request.records, [recordId], 'the holder erased the record for this request');
    await readFile(join(t.dir, 'sharing', 'records', `${recordId}.env`)).then(
      () => assert.fail('the record file is still there'),
      () => undefined,
    );
  });

  it('reads well: no serious axe violation at desktop and phone widths, a screenshot, no page error', async () => {
    await page.locator('#erasures-table').scrollIntoViewIfNeeded();
    for (const size of [DESKTOP, PHONE]) {
      await page.setViewportSize(size);
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `axe at ${size.width}px: ${JSON.stringify(violations, null, 2)}`);
    }
    await page.setViewportSize(DESKTOP);
    await page.click('#erasure-ask');
    await page.locator('#erasure-confirm').waitFor();
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.setViewportSize(PHONE);
    await page.locator('#erasures-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-phone.png') });
    await page.setViewportSize(DESKTOP);
    await page.click('#erasure-cancel');
    assert.deepEqual(problems, []);
  });
});
