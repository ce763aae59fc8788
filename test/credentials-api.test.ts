/**
 * Credentials end to end on a real node, the way people use them: the
 * consortium (here one organisation, whose vote is the share) defines a type
 * and accredits the organisation with `polity credential propose` and
 * `enact`; its official issues a diploma with `polity credential issue`; a
 * verifier checks the file with `polity credential verify`, through the API
 * (Polity's route and the W3C VC API's), and on the "Check a credential"
 * page in Chromium. Then the status list credential as a standard verifier
 * reads it (GZIP, base64url, bit order), suspension, reinstatement,
 * revocation, expiry and a tampered file — each refused with its own code;
 * and the same round for the vc+jwt form.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { main } from '../src/main.js';
import type { Io } from '../src/cli/io.js';
import { adminKeyPath } from '../src/node/data-dir.js';
import { startTestNode, tempDir, type TestNode } from './helpers.js';
import { axeViolations, browserSuite, openBrowser, PHONE, watchPage } from './browser.js';

/** Screenshots of the page go here (as the other browser tests' do). */
const OUTPUT = join(fileURLToPath(new URL('../../', import.meta.url)), 'test-output', 'credentials');

let t: TestNode;
let api: string;
let work: string;
let key: string;
let org: string;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false };
  const code = await main([...args, '--api', api, '--key', key], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, degree: { type: 'string', maxLength: 200 }, awarded: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } },
  required: ['degree', 'awarded'],
  additionalProperties: false,
};

async function decide(args: string[]): Promise<void> {
  const proposed = await cli(['credential', 'propose', ...args]);
  assert.equal(proposed.code, 0, proposed.err);
  const id = /proposal ([0-9a-f]{64}) executed/.exec(proposed.out)?.[1];
  assert.ok(id, proposed.out);
  const enacted = await cli(['credential', 'enact', id]);
  assert.equal(enacted.code, 0, enacted.err);
}

async function issue(name: string, extra: string[] = []): Promise<string> {
  const file = join(work, name);
  const r = await cli(['credential', 'issue', '--type', 'UniversityDiploma', '--subject', join(work, 'subject.json'), '--out', file, ...extra]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^issued UniversityDiploma [0-9a-f]{64} at height \d+ \(status list 0, index \d+\); credential written to /);
  return file;
}

const verifyApi = async (credential: unknown) => (await t.app.inject({ method: 'POST', url: '/v1/credentials/verify', payload: { credential } })).json() as { verified: boolean; code?: string; issuance?: { index: number; hash: string } };

