/**
 * The did module at the module level: real registry, executor and genesis
 * state (one organisation, the civil registry, whose admin holds every role
 * including registrar; a second organisation without the `did` permission),
 * blocks executed by the in-memory test chain (modules/test-chain.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Json } from '../../crypto/canonical-json.js';
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import { DEFAULT_PARAMS, type Genesis } from '../../ledger/genesis.js';
import { accountKey } from '../../runtime/executor.js';
import { memberKey } from '../../runtime/membership.js';
import { createTestChain } from '../test-chain.js';
import { notaryModule } from '../notary/module.js';
import { currentDidKey, didModule, getHead, getKeyBinding, HOLDER_VERSIONS_MAX, readVersions, versionKey } from './module.js';
import { didPolityFromKey, isKeyValidAt, keyInForceAt, multikeyEncode, resolveFromVersions, type DidVersion } from './method.js';

const CHAIN = 'polity-test';
const T0 = 1_740_830_400_000; // 2025-03-01T12:00:00Z
const inbox = { id: 'inbox', type: 'DIDCommMessaging', serviceEndpoint: 'https://msg.example.gov/inbox' };
const caseRef = 'c4'.repeat(32);

interface Call {
  key: KeyPair;
  action: string;
  args: Record<string, unknown>;
  module?: string;
}

function createChain(params: Genesis['params'] = DEFAULT_PARAMS) {
  const registrar = generateKeyPair(); // admin of the civil registry: every role, including registrar
  const taxAdmin = generateKeyPair(); // admin of an organisation without the did permission
  const issuer = generateKeyPair(); // an official of the civil registry with the role issuer only
  const [node1, node2] = [generateKeyPair(), generateKeyPair()];
  const genesis: Genesis = {
    v: 1,
    chainId: CHAIN,
    genesisTime: T0,
    validators: [
      { name: 'civil-registry-0', pubKey: node1.publicKey, power: 1 },
      { name: 'tax-bureau-0', pubKey: node2.publicKey, power: 1 },
    ],
    params,
    organisations: [
      { id: 'civil-registry', name: 'Civil Registry', admins: [registrar.publicKey], threshold: 1, nodes: [node1.publicKey] },
      { id: 'tax-bureau', name: 'Tax Bureau', admins: [taxAdmin.publicKey], threshold: 1, nodes: [node2.publicKey], permissions: ['notary'] },
    ],
  };
  const chain = createTestChain(genesis, [notaryModule, didModule], {
    extraState: new Map<string, Json>([[memberKey(issuer.publicKey), { org: 'civil-registry', roles: ['issuer'], since: 0 }]]),
  });
  /** Execute one block of calls (each signed with its key's next nonce) and apply its writes. */
  const block = (...calls: Call[]) => chain.block(calls.map((c) => ({ ...c, module: c.module ?? 'did' })));
  const run = (key: KeyPair, action: string, args: Record<string, unknown>) => {
    const b = block({ key, action, args });
    return { ...b.results[0]!, changes: b.changes, height: b.height };
  };
  return { genesis, registrar, taxAdmin, issuer, state: chain.state, get: chain.get, block, run, get height() { return chain.height; } };
}

/** A refused transaction wrote nothing but its signer's nonce. */
function assertOnlyNonce(changes: Map<string, Json | null>, signer: KeyPair): void {
  assert.deepEqual([...changes.keys()], [accountKey(signer.publicKey)], 'a refusal changes nothing but the nonce');
}

const snapshot = (state: Map<string, Json>) => new Map([...state].filter(([k]) => !k.startsWith('account/')).map(([k, v]) => [k, JSON.stringify(v)]));

