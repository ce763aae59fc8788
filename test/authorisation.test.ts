/**
 * The authorisation matrix (OWASP API Security 2023, API1 broken object-level
 * and API5 broken function-level authorisation): for every action of every
 * module the chain runs, signers without the right are refused with a clear
 * code and change nothing but their own nonce.
 *
 * The table must name every action: a module that adds an action without a
 * row here fails the first test, so no action ships unchecked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { builtinModules } from '../src/services/index.js';
import { accountKey } from '../src/runtime/executor.js';
import { createModuleRegistry } from '../src/runtime/registry.js';
import { createTestChain, testGenesis, testOrg, type TestChain } from '../src/services/test-chain.js';
import { didPolityFromKey } from '../src/services/did/method.js';

type Who = 'stranger' | 'auditorOfA' | 'registrarOfA' | 'adminOfB' | 'registrarOfC' | 'nodeOfA';
interface Row {
  args: Record<string, unknown>;
  /** Signers that must be refused, with the code. */
  refused: Partial<Record<Who, string>>;
  /** For actions open to anyone: why that is safe. */
  public?: string;
}

const hex = (): string => generateKeyPair().publicKey;
const someId = hex();
const holder = generateKeyPair();
const holderDid = didPolityFromKey('polity-test', holder.publicKey);
const notController: Partial<Record<Who, string>> = { stranger: 'DID_NOT_CONTROLLER', registrarOfA: 'DID_NOT_CONTROLLER', adminOfB: 'DID_NOT_CONTROLLER', nodeOfA: 'DID_NOT_CONTROLLER' };
const notRegistrar: Partial<Record<Who, string>> = { stranger: 'AUTH_NOT_OFFICIAL', nodeOfA: 'AUTH_NOT_OFFICIAL', auditorOfA: 'AUTH_ROLE_MISSING', registrarOfC: 'AUTH_ORG_NOT_PERMITTED' };

const MATRIX: Record<string, Row> = {
  'notary.anchor': { args: { hash: hex() }, refused: {}, public: 'a timestamp of a hash reveals nothing; the receipt names the signer' },
  'notary.anchorBatch': { args: { root: hex(), count: 2 }, refused: {}, public: 'as anchor: a Merkle root of hashes, attributed to its signer' },
  'evidence.submit': { args: { first: {}, second: {} }, refused: {}, public: 'evidence is self-proving (two signed conflicting votes); anyone may report it' },
  'validators.propose': {
    args: { validators: [{ name: 'x', pubKey: hex(), power: 1 }, { name: 'y', pubKey: hex(), power: 1 }] },
    refused: { stranger: 'AUTH_NOT_VALIDATOR', auditorOfA: 'AUTH_NOT_VALIDATOR', adminOfB: 'AUTH_NOT_VALIDATOR' },
  },
  'validators.approve': { args: { id: someId }, refused: { stranger: 'AUTH_NOT_VALIDATOR', adminOfB: 'AUTH_NOT_VALIDATOR' } },
  'org.propose': {
    args: { org: 'a', op: { type: 'registerOfficial', key: hex(), roles: ['auditor'] } },
    refused: { stranger: 'AUTH_NOT_ORG_ADMIN', auditorOfA: 'AUTH_NOT_ORG_ADMIN', registrarOfA: 'AUTH_NOT_ORG_ADMIN', nodeOfA: 'AUTH_NOT_ORG_ADMIN', adminOfB: 'AUTH_NOT_ORG_ADMIN' },
  },
  'org.approve': { args: { org: 'a', id: someId }, refused: { stranger: 'AUTH_NOT_ORG_ADMIN', auditorOfA: 'AUTH_NOT_ORG_ADMIN', adminOfB: 'AUTH_NOT_ORG_ADMIN' } },
  'gov.propose': {
    args: { change: { type: 'setParameter', name: 'votingBlocks', value: 99 } },
    refused: { stranger: 'AUTH_NOT_ORG_ADMIN', auditorOfA: 'AUTH_NOT_ORG_ADMIN', registrarOfC: 'AUTH_NOT_ORG_ADMIN', nodeOfA: 'AUTH_NOT_ORG_ADMIN' },
  },
  'did.create': { args: {}, refused: {}, public: "a holder creates the DID of its own key: the identifier is derived from the signer's key, so nobody can create another key's DID" },
  'did.rotate': { args: { did: holderDid, publicKey: hex() }, refused: notController },
  'did.update': { args: { did: holderDid, services: [] }, refused: notController },
  'did.deactivate': { args: { did: holderDid }, refused: notController },
  'did.recover': { args: { did: holderDid, publicKey: hex(), reason: 'lost-key' }, refused: notRegistrar },
  'did.registrarDeactivate': { args: { did: holderDid, reason: 'subject-ceased' }, refused: notRegistrar },
  'gov.vote': { args: { id: someId, approve: true }, refused: { stranger: 'AUTH_NOT_ORG_ADMIN', auditorOfA: 'AUTH_NOT_ORG_ADMIN', nodeOfA: 'AUTH_NOT_ORG_ADMIN' } },
};

