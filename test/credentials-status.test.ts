/**
 * Templates, signed status lists and offline status on a real node, the way
 * people use them: governance defines a proof of residence from its template
 * and classifies the organisation as a municipality (`polity credential
 * propose define-type --template residence`, `propose classify`); its
 * official issues one. A verifier outside Polity reads the signed status
 * list (eddsa-jcs-2022 by the node's attestation key, with validFrom,
 * validUntil and the height). The holder fetches a receipt (`polity
 * credential receipt`) and a verifier with no node checks the credential
 * from it and the genesis alone (`polity credential verify --offline`):
 * valid; suspended once a fresher status receipt shows it; refused when the
 * receipt was tampered with, is of another chain, or is older than the
 * verifier accepts. Then batch verification: answers in order, each with
 * its own code.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { main } from '../src/main.js';
import type { Io } from '../src/cli/io.js';
import { adminKeyPath, genesisPath, loadGenesisFile } from '../src/node/data-dir.js';
import { checkStatusList } from '../src/services/credentials/status-list-credential.js';
import { verifyOffline } from '../src/services/credentials/offline.js';
import { claimsProblem } from '../src/services/credentials/claims.js';
import { didKeyFromPublicKey } from '../src/crypto/multikey.js';
import { startTestNode, tempDir, type TestNode } from './helpers.js';

let t: TestNode;
let api: string;
let work: string;
let org: string;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false };
  const code = await main([...args, '--api', api, '--key', adminKeyPath(t.dir)], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function decide(args: string[]): Promise<void> {
  const proposed = await cli(['credential', 'propose', ...args]);
  assert.equal(proposed.code, 0, proposed.err);
  const id = /proposal ([0-9a-f]{64}) executed/.exec(proposed.out)?.[1];
  assert.ok(id, proposed.out);
  const enacted = await cli(['credential', 'enact', id]);
  assert.equal(enacted.code, 0, enacted.err);
}

async function issue(name: string): Promise<{ file: string; hash: string }> {
  const file = join(work, name);
  const r = await cli(['credential', 'issue', '--type', 'ProofOfResidence', '--subject', join(work, 'subject.json'), '--out', file]);
  assert.equal(r.code, 0, r.err);
  return { file, hash: /issued ProofOfResidence ([0-9a-f]{64})/.exec(r.out)![1]! };
}

before(async () => {
  t = await startTestNode({ listen: true });
  api = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  work = await tempDir('polity-credentials-status-');
  org = t.genesis.organisations![0]!.id;
  await writeFile(
    join(work, 'subject.json'),
    JSON.stringify({ id: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', givenName: 'Ada', familyName: 'Lovelace', address: { streetAddress: '1 Main Street', locality: 'Springfield', country: 'GB' }, residentSince: '2020-01-01' }),
  );
  await decide(['define-type', '--template', 'residence']);
});
after(async () => {
  await t?.close();
});

test('a type from a template is accredited only once governance classifies the organisation as a municipality', async () => {
  const refused = await cli(['credential', 'propose', 'accredit', '--org', org, '--type', 'ProofOfResidence', '--role', 'issuer']);
  const id = /proposal ([0-9a-f]{64})/.exec(refused.out)![1]!;
  const enact = await cli(['credential', 'enact', id]);
  assert.equal(enact.code, 1);
  assert.match(enact.err, /CREDENTIALS_ORG_KIND/);
  await decide(['classify', '--org', org, '--kinds', 'municipality']);
  await decide(['accredit', '--org', org, '--type', 'ProofOfResidence', '--role', 'issuer']);
  const type = (await t.app.inject({ url: '/v1/credentials/types/ProofOfResidence' })).json() as { type: { issuerKinds: string[]; template: string } };
  assert.deepEqual(type.type.issuerKinds, ['municipality', 'civil-registry']);
  assert.equal(type.type.template, 'residence');
});

test("the status list credential is signed by the node's attestation key, with validFrom, validUntil and the height, and a verifier outside Polity checks it", async () => {
  const { file } = await issue('signed-list.json');
  const credential = JSON.parse(await readFile(file, 'utf8')) as { credentialStatus: { statusListCredential: string; statusListIndex: string }[] };
  const url = new URL(credential.credentialStatus[0]!.statusListCredential);
  const doc = (await t.app.inject({ url: url.pathname })).json() as Record<string, unknown>;
  assert.equal(doc['issuer'], didKeyFromPublicKey(t.node.attest.publicKey));
  assert.notEqual(t.node.attest.publicKey, t.node.nodeKey, 'a key of its own, not the consensus key');
  assert.equal(typeof doc['validUntil'], 'string');
  assert.equal(typeof doc['height'], 'number');
  const checked = checkStatusList(doc, { nowMs: Date.now(), maxAgeMs: 3_600_000, trustedKeys: [t.node.attest.publicKey], gunzip: gunzipSync });
  assert.ok(checked.ok, checked.ok ? '' : checked.reason);
  assert.equal(checked.bits.length, 131_072 / 8);
  const tampered = { ...doc, height: (doc['height'] as number) + 1 };
  assert.equal((checkStatusList(tampered, { nowMs: Date.now(), maxAgeMs: 3_600_000, gunzip: gunzipSync }) as { code: string }).code, 'CREDENTIALS_PROOF_INVALID');
  assert.equal((checkStatusList(doc, { nowMs: Date.parse(doc['validUntil'] as string) + 1_000, maxAgeMs: 3_600_000 * 24, gunzip: gunzipSync }) as { code: string }).code, 'CREDENTIALS_STATUS_STALE');
});

test('offline: a credential verifies from a receipt and the genesis alone; a fresher status receipt shows its suspension; tampered, foreign and stale receipts are refused', async () => {
  const { file, hash } = await issue('offline.json');
  const receipt = join(work, 'receipt.json');
  const fetched = await cli(['credential', 'receipt', file, '--out', receipt]);
  assert.equal(fetched.code, 0, fetched.err);
  const genesis = genesisPath(t.dir);
  // No --api needed: the verifier has the file, the receipt and the genesis (api is ignored offline).
  const offline = (receipts: string[], extra: string[] = []) => cli(['credential', 'verify', file, '--offline', ...receipts.flatMap((r) => ['--status-receipt', r]), '--genesis', genesis, ...extra]);
  const ok = await offline([receipt]);
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /VALID — ProofOfResidence/);
  console.log(ok.out);

  // The issuer suspends it. The old receipt still says valid (as of its block); a fresher status receipt says suspended.
  const suspended = await cli(['credential', 'status', 'suspend', hash, '--reason', 'under-review']);
  assert.equal(suspended.code, 0, suspended.err);
  assert.equal((await offline([receipt])).code, 0);
  const fresh = join(work, 'status.json');
  const got = await cli(['credential', 'receipt', hash, '--status', '--out', fresh]);
  assert.equal(got.code, 0, got.err);
  const statusFiles = [join(work, 'status.revocation.json'), join(work, 'status.suspension.json')];
  const now = await offline([receipt, ...statusFiles], ['--json']);
  assert.equal(now.code, 1);
  assert.equal((JSON.parse(now.out) as { code: string }).code, 'CREDENTIALS_SUSPENDED');

  // Tampered: the status page's value changed (the suspension hidden) — its proof no longer leads to the header.
  const page = JSON.parse(await readFile(statusFiles[1]!, 'utf8')) as { entries: { value: unknown }[] };
  page.entries[0]!.value = null;
  const tamperedFile = join(work, 'tampered.json');
  await writeFile(tamperedFile, JSON.stringify(page));
  const tampered = await offline([receipt, statusFiles[0]!, tamperedFile], ['--json']);
  assert.equal(tampered.code, 1);
  assert.equal((JSON.parse(tampered.out) as { code: string }).code, 'CREDENTIALS_RECEIPT_INVALID');
  // A receipt without the status pages proves too little.
  const partial = JSON.parse(await readFile(receipt, 'utf8')) as { entries: { key: string }[] };
  partial.entries = partial.entries.filter((e) => !e.key.startsWith('credentials/bits/'));
  const partialFile = join(work, 'partial.json');
  await writeFile(partialFile, JSON.stringify(partial));
  assert.match((await offline([partialFile])).out, /CREDENTIALS_RECEIPT_INVALID/);
  // Another chain's genesis: nothing verifies.
  const g = await loadGenesisFile(genesis);
  const foreign = join(work, 'foreign-genesis.json');
  await writeFile(foreign, JSON.stringify({ ...g, chainId: 'another-chain' }));
  assert.match((await cli(['credential', 'verify', file, '--offline', '--status-receipt', receipt, '--genesis', foreign])).out, /CREDENTIALS_RECEIPT_INVALID/);

  // Stale: the same receipts judged two days later (the verifier's clock), or with a bound shorter than their age.
  const receipts = [JSON.parse(await readFile(receipt, 'utf8')) as unknown, ...(await Promise.all(statusFiles.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as unknown)))];
  const credential = JSON.parse(await readFile(file, 'utf8')) as unknown;
  const later = verifyOffline(credential, receipts, g, { nowMs: Date.now() + 2 * 86_400_000, claimsProblem, maxStatusAgeMs: 86_400_000 });
  assert.equal(later.code, 'CREDENTIALS_STATUS_STALE');
  await new Promise((r) => setTimeout(r, 1_100));
  const stale = await offline([receipt, ...statusFiles], ['--max-status-age', '1', '--json']);
  assert.equal((JSON.parse(stale.out) as { code: string }).code, 'CREDENTIALS_STATUS_STALE');
});

test('batch verification answers each credential in order, with its own code', async () => {
  const a = JSON.parse(await readFile((await issue('batch-a.json')).file, 'utf8')) as Record<string, unknown>;
  const altered = { ...a, credentialSubject: { ...(a['credentialSubject'] as object), familyName: 'Byron' } };
  const r = await t.app.inject({ method: 'POST', url: '/v1/credentials/verify/batch', payload: { credentials: [a, altered, 'not a credential', a] } });
  assert.equal(r.statusCode, 200);
  const body = r.json() as { height: number; results: { verified: boolean; code?: string }[] };
  assert.deepEqual(body.results.map((x) => x.code ?? 'OK'), ['OK', 'CREDENTIALS_PROOF_INVALID', 'CREDENTIALS_MALFORMED', 'OK']);
  const tooMany = await t.app.inject({ method: 'POST', url: '/v1/credentials/verify/batch', payload: { credentials: Array.from({ length: 257 }, () => a) } });
  assert.equal(tooMany.statusCode, 400);
});