test('create → rotate → recover by the registrar; the old key is judged by the history at the block it signed in', () => {
  const chain = createChain();
  const a = generateKeyPair();
  const b = generateKeyPair();
  const c = generateKeyPair();
  const stranger = generateKeyPair();

  const created = chain.run(a, 'create', { services: [inbox] });
  assert.equal(created.code, 'OK', created.message);
  const did = didPolityFromKey(CHAIN, a.publicKey);
  const id = did.slice('did:polity:'.length);
  assert.deepEqual(created.events, [{ type: 'did.created', did }]);
  assert.deepEqual(getHead(chain.get, id), { did, version: 1, key: a.publicKey, deactivated: false });
  assert.deepEqual(getKeyBinding(chain.get, a.publicKey), { did, version: 1 });
  for (const k of created.changes.keys()) assert.ok(k.startsWith('did/') || k.startsWith('account/') || created.height === 1, `state key ${k} is under did/`);

  // Block B: A, the key in force, changes the services.
  const signedByA = chain.run(a, 'update', { did, services: [] });
  assert.equal(signedByA.code, 'OK');
  const heightB = signedByA.height;

  const rotated = chain.run(a, 'rotate', { did, publicKey: b.publicKey });
  assert.equal(rotated.code, 'OK', rotated.message);
  assert.deepEqual(rotated.events, [{ type: 'did.rotated', did, version: 3 }]);

  // The update A signed at block B is judged against the history at B: valid. A new change by A is refused.
  let history = readVersions(chain.get, id);
  const atB = history.find((v) => v.txId === signedByA.txId)!;
  assert.equal(atB.height, heightB);
  assert.ok(isKeyValidAt(history, atB.by, atB.height, atB.txIndex), 'A was the key in force when it signed at block B');
  assert.equal(keyInForceAt(history, heightB), a.publicKey);
  assert.equal(keyInForceAt(history, rotated.height), b.publicKey, 'B from the rotation block on');
  assert.ok(!isKeyValidAt(history, a.publicKey, rotated.height));

  const before = snapshot(chain.state);
  const late = chain.run(a, 'update', { did, services: [inbox] });
  assert.equal(late.code, 'DID_KEY_NOT_CURRENT', late.message);
  assertOnlyNonce(late.changes, a);
  const other = chain.run(stranger, 'update', { did, services: [inbox] });
  assert.equal(other.code, 'DID_NOT_CONTROLLER');
  assertOnlyNonce(other.changes, stranger);
  assert.deepEqual(snapshot(chain.state), before);

  // B is lost: the registrar gives the DID the holder's new key C, with a reason code and the case file's hash.
  const recovered = chain.run(chain.registrar, 'recover', { did, publicKey: c.publicKey, reason: 'lost-key', caseRef });
  assert.equal(recovered.code, 'OK', recovered.message);
  assert.deepEqual(recovered.events, [{ type: 'did.recovered', did, version: 4, org: 'civil-registry', reason: 'lost-key' }]);
  const record = chain.get(versionKey(id, 4)) as unknown as DidVersion;
  assert.deepEqual(
    { operation: record.operation, key: record.key, by: record.by, org: record.org, reason: record.reason, caseRef: record.caseRef, services: record.services },
    { operation: 'recover', key: c.publicKey, by: chain.registrar.publicKey, org: 'civil-registry', reason: 'lost-key', caseRef, services: [] },
  );
  assert.equal(chain.run(b, 'update', { did, services: [inbox] }).code, 'DID_KEY_NOT_CURRENT', 'B was replaced by the recovery');
  assert.equal(currentDidKey(chain.get, did), c.publicKey, 'the key a signed request by the DID is checked with now');
  assert.equal(currentDidKey(chain.get, `did:polity:${'0'.repeat(32)}`), undefined);
  assert.equal(currentDidKey(chain.get, did.toUpperCase()), undefined);
  assert.equal(chain.run(c, 'update', { did, services: [inbox] }).code, 'OK');

  history = readVersions(chain.get, id);
  assert.deepEqual(history.map((v) => [v.version, v.operation]), [[1, 'create'], [2, 'update'], [3, 'rotate'], [4, 'recover'], [5, 'update']]);
  // Resolution at each point of the story.
  const keyAt = (height: number) => resolveFromVersions(did, history, chain.height, { height }).didDocument?.verificationMethod?.[0]?.publicKeyMultibase;
  assert.equal(keyAt(heightB), multikeyEncode(a.publicKey));
  assert.equal(keyAt(rotated.height), multikeyEncode(b.publicKey));
  assert.equal(keyAt(recovered.height), multikeyEncode(c.publicKey));
  const latest = resolveFromVersions(did, history, chain.height);
  assert.equal(latest.didDocumentMetadata.versionId, '5');
  assert.equal(latest.didDocument?.service?.[0]?.serviceEndpoint, inbox.serviceEndpoint);
});

