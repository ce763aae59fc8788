/**
 * Intake in the verification pool's workers (decode, canonical encoding,
 * hash, signature off the main thread) gives exactly the answers of the
 * inline path: the same ids, the same order, the same refusals with the same
 * codes and messages — for good transactions, bad signatures, malformed and
 * oversized values, another chain's transactions and failed state checks.
 * Its queue is bounded (NODE_BUSY beyond it, at once), and closing the pool
 * answers what was in flight, so nothing waits on a worker that is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { generateKeyPair } from '../crypto/ed25519.js';
import { signTx } from '../ledger/sign.js';
import { verifyBytes } from '../crypto/ed25519.js';
import { decodeTx, txSignMessage, type TxBody } from '../ledger/transaction.js';
import { defineAction, type ModuleDefinition } from '../runtime/module.js';
import { createModuleRegistry } from '../runtime/registry.js';
import { createAdmission, type SubmitOutcome, type TxVerifier } from './admission.js';
import { createVerifyPool } from './verify-pool.js';

const kv: ModuleDefinition = {
  name: 'kv',
  description: 'a key-value store for tests',
  state: { owns: ['kv/'] },
  actions: {
    put: defineAction({
      access: 'anyone',
      args: Type.Object({ key: Type.String(), value: Type.String() }),
      description: 'write kv/<key>',
      execute: (ctx, args) => ctx.set(`kv/${args.key}`, args.value),
    }),
  },
};
const registry = createModuleRegistry([kv]);
const alice = generateKeyPair();
const bob = generateKeyPair();
/** Carol has used nonces 0 to 2 on the chain. */
const carol = generateKeyPair();

const body = (over: Partial<TxBody> & { nonce: number }): TxBody => ({ v: 1, chainId: 'test', module: 'kv', action: 'put', args: { key: `k${over.nonce}`, value: 'v' }, signer: alice.publicKey, ...over });

/** A submission mixing every kind of answer, in an order that interleaves them. */
function mixedSubmission(): unknown[] {
  const values: unknown[] = [];
  for (let n = 0; n < 40; n++) values.push(signTx(body({ nonce: n }), alice.secretKey)); // good, consecutive nonces
  const bad = signTx(body({ nonce: 40 }), alice.secretKey);
  values.splice(7, 0, { ...bad, sig: bad.sig.slice(0, 126) + (bad.sig.endsWith('0') ? '1' : '0') }); // bad signature
  values.splice(3, 0, signTx(body({ nonce: 0, signer: bob.publicKey }), alice.secretKey)); // signed by the wrong key
  values.splice(11, 0, { body: body({ nonce: 1 }) }); // no sig
  values.splice(12, 0, 'not a transaction');
  values.splice(13, 0, null);
  values.splice(14, 0, { ...signTx(body({ nonce: 2 }), alice.secretKey), extra: 1 });
  values.splice(15, 0, signTx(body({ nonce: 3, args: { key: 'x'.repeat(20_000), value: 'v' } }), alice.secretKey)); // too large
  values.splice(16, 0, signTx(body({ nonce: 0, chainId: 'other' }), bob.secretKey)); // another chain
  values.splice(17, 0, { body: body({ nonce: 0, chainId: 'other', signer: bob.publicKey }), sig: '00'.repeat(64) }); // another chain, bad sig
  values.splice(18, 0, signTx(body({ nonce: 0, signer: bob.publicKey, action: 'nope' }), bob.secretKey)); // unknown action
  values.splice(19, 0, signTx(body({ nonce: 0, signer: bob.publicKey, module: 'nope' }), bob.secretKey)); // unknown module
  values.splice(20, 0, signTx(body({ nonce: 0, signer: bob.publicKey, args: { key: 1 } as never }), bob.secretKey)); // bad args
  values.splice(21, 0, signTx(body({ nonce: 0, signer: bob.publicKey, expiresAt: 3 }), bob.secretKey)); // expired at height 5
  values.splice(22, 0, { body: body({ nonce: 5, signer: bob.publicKey, args: { key: '\ud800', value: 'v' } }), sig: '00'.repeat(64) }); // lone surrogate: no canonical form
  values.push(signTx(body({ nonce: 0, signer: bob.publicKey }), bob.secretKey)); // good, another signer
  values.push(signTx(body({ nonce: 0 }), alice.secretKey)); // a duplicate of the first
  values.push(signTx(body({ nonce: 1, signer: carol.publicKey }), carol.secretKey)); // nonce used
  return values;
}

