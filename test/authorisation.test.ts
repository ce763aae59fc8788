/**
 * The authorisation matrix (OWASP API Security 2023, API1 broken object-level
 * and API5 broken function-level authorisation): for every action of every
 * module the chain runs, signers without the right are refused with a clear
 * code and change nothing but their own nonce.
 *
 * Each service writes its rows beside its module
 * (src/services/<name>/authorisation.ts); the matrix is every registered
 * service's rows. It must name every action: a module that adds an action
 * without a row fails the first test, so no action ships unchecked.
 */
import { signConsent } from '../src/services/org/consent-sign.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { accountKey } from '../src/runtime/executor.js';
import { createModuleRegistry } from '../src/runtime/registry.js';
import type { ModuleDefinition } from '../src/runtime/module.js';
import { createTestChain, testGenesis, testOrg, type TestChain } from '../src/services/test-chain.js';
import type { AuthorisationRow, Who } from '../src/services/authorisation.js';
import type { ServiceDefinition } from '../src/services/service.js';
import { SERVICES } from '../src/services/index.js';

/** The matrix: every registered service's rows, keyed "module.action". */
function matrixOf(services: readonly ServiceDefinition<any>[]): Record<string, AuthorisationRow> {
  const out: Record<string, AuthorisationRow> = {};
  for (const s of services) for (const [action, row] of Object.entries(s.authorisation.rows)) out[`${s.module.name}.${action}`] = row;
  return out;
}
const MATRIX = matrixOf(SERVICES);
const hex = (): string => generateKeyPair().publicKey;
const modulesOf = (services: readonly ServiceDefinition<any>[]): ModuleDefinition[] => services.map((s) => s.module);

/** Three departments: a (with an auditor and a registrar), b, and c (permitted in notary only, with a registrar); then each service's fixture records. */
function setup(services: readonly ServiceDefinition<any>[] = SERVICES): { chain: TestChain; who: Record<Who, KeyPair> } {
  const [a, b, c] = [testOrg('a'), testOrg('b'), testOrg('c', 1, 1, { permissions: ['notary'] })];
  const chain = createTestChain(testGenesis([a, b, c]), modulesOf(services));
  const who: Record<Who, KeyPair> = {
    stranger: generateKeyPair(),
    auditorOfA: generateKeyPair(),
    registrarOfA: generateKeyPair(),
    adminOfB: b.admins[0]!,
    registrarOfC: generateKeyPair(),
    nodeOfA: a.nodes[0]!,
  };
  const register = (admin: KeyPair, org: string, key: KeyPair, role: string) =>
    assert.equal(chain.run(admin, 'org', 'propose', { org, op: { type: 'registerOfficial', key: key.publicKey, roles: [role], consent: signConsent({ chainId: chain.genesis.chainId, org, use: 'official', publicKey: key.publicKey, secretKey: key.secretKey }).signature } }).code, 'OK');
  register(a.admins[0]!, 'a', who.auditorOfA, 'auditor');
  register(a.admins[0]!, 'a', who.registrarOfA, 'registrar');
  register(c.admins[0]!, 'c', who.registrarOfC, 'registrar');
  for (const s of services) s.authorisation.setup?.(chain, who);
  return { chain, who };
}

test('the matrix names every action the chain runs', () => {
  const registry = createModuleRegistry(modulesOf(SERVICES));
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
function checkMatrix(chain: TestChain, who: Record<Who, KeyPair>, matrix: Record<string, AuthorisationRow> = MATRIX): { failures: string[]; checked: number } {
  const failures: string[] = [];
  let checked = 0;
  for (const [action, row] of Object.entries(matrix)) {
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
  const validators = SERVICES.find((s) => s.name === 'validators')!.module;
  const planted = { ...validators, actions: { ...validators.actions, propose: { ...validators.actions.propose!, access: 'anyone' as const } } };
  const modules = modulesOf(SERVICES).map((m) => (m === validators ? planted : m));
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

test('negative control: a service whose new action has no row fails the first check', () => {
  const notary = SERVICES.find((s) => s.name === 'notary')!;
  const withNewAction = { ...notary, module: { ...notary.module, actions: { ...notary.module.actions, revoke: notary.module.actions.anchor! } } };
  const services = SERVICES.map((s) => (s === notary ? withNewAction : s));
  const actions = createModuleRegistry(modulesOf(services)).modules.flatMap((m) => Object.keys(m.actions).map((a) => `${m.name}.${a}`));
  const missing = actions.filter((a) => !(a in matrixOf(services)));
  assert.deepEqual(missing, ['notary.revoke']);
});
