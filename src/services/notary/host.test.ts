/**
 * The notary host submits its batches through the mempool (host.ts): what
 * becomes of a batch transaction that expires, that fails on chain because
 * a contribution took its nonce, or that commits; and the refusal on a node
 * that reaches no validator. The node around it is faked: committed blocks
 * are handed to `afterCommit` by the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { generateKeyPair } from '../../crypto/ed25519.js';
import { signTx } from '../../ledger/sign.js';
import { decodeTx, type SignedTx } from '../../ledger/transaction.js';
import type { PolityError } from '../../ledger/errors.js';
import { createLogger } from '../../node/log.js';
import type { ChainReads, CommittedBlock } from '../../node/chain-state.js';
import type { HostContext } from '../../node/service-host.js';
import { tempDir, until } from '../../../test/helpers.js';
import { createNotaryHost } from './host.js';

const me = generateKeyPair();
const other = generateKeyPair();

async function world(options: { validators: string[]; linked?: string[] }) {
  const dir = await tempDir('polity-notary-host-');
  const chain = { height: 0, committedNonce: 0 };
  const submitted: SignedTx[] = [];
  const ctx: HostContext = {
    dataDir: dir,
    genesis: { params: { notaryBatchHashesMax: 1000 } } as never,
    nodeKey: me.publicKey,
    log: createLogger('silent'),
    chain: {
      get height() {
        return chain.height;
      },
      chainId: 'polity-test',
      nextNonce: () => chain.committedNonce,
      getState: () => undefined,
      validatorSetAt: () => ({ validators: options.validators.map((pubKey) => ({ pubKey, power: 1, name: 'v' })), fromHeight: 1 }),
    } as unknown as ChainReads,
    attachment: async () => undefined,
    workAvailable: () => {},
    running: () => true,
    signOwnTx: (body) => signTx({ v: 1, chainId: 'polity-test', ...body, signer: me.publicKey }, me.secretKey),
    submitOwnTx: async (tx) => {
      submitted.push(tx);
      return { txId: decodeTx(tx).id, status: 'accepted' };
    },
    peers: { connectedPeers: () => options.linked ?? [], request: async () => new Uint8Array() },
    keyAgreement: { publicKey: new Uint8Array(32), sharedSecret: () => new Uint8Array(32) },
  };
  const host = createNotaryHost(ctx, { merkleWorkers: 1 });
  await host.open!();
  /** Commit a block at the next height holding `txs` with these result codes. */
  const commit = (txs: { tx: SignedTx; code: string }[]): void => {
    chain.height++;
    const block = { txs: txs.map((t) => t.tx) } as unknown as CommittedBlock['block'];
    const results = txs.map((t) => ({ txId: decodeTx(t.tx).id, code: t.code, events: [] }));
    if (txs.some((t) => t.code === 'OK' && t.tx.body.signer === me.publicKey)) chain.committedNonce++;
    host.afterCommit!({ height: chain.height, hash: '00'.repeat(32), block, results, txs: [], changes: new Map() } as unknown as CommittedBlock);
  };
  return { host, submitted, commit, chain, close: async () => (await host.close!(), await rm(dir, { recursive: true, force: true })) };
}

const hashes = (n: number): string[] => Array.from({ length: n }, () => randomBytes(32).toString('hex'));

test('a batch goes to the mempool signed by the node with an expiry; expired, or failed for a taken nonce, it is submitted again; committed, it is found', async () => {
  const w = await world({ validators: [me.publicKey, other.publicKey] });
  try {
    const batch = hashes(5);
    await w.host.submitHashes(batch);
    const first = await until(() => w.submitted[0], 10_000, 'the batch transaction');
    assert.equal(first.body.module, 'notary');
    assert.equal(first.body.action, 'anchorBatch');
    assert.equal(first.body.signer, me.publicKey);
    assert.equal(first.body.nonce, 0);
    assert.equal(first.body.expiresAt, 32, 'it may be included up to 32 blocks after the head it was signed at');
    assert.equal((await w.host.lookup(batch[0]!)).status, 'pending');
    assert.equal(w.host.status!().notaryPendingHashes, 5, 'a batch in flight still counts as waiting');

    // Blocks without it, up to its last height: it is submitted again, at the same (still unused) nonce.
    for (let h = 1; h < 32; h++) w.commit([]);
    assert.equal(w.submitted.length, 1, 'not before its last height has passed');
    w.commit([]);
    const second = await until(() => w.submitted[1], 10_000, 'the batch submitted again');
    assert.equal(second.body.nonce, 0);
    assert.equal(second.body.expiresAt, 64);
    assert.equal(second.body.args.root, first.body.args.root, 'the same batch');

    // In a block, failed: a contribution of this node took its nonce. Submitted again.
    w.commit([{ tx: second, code: 'TX_NONCE_USED' }]);
    const third = await until(() => w.submitted[2], 10_000, 'the batch submitted after it failed');
    assert.equal(third.body.args.root, first.body.args.root);
    assert.equal((await w.host.lookup(batch[1]!)).status, 'pending');

    // Committed: anchored, found where it is.
    w.commit([{ tx: third, code: 'OK' }]);
    const [loc] = await w.host.locations([batch[4]!]);
    assert.deepEqual(loc, { height: w.chain.height, txIndex: 0, leafIndex: 4 });
    assert.equal(w.host.status!().notaryPendingHashes, 0);

    // The next batch runs on from the committed nonce.
    await w.host.submitHashes(hashes(3));
    const fourth = await until(() => w.submitted[3], 10_000, 'the next batch');
    assert.equal(fourth.body.nonce, 1);
  } finally {
    await w.close();
  }
});

test('a node that is no validator forwards batches while linked to one, and refuses them with NOTARY_NO_VALIDATOR when it reaches none', async () => {
  const linked = await world({ validators: [other.publicKey], linked: [other.publicKey] });
  try {
    assert.equal(await linked.host.submitHashes(hashes(2)), 2);
    await until(() => linked.submitted[0], 10_000, 'the forwarded batch');
  } finally {
    await linked.close();
  }
  const alone = await world({ validators: [other.publicKey], linked: [] });
  try {
    await assert.rejects(alone.host.submitHashes(hashes(2)), (e: PolityError) => e.code === 'NOTARY_NO_VALIDATOR');
    assert.equal(alone.host.status!().notaryPendingHashes, 0, 'nothing was queued');
  } finally {
    await alone.close();
  }
});
