/**
 * The holder's usage log (spec/services/credentials-usage-log.md) as a
 * story on an in-memory chain: a holder presents to two organisations; each
 * records a sealed entry under a one-time tag; the holder finds and opens
 * both; nobody else can open them, link them, or record under a stranger's
 * tag twice. Negative controls: a wrong secret, a wrong index, an entry
 * moved under another tag, an altered byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateKeyPair } from '../../crypto/ed25519.js';
import { builtinModules } from '../index.js';
import { createTestChain, testGenesis, testOrg } from '../test-chain.js';
import { credentialsModule, usageKey, type UsageRecord } from './module.js';
import { openUsageEntry, sealUsageEntry, SEALED_CHARS, ticketProblem, usageTag, usageTicket, entryProblem, type UsageEntry } from './usage-log.js';

const MODULES = builtinModules.some((m) => m.name === 'credentials') ? builtinModules : [...builtinModules, credentialsModule];
const fresh = () => ({ ephemeralSecret: randomBytes(32), iv: randomBytes(12) });
const entry = (org: string, purpose: string): UsageEntry => ({
  v: 1,
  org,
  verifier: `redirect_uri:https://${org}.example.gov/v1/credentials/responses/r1`,
  credential: 'ab'.repeat(32),
  credentialType: 'UniversityDiploma',
  purpose,
  claims: ['degree'],
  time: Date.parse('2026-06-01T10:00:00Z'),
});

test('tickets are one-time: tags and keys differ per use and per wallet, and are fixed by the secret and the index', () => {
  const k = new Uint8Array(32).fill(7);
  const t0 = usageTicket(k, 0);
  const t1 = usageTicket(k, 1);
  assert.notEqual(t0.tag, t1.tag);
  assert.notEqual(t0.key, t1.key);
  assert.deepEqual(usageTicket(k, 0), t0, 'deterministic: a wallet recomputes its tags');
  assert.notEqual(usageTicket(new Uint8Array(32).fill(8), 0).tag, t0.tag);
  assert.equal(usageTag(k, 0), t0.tag);
  assert.equal(ticketProblem(t0), undefined);
  assert.match(ticketProblem({ tag: 'x', key: t0.key }) ?? '', /tag/);
  assert.match(ticketProblem({ ...t0, holder: 'me' }) ?? '', /only tag and key/);
  assert.throws(() => usageTag(new Uint8Array(31), 0), /expected 32 bytes, got 31/);
  assert.throws(() => usageTag(k, -1), /index/);
});

test('a sealed entry has a fixed size, opens only with the right secret and index, and not under another tag or altered', () => {
  const k = randomBytes(32);
  const t = usageTicket(k, 3);
  const short = sealUsageEntry(entry('bank', 'x'), t, fresh());
  const long = sealUsageEntry(entry('bank', 'y'.repeat(128)), t, fresh());
  assert.equal(short.length, SEALED_CHARS);
  assert.equal(long.length, SEALED_CHARS, 'the size says nothing of the purpose');
  assert.deepEqual(openUsageEntry(short, k, 3), entry('bank', 'x'));
  assert.equal(openUsageEntry(short, k, 2), undefined, 'another index');
  assert.equal(openUsageEntry(short, randomBytes(32), 3), undefined, 'another wallet');
  // Sealed to ticket 3's key but filed under ticket 4's tag: the tag is bound in (HKDF salt, AAD).
  const t4 = usageTicket(k, 4);
  const moved = sealUsageEntry(entry('bank', 'x'), { tag: t4.tag, key: t.key }, fresh());
  assert.equal(openUsageEntry(moved, k, 4), undefined);
  assert.equal(openUsageEntry(moved, k, 3), undefined);
  const bytes = Buffer.from(short, 'base64url');
  bytes[100] = bytes[100]! ^ 1;
  assert.equal(openUsageEntry(bytes.toString('base64url'), k, 3), undefined, 'an altered byte');
  assert.match(entryProblem(entry('bank', 'z'.repeat(129))) ?? '', /purpose/);
  // A refused use (the credential revoked, say) is sealed and opened the same way; only status and validity codes are taken.
  const refused = { ...entry('bank', 'x'), refused: 'CREDENTIALS_REVOKED' };
  assert.deepEqual(openUsageEntry(sealUsageEntry(refused, t, fresh()), k, 3), refused);
  assert.match(entryProblem({ ...entry('bank', 'x'), refused: 'CREDENTIALS_PROOF_INVALID' }) ?? '', /refused/);
  assert.throws(() => sealUsageEntry(entry('bank', 'x'), { tag: t.tag, key: 'short' }, fresh()), /key/);
});

test('two verifiers record uses on the chain; only the holder finds and opens them, and nothing on the chain names the holder or the credential', () => {
  const orgs = [testOrg('university'), testOrg('employer'), testOrg('bank'), testOrg('museum', 1, 1, { permissions: ['notary'] })];
  const chain = createTestChain(testGenesis(orgs), MODULES);
  const k = randomBytes(32);
  const a = usageTicket(k, 0);
  const b = usageTicket(k, 1);
  const employerNode = orgs[1]!.nodes[0]!;
  const bankAdmin = orgs[2]!.admins[0]!;
  const sealedA = sealUsageEntry(entry('employer', 'hiring'), a, fresh());
  const sealedB = sealUsageEntry(entry('bank', 'account opening'), b, fresh());
  // A node key of the verifying organisation records (what the node does after a verification)…
  const ra = chain.run(employerNode, 'credentials', 'logUse', { tag: a.tag, sealed: sealedA });
  assert.equal(ra.code, 'OK', ra.message);
  // …and so can one of its officials (admins hold every role).
  assert.equal(chain.run(bankAdmin, 'credentials', 'logUse', { tag: b.tag, sealed: sealedB }).code, 'OK');
  // A tag is used once; strangers and organisations without the credentials permission record nothing.
  assert.equal(chain.run(bankAdmin, 'credentials', 'logUse', { tag: b.tag, sealed: sealedA }).code, 'CREDENTIALS_USE_EXISTS');
  assert.equal(chain.run(generateKeyPair(), 'credentials', 'logUse', { tag: usageTag(k, 2), sealed: sealedA }).code, 'CREDENTIALS_NOT_VERIFIER');
  assert.equal(chain.run(orgs[3]!.nodes[0]!, 'credentials', 'logUse', { tag: usageTag(k, 2), sealed: sealedA }).code, 'CREDENTIALS_NOT_VERIFIER');
  assert.equal(chain.run(bankAdmin, 'credentials', 'logUse', { tag: usageTag(k, 2), sealed: 'A'.repeat(10) }).code, 'TX_ARGS_INVALID');

  // The holder recomputes its tags and reads its log.
  const found: { rec: UsageRecord; e: UsageEntry }[] = [];
  for (let i = 0; i < 3; i++) {
    const rec = chain.get(usageKey(usageTag(k, i))) as unknown as UsageRecord | undefined;
    if (!rec) continue;
    const e = openUsageEntry(rec.sealed, k, i);
    assert.ok(e, `entry ${i} opens`);
    assert.equal(e.org, rec.org, "the sealed organisation is the chain's signer");
    found.push({ rec, e });
  }
  assert.deepEqual(found.map((f) => [f.rec.org, f.e.purpose]), [['employer', 'hiring'], ['bank', 'account opening']]);
  const everything = JSON.stringify([...chain.state.entries()]);
  for (const secret of ['hiring', 'account opening', 'ab'.repeat(32), a.key, b.key, 'UniversityDiploma']) assert.ok(!everything.includes(secret), `${secret.slice(0, 12)}… is not on the chain`);
});
