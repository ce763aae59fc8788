/**
 * The organisation console signs with an admin key file encrypted at rest
 * (`polity keys encrypt`; src/crypto/sealed-key.ts), in headless Chromium
 * against a real node: the page shows the file's public key and asks for
 * the passphrase; a wrong passphrase is refused in words and the key stays
 * locked; the right one opens it in the page (noble scrypt + WebCrypto
 * AES-GCM) and the admin registers an official, committed on the chain.
 * Neither the passphrase nor the secret key is in any request or in web
 * storage, and the passphrase field is empty afterwards. Screenshots:
 * test-output/console-sealed-key-locked.png, -wrong.png, -signed.png.
 *
 * The file is sealed exactly as the CLI seals it (the default scrypt cost,
 * logN 17: 128 MiB in the page).
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { adminKeyPath } from '../src/node/data-dir.js';
import { sealKeyPair } from '../src/node/key-file.js';
import { signConsent } from '../src/services/org/consent-sign.js';
import { startTestNode, type TestNode } from './helpers.js';
import { browserSuite, openBrowser, watchPage } from './browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUTPUT = join(ROOT, 'test-output');
/** Opening takes scrypt at logN 17 in pure JS: seconds on a loaded machine; generous. */
const WAIT_MS = 90_000;
const ORG = 'local-department';
const PASSPHRASE = 'a long passphrase for the registry admin';

browserSuite('console with an encrypted admin key file in Chromium', () => {
  let tn: TestNode;
  let base: string;
  let browser: Browser;
  let page: Page;
  let adminKey: KeyPair;
  let sealedFile: string;
  let problems: string[] = [];
  const sent: string[] = [];
  const official = generateKeyPair();

  before(async () => {
    await mkdir(OUTPUT, { recursive: true });
    tn = await startTestNode({ listen: true });
    base = `http://127.0.0.1:${(tn.app.server.address() as AddressInfo).port}`;
    adminKey = JSON.parse(await readFile(adminKeyPath(tn.dir), 'utf8')) as KeyPair;
    sealedFile = join(tn.dir, 'admin-key.sealed.json');
    await writeFile(sealedFile, JSON.stringify(await sealKeyPair(adminKey, PASSPHRASE), null, 2));
    ({ browser, page } = await openBrowser({ timeoutMs: WAIT_MS, timezoneId: null }));
    watchPage(page, (line) => problems.push(line), { ignoreAbortedReads: true });
    page.on('request', (request) => sent.push(`${request.url()} ${request.postData() ?? ''}`));
  });

  after(async () => {
    await browser?.close();
    await tn?.close();
  });

  const assertNoProblems = () => {
    const seen = problems;
    problems = [];
    assert.deepEqual(seen, [], 'the page logged errors or had failed requests');
  };

  it('an encrypted key file asks for its passphrase, naming the key', async () => {
    await page.goto(`${base}/console`);
    await page.setInputFiles('#key-input', sealedFile);
    await page.locator('#key-status [data-key-state="locked"], #key-status [data-key-state="error"]').first().waitFor();
    const status = (await page.locator('#key-status').textContent())!;
    assert.match(status, /This key file is encrypted/, status);
    assert.match(status, new RegExp(adminKey.publicKey.slice(0, 8)));
    assert.equal(await page.locator('#signed-in-as').count(), 0, 'not signed in before the passphrase');
    await page.locator('.key-panel').screenshot({ path: join(OUTPUT, 'console-sealed-key-locked.png') });
    assertNoProblems();
  });

  it('a wrong passphrase is refused and the key stays locked', async () => {
    await page.fill('#key-passphrase', 'not the passphrase');
    await page.click('#key-unlock-button');
    await page.locator('#key-unlock-error').waitFor();
    assert.match((await page.locator('#key-unlock-error').textContent())!, /passphrase does not open this key file/);
    assert.equal(await page.inputValue('#key-passphrase'), '', 'the field is emptied');
    assert.equal(await page.locator('#signed-in-as').count(), 0);
    await page.locator('.key-panel').screenshot({ path: join(OUTPUT, 'console-sealed-key-wrong.png') });
    assertNoProblems();
  });

  it('the right passphrase opens the key in the page, and the admin signs a registration', async () => {
    await page.fill('#key-passphrase', PASSPHRASE);
    await page.click('#key-unlock-button');
    await page.locator('#signed-in-as').waitFor();
    assert.equal((await page.locator('#signed-in-as').textContent())!, 'Signed in as an admin of Local department');

    await page.fill('#register-key', official.publicKey);
    await page.fill('#register-consent', JSON.stringify(signConsent({ chainId: tn.genesis.chainId, org: ORG, use: 'official', publicKey: official.publicKey, secretKey: official.secretKey })));
    await page.check('#register-role-registrar');
    await page.click('#register-form button[type="submit"]');
    const outcome = page.locator('#register-outcome:not([data-outcome="pending"])[data-outcome]');
    await outcome.waitFor();
    assert.equal(await outcome.getAttribute('data-outcome'), 'done', (await outcome.textContent())!);
    const detail = (await (await fetch(`${base}/v1/orgs/${ORG}`)).json()) as { officials: { key: string }[] };
    assert.deepEqual(detail.officials.map((f) => f.key), [official.publicKey], 'the registration signed with the opened key is on the chain');
    await page.locator(`#officials-table tr[data-key="${official.publicKey}"]`).waitFor();
    await page.screenshot({ path: join(OUTPUT, 'console-sealed-key-signed.png'), fullPage: true });
    assertNoProblems();
  });

  it('neither the passphrase nor the secret key left the page or was stored', async () => {
    const everything = sent.join('\n');
    assert.ok(sent.length > 0);
    assert.equal(everything.includes(adminKey.secretKey), false, 'no secret key in any request');
    assert.equal(everything.includes(PASSPHRASE), false, 'no passphrase in any request');
    assert.equal(everything.includes(encodeURIComponent(PASSPHRASE)), false);
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'nothing in web storage');
    assert.equal(await page.locator('#key-passphrase').count(), 0, 'the passphrase field is gone once the key is open');
  });
});