test('registrar actions: refused with AUTH_* for a citizen, an official without the role, and an organisation without the did permission — nothing changes', () => {
  const chain = createChain();
  const a = generateKeyPair();
  const fresh = generateKeyPair();
  assert.equal(chain.run(a, 'create', {}).code, 'OK');
  const did = didPolityFromKey(CHAIN, a.publicKey);
  const before = snapshot(chain.state);
  const cases: [KeyPair, string][] = [
    [generateKeyPair(), 'AUTH_NOT_OFFICIAL'],
    [chain.issuer, 'AUTH_ROLE_MISSING'],
    [chain.taxAdmin, 'AUTH_ORG_NOT_PERMITTED'],
    [a, 'AUTH_NOT_OFFICIAL'], // the holder is no registrar either
  ];
  for (const [key, code] of cases) {
    const recover = chain.run(key, 'recover', { did, publicKey: fresh.publicKey, reason: 'compromised-key' });
    assert.equal(recover.code, code, recover.message);
    assertOnlyNonce(recover.changes, key);
    const deactivate = chain.run(key, 'registrarDeactivate', { did, reason: 'subject-ceased' });
    assert.equal(deactivate.code, code, deactivate.message);
    assertOnlyNonce(deactivate.changes, key);
  }
  assert.deepEqual(snapshot(chain.state), before, 'no refusal changed the DID');
  // Negative control: the same state comparison sees a change when there is one.
  assert.equal(chain.run(chain.registrar, 'recover', { did, publicKey: fresh.publicKey, reason: 'compromised-key' }).code, 'OK');
  assert.notDeepEqual(snapshot(chain.state), before);
});

test('deactivation is final, by the holder or by a registrar with a reason code', () => {
  const chain = createChain();
  const a = generateKeyPair();
  const next = generateKeyPair();
  assert.equal(chain.run(a, 'create', { services: [inbox] }).code, 'OK');
  const did = didPolityFromKey(CHAIN, a.publicKey);
  const done = chain.run(a, 'deactivate', { did });
  assert.equal(done.code, 'OK', done.message);
  const before = snapshot(chain.state);
  const later: [KeyPair, string, Record<string, unknown>][] = [
    [a, 'update', { did, services: [] }],
    [a, 'rotate', { did, publicKey: next.publicKey }],
    [a, 'deactivate', { did }],
    [chain.registrar, 'recover', { did, publicKey: next.publicKey, reason: 'holder-request' }],
    [chain.registrar, 'registrarDeactivate', { did, reason: 'duplicate' }],
  ];
  for (const [key, action, args] of later) {
    const r = chain.run(key, action, args);
    assert.equal(r.code, 'DID_DEACTIVATED', `${action}: ${r.message}`);
    assertOnlyNonce(r.changes, key);
  }
  assert.equal(chain.run(a, 'create', {}).code, 'DID_EXISTS', 'the key cannot make its DID again');
  assert.deepEqual(snapshot(chain.state), before);
  const history = readVersions(chain.get, did.slice(11));
  const resolved = resolveFromVersions(did, history, chain.height);
  assert.equal(resolved.didDocumentMetadata.deactivated, true);
  assert.equal(resolved.didDocument?.verificationMethod, undefined, 'no key of a deactivated DID is shown');
  assert.equal(keyInForceAt(history, chain.height), undefined);
  assert.equal(currentDidKey(chain.get, did), undefined, 'a deactivated DID has no current key');
  assert.equal(keyInForceAt(history, done.height - 1), a.publicKey, 'signatures made before the deactivation are still judged by their block');

  // A registrar deactivates another DID (the holder died): a reason code, the case file's hash, no free text.
  const b = generateKeyPair();
  assert.equal(chain.run(b, 'create', {}).code, 'OK');
  const didB = didPolityFromKey(CHAIN, b.publicKey);
  const ended = chain.run(chain.registrar, 'registrarDeactivate', { did: didB, reason: 'subject-ceased', caseRef });
  assert.equal(ended.code, 'OK', ended.message);
  const last = readVersions(chain.get, didB.slice(11)).at(-1)!;
  assert.deepEqual([last.operation, last.deactivated, last.org, last.reason, last.caseRef], ['registrarDeactivate', true, 'civil-registry', 'subject-ceased', caseRef]);
  assert.equal(chain.run(b, 'update', { did: didB, services: [] }).code, 'DID_DEACTIVATED');
  assert.equal(chain.run(chain.registrar, 'registrarDeactivate', { did: didB, reason: 'subject-ceased', note: 'free text' }).code, 'TX_ARGS_INVALID', 'no free text');
});

