/**
 * Browser test of the web pages (explorer, verify a document) in headless
 * Chromium, against a real node started in-process on a loopback port.
 *
 * The node anchors two documents — one through an aggregated batch, one with
 * a signed notary.anchor transaction — and the test then drives the pages:
 * the explorer shows the latest blocks, a block with its certificate, a
 * document and a transaction; the verify page accepts the right file and
 * receipt, and rejects a file changed by one byte, a receipt whose header
 * was edited and one whose signature was. Any console error, page error or
 * failed request fails the test. Screenshots go to test-output/.
 *
 * Needs Chromium at /usr/bin/chromium (Debian's `chromium` package). Without
 * it the test is skipped, except in CI (CI set), where it fails.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { initDataDir, genesisPath } from '../src/node/data-dir.js';
import { createNode, type PolityNode } from '../src/node/node.js';
import { createLogger } from '../src/node/log.js';
import { createApi } from '../src/api/server.js';
import { SERVICES } from '../src/services/index.js';
import { signTx } from '../src/ledger/sign.js';
import { generateKeyPair, signBytes } from '../src/crypto/ed25519.js';
import { voteSignBytes } from '../src/ledger/votes.js';
import { browserSuite, openBrowser, watchPage } from './browser.js';
import { signedFetch } from '../src/sdk/http-auth.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUTPUT = join(ROOT, 'test-output');
const WAIT_MS = 10_000;

const sha256Hex = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

browserSuite('web pages in Chromium', () => {
  let dir: string;
  let node: PolityNode;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Console errors, page errors and failed requests seen since the last check. */
  let problems: string[] = [];

  const files = {} as Record<'signedDoc' | 'signedReceipt' | 'batchDoc' | 'batchReceipt' | 'changedDoc' | 'tamperedReceipt' | 'forgedReceipt' | 'doubledReceipt' | 'nullEntryReceipt' | 'hugeRoundReceipt' | 'zeroTxSigReceipt' | 'genesis', string>;
  let signedHash: string;
  let validatorSecret: string;
  let adminKey: { publicKey: string; secretKey: string };
  let signedHeight: number;
  let batchHeight: number;

  const requester = generateKeyPair();
  /** Every request is signed (RFC 9421), as a client of the batch endpoint must. */
  const api = async (path: string, init?: RequestInit): Promise<{ status: number; body: any }> => {
    const response = await signedFetch(base + path, init, { keyId: requester.publicKey, secretKey: requester.secretKey });
    return { status: response.status, body: await response.json() };
  };

  const waitForReceipt = async (hash: string): Promise<any> => {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const { status, body } = await api(`/v1/notary/receipts/${hash}`);
      if (status === 200) return body;
      if (Date.now() > deadline) assert.fail(`no receipt for ${hash} after ${WAIT_MS} ms (last answer ${status} ${body.code})`);
      await sleep(50);
    }
  };

  const assertNoProblems = () => {
    const seen = problems;
    problems = [];
    assert.deepEqual(seen, [], 'the page logged errors or had failed requests');
  };

  // A GET the browser cancels because the test moved on is no fault of the page: the verify page names a
  // receipt's signer with two reads after the result shows, and the next check navigates at once.
  const watch = (p: Page) => watchPage(p, (line) => problems.push(line), { ignoreAbortedReads: true });

  before(async () => {
    await mkdir(OUTPUT, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), 'polity-web-'));
    const data = await initDataDir(join(dir, 'data'), { organisation: 'Civil Registry' });
    adminKey = data.adminKey!;
    validatorSecret = data.nodeKey.secretKey;
    node = await createNode({ dataDir: data.path, genesis: data.genesis, nodeSecretKey: data.nodeKey.secretKey, services: SERVICES, log: createLogger('silent'), blockIntervalMs: 50 });
    app = await createApi(node, { services: SERVICES });
    await app.listen({ port: 0, host: '127.0.0.1' });
    await node.start();
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    files.genesis = genesisPath(data.path);

    // Two documents: one anchored in an aggregated batch, one with a signed transaction.
    const batchBytes = new TextEncoder().encode('Minutes of the municipal council, 3 March 2025.\nItem 1: budget approved.\n');
    const signedBytes = new TextEncoder().encode('BUILDING PERMIT No. 2025-0142\nParcel 17/4, Riverside. Approved by the planning office.\n');
    files.batchDoc = join(dir, 'council-minutes.txt');
    files.signedDoc = join(dir, 'building-permit.txt');
    files.changedDoc = join(dir, 'building-permit (edited).txt');
    await writeFile(files.batchDoc, batchBytes);
    await writeFile(files.signedDoc, signedBytes);
    const changed = Uint8Array.from(signedBytes);
    changed[28] = changed[28]! ^ 0x01; // one byte: "0142" becomes "0143"
    await writeFile(files.changedDoc, changed);

    const batchHash = sha256Hex(batchBytes);
    signedHash = sha256Hex(signedBytes);

    const batch = await api('/v1/notary/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hashes: [batchHash] }) });
    assert.equal(batch.status, 202, JSON.stringify(batch.body));

    const official = generateKeyPair();
    const tx = signTx(
      { v: 1, chainId: data.genesis.chainId, module: 'notary', action: 'anchor', args: { hash: signedHash, meta: { docType: 'permit' } }, signer: official.publicKey, nonce: 0 },
      official.secretKey,
    );
    const committed = await api('/v1/tx?wait=commit', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx) });
    assert.equal(committed.status, 200, JSON.stringify(committed.body));
    assert.equal(committed.body.result.code, 'OK');

    const signedReceipt = await waitForReceipt(signedHash);
    const batchReceipt = await waitForReceipt(batchHash);
    signedHeight = signedReceipt.header.height;
    batchHeight = batchReceipt.header.height;
    assert.equal(batchReceipt.batch?.size, 1, 'the batch document is anchored through a batch');

    files.signedReceipt = join(dir, 'building-permit.txt.receipt.json');
    files.batchReceipt = join(dir, 'council-minutes.txt.receipt.json');
    files.tamperedReceipt = join(dir, 'tampered.receipt.json');
    files.forgedReceipt = join(dir, 'forged.receipt.json');
    await writeFile(files.signedReceipt, JSON.stringify(signedReceipt, null, 2));
    await writeFile(files.batchReceipt, JSON.stringify(batchReceipt, null, 2));
    // Edited header: the block time moved by one millisecond.
    await writeFile(files.tamperedReceipt, JSON.stringify({ ...signedReceipt, header: { ...signedReceipt.header, time: signedReceipt.header.time + 1 } }));
    // Forged signature: the header is intact, the validator's signature is not.
    const sig: string = signedReceipt.certificate.signatures[0].sig;
    const forgedSig = (sig[0] === '0' ? '1' : '0') + sig.slice(1);
    const forged = { ...signedReceipt, certificate: { ...signedReceipt.certificate, signatures: [{ ...signedReceipt.certificate.signatures[0], sig: forgedSig }] } };
    await writeFile(files.forgedReceipt, JSON.stringify(forged));
    // A certificate listing the same validator twice: malformed even though each signature is valid.
    files.doubledReceipt = join(dir, 'doubled.receipt.json');
    const sigs = signedReceipt.certificate.signatures;
    await writeFile(files.doubledReceipt, JSON.stringify({ ...signedReceipt, certificate: { ...signedReceipt.certificate, signatures: [...sigs, sigs[0]] } }));
    // Malformed: a null signature entry, and a round of 1e400 (Infinity once parsed).
    files.nullEntryReceipt = join(dir, 'null-entry.receipt.json');
    await writeFile(files.nullEntryReceipt, JSON.stringify({ ...signedReceipt, certificate: { ...signedReceipt.certificate, signatures: [null, ...sigs] } }));
    files.hugeRoundReceipt = join(dir, 'huge-round.receipt.json');
    await writeFile(files.hugeRoundReceipt, JSON.stringify(signedReceipt).replace(/"round":\d+/, '"round":1e400'));
    // The official's signature on the anchoring transaction replaced by zeros: block and certificate intact.
    files.zeroTxSigReceipt = join(dir, 'zero-tx-sig.receipt.json');
    await writeFile(files.zeroTxSigReceipt, JSON.stringify({ ...signedReceipt, tx: { ...signedReceipt.tx, sig: '00'.repeat(64) } }));

    ({ browser, context, page } = await openBrowser({ timeoutMs: WAIT_MS }));
    watch(page);
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await node?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('catches console errors (negative control)', async () => {
    await page.goto(`${base}/explorer`);
    await page.evaluate(() => console.error('planted error'));
    await sleep(50);
    assert.ok(problems.some((p) => p.includes('planted error')), 'a planted console error is caught');
    problems = [];
  });

  it('the evidence page lists equivocation recorded on the chain, checked in the browser', async () => {
    // The validator signed two different prevotes for one round: anyone may put that on the chain.
    const genesis = node.genesis;
    const vote = (blockHash: string | null) => {
      const body = { type: 'prevote' as const, chainId: genesis.chainId, height: 3, round: 0, blockHash, time: genesis.genesisTime + 10 };
      return { ...body, validator: genesis.validators[0]!.pubKey, sig: signBytes(validatorSecret, voteSignBytes(body)) };
    };
    const reporter = generateKeyPair();
    const tx = signTx(
      { v: 1, chainId: genesis.chainId, module: 'evidence', action: 'submit', args: { first: vote(sha256Hex('block a')), second: vote(null) }, signer: reporter.publicKey, nonce: 0 },
      reporter.secretKey,
    );
    const submitted = await api('/v1/tx?wait=commit', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx) });
    assert.equal(submitted.body.result?.code, 'OK', JSON.stringify(submitted.body));
    await page.goto(`${base}/`);
    await page.locator('#evidence-summary', { hasText: '1 equivocation recorded' }).waitFor();
    await page.click('#evidence-summary a');
    const row = page.locator('#evidence-table tbody tr').first();
    await row.waitFor();
    assert.match((await row.textContent())!, /Civil Registry.*two different prevotes/s);
    await row.locator('.badge', { hasText: /^Valid$/ }).waitFor();
    await page.locator('#evidence-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUTPUT, 'explorer-evidence.png'), fullPage: true });
    assertNoProblems();
  });

  it('explorer shows the latest blocks, with live updates', async () => {
    await page.goto(`${base}/`);
    const rows = page.locator('#blocks-table tbody tr');
    await rows.first().waitFor();
    assert.ok((await rows.count()) >= 1);
    const height = Number((await page.locator('#chain-height').textContent())!.replace(/\D/g, ''));
    assert.ok(height >= signedHeight, `header shows the height (${height})`);
    assert.match((await page.locator('#chain-id').textContent())!, /polity-local/);
    const firstRow = (await rows.first().textContent())!;
    assert.match(firstRow, /Civil Registry/, 'proposer is named');
    await page.screenshot({ path: join(OUTPUT, 'explorer.png'), fullPage: true });

    // A block committed while the page is open appears without a reload.
    const before = await rows.count();
    const hash = sha256Hex(`live update ${Date.now()}`);
    const queued = await api('/v1/notary/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hashes: [hash] }) });
    assert.equal(queued.status, 202);
    await page.waitForFunction((n) => document.querySelectorAll('#blocks-table tbody tr').length > n, before, { timeout: WAIT_MS });
    assertNoProblems();
  });

  it('explorer shows a block with its transactions and commit certificate', async () => {
    await page.goto(`${base}/explorer#/block/${signedHeight}`);
    await page.locator('h1', { hasText: `Block ${signedHeight}` }).waitFor();
    await page.locator('#certificate .check-ok').waitFor();
    assert.match((await page.locator('#quorum').textContent())!, /1 of 1\s+voting power signed/);
    const txs = (await page.locator('#txs-table').textContent())!;
    assert.match(txs, /notary\.anchor/);
    assert.match(txs, /OK/);
    assert.match((await page.locator('#signatures-table').textContent())!, /Civil Registry.*Valid/s);
    await page.screenshot({ path: join(OUTPUT, 'block.png'), fullPage: true });
    assertNoProblems();
  });

  it('explorer search finds a document hash, and links to its transaction', async () => {
    await page.goto(`${base}/explorer`);
    await page.fill('#search-input', signedHash);
    await page.press('#search-input', 'Enter');
    await page.locator('#doc-status').waitFor();
    assert.match((await page.locator('#doc-status').textContent())!, new RegExp(`Anchored in block ${signedHeight}`));
    assert.match((await page.locator('main').textContent())!, /docType\s*permit/);
    await page.screenshot({ path: join(OUTPUT, 'document.png'), fullPage: true });
    await page.locator('a[href^="#/tx/"]').click();
    await page.locator('h1', { hasText: 'Transaction' }).waitFor();
    await page.locator('pre.code').waitFor();
    assert.match((await page.locator('pre.code').textContent())!, /"action": "anchor"/);
    await page.screenshot({ path: join(OUTPUT, 'tx.png'), fullPage: true });
    // A height goes to the block page.
    await page.fill('#search-input', String(batchHeight));
    await page.press('#search-input', 'Enter');
    await page.locator('h1', { hasText: `Block ${batchHeight}` }).waitFor();
    assertNoProblems();

    // A hash nothing on the chain has: the page says so. The transaction and
    // block look-ups answer 404 on the way, and only those are expected.
    const unknown = sha256Hex('never anchored');
    await page.fill('#search-input', unknown);
    await page.press('#search-input', 'Enter');
    await page.locator('#search-message', { hasText: 'Nothing on this chain has this hash' }).waitFor();
    const lookups = [`HTTP 404: ${base}/v1/txs/${unknown}`, `HTTP 404: ${base}/v1/blocks/${unknown}`];
    const consoleNotFound = 'console: Failed to load resource: the server responded with a status of 404 (Not Found)';
    assert.deepEqual([...problems].sort(), [...lookups, consoleNotFound, consoleNotFound].sort(), 'only the two expected 404 look-ups');
    problems = [];
  });

  it('explorer names the signer of a document in words beside its key', async () => {
    const hash = sha256Hex(new TextEncoder().encode('A birth certificate extract signed by the registry admin.'));
    const nonce = ((await api(`/v1/accounts/${adminKey.publicKey}`)).body as { nonce: number }).nonce;
    const genesis = (await api('/v1/genesis')).body as { chainId: string };
    const tx = signTx({ v: 1, chainId: genesis.chainId, module: 'notary', action: 'anchor', args: { hash }, signer: adminKey.publicKey, nonce }, adminKey.secretKey);
    const committed = await api('/v1/tx?wait=commit', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx) });
    assert.equal(committed.status, 200, JSON.stringify(committed.body));
    await page.goto(`${base}/explorer#/doc/${hash}`);
    await page.locator('.signer-name', { hasText: 'Admin, Civil Registry' }).waitFor();
    // The verify page too, beside the key, once the receipt checked out.
    const doc = join(dir, 'extract.txt');
    await writeFile(doc, 'A birth certificate extract signed by the registry admin.');
    const receipt = join(dir, 'extract.txt.receipt.json');
    const r = await api(`/v1/notary/receipts/${hash}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await writeFile(receipt, JSON.stringify(r.body));
    const checked = await verify(doc, receipt);
    assert.equal(checked.status, 'verified', checked.text);
    await page.locator('#verify-result .signer-name', { hasText: 'Admin, Civil Registry' }).waitFor();
    assertNoProblems();
  });

  it('explorer search takes a DID to the DID page, resolving it there', async () => {
    const didKey = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp';
    await page.goto(`${base}/explorer`);
    await page.fill('#search-input', didKey);
    await page.press('#search-input', 'Enter');
    await page.waitForURL((url) => url.pathname === '/did' && url.searchParams.get('did') === didKey);
    await page.locator('main', { hasText: 'z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp' }).waitFor();
    // Another method: the explorer says so and stays.
    await page.goto(`${base}/explorer`);
    await page.fill('#search-input', 'did:web:example.gov');
    await page.press('#search-input', 'Enter');
    await page.locator('#search-message', { hasText: 'did:polity and did:key' }).waitFor();
    assertNoProblems();
  });

  it('explorer search finds documents by their reference: one opens it, several are listed, none says so', async () => {
    const genesis = (await api('/v1/genesis')).body as { chainId: string };
    const clerk = generateKeyPair();
    const anchored: string[] = [];
    for (const [i, [text, reference]] of [
      ['Decision on appeal, case 77/2025, part one.', 'CASE-77/2025'],
      ['Decision on appeal, case 77/2025, part two.', 'CASE-77/2025'],
      ['Zoning decision 2025-Z-9.', 'ZONING-2025-Z-9'],
    ].entries()) {
      const hash = sha256Hex(text!);
      anchored.push(hash);
      const tx = signTx({ v: 1, chainId: genesis.chainId, module: 'notary', action: 'anchor', args: { hash, meta: { docType: 'decision', reference: reference! } }, signer: clerk.publicKey, nonce: i }, clerk.secretKey);
      const committed = await api('/v1/tx?wait=commit', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx) });
      assert.equal(committed.status, 200, JSON.stringify(committed.body));
    }
    // One document: its page opens.
    await page.goto(`${base}/explorer`);
    await page.fill('#search-input', 'ZONING-2025-Z-9');
    await page.press('#search-input', 'Enter');
    await page.waitForFunction((h) => location.hash === h, `#/doc/${anchored[2]}`);
    await page.locator('#doc-status').waitFor();
    // Several: listed, newest first, each a link to its page.
    await page.fill('#search-input', 'CASE-77/2025');
    await page.press('#search-input', 'Enter');
    const links = page.locator('#search-results a');
    await links.nth(1).waitFor();
    assert.deepEqual(await links.evaluateAll((as) => as.map((a) => a.getAttribute('href'))), [`#/doc/${anchored[1]}`, `#/doc/${anchored[0]}`]);
    assert.match((await page.locator('#search-message').textContent())!, /2 documents have the reference CASE-77\/2025/);
    await page.screenshot({ path: join(OUTPUT, 'explorer-reference.png'), fullPage: true });
    await links.nth(1).click();
    await page.waitForFunction((h) => location.hash === h, `#/doc/${anchored[0]}`);
    await page.locator('#doc-status').waitFor();
    // None: said in plain words.
    await page.fill('#search-input', 'case-77/2025');
    await page.press('#search-input', 'Enter');
    await page.locator('#search-message', { hasText: 'No document on this chain has the reference case-77/2025' }).waitFor();
    assert.equal(await page.locator('#search-results a').count(), 0);
    assertNoProblems();
  });

  it('explorer fits a phone screen', async () => {
    const phone = await context.newPage();
    watch(phone);
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${base}/`);
    await phone.locator('#blocks-table tbody tr').first().waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (overflow ${overflow}px)`);
    await phone.screenshot({ path: join(OUTPUT, 'explorer-phone.png'), fullPage: false });
    await phone.goto(`${base}/explorer#/block/${signedHeight}`);
    await phone.locator('#certificate .check-ok').waitFor();
    assert.ok((await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0, 'block page fits a phone');
    await phone.screenshot({ path: join(OUTPUT, 'block-phone.png'), fullPage: true });
    await phone.close();
    assertNoProblems();
  });

  const verify = async (doc: string, receipt: string, genesis?: string): Promise<{ status: string | null; text: string }> => {
    await page.goto(`${base}/verify`);
    if (genesis) await page.setInputFiles('#genesis-input', genesis);
    await page.setInputFiles('#doc-input', doc);
    await page.setInputFiles('#receipt-input', receipt);
    const result = page.locator('#verify-result[data-status]');
    await result.waitFor();
    return { status: await result.getAttribute('data-status'), text: (await result.textContent())! };
  };

  it('verify page: the right file and receipt are verified', async () => {
    const signed = await verify(files.signedDoc, files.signedReceipt);
    assert.equal(signed.status, 'verified', signed.text);
    assert.match(signed.text, new RegExp(`Verified — anchored in block ${signedHeight} at `));
    assert.match(signed.text, /Signed transaction/);
    assert.match(signed.text, /docType\s*permit/);
    assert.match(signed.text, new RegExp(signedHash));
    assert.match((await page.locator('#privacy-note').textContent())!, /never leaves this computer/);
    await page.screenshot({ path: join(OUTPUT, 'verify-ok.png'), fullPage: true });

    const batched = await verify(files.batchDoc, files.batchReceipt);
    assert.equal(batched.status, 'verified', batched.text);
    assert.match(batched.text, new RegExp(`anchored in block ${batchHeight}`));
    assert.match(batched.text, /Aggregated batch/);
    assertNoProblems();
  });

  it('verify page: a genesis file can replace the node’s genesis', async () => {
    const withFile = await verify(files.signedDoc, files.signedReceipt, files.genesis);
    assert.equal(withFile.status, 'verified', withFile.text);
    assert.match(withFile.text, /the genesis file genesis\.json/);

    // Negative control: a genesis of another chain does not verify the receipt.
    const other = JSON.parse(await readFile(files.genesis, 'utf8'));
    other.chainId = 'another-chain';
    const otherPath = join(dir, 'other-genesis.json');
    await writeFile(otherPath, JSON.stringify(other));
    const withOther = await verify(files.signedDoc, files.signedReceipt, otherPath);
    assert.equal(withOther.status, 'failed', withOther.text);
    assert.match(withOther.text, /receipt is for chain "polity-local", not "another-chain"/i);
    assertNoProblems();
  });

  it('verify page: a file changed by one byte is not verified', async () => {
    const changed = await verify(files.changedDoc, files.signedReceipt);
    assert.equal(changed.status, 'failed', changed.text);
    assert.match(changed.text, /Not verified/);
    assert.match(changed.text, /the document does not match the receipt/i);
    assert.match(changed.text, /the file was changed/);
    await page.screenshot({ path: join(OUTPUT, 'verify-changed.png'), fullPage: true });
    assertNoProblems();
  });

  it('verify page: a receipt with an edited header, a forged signature, a malformed certificate or a zeroed transaction signature is not verified', async () => {
    const tampered = await verify(files.signedDoc, files.tamperedReceipt);
    assert.equal(tampered.status, 'failed', tampered.text);
    assert.match(tampered.text, /header was altered/);
    await page.screenshot({ path: join(OUTPUT, 'verify-tampered.png'), fullPage: true });

    const forged = await verify(files.signedDoc, files.forgedReceipt);
    assert.equal(forged.status, 'failed', forged.text);
    assert.match(forged.text, /signature of validator Civil Registry is not valid/);

    const doubled = await verify(files.signedDoc, files.doubledReceipt);
    assert.equal(doubled.status, 'failed', doubled.text);
    assert.match(doubled.text, /signed twice/);

    const nullEntry = await verify(files.signedDoc, files.nullEntryReceipt);
    assert.equal(nullEntry.status, 'failed', nullEntry.text);
    assert.match(nullEntry.text, /certificate\.signatures\[0\]: expected an object, got null/);

    const hugeRound = await verify(files.signedDoc, files.hugeRoundReceipt);
    assert.equal(hugeRound.status, 'failed', hugeRound.text);
    assert.match(hugeRound.text, /certificate\.round: expected a non-negative integer, got Infinity/);

    const zeroTxSig = await verify(files.signedDoc, files.zeroTxSigReceipt);
    assert.equal(zeroTxSig.status, 'failed', zeroTxSig.text);
    assert.match(zeroTxSig.text, /transaction's signature \(tx\.sig\) does not verify/);
    assertNoProblems();
  });

  it('verify page fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const result = await verify(files.signedDoc, files.signedReceipt);
    assert.equal(result.status, 'verified');
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0, 'verify page fits a phone');
    await page.screenshot({ path: join(OUTPUT, 'verify-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    assertNoProblems();
  });
});
