/**
 * Every page of the web app in headless Chromium, against a real node with
 * something on every page: a document anchored, a DID, an official, a
 * governance decision, recorded evidence.
 *
 * Each page — and its states a person meets: a verified document, an admin
 * signed in, a form that caught a mistake, a DID resolved or refused — is
 * checked with axe-core at desktop (1280×900) and phone (390×844) widths and
 * must have no serious or critical violation; on a phone nothing may scroll
 * sideways. Screenshots go to test-output/pages/. A negative control plants
 * a violation and shows axe catching it.
 *
 * The second suite checks that the validators page and the evidence page
 * verify in the browser what they show: a chain whose validator set was
 * handed over once (its certificate signed by the outgoing validators), and
 * a recorded equivocation — then the same with one signature forged.
 *
 * The console-error and failed-request watcher (test/browser.ts) runs
 * throughout: any console error, page error, CSP violation or failed
 * request fails the test.
 */
import { signConsent } from '../src/services/org/consent-sign.js';
import { signConsent as signSharingConsent } from '../src/services/sharing/consent-sign.js';
import { subjectKeyPair } from '../src/services/sharing/pseudonym.js';
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { generateKeyPair, signBytes, type KeyPair } from '../src/crypto/ed25519.js';
import { blockHash, precommitSignBytes, type BlockHeader, type CommitCertificate } from '../src/ledger/block.js';
import { DEFAULT_PARAMS, validatorSetHash, type Genesis, type Validator } from '../src/ledger/genesis.js';
import { signTx } from '../src/ledger/sign.js';
import { voteSignBytes } from '../src/ledger/votes.js';
import { adminKeyPath, nodeKeyPath } from '../src/node/data-dir.js';
import { registerStatic, webPagesOf } from '../src/api/static.js';
import { SERVICES } from '../src/services/index.js';
import { didPolityFromKey } from '../src/services/did/method.js';
import { didKeyFromPublicKey } from '../src/crypto/multikey.js';
import { anchorTx, startTestNode, type TestNode } from './helpers.js';
import { axeViolations, browserSuite, DESKTOP, focusedId, openBrowser, PHONE, watchPage, type AxeViolation } from './browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUTPUT = join(ROOT, 'test-output', 'pages');
const WAIT_MS = 15_000;
const sha256Hex = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** One state of a page a person meets: where it is, how to get there, and what shows it is ready. */
interface PageState {
  name: string;
  path: string;
  ready: string;
  /** What a person does after the page loads (load a key, add files, submit a form). */
  act?: (page: Page) => Promise<void>;
}

const describeViolations = (found: { state: string; width: number; v: AxeViolation }[]): string =>
  found.map(({ state, width, v }) => `${state} at ${width}px: ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(', ')}`).join('\n');