test('one key, one DID: creation twice, rotation or recovery to a used key, and bad services are refused', () => {
  const chain = createChain();
  const a = generateKeyPair();
  const b = generateKeyPair();
  const c = generateKeyPair();
  assert.equal(chain.run(a, 'create', {}).code, 'OK');
  assert.equal(chain.run(b, 'create', {}).code, 'OK');
  const didA = didPolityFromKey(CHAIN, a.publicKey);
  const didB = didPolityFromKey(CHAIN, b.publicKey);
  const before = snapshot(chain.state);
  const refusals: [KeyPair, string, Record<string, unknown>, string][] = [
    [a, 'create', {}, 'DID_EXISTS'],
    [a, 'rotate', { did: didA, publicKey: b.publicKey }, 'DID_INVALID'], // b is didB's key
    [a, 'rotate', { did: didA, publicKey: a.publicKey }, 'DID_INVALID'], // the key in force
    [a, 'rotate', { did: didB, publicKey: c.publicKey }, 'DID_NOT_CONTROLLER'],
    [a, 'update', { did: didA, services: [{ ...inbox, serviceEndpoint: 'https://msg.example.gov/inbox?citizen=1234' }] }, 'DID_INVALID'],
    [a, 'update', { did: didA, services: [{ ...inbox, serviceEndpoint: 'http://msg.example.gov/inbox' }] }, 'DID_INVALID'],
    [a, 'update', { did: didA, services: [inbox, inbox] }, 'DID_INVALID'],
    [a, 'update', { did: didA, services: [{ ...inbox, name: 'Jane Doe' }] }, 'TX_ARGS_INVALID'],
    [a, 'update', { did: 'did:polity:' + '0'.repeat(32), services: [] }, 'DID_UNKNOWN'],
    [a, 'update', { did: 'did:web:example.gov', services: [] }, 'TX_ARGS_INVALID'],
    [chain.registrar, 'recover', { did: didA, publicKey: b.publicKey, reason: 'lost-key' }, 'DID_INVALID'],
    [chain.registrar, 'recover', { did: didA, publicKey: chain.registrar.publicKey, reason: 'lost-key' }, 'DID_INVALID'],
    [chain.registrar, 'recover', { did: didA, publicKey: c.publicKey, reason: 'because' }, 'TX_ARGS_INVALID'],
    [chain.registrar, 'recover', { did: didA, publicKey: c.publicKey, reason: 'lost-key', caseRef: 'Case 12/2025' }, 'TX_ARGS_INVALID'],
  ];
  for (const [key, action, args, code] of refusals) {
    const r = chain.run(key, action, args);
    assert.equal(r.code, code, `${action} ${JSON.stringify(args).slice(0, 80)}: ${r.message}`);
    assertOnlyNonce(r.changes, key);
  }
  assert.deepEqual(snapshot(chain.state), before);
  // A key rotated into a DID belongs to it: it cannot create a DID of its own.
  assert.equal(chain.run(a, 'rotate', { did: didA, publicKey: c.publicKey }).code, 'OK');
  assert.equal(chain.run(c, 'create', {}).code, 'DID_EXISTS');
});