/** Three departments: a (with an auditor and a registrar), b, and c (permitted in notary only, with a registrar). */
function setup(): { chain: TestChain; who: Record<Who, KeyPair> } {
  const [a, b, c] = [testOrg('a'), testOrg('b'), testOrg('c', 1, 1, { permissions: ['notary'] })];
  const chain = createTestChain(testGenesis([a, b, c]), builtinModules);
  const who: Record<Who, KeyPair> = {
    stranger: generateKeyPair(),
    auditorOfA: generateKeyPair(),
    registrarOfA: generateKeyPair(),
    adminOfB: b.admins[0]!,
    registrarOfC: generateKeyPair(),
    nodeOfA: a.nodes[0]!,
  };
  const register = (admin: KeyPair, org: string, key: KeyPair, role: string) =>
    assert.equal(chain.run(admin, 'org', 'propose', { org, op: { type: 'registerOfficial', key: key.publicKey, roles: [role] } }).code, 'OK');
  register(a.admins[0]!, 'a', who.auditorOfA, 'auditor');
  register(a.admins[0]!, 'a', who.registrarOfA, 'registrar');
  register(c.admins[0]!, 'c', who.registrarOfC, 'registrar');
  assert.equal(chain.run(holder, 'did', 'create', {}).code, 'OK');
  return { chain, who };
}

test('the matrix names every action the chain runs', () => {
  const registry = createModuleRegistry(builtinModules);
  const actions = registry.modules.flatMap((m) => Object.keys(m.actions).map((a) => `${m.name}.${a}`)).sort();
  assert.deepEqual(Object.keys(MATRIX).sort(), actions);
  for (const m of registry.modules) {
    for (const [name, def] of Object.entries(m.actions)) {
      const row = MATRIX[`${m.name}.${name}`]!;
      if (def.access === 'anyone') assert.ok(row.public || Object.keys(row.refused).length > 0, `${m.name}.${name} is open to anyone: say why, or list the object-level refusals`);
      else assert.ok(Object.keys(row.refused).length > 0, `${m.name}.${name} needs at least one refused signer`);
    }
  }
});

/** Run every refusal of the matrix on `chain`; the failures, as sentences. */
function checkMatrix(chain: TestChain, who: Record<Who, KeyPair>): { failures: string[]; checked: number } {
  const failures: string[] = [];
  let checked = 0;
  for (const [action, row] of Object.entries(MATRIX)) {
    const [module, name] = action.split('.') as [string, string];
    for (const [w, code] of Object.entries(row.refused) as [Who, string][]) {
      const before = new Map(chain.state);
      const result = chain.run(who[w], module, name, row.args);
      checked++;
      if (result.code !== code) failures.push(`${action} signed by ${w}: expected ${code}, got ${result.code} (${result.message ?? ''})`);
      const changed = [...new Set([...before.keys(), ...chain.state.keys()])].filter((k) => JSON.stringify(before.get(k)) !== JSON.stringify(chain.state.get(k)));
      if (JSON.stringify(changed) !== JSON.stringify([accountKey(who[w].publicKey)])) failures.push(`${action} signed by ${w} changed ${changed.join(', ')}`);
    }
  }
  return { failures, checked };
}

test('for every action, a signer without the right is refused with its code and nothing changes but its nonce', () => {
  const { chain, who } = setup();
  const { failures, checked } = checkMatrix(chain, who);
  assert.deepEqual(failures, []);
  assert.ok(checked >= 20, `checked ${checked} refusals`);
});

test('negative control: the matrix catches an action planted open to anyone', () => {
  const validators = builtinModules.find((m) => m.name === 'validators')!;
  const planted = { ...validators, actions: { ...validators.actions, propose: { ...validators.actions.propose!, access: 'anyone' as const } } };
  const modules = builtinModules.map((m) => (m === validators ? planted : m));
  const { chain, who } = setup();
  const faulty = createTestChain(chain.genesis, modules);
  // Bring the faulty chain to the same membership as the real one.
  for (const [k, v] of chain.state) faulty.state.set(k, v);
  faulty.skip(chain.height);
  const { failures } = checkMatrix(faulty, who);
  assert.ok(failures.some((f) => f.startsWith('validators.propose signed by stranger')), failures.join('\n'));
});

test('replayed transactions and transactions for another chain are refused and change nothing', () => {
  const { chain, who } = setup();
  const first = chain.run(who.stranger, 'notary', 'anchor', { hash: hex() });
  assert.equal(first.code, 'OK');
  const before = new Map(chain.state);
  const replay = chain.run(who.stranger, 'notary', 'anchor', { hash: hex() }, { nonce: 0 });
  assert.equal(replay.code, 'TX_NONCE_USED');
  const other = chain.run(who.stranger, 'notary', 'anchor', { hash: hex() }, { chainId: 'polity-elsewhere' });
  assert.equal(other.code, 'TX_WRONG_CHAIN');
  assert.deepEqual([...chain.state.entries()], [...before.entries()], 'neither changed anything, not even the nonce');
});