browserSuite('every page passes axe-core at desktop and phone widths', () => {
  let tn: TestNode;
  let base: string;
  let browser: Browser;
  let page: Page;
  let problems: string[] = [];
  const files = {} as Record<'doc' | 'receipt' | 'adminKey' | 'pseudonymKey', string>;
  const states: PageState[] = [];

  const api = async (path: string, body?: unknown): Promise<any> => {
    const response = await fetch(base + path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = await response.json();
    assert.ok(response.ok, `${path}: ${JSON.stringify(json)}`);
    return json;
  };
  const commit = async (key: KeyPair, module: string, action: string, args: Record<string, unknown>) => {
    const { nonce } = await api(`/v1/accounts/${key.publicKey}`);
    const tx = signTx({ v: 1, chainId: tn.genesis.chainId, module, action, args: args as never, signer: key.publicKey, nonce }, key.secretKey);
    const done = await api('/v1/tx?wait=commit', tx);
    assert.equal(done.result?.code, 'OK', JSON.stringify(done));
    return done as { txId: string; height: number };
  };
  const useAdminKey = async (p: Page) => {
    await p.setInputFiles('#key-input', files.adminKey);
    await p.locator('#signed-in-as').waitFor();
  };

  before(async () => {
    await mkdir(OUTPUT, { recursive: true });
    tn = await startTestNode({ listen: true });
    base = `http://127.0.0.1:${(tn.app.server.address() as AddressInfo).port}`;
    files.adminKey = adminKeyPath(tn.dir);
    const admin: KeyPair = JSON.parse(await readFile(files.adminKey, 'utf8'));
    const nodeKey: KeyPair = JSON.parse(await readFile(nodeKeyPath(tn.dir), 'utf8'));

    // A document anchored with a signed transaction, and its receipt.
    const docBytes = new TextEncoder().encode('Register of births, page 12.\n');
    const hash = sha256Hex(docBytes);
    files.doc = join(tn.dir, 'births.txt');
    await writeFile(files.doc, docBytes);
    const anchored = await api('/v1/tx?wait=commit', anchorTx(tn.genesis, generateKeyPair(), 0, hash, { args: { hash, meta: { docType: 'register' } } }));
    files.receipt = join(tn.dir, 'births.txt.receipt.json');
    await writeFile(files.receipt, JSON.stringify(await api(`/v1/notary/receipts/${hash}`)));

    // A DID, an official, a governance decision, and recorded evidence.
    const holder = generateKeyPair();
    await commit(holder, 'did', 'create', { services: [{ id: 'inbox', type: 'DIDCommMessaging', serviceEndpoint: 'https://msg.example.gov/inbox' }] });
    const did = didPolityFromKey(tn.genesis.chainId, holder.publicKey);
    const official = generateKeyPair();
    const consent = signConsent({ chainId: tn.genesis.chainId, org: 'local-department', use: 'official', publicKey: official.publicKey, secretKey: official.secretKey }).signature;
    await commit(admin, 'org', 'propose', { org: 'local-department', op: { type: 'registerOfficial', key: official.publicKey, roles: ['registrar'], consent } });
    await commit(admin, 'gov', 'propose', { change: { type: 'setParameter', name: 'votingSeconds', value: 5000 } });
    const vote = (blockHashValue: string | null) => {
      const body = { type: 'prevote' as const, chainId: tn.genesis.chainId, height: 2, round: 0, blockHash: blockHashValue, time: tn.genesis.genesisTime + 10 };
      return { ...body, validator: nodeKey.publicKey, sig: signBytes(nodeKey.secretKey, voteSignBytes(body)) };
    };
    await commit(generateKeyPair(), 'evidence', 'submit', { first: vote(sha256Hex('a')), second: vote(null) });
    // An invoice: the department's invoicer issues it to a person known by a did:key, who acknowledges it.
    const invoicer = generateKeyPair();
    const buyer = generateKeyPair();
    const invoicerConsent = signConsent({ chainId: tn.genesis.chainId, org: 'local-department', use: 'official', publicKey: invoicer.publicKey, secretKey: invoicer.secretKey }).signature;
    await commit(admin, 'org', 'propose', { org: 'local-department', op: { type: 'registerOfficial', key: invoicer.publicKey, roles: ['invoicer'], consent: invoicerConsent } });
    await commit(invoicer, 'invoices', 'issue', { number: 'PG-0001', buyer: didKeyFromPublicKey(buyer.publicKey), amount: 12_550, currency: 'EUR', date: '2026-12-04', documentHash: sha256Hex('invoice PG-0001') });
    await commit(buyer, 'invoices', 'acknowledge', { seller: 'local-department', number: 'PG-0001' });
    // Data sharing: a data-steward publishes a dataset; a citizen's pseudonym consents; the steward's read is in the citizen's log.
    const steward = generateKeyPair();
    const stewardConsent = signConsent({ chainId: tn.genesis.chainId, org: 'local-department', use: 'official', publicKey: steward.publicKey, secretKey: steward.secretKey }).signature;
    await commit(admin, 'org', 'propose', { org: 'local-department', op: { type: 'registerOfficial', key: steward.publicKey, roles: ['data-steward'], consent: stewardConsent } });
    await commit(steward, 'sharing', 'defineDataset', { name: 'residents', title: 'Resident register', fields: [{ name: 'name', sensitivity: 'personal' }, { name: 'address', sensitivity: 'personal' }], sensitivity: 'personal', legalBasis: 'Population Register Act §3', terms: [{ recipient: '*', legalBasis: 'Courts Act §9', fields: ['address'], approval: 'manual' }], retentionDays: 3650 });
    const pseudonymKey = subjectKeyPair(new Uint8Array(32).fill(7), tn.genesis.chainId, 'local-department', 'residents');
    const subject = didKeyFromPublicKey(pseudonymKey.publicKey);
    files.pseudonymKey = join(tn.dir, 'pseudonym-key.json');
    await writeFile(files.pseudonymKey, JSON.stringify(pseudonymKey));
    const sharingConsent = { type: 'polity-sharing-consent' as const, v: 1 as const, chainId: tn.genesis.chainId, id: sha256Hex('consent 1'), subject, holder: 'local-department', dataset: 'residents', fields: ['address'], recipient: 'local-department', purpose: 'correct my address', until: Date.now() + 86_400_000 };
    await commit(pseudonymKey, 'sharing', 'grantConsent', { consent: sharingConsent, signature: signSharingConsent(sharingConsent, pseudonymKey.secretKey) });
    await commit(steward, 'sharing', 'logAccess', { dataset: 'residents', fields: ['address'], subject, purpose: 'correct an address', legalBasis: 'Population Register Act §3', channel: 'console' });

    states.push(
      { name: 'explorer', path: '/', ready: '#blocks-table tbody tr' },
      { name: 'block', path: `/explorer#/block/${anchored.height}`, ready: '#certificate .check-ok' },
      { name: 'transaction', path: `/explorer#/tx/${anchored.txId}`, ready: 'pre.code' },
      { name: 'document', path: `/explorer#/doc/${hash}`, ready: '#doc-status' },
      { name: 'verify', path: '/verify', ready: '#genesis-summary:has-text("chain")' },
      { name: 'wallet', path: '/wallet', ready: '#create-wallet' },
      {
        name: 'verify-verified',
        path: '/verify',
        ready: '#verify-result[data-status="verified"]',
        act: async (p) => {
          await p.setInputFiles('#doc-input', files.doc);
          await p.setInputFiles('#receipt-input', files.receipt);
        },
      },
      { name: 'console', path: '/console', ready: '#officials-table tbody tr[data-key]' },
      { name: 'console-admin', path: '/console', ready: '#register-form fieldset:not([disabled])', act: useAdminKey },
      {
        name: 'console-invalid',
        path: '/console',
        ready: '#register-outcome[data-outcome="invalid"]',
        act: async (p) => {
          await useAdminKey(p);
          await p.fill('#register-key', 'not a key');
          await p.click('#register-form button[type="submit"]');
        },
      },
      { name: 'governance', path: '/governance', ready: '#proposal-list article' },
      { name: 'governance-admin', path: '/governance', ready: '#propose-form fieldset:not([disabled])', act: useAdminKey },
      { name: 'did', path: '/did', ready: '#did-input' },
      { name: 'did-resolved', path: `/did?did=${encodeURIComponent(did)}`, ready: '#history-table' },
      {
        name: 'did-invalid',
        path: '/did',
        ready: '#form-message.search-message-error',
        act: async (p) => {
          await p.fill('#did-input', 'hello');
          await p.press('#did-input', 'Enter');
        },
      },
      { name: 'validators', path: '/validators', ready: '#current-table' },
      { name: 'evidence', path: '/evidence', ready: '#evidence-table .badge' },
      { name: 'credentials', path: '/credentials', ready: '#dropzone' },
      {
        name: 'credentials-invalid',
        path: '/credentials',
        ready: '#verdict',
        act: async (p) => {
          await p.fill('#credential-text', 'this is not a credential');
          await p.click('#check');
        },
      },
      { name: 'invoices', path: '/invoices', ready: '#lookup-form' },
      { name: 'sharing', path: '/sharing', ready: '#subject-form' },
      { name: 'sharing-log', path: `/sharing?subject=${encodeURIComponent(subject)}`, ready: '#access-table tbody tr[data-entry]' },
      { name: 'sharing-key', path: '/sharing', ready: '#grant-form', act: async (p) => p.setInputFiles('#key-input', files.pseudonymKey) },
      {
        // Signed in Chromium with WebCrypto, checked by the module: the page and the chain agree on the bytes a consent signature covers.
        name: 'sharing-granted',
        path: '/sharing',
        ready: '#sharing-outcome[data-outcome="done"]',
        act: async (p) => {
          await p.setInputFiles('#key-input', files.pseudonymKey);
          await p.locator('#grant-dataset option').first().waitFor({ state: 'attached' });
          await p.fill('#grant-fields', 'address');
          await p.fill('#grant-recipient', 'local-department');
          await p.fill('#grant-purpose', 'correct my address');
          await p.click('#grant');
        },
      },
      {
        name: 'sharing-invalid',
        path: '/sharing',
        ready: '#sharing-problem',
        act: async (p) => {
          await p.fill('#subject-input', 'hello');
          await p.click('#show-log');
        },
      },
      { name: 'data-sharing', path: '/data-sharing?org=local-department', ready: '#datasets-table tbody tr' },
      { name: 'invoices-found', path: '/invoices?seller=local-department&number=PG-0001', ready: '#lifecycle-table tbody tr' },
      {
        name: 'invoices-invalid',
        path: '/invoices',
        ready: '#invoice-result',
        act: async (p) => {
          await p.fill('#seller-input', 'local-department');
          await p.fill('#number-input', 'no/such');
          await p.click('#lookup');
        },
      },
    );

    ({ browser, page } = await openBrowser({ timeoutMs: WAIT_MS }));
    watchPage(page, (line) => problems.push(line), { ignoreAbortedReads: true });
  });

  after(async () => {
    await browser?.close();
    await tn?.close();
  });

  it('axe catches a planted violation (negative control)', async () => {
    await page.goto(`${base}/verify`);
    await page.locator('#doc-input').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'the page is clean before the fault is planted');
    await page.evaluate(() => {
      const img = document.createElement('img');
      img.src = '/web/favicon.svg';
      document.querySelector('main')!.append(img);
      document.getElementById('doc-input')!.removeAttribute('id');
    });
    const ids = (await axeViolations(page)).map((v) => v.id).sort();
    assert.ok(ids.includes('image-alt'), `an image without alt text is caught (${ids.join(', ')})`);
    assert.ok(ids.includes('label'), `a file input that lost its label is caught (${ids.join(', ')})`);
    problems = [];
  });

  for (const width of [DESKTOP, PHONE]) {
    it(`no serious or critical violation on any page at ${width.width}px`, async () => {
      await page.setViewportSize(width);
      const found: { state: string; width: number; v: AxeViolation }[] = [];
      const counts: string[] = [];
      for (const state of states) {
        await page.goto(base + state.path);
        await state.act?.(page);
        await page.locator(state.ready).first().waitFor();
        const violations = await axeViolations(page);
        found.push(...violations.map((v) => ({ state: state.name, width: width.width, v })));
        counts.push(`${state.name}: ${violations.length}`);
        await page.screenshot({ path: join(OUTPUT, `${state.name}-${width.width}.png`), fullPage: true });
        if (width === PHONE) {
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 0, `${state.name}: no sideways scrolling on a phone (overflow ${overflow}px)`);
        }
      }
      console.log(`axe at ${width.width}px, serious or critical violations per page state: ${counts.join(', ')}`);
      assert.equal(found.length, 0, describeViolations(found));
      assert.deepEqual(problems, [], 'the pages logged errors or had failed requests');
    });
  }
});