async function outcomesWith(verifier: TxVerifier, values: readonly unknown[]): Promise<SubmitOutcome[]> {
  const admission = createAdmission({
    chain: { chainId: 'test', height: 5, nextNonce: (signer) => (signer === carol.publicKey ? 3 : 0) },
    registry,
    verifier,
    verifiedIdsMax: 0,
    workAvailable: () => {},
    now: () => 0,
  });
  return admission.submit(values);
}

test('admission gives the same outcomes inline, through inline intake and through intake in worker threads', async () => {
  const values = mixedSubmission();
  const inline = await outcomesWith({ verify: async (d) => verifyBytes(d.tx.body.signer, txSignMessage(d.idBytes), d.tx.sig) }, values);
  const codes = new Set(inline.map((o) => (o.status === 'rejected' ? o.code : 'accepted')));
  for (const code of ['accepted', 'TX_BAD_SIGNATURE', 'TX_MALFORMED', 'TX_TOO_LARGE', 'TX_WRONG_CHAIN', 'TX_UNKNOWN_ACTION', 'TX_UNKNOWN_MODULE', 'TX_ARGS_INVALID', 'TX_EXPIRED', 'TX_DUPLICATE', 'TX_NONCE_USED']) {
    assert.ok(codes.has(code), `the submission exercises ${code} (got ${[...codes].join(', ')})`);
  }
  for (const workers of [0, 2]) {
    const pool = createVerifyPool(workers);
    try {
      assert.ok(pool.intake, 'the pool offers intake');
      const through = await outcomesWith(pool, values);
      assert.deepEqual(through, inline, `${workers} workers: same outcomes, same order`);
    } finally {
      await pool.close();
    }
  }
});

test('intake in workers answers a large submission in order, split across workers, identical to inline intake', async () => {
  const values = Array.from({ length: 2_500 }, (_, n) => signTx(body({ nonce: n, args: { key: `k${n}`, value: 'v'.repeat(n % 50) } }), n % 2 ? alice.secretKey : bob.secretKey));
  const workers = createVerifyPool(2);
  const inline = createVerifyPool(0);
  try {
    const [a, b] = await Promise.all([workers.intake(values, 'test'), inline.intake(values, 'test')]);
    assert.deepEqual(a, b);
    assert.equal(a.filter((r) => r.status === 'valid').length, 2_500 / 2, 'the ones signed by the body signer verify');
    for (let i = 0; i < values.length; i++) {
      const r = a[i]!;
      assert.ok(r.status !== 'refused');
      assert.equal(r.decoded.tx, values[i], 'the decoded transaction holds the caller\'s own value');
    }
  } finally {
    await workers.close();
    await inline.close();
  }
});

test('small submissions in the same turn travel to the workers together, and each gets its own answers, as inline', async () => {
  // One value per submission mostly (a client's transaction), some of two or three, some for another chain id:
  // every one of the mixed submission's answers, asked one by one at once.
  const values = mixedSubmission();
  const submissions: { values: unknown[]; chainId: string | null }[] = [];
  for (let i = 0; i < values.length; ) {
    const size = i % 7 === 0 ? 3 : i % 5 === 0 ? 2 : 1;
    submissions.push({ values: values.slice(i, i + size), chainId: i % 11 === 0 ? 'other' : i % 13 === 0 ? null : 'test' });
    i += size;
  }
  const workers = createVerifyPool(2);
  const inline = createVerifyPool(0);
  try {
    const [a, b] = await Promise.all([
      Promise.all(submissions.map((s) => workers.intake(s.values, s.chainId))),
      Promise.all(submissions.map((s) => inline.intake(s.values, s.chainId))),
    ]);
    assert.deepEqual(a, b);
    assert.ok(a.flat().some((r) => r.status === 'valid') && a.flat().some((r) => r.status === 'other-chain') && a.flat().some((r) => r.status === 'decoded'), 'answers of every chain id came back');
    submissions.forEach((s, k) => {
      assert.equal(a[k]!.length, s.values.length, `submission ${k}: one answer per value`);
      a[k]!.forEach((r, i) => r.status !== 'refused' && assert.equal(r.decoded.tx, s.values[i], `submission ${k}: its own values`));
    });
  } finally {
    await workers.close();
    await inline.close();
  }
});

