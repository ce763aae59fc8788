/**
 * Old blocks stay replayable (spec/operations.md, "Rules versions"): a node
 * that syncs a chain from genesis re-executes every block and must reproduce
 * each header's resultsRoot and stateRoot. test/fixtures/release-0.1.0-gov is
 * a chain made by release 0.1.0 (commit 44c84b7) whose blocks hold what this
 * release does differently: a governance proposal with a voting period in
 * blocks, `setParameter votingBlocks`, a validator set proposed on a
 * one-validator chain (refused then), an organisation operation pending for
 * OP_LIFETIME blocks. Its genesis names no rules version (= 1), so this
 * release must replay it with release 0.1.0's rules, through the chain
 * core's validateBlock as a syncing node does.
 */
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, verifyBytes, type KeyPair } from '../src/crypto/ed25519.js';
import { signTx } from '../src/ledger/sign.js';
import { DEFAULT_PARAMS, parseGenesis } from '../src/ledger/genesis.js';
import { decodeTx, txSignMessage, type DecodedTx } from '../src/ledger/transaction.js';
import { buildBlock, validateBlock, type BlockBody } from '../src/runtime/chain-core.js';
import { createModuleRegistry } from '../src/runtime/registry.js';
import { createChainState } from '../src/node/chain-state.js';
import { createLogger } from '../src/node/log.js';
import { createChainStore } from '../src/storage/chain-store.js';
import { createMemoryStore } from '../src/storage/memory-store.js';
import { SERVICES } from '../src/services/index.js';
import { freePort, tempDir } from './helpers.js';
import { builtinModules } from '../src/services/index.js';
import { createTestChain, testGenesis, testOrg } from '../src/services/test-chain.js';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/release-0.1.0-gov/node-data', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));

test("release 0.1.0's chain with gov, org and validators transactions replays from genesis with identical results and state roots", { timeout: 60_000 }, async () => {
  const root = await tempDir('polity-rules-replay-');
  await cp(FIXTURE, root, { recursive: true });
  const genesis = parseGenesis(JSON.parse(await readFile(join(root, 'genesis.json'), 'utf8')));
  assert.equal(genesis.params.rulesVersion, undefined, 'the fixture is a release 0.1.0 genesis (no rules version)');
  const registry = createModuleRegistry(SERVICES.map((s) => s.module));
  const silent = createLogger('silent');
  const old = await createChainState({ store: createChainStore(join(root, 'chain')), genesis, registry, log: silent });
  const fresh = await createChainState({ store: createMemoryStore(), genesis, registry, log: silent });
  try {
    assert.ok(old.height >= 8, `the fixture holds ${old.height} blocks`);
    const verified = (d: DecodedTx): boolean => verifyBytes(d.tx.body.signer, txSignMessage(d.idBytes), d.tx.sig);
    const codes: string[] = [];
    for (let h = 1; h <= old.height; h++) {
      const block = (await old.getBlock(h))!;
      const body: BlockBody = { header: block.header, txs: block.txs, ...(block.lastCommit ? { lastCommit: block.lastCommit } : {}) };
      const verdict = validateBlock(fresh.context, fresh.head(), body, verified, verifyBytes);
      const results = (await old.getResults(h))!;
      if (!verdict.ok) {
        // What this release makes of the block, beside what release 0.1.0 recorded.
        const txs = block.txs.map((t) => decodeTx(t));
        const mine = buildBlock(fresh.context, fresh.head(), { txs, time: block.header.time, proposer: block.header.proposer, ...(block.lastCommit ? { lastCommit: block.lastCommit } : {}) });
        console.log(`block ${h}: ${verdict.reason}`);
        console.log(`  release 0.1.0: ${JSON.stringify(results.map((r) => [r.code, r.message ?? '']))}`);
        console.log(`  this release:  ${JSON.stringify(mine.exec.results.map((r) => [r.code, r.message ?? '']))}`);
      }
      assert.ok(verdict.ok, `block ${h} does not replay: ${verdict.ok ? '' : verdict.reason}`);
      assert.deepEqual(verdict.built.exec.results, results, `block ${h}: results`);
      codes.push(...results.map((r) => r.code));
      await fresh.commit(verdict.built, block.certificate, []);
    }
    assert.equal(fresh.stateRoot(), old.stateRoot());
    console.log(`replayed ${old.height} blocks of release 0.1.0; results ${codes.join(' ')}; state root ${fresh.stateRoot().slice(0, 16)}…`);
  } finally {
    await fresh.close();
    await old.close();
  }
});