test('changes within one block are ordered: a rotation takes effect for the transactions after it', () => {
  const chain = createChain();
  const a = generateKeyPair();
  const b = generateKeyPair();
  assert.equal(chain.run(a, 'create', {}).code, 'OK');
  const did = didPolityFromKey(CHAIN, a.publicKey);
  const { results, height } = chain.block(
    { key: a, action: 'update', args: { did, services: [inbox] } },
    { key: a, action: 'rotate', args: { did, publicKey: b.publicKey } },
    { key: a, action: 'update', args: { did, services: [] } },
    { key: b, action: 'update', args: { did, services: [] } },
  );
  assert.deepEqual(results.map((r) => r.code), ['OK', 'OK', 'DID_KEY_NOT_CURRENT', 'OK']);
  const history = readVersions(chain.get, did.slice(11));
  assert.equal(keyInForceAt(history, height, 0), a.publicKey);
  assert.equal(keyInForceAt(history, height, 1), a.publicKey);
  assert.equal(keyInForceAt(history, height, 2), b.publicKey);
  assert.equal(keyInForceAt(history, height), b.publicKey);
  assert.deepEqual(history.map((v) => [v.height, v.txIndex]), [[height - 1, 0], [height, 0], [height, 1], [height, 3]]);
});

test(`a holder makes at most ${HOLDER_VERSIONS_MAX} versions; deactivation and registrars keep room beyond`, () => {
  const chain = createChain();
  const a = generateKeyPair();
  assert.equal(chain.run(a, 'create', {}).code, 'OK');
  const did = didPolityFromKey(CHAIN, a.publicKey);
  const calls: Call[] = Array.from({ length: HOLDER_VERSIONS_MAX - 1 }, (_, i) => ({ key: a, action: 'update', args: { did, services: i % 2 ? [inbox] : [] } }));
  const { results } = chain.block(...calls);
  assert.ok(results.every((r) => r.code === 'OK'));
  const full = chain.run(a, 'update', { did, services: [] });
  assert.equal(full.code, 'DID_INVALID');
  assert.match(full.message!, /1000 versions/);
  assert.equal(chain.run(chain.registrar, 'recover', { did, publicKey: generateKeyPair().publicKey, reason: 'compromised-key' }).code, 'OK');
  assert.equal(readVersions(chain.get, did.slice(11)).length, HOLDER_VERSIONS_MAX + 1);
});

test('keys that are no Ed25519 point are refused at every key the did module takes in (rotate, recover): DID_INVALID, nothing changes', () => {
  // A rules version 2 check (runtime/rules.ts, ed25519PointChecks); version 1 took any 64 hex digits (gov/rules.test.ts).
  const chain = createChain({ ...DEFAULT_PARAMS, rulesVersion: 2 });
  const a = generateKeyPair();
  assert.equal(chain.run(a, 'create', {}).code, 'OK');
  const did = didPolityFromKey(CHAIN, a.publicKey);
  const before = snapshot(chain.state);
  for (const bad of ['02' + '00'.repeat(31), '01' + '00'.repeat(31)]) {
    const recover = chain.run(chain.registrar, 'recover', { did, publicKey: bad, reason: 'lost-key' });
    assert.equal(recover.code, 'DID_INVALID', recover.message);
    assert.match(recover.message ?? '', /Ed25519/);
    assertOnlyNonce(recover.changes, chain.registrar);
    const rotate = chain.run(a, 'rotate', { did, publicKey: bad });
    assert.equal(rotate.code, 'DID_INVALID', rotate.message);
    assertOnlyNonce(rotate.changes, a);
  }
  assert.deepEqual(snapshot(chain.state), before);
  // Negative control: a real fresh key is taken.
  assert.equal(chain.run(chain.registrar, 'recover', { did, publicKey: generateKeyPair().publicKey, reason: 'lost-key' }).code, 'OK');
});
