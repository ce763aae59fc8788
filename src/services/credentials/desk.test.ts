/**
 * The issuing desk against a fake chain: the module's own execution of
 * `credentials.issue` and `setStatus` over an in-memory state, a fake clock
 * and admission that can refuse. Shows the rounds (consecutive nonces,
 * distinct status indexes, one submission at a time so a refusal leaves no
 * gap), the bounds (queue, per-caller rate) and that nothing is handed out
 * unless committed with OK — each with a planted fault the check catches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '../../crypto/ed25519.js';
import type { SignedTx } from '../../ledger/transaction.js';
import { isPolityError } from '../../ledger/errors.js';
import { bitOf, locate } from './status-list.js';
import { usedKey } from './module.js';
import { createDesk, type DeskDeps } from './desk.js';

const ORG = 'university';
const TYPE = 'UniversityDiploma';
const key = generateKeyPair();

/** A chain that knows one issuer official, one trusted type, and records issues by marking the slot used. */
function fakeChain(options: { refuseNonce?: number; failCode?: string; neverCommit?: boolean } = {}) {
  const state = new Map<string, unknown>();
  state.set(`member/${key.publicKey}`, { org: ORG, roles: ['issuer'], since: 0 });
  state.set(`org/${ORG}`, { id: ORG, name: 'University', status: 'active' });
  state.set(`credentials/type/${TYPE}`, { name: TYPE, title: 'Diploma', schema: { type: 'object' }, definedAt: { height: 1, txIndex: 0 } });
  state.set(`credentials/acc/${TYPE}/${ORG}`, [{ role: 'issuer', from: { height: 1, txIndex: 0 } }]);
  let nonce = 0;
  const submitted: SignedTx[] = [];
  const pending = new Map<string, SignedTx>();
  const deps: DeskDeps = {
    chainId: 'test',
    get: (k) => state.get(k) as never,
    nextNonce: () => nonce,
    async submit(tx) {
      if (tx.body.nonce === options.refuseNonce) {
        options.refuseNonce = undefined;
        return { ok: false, code: 'MEMPOOL_FULL', message: 'full' };
      }
      const expected = nonce + [...pending.values()].length;
      assert.equal(tx.body.nonce, expected, 'each transaction takes the next nonce, with no gap');
      submitted.push(tx);
      const id = `tx${submitted.length}`;
      pending.set(id, tx);
      return { ok: true, txId: id };
    },
    async committed(txId) {
      await new Promise((r) => setImmediate(r));
      const tx = pending.get(txId)!;
      pending.delete(txId);
      if (options.neverCommit) return undefined;
      nonce = Math.max(nonce, tx.body.nonce + 1);
      if (options.failCode) return { height: 2, code: options.failCode, message: 'refused' };
      return { height: 2, code: 'OK' };
    },
    now: () => 1_780_000_000_000,
    newId: (() => {
      let n = 0;
      return () => `urn:uuid:00000000-0000-4000-8000-${String(n++).padStart(12, '0')}`;
    })(),
    claimsProblem: (_schema, subject) => ((subject as { degree?: unknown }).degree === undefined ? '/degree' : undefined),
  };
  return { state, deps, submitted };
}

const request = { credentialType: TYPE, subject: { degree: 'MSc' } };

test('concurrent requests share rounds: consecutive nonces, distinct status indexes, each handed out once committed', async () => {
  const chain = fakeChain();
  const desk = createDesk({ key, statusBaseUrl: 'https://node.example' }, chain.deps);
  const issued = await Promise.all(Array.from({ length: 40 }, () => desk.issue(request)));
  assert.deepEqual(chain.submitted.map((t) => t.body.nonce), Array.from({ length: 40 }, (_, i) => i));
  assert.equal(new Set(issued.map((i) => i.index)).size, 40, 'every credential has its own index');
  assert.equal(new Set(issued.map((i) => i.hash)).size, 40);
  assert.equal(desk.stats().issued, 40);
  // Negative control: with one index planted as taken on the chain, the desk steps past it.
  const taken = issued[0]!.index;
  chain.state.set(usedKey(ORG, 0, locate(taken).page), 'ff'.repeat(512));
  assert.ok(bitOf(chain.state.get(usedKey(ORG, 0, locate(taken).page)), taken));
  const next = await desk.issue(request);
  assert.notEqual(locate(next.index).page, locate(taken).page, 'a full page of taken indexes is never chosen');
});

test('a refused submission leaves no nonce gap: the rest of the round waits for the next', async () => {
  const chain = fakeChain({ refuseNonce: 3 });
  const desk = createDesk({ key, statusBaseUrl: 'https://node.example' }, chain.deps);
  const results = await Promise.all(Array.from({ length: 8 }, () => desk.issue(request)));
  assert.equal(results.length, 8);
  assert.deepEqual(chain.submitted.map((t) => t.body.nonce), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test('nothing is handed out unless committed with OK: the chain\'s code, or CREDENTIALS_DESK_UNCONFIRMED', async () => {
  const refused = createDesk({ key, statusBaseUrl: 'https://node.example' }, fakeChain({ failCode: 'CREDENTIALS_ISSUER_UNTRUSTED' }).deps);
  await assert.rejects(refused.issue(request), (e) => isPolityError(e) && e.code === 'CREDENTIALS_ISSUER_UNTRUSTED');
  const lost = createDesk({ key, statusBaseUrl: 'https://node.example' }, fakeChain({ neverCommit: true }).deps);
  await assert.rejects(lost.issue(request), (e) => isPolityError(e) && e.code === 'CREDENTIALS_DESK_UNCONFIRMED');
});

test('bounds: a full queue answers CREDENTIALS_DESK_BUSY, a caller over its rate RATE_LIMITED; bad requests are refused before the queue', async () => {
  const desk = createDesk({ key, statusBaseUrl: 'https://node.example', queueMax: 4, batchMax: 1, callerRequestsMax: 2 }, fakeChain().deps);
  const waiting = Array.from({ length: 4 }, () => desk.issue(request));
  // The first round took one; four more fill the queue; the next is refused.
  const more = Array.from({ length: 1 }, () => desk.issue(request));
  await assert.rejects(desk.issue(request), (e) => isPolityError(e) && e.code === 'CREDENTIALS_DESK_BUSY');
  await Promise.all([...waiting, ...more]);
  desk.admit('alice');
  desk.admit('alice');
  assert.throws(() => desk.admit('alice'), (e) => isPolityError(e) && e.code === 'RATE_LIMITED');
  desk.admit('bob');
  assert.throws(() => desk.precheck({ ...request, subject: {} }), (e) => isPolityError(e) && e.code === 'CREDENTIALS_CLAIMS_INVALID');
  assert.throws(() => desk.precheck({ ...request, credentialType: 'DrivingLicence' }), (e) => isPolityError(e) && e.code === 'CREDENTIALS_TYPE_UNKNOWN');
  assert.throws(() => desk.precheck({ ...request, format: 'mdoc' }), (e) => isPolityError(e) && e.code === 'CREDENTIALS_INVALID');
  assert.equal(desk.mayUse(key.publicKey), true);
  assert.equal(desk.mayUse(generateKeyPair().publicKey), false);
});