test('intake is bounded: values beyond intakeTxsMax are refused with NODE_BUSY at once, and room returns', async () => {
  const values = Array.from({ length: 60 }, (_, n) => signTx(body({ nonce: n }), alice.secretKey));
  for (const workers of [0, 1]) {
    const pool = createVerifyPool(workers, { intakeTxsMax: 100 });
    try {
      if (workers === 0) {
        const over = await pool.intake([...values, ...values], 'test');
        assert.ok(over.every((r) => r.status === 'refused' && r.code === 'NODE_BUSY'), 'inline: a submission over the bound is refused');
        continue;
      }
      const first = pool.intake(values, 'test');
      assert.equal(pool.intakeInFlight, 60);
      const second = await pool.intake(values, 'test');
      assert.ok(second.every((r) => r.status === 'refused' && r.code === 'NODE_BUSY' && /retry shortly/.test(r.message)), 'workers: the second submission is refused while the first is in flight');
      assert.ok((await first).every((r) => r.status === 'valid'));
      assert.equal(pool.intakeInFlight, 0);
      assert.ok((await pool.intake(values, 'test')).every((r) => r.status === 'valid'), 'room returns once the first is answered');
    } finally {
      await pool.close();
    }
  }
});

test('closing the pool answers intake in flight and refuses what comes after', async () => {
  const values = Array.from({ length: 3_000 }, (_, n) => signTx(body({ nonce: n }), alice.secretKey));
  const pool = createVerifyPool(2);
  const inFlight = pool.intake(values, 'test');
  await pool.close();
  const answered = await inFlight;
  assert.equal(answered.length, values.length);
  assert.ok(answered.every((r) => r.status === 'valid' || (r.status === 'refused' && r.code === 'NODE_BUSY')));
  const after = await pool.intake(values.slice(0, 3), 'test');
  assert.ok(after.every((r) => r.status === 'refused' && r.code === 'NODE_BUSY' && r.message === 'the node is shutting down'));
  const inline = createVerifyPool(0);
  await inline.close();
  assert.ok((await inline.intake(values.slice(0, 3), 'test')).every((r) => r.status === 'refused' && r.code === 'NODE_BUSY'));
});

test("a peer's block: its transactions are decoded in the workers, and the same ones verify as inline, each signature checked once", async () => {
  const good = Array.from({ length: 30 }, (_, n) => signTx(body({ nonce: n }), alice.secretKey));
  const badSig = { ...signTx(body({ nonce: 99 }), alice.secretKey), sig: good[14]!.sig }; // a body no other transaction in the block has
  const block: unknown[] = [...good.slice(0, 10), badSig, 'malformed', { body: {}, sig: 'x' }, ...good.slice(10)];
  const verdicts = async (verifier: TxVerifier): Promise<{ verdicts: boolean[]; verifyCalls: number }> => {
    let verifyCalls = 0;
    const counting: TxVerifier = { verify: (d) => (verifyCalls++, verifier.verify(d)), ...(verifier.intake ? { intake: verifier.intake.bind(verifier) } : {}) };
    const admission = createAdmission({ chain: { chainId: 'test', height: 5, nextNonce: () => 0 }, registry, verifier: counting, verifiedIdsMax: 1000, workAvailable: () => {}, now: () => 0 });
    // The first five arrived by gossip and were verified then.
    const admitted = await admission.submit(good.slice(0, 5), { fromPeer: true });
    assert.ok(admitted.every((o) => o.status === 'accepted'));
    const before = verifyCalls;
    const verified = await admission.verifyBlockTxs(block);
    const decoded = block.map((v) => {
      try {
        return decodeTx(v);
      } catch {
        return undefined;
      }
    });
    // The decoded transactions come back by index, for block validation not to decode them again: the same ids, the caller's own values.
    assert.deepEqual(verified.decoded.map((d) => d?.id), decoded.map((d) => d?.id));
    verified.decoded.forEach((d, i) => d && assert.equal(d.tx, block[i]));
    return { verdicts: decoded.map((d) => (d ? verified(d) : false)), verifyCalls: verifyCalls - before };
  };
  const inline = await verdicts({ verify: async (d) => verifyBytes(d.tx.body.signer, txSignMessage(d.idBytes), d.tx.sig) });
  assert.deepEqual(inline.verdicts, block.map((v) => good.includes(v as never)));
  for (const workers of [0, 2]) {
    const pool = createVerifyPool(workers);
    try {
      const through = await verdicts(pool);
      assert.deepEqual(through.verdicts, inline.verdicts, `${workers} workers: the same verdicts`);
      assert.equal(through.verifyCalls, 26, `${workers} workers: signatures verified at admission are not checked again`);
    } finally {
      await pool.close();
    }
  }
  // Verified at admission: not checked again (30 good + 1 bad, less the 5 seen before).
  assert.equal(inline.verifyCalls, 26);
});