before(async () => {
  t = await startTestNode({ listen: true });
  api = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  work = await tempDir('polity-credentials-');
  key = adminKeyPath(t.dir);
  org = t.genesis.organisations![0]!.id;
  await writeFile(join(work, 'schema.json'), JSON.stringify(SCHEMA));
  await writeFile(join(work, 'subject.json'), JSON.stringify({ id: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', degree: 'MSc Physics', awarded: '2026-05-30' }));
  await decide(['define-type', '--name', 'UniversityDiploma', '--title', 'University diploma', '--schema', join(work, 'schema.json')]);
  await decide(['accredit', '--org', org, '--type', 'UniversityDiploma', '--role', 'issuer']);
});
after(async () => {
  await t.close();
  await rm(work, { recursive: true, force: true });
});

test('the registry shows the type and the accreditation the consortium enacted', async () => {
  const r = await cli(['credential', 'type', 'UniversityDiploma']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`${org}\\s+issuer\\s+from \\d+`));
  const types = (await t.app.inject({ url: '/v1/credentials/types' })).json() as { types: { name: string }[] };
  assert.deepEqual(types.types.map((x) => x.name), ['UniversityDiploma']);
});

test('issue, verify with the CLI, the API and the W3C VC API; the status list credential as a standard verifier reads it', async () => {
  const file = await issue('diploma.json');
  const credential = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const v = await cli(['credential', 'verify', file]);
  assert.equal(v.code, 0, v.out + v.err);
  assert.match(v.out, /VALID — UniversityDiploma issued by/);
  console.log(v.out);
  const vc = await t.app.inject({ method: 'POST', url: '/credentials/verify', payload: { verifiableCredential: credential } });
  assert.equal(vc.statusCode, 200);
  assert.deepEqual(vc.json(), { checks: ['format', 'proof', 'issuance', 'trust', 'claims', 'status', 'validity'], warnings: [], errors: [] });

  const answer = await verifyApi(credential);
  const index = answer.issuance!.index;
  const statusList = async (purpose: string) => {
    const entry = (credential.credentialStatus as { statusPurpose: string; statusListCredential: string }[]).find((e) => e.statusPurpose === purpose)!;
    const url = new URL(entry.statusListCredential);
    const list = (await t.app.inject({ url: url.pathname })).json() as { type: string[]; credentialSubject: { type: string; statusPurpose: string; encodedList: string } };
    assert.deepEqual(list.type, ['VerifiableCredential', 'BitstringStatusListCredential']);
    assert.equal(list.credentialSubject.statusPurpose, purpose);
    assert.equal(list.credentialSubject.encodedList[0], 'u', 'multibase base64url');
    const bits = gunzipSync(Buffer.from(list.credentialSubject.encodedList.slice(1), 'base64url'));
    assert.equal(bits.length * 8, 131_072);
    return (bits[index >> 3]! & (0x80 >> (index & 7))) !== 0;
  };
  assert.equal(await statusList('suspension'), false);

  const suspend = await cli(['credential', 'status', 'suspend', file, '--reason', 'under-review']);
  assert.equal(suspend.code, 0, suspend.err);
  assert.equal(await statusList('suspension'), true, 'visible in the list from the next block');
  const s = await cli(['credential', 'verify', file]);
  assert.equal(s.code, 1);
  assert.match(s.out, /NOT VALID \(CREDENTIALS_SUSPENDED\)/);
  assert.equal((await cli(['credential', 'status', 'reinstate', file])).code, 0);
  assert.equal((await verifyApi(credential)).verified, true);
  assert.equal((await cli(['credential', 'status', 'revoke', file, '--reason', 'issued-in-error', '--yes'])).code, 0);
  assert.equal(await statusList('revocation'), true);
  assert.equal((await verifyApi(credential)).code, 'CREDENTIALS_REVOKED');
  const revoked = await t.app.inject({ method: 'POST', url: '/credentials/verify', payload: { verifiableCredential: credential } });
  assert.equal(revoked.statusCode, 400);
  assert.equal((revoked.json() as { errors: { code: string }[] }).errors[0]!.code, 'CREDENTIALS_REVOKED');
  const record = await t.app.inject({ url: `/v1/credentials/records/${answer.issuance!.hash}` });
  assert.deepEqual((record.json() as { changes: { status: string }[] }).changes.map((c) => c.status), ['suspended', 'active', 'revoked']);
  const again = await cli(['credential', 'status', 'reinstate', file]);
  assert.equal(again.code, 1);
  assert.match(again.err, /CREDENTIALS_REVOKED/);
});

test('the vc+jwt form: issue with --format jwt, verify the token file with the CLI, the API and the W3C VC API (bare and enveloped), revoke it by its file', async () => {
  const file = await issue('diploma.jwt', ['--format', 'jwt']);
  const token = (await readFile(file, 'utf8')).trim();
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'the file holds one compact JWS');
  assert.deepEqual(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).typ, 'vc+jwt');
  const v = await cli(['credential', 'verify', file]);
  assert.equal(v.code, 0, v.out + v.err);
  assert.match(v.out, /✓ Format: a VC 2.0 credential secured as a compact vc\+jwt/);
  console.log(v.out);
  const answer = await verifyApi(token);
  assert.equal(answer.verified, true);
  assert.equal(answer.issuance!.hash, createHash('sha256').update(token).digest('hex'), 'the chain records SHA-256 of the compact token');
  for (const verifiableCredential of [token, { '@context': ['https://www.w3.org/ns/credentials/v2'], id: `data:application/vc+jwt,${token}`, type: 'EnvelopedVerifiableCredential' }]) {
    const vc = await t.app.inject({ method: 'POST', url: '/credentials/verify', payload: { verifiableCredential } });
    assert.equal(vc.statusCode, 200, vc.body);
  }
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'vc+jwt' })).toString('base64url')}.${token.split('.')[1]}.`;
  const refused = await t.app.inject({ method: 'POST', url: '/credentials/verify', payload: { verifiableCredential: none } });
  assert.equal(refused.statusCode, 400);
  assert.equal((refused.json() as { errors: { code: string }[] }).errors[0]!.code, 'CREDENTIALS_JWT_ALG');
  const revoke = await cli(['credential', 'status', 'revoke', file, '--yes']);
  assert.equal(revoke.code, 0, revoke.err);
  const after = await cli(['credential', 'verify', file]);
  assert.equal(after.code, 1);
  assert.match(after.out, /NOT VALID \(CREDENTIALS_REVOKED\)/);
});

test('bad input: a tampered file, an expired credential, claims outside the schema, a non-credential — each its own code', async () => {
  const file = await issue('second.json');
  const credential = JSON.parse(await readFile(file, 'utf8')) as Record<string, any>;
  credential.credentialSubject.degree = 'PhD Physics';
  await writeFile(join(work, 'tampered.json'), JSON.stringify(credential));
  const tampered = await cli(['credential', 'verify', join(work, 'tampered.json')]);
  assert.equal(tampered.code, 1);
  assert.match(tampered.out, /CREDENTIALS_PROOF_INVALID/);
  const expired = await issue('expired.json', ['--valid-until', '2020-01-01T00:00:00Z']);
  assert.match((await cli(['credential', 'verify', expired])).out, /NOT VALID \(CREDENTIALS_EXPIRED\)/);
  await writeFile(join(work, 'bad-subject.json'), JSON.stringify({ degree: 'MSc', awarded: 'yesterday' }));
  const bad = await cli(['credential', 'issue', '--type', 'UniversityDiploma', '--subject', join(work, 'bad-subject.json')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /CREDENTIALS_CLAIMS_INVALID: .* at \/awarded/);
  assert.equal((await verifyApi({ hello: 'world' })).code, 'CREDENTIALS_MALFORMED');
  const missing = await cli(['credential', 'verify', join(work, 'nope.json')]);
  assert.equal(missing.code, 2);
});

browserSuite('the "Check a credential" page in Chromium', () => {
  test('a person drops a valid credential and then a tampered one, and reads why in plain words', async () => {
    const file = await issue('for-page.json');
    const { browser, page } = await openBrowser({ timeoutMs: 10_000 });
    const problems: string[] = [];
    watchPage(page, (l) => problems.push(l));
    try {
      await page.goto(`${api}/credentials`);
      await page.setInputFiles('#credential-file', file);
      await page.waitForSelector('#verdict');
      assert.match(await page.textContent('#verdict') ?? '', /Valid.*This UniversityDiploma was issued by/s);
      const tampered = JSON.parse(await readFile(file, 'utf8')) as Record<string, any>;
      tampered.credentialSubject.degree = 'PhD';
      await page.fill('#credential-text', JSON.stringify(tampered));
      await page.click('#check');
      await page.waitForFunction(() => document.querySelector('#verdict')?.textContent?.includes('Not valid'));
      assert.match(await page.textContent('#verdict') ?? '', /The signature does not match/);
      assert.match(await page.textContent('[data-check="proof"]') ?? '', /No/);
      assert.deepEqual(await axeViolations(page), [], 'no serious or critical accessibility violation (desktop)');
      await mkdir(OUTPUT, { recursive: true });
      await page.screenshot({ path: join(OUTPUT, 'credentials-not-valid.png'), fullPage: true });
      await page.setViewportSize(PHONE);
      assert.deepEqual(await axeViolations(page), [], 'nor on a phone');
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'nothing scrolls sideways on a phone');
      await page.fill('#credential-text', 'not json');
      await page.click('#check');
      await page.waitForFunction(() => document.querySelector('#verdict')?.textContent?.includes('not JSON'));
      // A vc+jwt token pasted as it is.
      const token = (await readFile(await issue('for-page.jwt', ['--format', 'jwt']), 'utf8')).trim();
      await page.fill('#credential-text', token);
      await page.click('#check');
      await page.waitForFunction(() => document.querySelector('#verdict')?.textContent?.includes('was issued by'));
      assert.match(await page.textContent('#verdict') ?? '', /Valid.*This UniversityDiploma was issued by/s);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});
