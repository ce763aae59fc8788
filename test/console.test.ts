/**
 * Browser test of the organisation console (/console) and the governance
 * page (/governance) in headless Chromium, against a real node on a loopback
 * port.
 *
 * The node's genesis has one organisation, local-department, whose admin key
 * is <data>/admin-key.json. The test reads the page as a visitor, signs in
 * with that key file, and drives every kind of write the console signs with
 * WebCrypto: registering, changing and removing an official; a refused
 * registration (ORG_OFFICIAL_EXISTS); a parameter change that executes at
 * once; a second organisation admitted by proposal, after which a proposal
 * stays open until that organisation's admin votes; and an operation that
 * waits for a second admin's approval; the governance page proposes, the
 * console votes. A key made in the browser is offered for saving. Negative
 * controls: a key that is no admin leaves every write disabled, a malformed
 * key file is refused, a bad field is caught before anything is signed, and
 * no secret key — loaded or made in the browser — leaves the page. Any console error, page error or failed request fails
 * the test. Screenshots go to test-output/.
 *
 * Needs Chromium at /usr/bin/chromium; skipped without it, except in CI.
 */
import { signConsent } from '../src/services/org/consent-sign.js';
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { generateKeyPair, publicKeyOf, type KeyPair } from '../src/crypto/ed25519.js';
import { adminKeyPath } from '../src/node/data-dir.js';
import { startTestNode, until, type TestNode } from './helpers.js';
import { browserSuite, openBrowser, watchPage } from './browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUTPUT = join(ROOT, 'test-output');
const WAIT_MS = 15_000;
const ORG = 'local-department';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