test("settled() waits for the peers' submissions in progress, not for the clients'", async () => {
  const release: (() => void)[] = [];
  const verifier: TxVerifier = { verify: (d) => new Promise((resolve) => release.push(() => resolve(verifyBytes(d.tx.body.signer, txSignMessage(d.idBytes), d.tx.sig)))) };
  const admission = createAdmission({ chain: { chainId: 'test', height: 5, nextNonce: () => 0 }, registry, verifier, verifiedIdsMax: 10, workAvailable: () => {}, now: () => 0 });
  const [fromPeer, fromClient] = [0, 1].map((n) => signTx(body({ nonce: n }), alice.secretKey));
  const client = admission.submit([fromClient]);
  let settled = false;
  await admission.settled();
  settled = true;
  assert.ok(settled, "a client's submission in progress is not waited for");
  const peer = admission.submit([fromPeer], { fromPeer: true });
  const waiting = admission.settled().then(() => (settled = true));
  settled = false;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settled, false, "a peer's submission in progress is waited for");
  for (const r of release) r();
  await Promise.all([client, peer, waiting]);
  assert.equal(settled, true);
  assert.ok(admission.has(decodeTx(fromPeer).id), "then the peer's transaction is in the mempool");
});

test('verified transactions are remembered in two generations: when the bound is reached the older half goes, never the latest ones', async () => {
  const txs = Array.from({ length: 5 }, (_, n) => signTx(body({ nonce: n }), alice.secretKey));
  let verifyCalls = 0;
  const verifier: TxVerifier = { verify: async (d) => (verifyCalls++, verifyBytes(d.tx.body.signer, txSignMessage(d.idBytes), d.tx.sig)) };
  const admission = createAdmission({ chain: { chainId: 'test', height: 5, nextNonce: () => 0 }, registry, verifier, verifiedIdsMax: 4, workAvailable: () => {}, now: () => 0 });
  for (const tx of txs) assert.equal((await admission.submit([tx], { fromPeer: true }))[0]!.status, 'accepted');
  const recheck = async (block: unknown[]): Promise<number> => {
    const before = verifyCalls;
    const verified = await admission.verifyBlockTxs(block);
    assert.ok(verified.decoded.every((d) => d && verified(d)));
    return verifyCalls - before;
  };
  assert.equal(await recheck(txs.slice(2)), 0, 'the last three (the bound is four): none verified again');
  assert.equal(await recheck(txs.slice(0, 2)), 2, 'the first two were dropped with the older generation');
});

test("a peer's block carrying a body this node verified before, but with another (forged) signature: that transaction does not verify", async () => {
  const genuine = signTx(body({ nonce: 7 }), alice.secretKey);
  const other = signTx(body({ nonce: 8 }), alice.secretKey);
  const forged = { ...genuine, sig: other.sig }; // the same body, so the same transaction id, and a signature that is not over it
  for (const workers of [0, 2]) {
    const pool = createVerifyPool(workers);
    try {
      const admission = createAdmission({ chain: { chainId: 'test', height: 5, nextNonce: () => 0 }, registry, verifier: pool, verifiedIdsMax: 1000, workAvailable: () => {}, now: () => 0 });
      const admitted = await admission.submit([genuine], { fromPeer: true });
      assert.equal(admitted[0]!.status, 'accepted');
      const verified = await admission.verifyBlockTxs([forged]);
      assert.equal(decodeTx(forged).id, decodeTx(genuine).id);
      assert.equal(verified(decodeTx(forged)), false, `${workers} workers: a forged signature on a body verified before was taken as verified`);
      assert.equal(verified(decodeTx(genuine)), true);
    } finally {
      await pool.close();
    }
  }
});