// --- the validators and evidence pages check what they show ------------------------------------

/** A header of block `height` signed by `signers` (all of the outgoing set), handing over to `next`. */
function handover(chainId: string, height: number, outgoing: { v: Validator; key: KeyPair }[], next: Validator[], forge: boolean) {
  const header: BlockHeader = {
    v: 1,
    chainId,
    height,
    time: 1_740_830_400_000 + height * 1000,
    prevHash: sha256Hex(`block ${height - 1}`),
    txRoot: sha256Hex('txs'),
    txCount: 0,
    resultsRoot: sha256Hex('results'),
    stateRoot: sha256Hex('state'),
    historyRoot: sha256Hex('history'),
    validatorSetHash: validatorSetHash(outgoing.map((o) => o.v)),
    nextValidatorSetHash: validatorSetHash(next),
    proposer: outgoing[0]!.v.pubKey,
  };
  const hash = blockHash(header);
  const signatures = outgoing.map((o, i) => {
    const time = header.time + 1;
    const sig = signBytes(o.key.secretKey, precommitSignBytes({ type: 'precommit', chainId, height, round: 0, blockHash: hash, time }));
    return { validator: o.v.pubKey, time, sig: forge && i === 0 ? (sig[0] === '0' ? '1' : '0') + sig.slice(1) : sig };
  });
  const certificate: CommitCertificate = { height, round: 0, blockHash: hash, signatures };
  return { since: height + 1, validators: next, header, certificate };
}

