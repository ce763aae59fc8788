/**
 * SD-JWT VCs and presentations end to end on a real node, the way people
 * use them: the consortium defines a proof-of-age type and accredits the
 * organisation; its official issues an SD-JWT VC to a citizen's did:key with
 * `polity credential issue --format sd-jwt`; a bar asks the node for a nonce
 * (`polity credential nonce`), the citizen shows "over 18" only
 * (`polity credential present --disclose over18`), and the bar checks it
 * with `polity credential verify-presentation`, through the API and the
 * W3C VC API's `POST /presentations/verify` — learning no other claim. The
 * independent library `@sd-jwt/sd-jwt-vc` verifies the same presentation
 * alone. Then a vp+jwt of a vc+jwt, and the refusals: a replayed
 * presentation, one made for another verifier, a wrong key-binding
 * signature, a malformed SD-JWT, a tampered disclosure — each its own code;
 * and the "Check a credential" page reading an SD-JWT in Chromium.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, rm } from 'node:fs/promises';
import { createPublicKey, verify as edVerify } from 'node:crypto';
import { join } from 'node:path';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest } from '@sd-jwt/crypto-nodejs';
import { main } from '../src/main.js';
import type { Io } from '../src/cli/io.js';
import { adminKeyPath, loadKeyFile } from '../src/node/data-dir.js';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { didKeyFromPublicKey } from '../src/crypto/multikey.js';
import { jwkOfKey } from '../src/services/credentials/sd-jwt.js';
import { startTestNode, tempDir, type TestNode } from './helpers.js';
import { browserSuite, openBrowser, watchPage } from './browser.js';

let t: TestNode;
let api: string;
let work: string;
let key: string;
let holderKey: string;
let holderDid: string;
let org: string;
const BIRTH = '2001-02-03';
const BAR = 'https://bar.example.gov';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false };
  const code = await main([...args, '--api', api, '--key', key], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, birthDate: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }, over18: { type: 'boolean' }, over21: { type: 'boolean' } },
  required: ['birthDate', 'over18'],
  additionalProperties: false,
};

async function decide(args: string[]): Promise<void> {
  const proposed = await cli(['credential', 'propose', ...args]);
  assert.equal(proposed.code, 0, proposed.err);
  const id = /proposal ([0-9a-f]{64}) executed/.exec(proposed.out)?.[1];
  assert.ok(id, proposed.out);
  assert.equal((await cli(['credential', 'enact', id])).code, 0);
}

async function issue(name: string, format = 'sd-jwt'): Promise<string> {
  const file = join(work, name);
  const r = await cli(['credential', 'issue', '--type', 'AgeCredential', '--subject', join(work, 'subject.json'), '--format', format, '--out', file]);
  assert.equal(r.code, 0, r.err);
  return file;
}

async function nonce(): Promise<string> {
  const r = await cli(['credential', 'nonce']);
  assert.equal(r.code, 0, r.err);
  return r.out.split(/\s/)[0]!;
}

async function present(file: string, n: string, extra: string[] = []): Promise<string> {
  const out = join(work, `presentation-${n.slice(0, 8)}.txt`);
  const r = await cli(['credential', 'present', file, '--audience', BAR, '--nonce', n, '--holder-key', holderKey, '--out', out, ...extra]);
  assert.equal(r.code, 0, r.err);
  return out;
}

const verifyPresentationApi = async (presentation: unknown, audience: string, n: string) =>
  (await t.app.inject({ method: 'POST', url: '/v1/credentials/presentations/verify', payload: { presentation, audience, nonce: n } })).json() as { verified: boolean; code?: string; credentials: { claims?: Record<string, unknown> }[] };

before(async () => {
  t = await startTestNode({ listen: true });
  api = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  work = await tempDir('polity-presentations-');
  key = adminKeyPath(t.dir);
  org = t.genesis.organisations![0]!.id;
  const holder = generateKeyPair();
  holderKey = join(work, 'holder-key.json');
  holderDid = didKeyFromPublicKey(holder.publicKey);
  await writeFile(holderKey, JSON.stringify(holder));
  await writeFile(join(work, 'schema.json'), JSON.stringify(SCHEMA));
  await writeFile(join(work, 'subject.json'), JSON.stringify({ id: holderDid, birthDate: BIRTH, over18: true, over21: true }));
  await decide(['define-type', '--name', 'AgeCredential', '--title', 'Proof of age', '--schema', join(work, 'schema.json')]);
  await decide(['accredit', '--org', org, '--type', 'AgeCredential', '--role', 'issuer']);
});
after(async () => {
  await t.close();
  await rm(work, { recursive: true, force: true });
});

test('selective disclosure end to end: issue an SD-JWT VC, present "over 18" only with key binding, verify with the CLI, the API, the VC API and the independent library', async () => {
  const file = await issue('age.sd-jwt');
  const token = (await readFile(file, 'utf8')).trim();
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(~[A-Za-z0-9_-]+){4}~$/, 'the issuer-signed JWT and four disclosures');
  const v = await cli(['credential', 'verify', file]);
  assert.equal(v.code, 0, v.out + v.err);
  assert.match(v.out, /✓ Format: an SD-JWT VC/);
  console.log(v.out);

  const n = await nonce();
  const p = await present(file, n, ['--disclose', 'over18']);
  const presentation = (await readFile(p, 'utf8')).trim();
  const checked = await cli(['credential', 'verify-presentation', p, '--audience', BAR, '--nonce', n]);
  assert.equal(checked.code, 0, checked.out + checked.err);
  assert.match(checked.out, /credential 1: valid AgeCredential .*; shows over18$/m);
  assert.ok(!checked.out.includes(BIRTH));
  console.log(checked.out);

  // The same presentation again: its nonce was used.
  const again = await cli(['credential', 'verify-presentation', p, '--audience', BAR, '--nonce', n]);
  assert.equal(again.code, 1);
  assert.match(again.out, /NOT VALID \(CREDENTIALS_PRESENTATION_REPLAYED\)/);

  // The independent library alone: the issuer's key (from the kid's did:key) and the cnf key check everything, and it sees only over18.
  const issuerJwk = jwkOfKey((await loadKeyFile(key)).publicKey);
  const lib = new SDJwtVcInstance({
    hasher: digest,
    hashAlg: 'sha-256',
    verifier: (data, sig) => edVerify(null, Buffer.from(data), createPublicKey({ key: issuerJwk as never, format: 'jwk' }), Buffer.from(sig, 'base64url')),
    kbVerifier: (data, sig, payload) => edVerify(null, Buffer.from(data), createPublicKey({ key: (payload as { cnf: { jwk: object } }).cnf.jwk as never, format: 'jwk' }), Buffer.from(sig, 'base64url')),
  });
  const seen = await lib.verify(presentation, { keyBindingNonce: n, requiredClaimKeys: ['over18'] });
  assert.deepEqual(Object.keys(seen.payload as object).filter((k) => !['iss', 'vct', 'iat', 'exp', 'nbf', 'cnf', 'status', '_sd_alg'].includes(k)), ['over18']);
  console.log(`@sd-jwt/sd-jwt-vc verified the presentation: over18=${String((seen.payload as unknown as { over18: boolean }).over18)}, kb aud=${seen.kb?.payload.aud}`);

  // Through Polity's API: the answer holds over18 and nothing else of the holder's.
  const n2 = await nonce();
  const p2 = (await readFile(await present(file, n2, ['--disclose', 'over18']), 'utf8')).trim();
  const answer = await verifyPresentationApi(p2, BAR, n2);
  assert.equal(answer.verified, true);
  assert.deepEqual(answer.credentials[0]!.claims, { over18: true });
  assert.ok(!JSON.stringify(answer).includes(BIRTH) && !JSON.stringify(answer).includes(holderDid));

  // The W3C VC API: challenge and domain.
  const n3 = await nonce();
  const p3 = (await readFile(await present(file, n3, ['--disclose', 'over18,over21']), 'utf8')).trim();
  const other = await t.app.inject({ method: 'POST', url: '/presentations/verify', payload: { verifiablePresentation: p3, options: { challenge: n3, domain: 'https://other.example.gov' } } });
  assert.equal(other.statusCode, 400);
  assert.equal((other.json() as { errors: { code: string }[] }).errors[0]!.code, 'CREDENTIALS_PRESENTATION_AUDIENCE');
  const vcApi = await t.app.inject({ method: 'POST', url: '/presentations/verify', payload: { verifiablePresentation: p3, options: { challenge: n3, domain: BAR } } });
  assert.equal(vcApi.statusCode, 200, vcApi.body);
  assert.deepEqual(vcApi.json(), { checks: ['format', 'holder', 'signature', 'audience', 'nonce', 'credentials'], warnings: [], errors: [] });
});

test('a vp+jwt of a vc+jwt credential: present with the holder key, verify with the CLI; revocation reaches it', async () => {
  const file = await issue('age.jwt', 'jwt');
  const n = await nonce();
  const p = await present(file, n);
  assert.equal(JSON.parse(Buffer.from((await readFile(p, 'utf8')).split('.')[0]!, 'base64url').toString()).typ, 'vp+jwt');
  const ok = await cli(['credential', 'verify-presentation', p, '--audience', BAR, '--nonce', n]);
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.equal((await cli(['credential', 'status', 'revoke', file, '--yes'])).code, 0);
  const n2 = await nonce();
  const revoked = await cli(['credential', 'verify-presentation', await present(file, n2), '--audience', BAR, '--nonce', n2]);
  assert.equal(revoked.code, 1);
  assert.match(revoked.out, /NOT VALID \(CREDENTIALS_REVOKED\)/);
});

test('bad input, each with its own code: a malformed SD-JWT, a tampered disclosure, a wrong key-binding signature, an unknown nonce, another verifier', async () => {
  const file = await issue('bad.sd-jwt');
  const token = (await readFile(file, 'utf8')).trim();
  const verifyApi = async (credential: unknown) => ((await t.app.inject({ method: 'POST', url: '/v1/credentials/verify', payload: { credential } })).json() as { code?: string }).code;
  assert.equal(await verifyApi(`${token.split('~')[0]}~not-base64!~`), 'CREDENTIALS_MALFORMED');
  const parts = token.split('~');
  const [salt, name] = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as [string, string];
  assert.equal(await verifyApi([parts[0], Buffer.from(JSON.stringify([salt, name, 'forged'])).toString('base64url'), ...parts.slice(2)].join('~')), 'CREDENTIALS_DISCLOSURE_INVALID');

  const n = await nonce();
  const stranger = join(work, 'stranger-key.json');
  await writeFile(stranger, JSON.stringify(generateKeyPair()));
  const out = join(work, 'wrong-kb.txt');
  assert.equal((await cli(['credential', 'present', file, '--disclose', 'over18', '--audience', BAR, '--nonce', n, '--holder-key', stranger, '--out', out])).code, 0);
  assert.equal((await verifyPresentationApi((await readFile(out, 'utf8')).trim(), BAR, n)).code, 'CREDENTIALS_PRESENTATION_PROOF_INVALID');

  const fresh = await nonce();
  const good = (await readFile(await present(file, fresh, ['--disclose', 'over18']), 'utf8')).trim();
  assert.equal((await verifyPresentationApi(good, BAR, 'not-from-this-node')).code, 'CREDENTIALS_PRESENTATION_REPLAYED');
  assert.equal((await verifyPresentationApi(good, 'https://other.example.gov', fresh)).code, 'CREDENTIALS_PRESENTATION_AUDIENCE');
  assert.equal((await verifyPresentationApi(good, BAR, fresh)).verified, true, 'the control: refusals before the nonce check did not use it up');
  assert.equal((await verifyPresentationApi(good, BAR, fresh)).code, 'CREDENTIALS_PRESENTATION_REPLAYED');
  assert.equal((await verifyPresentationApi('a.b.c', BAR, fresh)).code, 'CREDENTIALS_PRESENTATION_MALFORMED');
});

browserSuite('the "Check a credential" page reads an SD-JWT VC', () => {
  test('a person pastes an SD-JWT VC and reads that it is valid', async () => {
    const token = (await readFile(await issue('for-page.sd-jwt'), 'utf8')).trim();
    const { browser, page } = await openBrowser({ timeoutMs: 10_000 });
    const problems: string[] = [];
    watchPage(page, (l) => problems.push(l));
    try {
      await page.goto(`${api}/credentials`);
      await page.fill('#credential-text', token);
      await page.click('#check');
      await page.waitForSelector('#verdict');
      await page.waitForFunction(() => document.querySelector('#verdict')?.textContent?.includes('was issued by'));
      assert.match(await page.textContent('#verdict') ?? '', /Valid.*This AgeCredential was issued by/s);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});
