import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { generateKeyPair } from '../crypto/ed25519.js';
import { decodeTx } from '../ledger/transaction.js';
import { signTx } from '../ledger/sign.js';
import { PolityError } from '../ledger/errors.js';
import { executeBlock, nextNonce } from './executor.js';
import { createModuleRegistry } from './registry.js';
import { defineAction, type ModuleDefinition } from './module.js';

const counter: ModuleDefinition = {
  name: 'counter',
  description: 'test module',
  state: { owns: ['counter', 'log/'] },
  actions: {
    add: defineAction({
      access: 'anyone',
      args: Type.Object({ by: Type.Integer({ minimum: 1 }) }),
      description: 'add, failing past 10 after writing',
      execute(ctx, args) {
        const v = ((ctx.get('counter') as number | undefined) ?? 0) + args.by;
        ctx.set('counter', v);
        ctx.set(`log/${ctx.txIndex}`, ctx.height);
        if (v > 10) throw new PolityError('BAD_REQUEST', 'counter would pass 10');
        ctx.emit({ type: 'added', value: v });
      },
    }),
  },
};
const registry = createModuleRegistry([counter]);
const k = generateKeyPair();
const tx = (nonce: number, args: object, over: object = {}) =>
  decodeTx(signTx({ v: 1, chainId: 'c', module: 'counter', action: 'add', args: args as never, signer: k.publicKey, nonce, ...over }, k.secretKey));
const empty = { get: () => undefined };

test('a failed transaction changes no module state, but its nonce advances', () => {
  const exec = executeBlock(registry, empty, { chainId: 'c', height: 1, time: 1, validators: [] }, [tx(0, { by: 4 }), tx(1, { by: 9 }), tx(2, { by: 3 })]);
  assert.deepEqual(exec.results.map((r) => r.code), ['OK', 'BAD_REQUEST', 'OK']);
  assert.equal(exec.changes.get('counter'), 7);
  assert.equal(exec.changes.has('log/1'), false, 'writes of the failed transaction are discarded');
  assert.equal(nextNonce({ get: (key) => exec.changes.get(key) ?? undefined }, k.publicKey), 3);
  assert.deepEqual(exec.results[0]!.events, [{ type: 'added', value: 4 }]);
  assert.equal(exec.results[1]!.message, 'counter would pass 10');
});

test('wrong nonce, wrong chain, expiry, unknown module/action and bad args are failed results', () => {
  const bad = [
    tx(5, { by: 1 }),
    tx(0, { by: 1 }, { chainId: 'other' }),
    tx(0, { by: 1 }, { expiresAt: 1 }),
    decodeTx(signTx({ v: 1, chainId: 'c', module: 'nope', action: 'add', args: {}, signer: k.publicKey, nonce: 0 }, k.secretKey)),
    decodeTx(signTx({ v: 1, chainId: 'c', module: 'counter', action: 'nope', args: {}, signer: k.publicKey, nonce: 1 }, k.secretKey)),
    tx(2, { by: 0 }),
  ];
  const exec = executeBlock(registry, empty, { chainId: 'c', height: 2, time: 1, validators: [] }, bad);
  assert.deepEqual(exec.results.map((r) => r.code), ['TX_NONCE_USED', 'TX_WRONG_CHAIN', 'TX_EXPIRED', 'TX_UNKNOWN_MODULE', 'TX_UNKNOWN_ACTION', 'TX_ARGS_INVALID']);
  assert.equal(exec.changes.has('counter'), false);
});

test('execution is deterministic: same block, same results and writes', () => {
  const txs = [tx(0, { by: 2 }), tx(1, { by: 20 }), tx(2, { by: 1 })];
  const a = executeBlock(registry, empty, { chainId: 'c', height: 3, time: 9, validators: [] }, txs);
  const b = executeBlock(registry, empty, { chainId: 'c', height: 3, time: 9, validators: [] }, txs);
  assert.deepEqual(a, b);
});

test('a bug in a module (a non-domain error) crashes rather than diverging', () => {
  const buggy = createModuleRegistry([
    { name: 'buggy', description: '', state: { owns: [] }, actions: { go: defineAction({ access: 'anyone', args: Type.Object({}), description: '', execute: () => { throw new TypeError('oops'); } }) } },
  ]);
  const t = decodeTx(signTx({ v: 1, chainId: 'c', module: 'buggy', action: 'go', args: {}, signer: k.publicKey, nonce: 0 }, k.secretKey));
  assert.throws(() => executeBlock(buggy, empty, { chainId: 'c', height: 1, time: 1, validators: [] }, [t]), /oops/);
});

test('a module writes only its own keys (and those of modules it declares): a write elsewhere is a bug that crashes', () => {
  const registryOf = (owns: string[], writesOf: string[] = []) =>
    createModuleRegistry([
      { ...counter, state: { owns, writesOf } },
      { name: 'other', description: '', state: { owns: ['other/'] }, actions: {} },
    ]);
  const block = (r: ReturnType<typeof registryOf>) => executeBlock(r, empty, { chainId: 'c', height: 1, time: 1, validators: [] }, [tx(0, { by: 1 })]);
  assert.equal(block(registryOf(['counter', 'log/'])).results[0]!.code, 'OK');
  // Negative controls: the same action with a planted hole in its declaration is stopped, not committed.
  assert.throws(() => block(registryOf(['counter'])), /invariant broken: counter.add wrote "log\/0", outside the keys of counter/);
  assert.throws(() => block(registryOf(['log/'])), /wrote "counter"/);
  assert.throws(() => block(registryOf(['counter/', 'log/'])), /wrote "counter"/, 'a prefix "counter/" does not own the exact key "counter"');
});

test("writing another module's keys needs that module named in writesOf", () => {
  const other: ModuleDefinition = { name: 'other', description: '', state: { owns: ['other/'] }, actions: {} };
  const writer = (writesOf: string[]): ModuleDefinition => ({
    name: 'writer',
    description: '',
    state: { owns: ['writer/'], writesOf },
    actions: { go: defineAction({ access: 'anyone', args: Type.Object({}), description: '', execute: (ctx) => ctx.set('other/x', 1) }) },
  });
  const t = decodeTx(signTx({ v: 1, chainId: 'c', module: 'writer', action: 'go', args: {}, signer: k.publicKey, nonce: 0 }, k.secretKey));
  const run = (writesOf: string[]) => executeBlock(createModuleRegistry([other, writer(writesOf)]), empty, { chainId: 'c', height: 1, time: 1, validators: [] }, [t]);
  assert.equal(run(['other']).changes.get('other/x'), 1);
  assert.throws(() => run([]), /writer.go wrote "other\/x", outside the keys of writer/);
  assert.throws(() => createModuleRegistry([writer(['missing'])]), /writes the keys of missing, which this chain does not run/);
});