test('sharing under rules version 1: requestErasure is an unknown action and erase takes no erasure, as in release 0.1.0; version 2 has both', () => {
  const a = testOrg('a');
  const v1 = createTestChain(testGenesis([a], { params: { ...DEFAULT_PARAMS } }), builtinModules);
  const v2 = createTestChain(testGenesis([a]), builtinModules);
  const citizen = generateKeyPair();
  const erase = { recordId: 'ab'.repeat(32), reason: 'subject-request', erasure: 'cd'.repeat(32) };
  const r1 = v1.run(citizen, 'sharing', 'requestErasure', {});
  assert.deepEqual([r1.code, r1.message], ['TX_UNKNOWN_ACTION', 'no action sharing.requestErasure']);
  const e1 = v1.run(a.admins[0]!, 'sharing', 'erase', erase);
  assert.deepEqual([e1.code, e1.message], ['TX_ARGS_INVALID', 'sharing.erase arguments: /erasure: Unexpected property']);
  assert.equal(v2.run(citizen, 'sharing', 'requestErasure', {}).code, 'TX_ARGS_INVALID', 'known, its arguments checked');
  assert.notEqual(v2.run(a.admins[0]!, 'sharing', 'erase', erase).code, 'TX_ARGS_INVALID');
});

test("this release runs release 0.1.0's chain under its rules, admits what they admit, and moves it up by governance from the next block", { timeout: 120_000 }, async () => {
  const root = await tempDir('polity-rules-node-');
  await cp(join(FIXTURE, '..'), root, { recursive: true });
  const dir = join(root, 'node-data');
  const key = async (path: string): Promise<KeyPair> => JSON.parse(await readFile(path, 'utf8')) as KeyPair;
  const [admin, admin2, second] = await Promise.all([key(join(dir, 'admin-key.json')), key(join(root, 'keys', 'admin2.json')), key(join(root, 'keys', 'second-admin.json'))]);
  const genesis = parseGenesis(JSON.parse(await readFile(join(dir, 'genesis.json'), 'utf8')));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  const proc = spawn(process.execPath, [BIN, 'start', '--data', dir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (b: Buffer) => log.push(b.toString()));
  proc.stderr!.on('data', (b: Buffer) => log.push(b.toString()));
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`${base}/v1/status`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || proc.exitCode !== null) assert.fail(`the node did not start: ${log.join('').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 150));
    }
    const submit = async (k: KeyPair, action: string, args: Record<string, unknown>): Promise<{ code: string; message?: string; txId: string; events: { type: string }[] }> => {
      const { nonce } = (await (await fetch(`${base}/v1/accounts/${k.publicKey}`)).json()) as { nonce: number };
      const tx = signTx({ v: 1, chainId: genesis.chainId, module: 'gov', action, args: args as never, signer: k.publicKey, nonce }, k.secretKey);
      const done = (await (await fetch(`${base}/v1/tx?wait=commit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx) })).json()) as { result?: { code: string; message?: string; events: { type: string }[] }; txId?: string; code?: string; message?: string };
      return done.result ? { ...done.result, txId: done.txId! } : { code: done.code!, message: done.message!, txId: '', events: [] };
    };
    const change = { type: 'grantPermission', org: 'second', module: 'notary' };
    // Version 1: a period in blocks is admitted and executes; one in time is refused at the door.
    assert.equal((await submit(admin, 'propose', { change, votingBlocks: 30 })).code, 'OK');
    assert.equal((await submit(admin, 'propose', { change, votingSeconds: 3600 })).code, 'TX_ARGS_INVALID');
    // The consortium moves the chain to version 2: pilot-department's two admins and second's.
    const up = await submit(admin, 'propose', { change: { type: 'upgradeRules', version: 2 } });
    assert.equal(up.code, 'OK', up.message);
    assert.equal((await submit(admin2, 'vote', { id: up.txId, approve: true })).code, 'OK');
    const last = await submit(second, 'vote', { id: up.txId, approve: true });
    assert.ok(last.events.some((e) => e.type === 'gov.executed'), JSON.stringify(last));
    const rules = (await (await fetch(`${base}/v1/state?key=gov%2Frules`)).json()) as { value?: { version: number; fromHeight: number } };
    assert.equal(rules.value?.version, 2, JSON.stringify(rules));
    console.log(`gov/rules after the upgrade: ${JSON.stringify(rules.value)}`);
    // From the next block: time, not blocks.
    assert.equal((await submit(admin, 'propose', { change, votingSeconds: 3600 })).code, 'OK');
    assert.equal((await submit(admin, 'propose', { change, votingBlocks: 30 })).code, 'TX_ARGS_INVALID');
  } finally {
    proc.kill('SIGTERM');
    if (proc.exitCode === null) await new Promise((r) => proc.once('exit', r));
  }
});
