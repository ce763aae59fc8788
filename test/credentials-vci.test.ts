/**
 * The issuing desk on a real node, and what it backs: the W3C VC API's
 * `POST /credentials/issue` and `/credentials/status`, and OpenID for
 * Verifiable Credential Issuance (pre-authorised code flow) with the
 * independent library @openid4vc/openid4vci playing the wallet, and
 * Polity's own wallet (`polity wallet receive`). Each credential received is
 * verified by Polity; each kind of bad input is refused with its own code.
 *
 * The node runs one organisation (its admin is the desk's key: an admin
 * holds every role, issuer included); the consortium defines
 * UniversityDiploma and accredits the organisation, and defines
 * DrivingLicence without accrediting it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { main } from '../src/main.js';
import type { Io } from '../src/cli/io.js';
import { createApi } from '../src/api/server.js';
import { adminKeyPath, loadKeyFile } from '../src/node/data-dir.js';
import { createClient } from '../src/sdk/client.js';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { SERVICES } from '../src/services/index.js';
import { startTestNode, tempDir, type TestNode } from './helpers.js';

let t: TestNode;
/** A second API on the same node, with the issuing desk (started as `polity start --issuing-key … --issuing-token-file …` would). */
let deskApp: FastifyInstance;
let api: string;
let work: string;
let keyFile: string;
let org: string;
const TOKEN = 'desk-token-' + 'x'.repeat(40);

async function cli(args: string[], extra: string[] = ['--key', keyFile]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false };
  const code = await main([...args, '--api', api, ...extra], io);
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

const unsecured = (type = 'UniversityDiploma', subject: Record<string, unknown> = { degree: 'MSc Physics', awarded: '2026-05-30' }) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential', type],
  credentialSubject: subject,
});

/** Polity's verification of a credential (JSON or compact string). */
const verify = async (credential: unknown) => (await t.app.inject({ method: 'POST', url: '/v1/credentials/verify', payload: { credential } })).json() as { verified: boolean; code?: string; message?: string; issuance?: { hash: string } };

before(async () => {
  t = await startTestNode();
  work = await tempDir('polity-vci-');
  keyFile = adminKeyPath(t.dir);
  org = t.genesis.organisations![0]!.id;
  await writeFile(join(work, 'token'), TOKEN + '\n');
  deskApp = await createApi(t.node, { services: SERVICES, serviceOptions: { credentials: { 'issuing-key': keyFile, 'issuing-token-file': join(work, 'token') } } });
  await deskApp.listen({ port: 0, host: '127.0.0.1' });
  api = `http://127.0.0.1:${(deskApp.server.address() as { port: number }).port}`;
  await writeFile(join(work, 'schema.json'), JSON.stringify(SCHEMA));
  await decide(['define-type', '--name', 'UniversityDiploma', '--title', 'University diploma', '--schema', join(work, 'schema.json')]);
  await decide(['accredit', '--org', org, '--type', 'UniversityDiploma', '--role', 'issuer']);
  await decide(['define-type', '--name', 'DrivingLicence', '--title', 'Driving licence', '--schema', join(work, 'schema.json')]);
});
after(async () => {
  await deskApp?.close();
  await t?.close();
  await rm(work, { recursive: true, force: true });
});

