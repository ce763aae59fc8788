/**
 * The canary scan of data sharing, on a BFT network of four departments
 * running as real `polity start` processes (test/sharing-net.ts).
 *
 * Canary values are seeded into a private record the Civil Registry holds
 * (with the Health Department as second holder). The record then goes
 * through everything that touches it: replication to the second holder, a
 * consented transfer of two fields to the Tax Office, a read on a legal
 * basis by the Welfare Agency, a read refused, an erasure. Then every node
 * is stopped and every channel of every node is searched for each value:
 * every key and value of its chain store read back through LevelDB (blocks,
 * results, state, indexes), every raw file of its data directory, every log
 * line it wrote, every P2P frame it received, decrypted (above Noise), and
 * every error answer the test got — found 0 times. The values the readers
 * were given reached the test (the officials) and no node's disk.
 *
 * Negative controls: a value planted in a public field (a request's
 * purpose) is found in every node's store, and in the P2P frames of every
 * node but the one it was submitted to (the others' proposals name it by
 * id, spec/consensus.md §2.1); a value planted
 * in a file is found in that file; and after the erasure, the record's
 * ciphertext — present in the holders' data directories before — is found
 * in none.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toHex } from '../src/crypto/bytes.js';
import { didKeyFromPublicKey } from '../src/crypto/multikey.js';
import { signConsent } from '../src/services/sharing/consent.js';
import { subjectKeyPair } from '../src/services/sharing/pseudonym.js';
import { recordKey } from '../src/services/sharing/module.js';
import { canaryScan, newKey, rawFiles, startNet, type Dept, type Net } from './sharing-net.js';

const ORGS = ['Civil Registry', 'Tax Office', 'Health Department', 'Welfare Agency'];
const hex32 = (): string => toHex(randomBytes(32));
const tag = toHex(randomBytes(6));
const CANARY = { name: `CANARY-NAME-${tag}`, nationalId: `CANARY-NID-${tag}`, address: `CANARY-ADDR-${tag}`, note: `CANARY-NOTE-${tag}` };
const PLANTED = `PLANTED-LEAK-${tag}`;
const PLANTED_FILE = `PLANTED-FILE-${tag}`;
let net: Net | undefined;
after(async () => {
  for (const d of net?.depts ?? []) await net!.stop(d);
});

test('canary scan: a private record\'s values are found 0 times in any node\'s blocks, state, results, raw files, logs, P2P frames or error answers; planted leaks are found; after erasure no ciphertext is left', { timeout: 120_000 }, async () => {
  const t0 = Date.now();
  const step = (text: string): void => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${text}`);
  net = await startNet(ORGS);
  const [registry, tax, health, welfare] = net.depts as [Dept, Dept, Dept, Dept];
  const [steward, taxOfficer, welfareOfficer] = [newKey(), newKey(), newKey()];
  await Promise.all([net.official(registry, steward, 'data-steward'), net.official(tax, taxOfficer, 'data-requester'), net.official(welfare, welfareOfficer, 'data-requester')]);
  await net.ok(registry, net.sign(steward, 'sharing', 'defineDataset', {
    name: 'residents',
    title: 'Register of residents',
    fields: ['name', 'nationalId', 'address', 'note'].map((name) => ({ name, sensitivity: 'personal' })),
    sensitivity: 'personal',
    legalBasis: 'Civil Registration Act s. 4',
    terms: [{ recipient: 'welfare-agency', legalBasis: 'Social Assistance Act s. 12', fields: ['address'], approval: 'auto' }],
    retentionDays: 3650,
  }), 'define');
  const key = subjectKeyPair(new Uint8Array(randomBytes(32)), net.genesis.chainId, 'civil-registry', 'residents');
  const subject = didKeyFromPublicKey(key.publicKey);

  // Seed, replicate, read three ways, refuse one, erase.
  const stored = await net.call(registry, steward, 'POST', '/v1/sharing/store/records', { dataset: 'residents', subject, fields: CANARY, holders: ['health-department'], retentionUntil: Date.now() + 86_400_000 });
  assert.equal(stored.status, 201, JSON.stringify(stored.body));
  const recordId = stored.body.recordId as string;
  assert.equal(stored.body.replicatedTo, 1);
  const consent = { type: 'polity-sharing-consent', v: 1, chainId: net.genesis.chainId, id: hex32(), subject, holder: 'civil-registry', dataset: 'residents', fields: ['name', 'address'], recipient: 'tax-office', purpose: 'verify tax residence', until: Date.now() + 3_600_000 };
  await net.ok(tax, net.sign(newKey(), 'sharing', 'grantConsent', { consent, signature: signConsent(consent as never, key.secretKey) }), 'consent');
  const byConsent = hex32();
  await net.ok(tax, net.sign(taxOfficer, 'sharing', 'request', { id: byConsent, holder: 'civil-registry', dataset: 'residents', fields: ['name', 'address'], subject, purpose: 'verify tax residence', consent: consent.id }), 'request');
  const read = await net.call(tax, taxOfficer, 'POST', '/v1/sharing/store/fetch', { request: byConsent });
  assert.deepEqual(read.body.records?.[0]?.fields, { name: CANARY.name, address: CANARY.address }, JSON.stringify(read.body));
  const byLaw = hex32();
  await net.ok(welfare, net.sign(welfareOfficer, 'sharing', 'request', { id: byLaw, holder: 'civil-registry', dataset: 'residents', fields: ['address'], subject, purpose: `housing benefit ${PLANTED}`, legalBasis: 'Social Assistance Act s. 12' }), 'request by law');
  assert.deepEqual((await net.call(welfare, welfareOfficer, 'POST', '/v1/sharing/store/fetch', { request: byLaw })).body.records?.[0]?.fields, { address: CANARY.address });
  const own = await net.call(registry, steward, 'POST', `/v1/sharing/store/records/${recordId}/read`, { fields: ['nationalId', 'note'], purpose: 'correct the register', legalBasis: 'Civil Registration Act s. 4' });
  assert.deepEqual(own.body.fields, { nationalId: CANARY.nationalId, note: CANARY.note }, JSON.stringify(own.body));
  const refused = await net.call(registry, steward, 'POST', `/v1/sharing/store/records/${recordId}/read`, { fields: ['nationalId'], purpose: 'curiosity', legalBasis: 'no such act' });
  assert.equal(refused.body.code, 'SHARING_NO_LEGAL_BASIS', 'a read without a basis is refused (and its refused entry recorded)');
  const again = await net.call(tax, taxOfficer, 'POST', '/v1/sharing/store/fetch', { request: byConsent });
  assert.equal(again.body.code, 'SHARING_TRANSFER_ANSWERED', 'one release, one transfer');
  step(`record ${recordId.slice(0, 12)}… stored and replicated; read by consent (tax office), by law (welfare agency) and by its holder; a read without basis refused (${refused.body.code}); a second transfer refused (${again.body.code})`);

  const ciphertexts = await Promise.all([registry, health].map(async (d) => JSON.parse(await readFile(join(d.dir, 'sharing', 'records', `${recordId}.env`), 'utf8')).envelope.ct.slice(0, 48) as string));
  for (const [i, d] of [registry, health].entries()) assert.ok((await rawFiles(d.dir)).some((f) => f.bytes.includes(ciphertexts[i]!)), `the ciphertext is in ${d.slug}'s data directory before erasure (control)`);
  await net.ok(registry, net.sign(steward, 'sharing', 'erase', { recordId, reason: 'subject-request' }), 'erase');
  await net.waitFor('both holders to purge', async () => (await net!.get(registry, `/v1/state?key=${encodeURIComponent(recordKey(recordId))}`)).value?.status === 'purged', 40_000);
  step('erasure ordered; both holders destroyed their copies and confirmed (status purged)');

  for (const d of net.depts) await net.stop(d);
  await writeFile(join(welfare.dir, 'planted.txt'), `an operator's note: ${PLANTED_FILE}\n`);
  const report = await canaryScan(net, net.depts, [...Object.values(CANARY), ...ciphertexts, PLANTED, PLANTED_FILE]);
  for (const value of Object.values(CANARY)) {
    console.log(`canary ${value}: found ${report.found.get(value)!.length} times`);
    assert.deepEqual(report.found.get(value), [], `canary ${value} leaked`);
  }
  // In the data directories: the replica crossed the network sealed, and the tap (the test's capture, outside them) saw it.
  const onDisk = ciphertexts.flatMap((c) => report.found.get(c)!.filter((where) => / (store|raw-file)/.test(where)));
  assert.deepEqual(onDisk, [], 'no ciphertext of the record in any data directory after erasure');
  console.log(`after erasure: the record's ciphertext found ${onDisk.length} times in the 4 data directories (present in both holders' before)`);
  const planted = report.found.get(PLANTED)!;
  for (const d of net.depts) {
    assert.ok(planted.includes(`${d.slug} store`), `the planted purpose is found in ${d.slug}'s chain store`);
    // Submitted to the Welfare Agency, it reached the others as gossip; the Welfare Agency got it from no peer.
    if (d !== welfare) assert.ok(planted.includes(`${d.slug} p2p`), `the planted purpose is found in ${d.slug}'s P2P frames`);
  }
  assert.deepEqual(report.found.get(PLANTED_FILE), ['welfare-agency raw-file planted.txt']);
  console.log(`negative control, a request's purpose (public) ${PLANTED}: found ${planted.length} times (${[...new Set(planted.map((p) => p.split(' ')[1]))].join(', ')})`);
  console.log(`negative control, a planted file ${PLANTED_FILE}: found in ${report.found.get(PLANTED_FILE)!.join(', ')}`);
  console.log(`scanned ${(report.bytesScanned / 1e6).toFixed(1)} MB over 4 nodes × (chain store, raw files, logs, P2P frames) + error answers in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