browserSuite('the validators and evidence pages verify what they show, in Chromium', () => {
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let page: Page;
  let problems: string[] = [];
  let forge = false;
  const chainId = 'polity-local';
  const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const names = ['Civil Registry', 'Tax Office', 'Land Registry', 'Treasury'];
  const members = keys.map((key, i) => ({ key, v: { name: names[i]!, pubKey: key.publicKey, power: 1 } }));
  const genesisSet = members.slice(0, 3);
  const nextSet = [members[0]!.v, members[1]!.v, members[3]!.v];
  const changeId = sha256Hex('a change of the validator set');
  /** The deadline of that change: a time (rules version 2). */
  const CHANGE_EXPIRES_MS = Date.UTC(2026, 11, 12, 14, 3, 30);
  const genesis: Genesis = { v: 1, chainId, genesisTime: 1_740_830_400_000, validators: genesisSet.map((m) => m.v), params: DEFAULT_PARAMS };

  const evidenceRecord = () => {
    const k = members[1]!.key;
    const vote = (blockHashValue: string | null) => {
      const body = { type: 'precommit' as const, chainId, height: 7, round: 1, blockHash: blockHashValue, time: genesis.genesisTime + 7000 };
      return { ...body, validator: k.publicKey, sig: signBytes(k.secretKey, voteSignBytes(body)) };
    };
    const second = vote(null);
    if (forge) second.sig = (second.sig[0] === '0' ? '1' : '0') + second.sig.slice(1);
    return { validator: k.publicKey, height: 7, round: 1, type: 'precommit', first: vote(sha256Hex('block 7')), second, reportedBy: members[0]!.v.pubKey, recordedAt: 9 };
  };

  before(async () => {
    await mkdir(OUTPUT, { recursive: true });
    app = Fastify({ logger: false });
    app.get('/v1/status', async () => ({ chainId, height: 40, consensus: 'bft', validators: nextSet, peers: [], mempoolTxs: 0, notaryPendingHashes: 0 }));
    app.get('/v1/genesis', async () => genesis);
    app.get('/v1/orgs', async () => ({ height: 40, organisations: [], governance: null }));
    app.get('/v1/gov/proposals', async () => ({ height: 40, proposals: [], total: 0 }));
    app.get('/v1/validator-sets', async () => ({ height: 40, current: { since: 21, validators: nextSet }, scheduled: [], handovers: [handover(chainId, 20, genesisSet, nextSet, forge)] }));
    app.get('/v1/evidence', async () => ({ evidence: [evidenceRecord()], total: 1 }));
    app.get('/v1/validators/changes/:id', async (request, reply) => {
      const { id } = request.params as { id: string };
      if (id !== changeId) return reply.status(404).send({ code: 'VALIDATORS_CHANGE_UNKNOWN', message: 'no pending change of the validator set has this id' });
      return { id, validators: [...nextSet, members[2]!.v], proposer: members[0]!.v.pubKey, approvals: [members[0]!.v.pubKey], approvedPower: 1, totalPower: 3, proposedAt: 30, proposedAtMs: CHANGE_EXPIRES_MS - 604_800_000, proposedAtIso: new Date(CHANGE_EXPIRES_MS - 604_800_000).toISOString(), expiresAtMs: CHANGE_EXPIRES_MS, expiresAtIso: new Date(CHANGE_EXPIRES_MS).toISOString() };
    });
    await registerStatic(app, { pages: webPagesOf(SERVICES) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    ({ browser, page } = await openBrowser({ timeoutMs: WAIT_MS }));
    watchPage(page, (line) => problems.push(line));
  });

  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('the validators page follows the handover from the genesis set and checks its certificate', async () => {
    forge = false;
    await page.goto(`${base}/validators`);
    await page.locator('#handovers-checked').waitFor();
    assert.match((await page.locator('#handovers-checked').textContent())!, /each of the 1 handover was signed by more than two thirds of the outgoing set/);
    assert.match((await page.locator('#handovers-table tbody tr').first().textContent())!, /21.*20.*Civil Registry \(1\), Tax Office \(1\), Treasury \(1\)\s*Valid$/s);
    assert.match((await page.locator('#current-table').textContent())!, /Treasury/);
    await page.screenshot({ path: join(OUTPUT, 'validators-handover.png'), fullPage: true });

    // Negative control: one signature of the handover forged.
    forge = true;
    await page.reload();
    await page.locator('.check-error', { hasText: 'The handover at block 20 does not hold' }).waitFor();
    assert.match((await page.locator('#handovers-table tbody tr').first().textContent())!, /Invalid/);
    assert.deepEqual(problems, []);
  });

  it('the validators page looks a change up by its id, and says what is wrong with an id', async () => {
    forge = false;
    await page.goto(`${base}/validators`);
    await page.fill('#change-id', 'abc');
    await page.click('#change-form button[type="submit"]');
    await page.locator('#change-id-error', { hasText: 'Expected 64 hex digits, got 3.' }).waitFor();
    assert.equal(await page.getAttribute('#change-id', 'aria-invalid'), 'true');
    assert.equal(await focusedId(page, 'change-id'), 'change-id', 'focus goes to the field in error');
    await page.fill('#change-id', changeId);
    await page.click('#change-form button[type="submit"]');
    await page.locator('#change-result', { hasText: 'holding 1 of 3 voting power' }).waitFor();
    assert.match((await page.locator('#change-result').textContent())!, /Civil Registry \(1\), Tax Office \(1\), Treasury \(1\), Land Registry \(1\)/);
    // A deadline in block time shows as a date, not a block.
    assert.match((await page.locator('#change-result').textContent())!, /Open until/);
    assert.equal(await page.getAttribute('#change-result time', 'datetime'), new Date(CHANGE_EXPIRES_MS).toISOString());
    assert.deepEqual(problems, []);
    const unknown = sha256Hex('no such change');
    await page.fill('#change-id', unknown);
    await page.click('#change-form button[type="submit"]');
    await page.locator('#change-result', { hasText: 'No change with this id is waiting' }).waitFor();
    assert.deepEqual(problems.sort(), [`HTTP 404: ${base}/v1/validators/changes/${unknown}`, 'console: Failed to load resource: the server responded with a status of 404 (Not Found)'].sort(), 'only the expected 404');
    problems = [];
  });

  it('the evidence page checks both signatures of a recorded equivocation', async () => {
    forge = false;
    await page.goto(`${base}/evidence`);
    const row = page.locator('#evidence-table tbody tr').first();
    await row.locator('.badge', { hasText: /^Valid$/ }).waitFor();
    assert.match((await row.textContent())!, /Tax Office.*7.*two different precommits.*9/s);

    // Negative control: the second signature forged.
    forge = true;
    await page.reload();
    await page.locator('#evidence-table tbody tr .badge', { hasText: 'Invalid' }).waitFor();
    assert.deepEqual(problems, []);
  });
});