test('VC API issue: an official (signed request) and a machine client (bearer token) get credentials that verify; an unauthenticated call, an outsider and an untrusted type are refused', async () => {
  const official = createClient({ url: api, key: await loadKeyFile(keyFile) });
  const r = await official.request<{ verifiableCredential: Record<string, any> }>('POST', '/credentials/issue', { credential: unsecured() }, { signed: true });
  const vc = r.verifiableCredential;
  assert.equal(vc.proof.cryptosuite, 'eddsa-jcs-2022');
  assert.match(vc.issuer, /^did:key:z6Mk/);
  assert.match(vc.id, /^urn:uuid:/);
  assert.deepEqual(vc.credentialStatus.map((e: { statusPurpose: string }) => e.statusPurpose), ['revocation', 'suspension']);
  const v = await verify(vc);
  assert.equal(v.verified, true, v.message);

  const viaToken = await deskApp.inject({ method: 'POST', url: '/credentials/issue', headers: { authorization: `Bearer ${TOKEN}` }, payload: { credential: { ...unsecured(), id: 'urn:example:diploma-7' }, options: { format: 'jwt' } } });
  assert.equal(viaToken.statusCode, 201, viaToken.body);
  const enveloped = (viaToken.json() as { verifiableCredential: { type: string; id: string } }).verifiableCredential;
  assert.equal(enveloped.type, 'EnvelopedVerifiableCredential');
  const token = enveloped.id.replace('data:application/vc+jwt,', '');
  const vj = await verify(token);
  assert.equal(vj.verified, true, vj.message);

  const codeOf = async (headers: Record<string, string>, payload: unknown) => {
    const res = await deskApp.inject({ method: 'POST', url: '/credentials/issue', headers, payload: payload as object });
    return [res.statusCode, (res.json() as { code: string }).code];
  };
  assert.deepEqual(await codeOf({}, { credential: unsecured() }), [401, 'AUTH_REQUIRED']);
  assert.deepEqual(await codeOf({ authorization: `Bearer ${'y'.repeat(43)}` }, { credential: unsecured() }), [401, 'AUTH_EXPIRED']);
  const stranger = createClient({ url: api, key: generateKeyPair() });
  await assert.rejects(stranger.request('POST', '/credentials/issue', { credential: unsecured() }, { signed: true }), (e: { code?: string }) => e.code === 'AUTH_FORBIDDEN');
  const auth = { authorization: `Bearer ${TOKEN}` };
  assert.deepEqual(await codeOf(auth, { credential: unsecured('DrivingLicence') }), [403, 'CREDENTIALS_ISSUER_UNTRUSTED']);
  assert.deepEqual(await codeOf(auth, { credential: unsecured('NoSuchType') }), [404, 'CREDENTIALS_TYPE_UNKNOWN']);
  assert.deepEqual(await codeOf(auth, { credential: unsecured('UniversityDiploma', { degree: 'MSc' }) }), [422, 'CREDENTIALS_CLAIMS_INVALID']);
  assert.deepEqual(await codeOf(auth, { credential: { ...unsecured(), issuer: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' } }), [400, 'CREDENTIALS_ISSUER_MISMATCH']);
});

test('VC API status: suspend, reinstate and revoke through the desk by credentialId; the verifier sees each from the next block', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const issued = await deskApp.inject({ method: 'POST', url: '/credentials/issue', headers: auth, payload: { credential: unsecured(), options: { credentialId: 'case-4711' } } });
  assert.equal(issued.statusCode, 201, issued.body);
  const vc = (issued.json() as { verifiableCredential: Record<string, unknown> }).verifiableCredential;
  const status = async (statusPurpose: string, value: boolean, credentialId = 'case-4711') =>
    deskApp.inject({ method: 'POST', url: '/credentials/status', headers: auth, payload: { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose }], status: value } });
  const s = await status('suspension', true);
  assert.equal(s.statusCode, 200, s.body);
  assert.equal((await verify(vc)).code, 'CREDENTIALS_SUSPENDED');
  assert.equal((await status('suspension', false)).statusCode, 200);
  assert.equal((await verify(vc)).verified, true);
  const byId = await status('revocation', true, String(vc.id));
  assert.equal(byId.statusCode, 200, byId.body);
  assert.equal((await verify(vc)).code, 'CREDENTIALS_REVOKED');
  const again = await status('revocation', false);
  assert.deepEqual([again.statusCode, (again.json() as { code: string }).code], [409, 'CREDENTIALS_REVOKED']);
  const unknown = await status('suspension', true, 'no-such-case');
  assert.deepEqual([unknown.statusCode, (unknown.json() as { code: string }).code], [404, 'CREDENTIALS_UNKNOWN']);
  const anonymous = await deskApp.inject({ method: 'POST', url: '/credentials/status', payload: { credentialId: 'case-4711', credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'suspension' }, status: true } });
  assert.deepEqual([anonymous.statusCode, (anonymous.json() as { code: string }).code], [401, 'AUTH_REQUIRED']);
});

test('a node without --issuing-key has no desk: CREDENTIALS_DESK_OFF', async () => {
  const res = await t.app.inject({ method: 'POST', url: '/credentials/issue', headers: { authorization: `Bearer ${TOKEN}` }, payload: { credential: unsecured() } });
  assert.deepEqual([res.statusCode, (res.json() as { code: string }).code], [503, 'CREDENTIALS_DESK_OFF']);
});