browserSuite('organisation console in Chromium', () => {
  let tn: TestNode;
  let base: string;
  let pageUrl: string;
  let governanceUrl: string;
  let browser: Browser;
  let page: Page;
  let adminKeyFile: string;
  let adminKey: KeyPair;
  /** Console errors, page errors and failed requests seen since the last check. */
  let problems: string[] = [];
  /** Every request the page made, with its body: the secret key must be in none. */
  const sent: string[] = [];
  const official = generateKeyPair();
  const taxAdmin = generateKeyPair();
  const taxAdmin2 = generateKeyPair();
  const files = {} as Record<'random' | 'notJson' | 'taxAdmin' | 'taxAdmin2', string>;
  /** The secret of the key made in the browser (read back from the file it offered for saving). */
  let createdSecret = '';

  /** What `polity org consent` prints for `key`: the holder's consent the admin pastes into the form. */
  const consentText = (org: string, use: 'official' | 'admin' | 'node', key: KeyPair): string =>
    JSON.stringify(signConsent({ chainId: tn.genesis.chainId, org, use, publicKey: key.publicKey, secretKey: key.secretKey }));

  const api = async (path: string): Promise<any> => {
    const response = await fetch(base + path);
    assert.equal(response.status, 200, `GET ${path}`);
    return response.json();
  };

  const assertNoProblems = () => {
    const seen = problems;
    problems = [];
    assert.deepEqual(seen, [], 'the page logged errors or had failed requests');
  };

  const watch = (p: Page) => {
    watchPage(p, (line) => problems.push(line), { ignoreAbortedReads: true });
    p.on('request', (request) => sent.push(`${request.url()} ${request.postData() ?? ''}`));
  };

  /** Wait for a write's outcome region to settle; returns its outcome, code and text. */
  const outcomeOf = async (id: string): Promise<{ outcome: string | null; code: string | null; text: string }> => {
    const el = page.locator(`#${id}:not([data-outcome="pending"])[data-outcome]`);
    await el.waitFor();
    return { outcome: await el.getAttribute('data-outcome'), code: await el.getAttribute('data-code'), text: (await el.textContent())! };
  };

  const writesDisabled = () => page.evaluate(() => Array.from(document.querySelectorAll("fieldset.write")).map((f) => (f as HTMLFieldSetElement).disabled));

  const useKey = async (path: string) => {
    await page.setInputFiles('#key-input', path);
    await page.locator('#key-status [data-key-state="admin"], #key-status [data-key-state="not-admin"], #key-status [data-key-state="error"]').first().waitFor();
  };

  const forgetKey = async () => {
    await page.click('#forget-key');
    await page.locator('#key-status [data-key-state="none"]').waitFor();
  };

  /** Proposals are made on the governance page: a key lives only as long as its page, so it is loaded there again. */
  const openGovernance = async (keyFile: string) => {
    await page.goto(governanceUrl);
    await useKey(keyFile);
    await page.locator('#signed-in-as').waitFor();
  };

  before(async () => {
    await mkdir(OUTPUT, { recursive: true });
    tn = await startTestNode({ listen: true });
    base = `http://127.0.0.1:${(tn.app.server.address() as AddressInfo).port}`;
    pageUrl = `${base}/console`;
    governanceUrl = `${base}/governance`;
    adminKeyFile = adminKeyPath(tn.dir);
    adminKey = JSON.parse(await readFile(adminKeyFile, 'utf8'));

    files.random = join(tn.dir, 'someone-key.json');
    await writeFile(files.random, JSON.stringify(generateKeyPair(), null, 2));
    files.notJson = join(tn.dir, 'notes.json');
    await writeFile(files.notJson, 'this is not a key\n');
    files.taxAdmin = join(tn.dir, 'tax-admin-key.json');
    await writeFile(files.taxAdmin, JSON.stringify(taxAdmin, null, 2));
    files.taxAdmin2 = join(tn.dir, 'tax-admin-2-key.json');
    await writeFile(files.taxAdmin2, JSON.stringify(taxAdmin2, null, 2));

    ({ browser, page } = await openBrowser({ timeoutMs: WAIT_MS, timezoneId: null }));
    watch(page);
  });

  after(async () => {
    await browser?.close();
    await tn?.close();
  });

  it('catches console errors (negative control)', async () => {
    await page.goto(pageUrl);
    await page.evaluate(() => console.error('planted error'));
    await sleep(50);
    assert.ok(problems.some((p) => p.includes('planted error')), 'a planted console error is caught');
    problems = [];
  });

  it('shows the organisations read-only without a key', async () => {
    await page.goto(pageUrl);
    const row = page.locator(`#orgs-table tbody tr[data-org="${ORG}"]`);
    await row.waitFor();
    const text = (await row.textContent())!;
    assert.match(text, /Local department/);
    assert.match(text, /Active/);
    assert.match(text, /1 of 1/);
    assert.match(text, /notary/);
    await page.locator('#officials-table').waitFor();
    assert.match((await page.locator('#org-title').textContent())!, /Local department/);
    assert.match((await page.locator('#officials-table').textContent())!, /No official yet/);
    assert.match((await page.locator('#proposals').textContent())!, /No proposal yet/);
    assert.match((await page.locator('#key-privacy').textContent())!, /never leaves this computer.*not uploaded and not stored/s);
    assert.ok((await writesDisabled()).every(Boolean), 'every write form is disabled without a key');
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll('input, select, textarea'))
        .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'))
        .map((el) => el.id || el.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unlabelled, [], 'every form control has a label');
    await page.screenshot({ path: join(OUTPUT, 'console.png'), fullPage: true });
    assertNoProblems();
  });

  it('a key that is no admin leaves the writes disabled (negative control)', async () => {
    await useKey(files.random);
    await page.locator('#not-admin').waitFor();
    assert.match((await page.locator('#not-admin').textContent())!, /not an admin of an active organisation/);
    assert.ok((await writesDisabled()).every(Boolean), 'write forms stay disabled');
    assert.equal(await page.locator('[data-vote]').count(), 0, 'no vote buttons');
    await page.locator('.key-panel').screenshot({ path: join(OUTPUT, 'console-not-admin.png') });
    await forgetKey();

    await useKey(files.notJson);
    assert.match((await page.locator('#key-status').textContent())!, /cannot be used as a key.*not JSON/s);
    assert.ok((await writesDisabled()).every(Boolean));
    assertNoProblems();
  });

  it('makes a new key in the browser: its file is offered for saving, and its secret goes nowhere', async () => {
    await page.click('#create-key');
    await page.locator('#created-key').waitFor();
    await page.locator('#key-status [data-key-state="not-admin"]').waitFor();
    const shown = (await page.locator('#created-key .hash-full').textContent())!;
    assert.match(shown, /^[0-9a-f]{64}$/);
    assert.match((await page.locator('#not-admin').textContent())!, /not an admin of an active organisation/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-key')]);
    assert.match(download.suggestedFilename(), new RegExp(`^key-${shown.slice(0, 8)}\\.json$`));
    assert.match(download.url(), /^blob:/, 'the file comes from the browser’s memory, not from the node');
    const file = JSON.parse(await readFile((await download.path())!, 'utf8')) as KeyPair;
    assert.equal(file.publicKey, shown);
    assert.equal(publicKeyOf(file.secretKey), shown, 'the saved secret is the key the page signs with');
    createdSecret = file.secretKey;
    await forgetKey();
    assert.equal(await page.locator('#created-key').count(), 0, 'the key file is dropped with the key');
    assertNoProblems();
  });

  it('the admin key file signs in, and is kept nowhere', async () => {
    await useKey(adminKeyFile);
    await page.locator('#signed-in-as').waitFor();
    assert.equal((await page.locator('#signed-in-as').textContent())!, 'Signed in as an admin of Local department');
    assert.ok((await writesDisabled()).every((d) => !d), 'write forms are enabled');
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'nothing in web storage');
    assert.equal(await page.evaluate(() => (document.getElementById('key-input') as HTMLInputElement).files?.length ?? 0), 0, 'the file input lets go of the file');
    assertNoProblems();
  });

  it('checks a field before signing anything', async () => {
    const { nonce } = await api(`/v1/accounts/${adminKey.publicKey}`);
    await page.fill('#register-key', 'abc123');
    await page.check('#register-role-registrar');
    await page.click('#register-form button[type="submit"]');
    const result = await outcomeOf('register-outcome');
    assert.equal(result.outcome, 'invalid');
    assert.equal((await page.locator('#register-key-error').textContent())!, 'Expected 64 hex digits, got 6.');
    assert.equal(await page.getAttribute('#register-key', 'aria-invalid'), 'true');
    assert.equal((await api(`/v1/accounts/${adminKey.publicKey}`)).nonce, nonce, 'nothing was sent');
    assertNoProblems();
  });

  it('registers an official', async () => {
    await page.fill('#register-key', official.publicKey.toUpperCase());
    await page.fill('#register-consent', consentText(ORG, 'official', official));
    await page.check('#register-role-registrar');
    await page.check('#register-role-auditor');
    await page.click('#register-form button[type="submit"]');
    const result = await outcomeOf('register-outcome');
    assert.equal(result.outcome, 'done', result.text);
    assert.match(result.text, /Done: official .* is registered as registrar, auditor/);
    const row = page.locator(`#officials-table tr[data-key="${official.publicKey}"]`);
    await row.waitFor();
    assert.match((await row.textContent())!, /registrar.*auditor/);
    const detail = await api(`/v1/orgs/${ORG}`);
    assert.deepEqual(
      detail.officials.map((f: { key: string; roles: string[] }) => [f.key, f.roles]),
      [[official.publicKey, ['registrar', 'auditor']]],
    );
    await page.screenshot({ path: join(OUTPUT, 'console-admin.png'), fullPage: true });
    assertNoProblems();
  });

  it('says the code of a refused write (the same official twice)', async () => {
    await page.fill('#register-key', official.publicKey);
    await page.fill('#register-consent', consentText(ORG, 'official', official));
    await page.check('#register-role-issuer');
    await page.click('#register-form button[type="submit"]');
    const result = await outcomeOf('register-outcome');
    assert.equal(result.outcome, 'refused', result.text);
    assert.equal(result.code, 'ORG_OFFICIAL_EXISTS');
    assert.match(result.text, /Refused: ORG_OFFICIAL_EXISTS/);
    assert.match(result.text, /already acts for local-department/);
    await page.locator('#register-outcome').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUTPUT, 'console-refused.png') });
    assertNoProblems();
  });

  it('changes an official’s roles, and removes an official', async () => {
    await page.click(`#officials-table tr[data-key="${official.publicKey}"] button`);
    assert.equal(await page.inputValue('#official-select'), official.publicKey);
    assert.ok(await page.isChecked('#official-role-registrar'), 'the form shows the current roles');
    await page.uncheck('#official-role-auditor');
    await page.check('#official-role-issuer');
    await page.click('#official-form button[type="submit"]');
    let result = await outcomeOf('official-outcome');
    assert.equal(result.outcome, 'done', result.text);
    await until(async () => (await api(`/v1/members/${official.publicKey}`)).roles.join() === 'registrar,issuer' || undefined, WAIT_MS, 'new roles');

    const second = generateKeyPair();
    await page.fill('#register-key', second.publicKey);
    await page.fill('#register-consent', consentText(ORG, 'official', second));
    await page.check('#register-role-approver');
    await page.click('#register-form button[type="submit"]');
    assert.equal((await outcomeOf('register-outcome')).outcome, 'done');
    await page.selectOption('#official-select', second.publicKey);
    await page.click('#remove-official');
    await page.locator('#remove-confirm:not([hidden])').waitFor();
    await page.click('#remove-yes');
    result = await outcomeOf('official-outcome');
    assert.equal(result.outcome, 'done', result.text);
    assert.match(result.text, /is removed/);
    await page.locator(`#officials-table tr[data-key="${second.publicKey}"]`).waitFor({ state: 'detached' });
    const keys = (await api(`/v1/orgs/${ORG}`)).officials.map((f: { key: string }) => f.key);
    assert.deepEqual(keys, [official.publicKey]);
    assertNoProblems();
  });

  it('a parameter change executes at once in a one-organisation consortium', async () => {
    await openGovernance(adminKeyFile);
    await page.selectOption('#change-type', 'setParameter');
    await page.selectOption('#param-name', 'votingSeconds');
    await page.fill('#param-value', '3d');
    await page.click('#propose-form button[type="submit"]');
    const result = await outcomeOf('propose-outcome');
    assert.equal(result.outcome, 'executed', result.text);
    assert.match(result.text, /Executed: “Set the voting period to 3 d”/);
    assert.equal((await api('/v1/orgs')).governance.votingSeconds, 3 * 86_400);
    const card = page.locator('#proposal-list article').first();
    assert.equal(await card.getAttribute('data-status'), 'executed');
    assert.match((await card.textContent())!, /Set the voting period to 3 d.*Executed.*Local department\s*Yes/s);
    assertNoProblems();
  });

  it('admits a second organisation; a proposal then waits for its vote', async () => {
    await page.selectOption('#change-type', 'addOrganisation');
    await page.fill('#add-name', 'Tax Office');
    await page.fill('#add-id', 'tax-office');
    await page.fill('#add-admins', taxAdmin.publicKey);
    await page.check('#add-permissions input[value="notary"]');
    await page.click('#propose-form button[type="submit"]');
    let result = await outcomeOf('propose-outcome');
    assert.equal(result.outcome, 'executed', result.text);
    await page.locator('#proposal-list article[data-status="executed"] h3', { hasText: 'Add the organisation “Tax Office”' }).waitFor();

    // Two organisations now: two thirds of two is both, so a proposal stays open.
    await page.selectOption('#change-type', 'grantPermission');
    await page.selectOption('#perm-org', 'tax-office');
    await page.fill('#perm-module', 'evidence');
    // A period longer than the consortium's (3 days) is caught before anything is signed.
    await page.fill('#voting-period', '4d');
    await page.click('#propose-form button[type="submit"]');
    assert.equal((await outcomeOf('propose-outcome')).outcome, 'invalid');
    assert.match((await page.locator('#voting-period-error').textContent())!, /Expected 10 s to 3 d, got 4 d/);
    await page.fill('#voting-period', '2h');
    await page.click('#propose-form button[type="submit"]');
    result = await outcomeOf('propose-outcome');
    assert.equal(result.outcome, 'open', result.text);
    const card = page.locator('#proposal-list article[data-status="open"]');
    await card.waitFor();
    assert.match((await card.textContent())!, /Let Tax Office act in the evidence module.*Open.*Local department\s*Yes.*Tax Office\s*Not decided/s);
    // The deadline is a date in the reader's locale and zone, two hours after the proposal's block.
    const shown = (await api('/v1/gov/proposals?status=open')).proposals[0] as { expiresAtMs: number; expiresAtIso: string; proposedAtMs: number };
    assert.equal(shown.expiresAtMs - shown.proposedAtMs, 2 * 3_600_000);
    const dateIn = (locale: string, timeZone: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'long', timeZone }).format(new Date(shown.expiresAtMs));
    const escape = (text: string) => text.replace(/[.+*?()[\]]/g, (c) => `\\${c}`);
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    assert.match(result.text, new RegExp(`open until ${escape(dateIn('en-GB', zone))} \\(in 2 hours\\)`));
    const deadline = card.locator('.deadline time');
    assert.equal(await deadline.getAttribute('datetime'), shown.expiresAtIso);
    assert.equal(await deadline.textContent(), dateIn('en-GB', zone));
    // A reader in Auckland with a German browser reads the same deadline in their words and zone.
    const away = await browser.newContext({ viewport: { width: 1000, height: 800 }, locale: 'de-DE', timezoneId: 'Pacific/Auckland' });
    const reader = await away.newPage();
    watchPage(reader, (line) => problems.push(line), { ignoreAbortedReads: true });
    await reader.goto(governanceUrl);
    const theirs = reader.locator('#proposal-list article[data-status="open"] .deadline');
    await theirs.waitFor();
    const words = dateIn('de-DE', 'Pacific/Auckland');
    assert.match(words, /GMT\+1[23]|NZ[DS]T/, `the date names its zone: ${words}`);
    assert.equal(await theirs.locator('time').textContent(), words);
    assert.match((await theirs.textContent())!, /^open until .* \(in 2 Stunden\)$/);
    await reader.locator('#proposal-list article[data-status="open"]').screenshot({ path: join(OUTPUT, 'governance-deadline-auckland.png') });
    console.log(`  deadline ${shown.expiresAtIso}: here (${zone}) "${dateIn('en-GB', zone)}"; in Auckland, de-DE "${words}"`);
    await away.close();
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUTPUT, 'console-proposal.png') });
    await card.screenshot({ path: join(OUTPUT, 'governance-deadline.png') });

    // The Tax Office's admin signs in on the console, where the votes waiting for the organisation are, and votes yes: the change executes.
    await page.goto(pageUrl);
    await page.locator('#orgs-table tr[data-org="tax-office"]').waitFor();
    await useKey(files.taxAdmin);
    assert.equal((await page.locator('#signed-in-as').textContent())!, 'Signed in as an admin of Tax Office');
    const open = page.locator('#proposal-list article[data-status="open"]');
    assert.ok(await open.locator('[data-vote="yes"]').isEnabled());
    await open.locator('[data-vote="yes"]').click();
    result = await outcomeOf('vote-outcome');
    assert.equal(result.outcome, 'executed', result.text);
    const tax = (await api('/v1/orgs')).organisations.find((o: { id: string }) => o.id === 'tax-office');
    assert.deepEqual(tax.permissions, ['notary', 'evidence']);
    assertNoProblems();
  });

  it('an operation waits for a second admin, who approves it', async () => {
    // Signed in as the Tax Office's admin: two admins, both must approve.
    await page.click('.more-forms > summary');
    await page.fill('#admins-keys', `${taxAdmin.publicKey}\n${taxAdmin2.publicKey}`);
    await page.fill('#admins-consents', consentText('tax-office', 'admin', taxAdmin2));
    await page.fill('#admins-threshold', '2');
    await page.click('#admins-form button[type="submit"]');
    assert.equal((await outcomeOf('admins-outcome')).outcome, 'done');

    const clerk = generateKeyPair();
    await page.fill('#register-key', clerk.publicKey);
    await page.fill('#register-consent', consentText('tax-office', 'official', clerk));
    await page.check('#register-role-issuer');
    await page.click('#register-form button[type="submit"]');
    let result = await outcomeOf('register-outcome');
    assert.equal(result.outcome, 'waiting', result.text);
    assert.match(result.text, /Waiting for admin approvals: 1 of 2 so far/);
    const row = page.locator('#pending-table tbody tr[data-op]');
    await row.waitFor();
    assert.match((await row.textContent())!, /Register official.*as issuer.*1 of 2.*You approved/s);

    await forgetKey();
    await useKey(files.taxAdmin2);
    await page.locator('#signed-in-as', { hasText: 'Tax Office' }).waitFor();
    await page.locator('#pending-table button', { hasText: 'Approve' }).click();
    result = await outcomeOf('approve-outcome');
    assert.equal(result.outcome, 'done', result.text);
    await page.locator(`#officials-table tr[data-key="${clerk.publicKey}"]`).waitFor();
    assert.deepEqual((await api(`/v1/members/${clerk.publicKey}`)).roles, ['issuer']);
    assertNoProblems();
  });

  it('edits the validator set from the set in force; the chain says why it refuses', async () => {
    await openGovernance(files.taxAdmin2);
    await page.selectOption('#change-type', 'setValidators');
    const row = page.locator(`#validators-table tr[data-key="${tn.genesis.validators[0]!.pubKey}"]`);
    await row.waitFor();
    assert.equal(await row.locator('input[type="number"]').inputValue(), '1', 'the current power is filled in');
    // Nothing changed: caught before signing.
    await page.click('#propose-form button[type="submit"]');
    assert.equal((await outcomeOf('propose-outcome')).outcome, 'invalid');
    assert.match((await page.locator('#validators-error').textContent())!, /A validator set needs at least 2 validators; this one has 1/);
    // A node key no organisation lists: the chain refuses the proposal.
    await page.fill('#val-name', 'Tax Office node');
    await page.fill('#val-key', generateKeyPair().publicKey);
    await page.click('#propose-form button[type="submit"]');
    const result = await outcomeOf('propose-outcome');
    assert.equal(result.outcome, 'refused', result.text);
    assert.equal(result.code, 'GOV_INVALID');
    assert.match(result.text, /runs a node key no active organisation lists/);
    await page.locator('#propose-panel').screenshot({ path: join(OUTPUT, 'console-validators.png') });
    assertNoProblems();
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(pageUrl);
    await page.locator('#orgs-table').waitFor();
    await useKey(adminKeyFile);
    await page.locator('#signed-in-as').waitFor();
    await page.locator('#proposals #gov-summary').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (overflow ${overflow}px)`);
    await page.screenshot({ path: join(OUTPUT, 'console-phone.png'), fullPage: true });
    await page.goto(governanceUrl);
    await page.locator('#proposal-list').waitFor();
    const governanceOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(governanceOverflow <= 0, `no sideways scrolling on a phone (overflow ${governanceOverflow}px)`);
    await page.screenshot({ path: join(OUTPUT, 'governance-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    assertNoProblems();
  });

  it('never sent the secret keys anywhere', () => {
    assert.match(createdSecret, /^[0-9a-f]{64}$/, 'a key was made in the browser');
    for (const secret of [adminKey.secretKey, taxAdmin.secretKey, taxAdmin2.secretKey, createdSecret]) {
      assert.ok(!sent.some((s) => s.toLowerCase().includes(secret)), 'no request carries a secret key');
    }
    assert.ok(sent.some((s) => s.includes('/v1/tx?wait=commit')), 'the page did send transactions (the check above saw them)');
  });
});
