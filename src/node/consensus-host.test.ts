/**
 * The consensus host on the in-memory store, driven step by step: what
 * service hosts contribute is signed with the node key and its next nonces,
 * stored with its attachment, and settled (committed, failed, abandoned);
 * a BFT validator's write-ahead log keeps the block it proposed, and after
 * a restart the host hands the engine what it signed, keeps the block, and
 * re-sends what it said before.
 *
 * A small module defined here stands in for services: the node names none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { generateKeyPair, signBytes, verifyBytes, type KeyPair } from '../crypto/ed25519.js';
import { DEFAULT_PARAMS, type ChainParams, type Genesis, type Validator } from '../ledger/genesis.js';
import { PolityError } from '../ledger/errors.js';
import { proposerOf } from '../ledger/proposer.js';
import { signTx } from '../ledger/sign.js';
import { decodeTx, txSignMessage, type SignedTx } from '../ledger/transaction.js';
import { proposalSignBytes, voteSignBytes, type ConsensusMessage, type Vote } from '../ledger/votes.js';
import { createSoloEngine } from '../consensus/solo.js';
import { createTendermintEngine } from '../consensus/tendermint.js';
import { buildBlock, type BlockBody } from '../runtime/chain-core.js';
import { defineAction, type ModuleDefinition } from '../runtime/module.js';
import { createModuleRegistry } from '../runtime/registry.js';
import { createMemoryCommitRecord, createMemoryStore, createMemoryWal } from '../storage/memory-store.js';
import type { ChainStore, CommitRecordFile, ConsensusWal } from '../storage/interface.js';
import { signFromHeight } from './signing-guard.js';
import { createAdmission } from './admission.js';
import { createChainState, type ChainState, type CommittedBlock } from './chain-state.js';
import type { Timers } from './clock.js';
import { BODY_REFETCHES_MAX, CATCH_UP_AFTER_MS, STALE_PROPOSAL_MS, SYNC_DISTRUST_MS, createConsensusHost, type ConsensusHost, type ConsensusPeers } from './consensus-host.js';
import { createLogger } from './log.js';
import type { CompactBody } from './peer-protocol.js';
import type { Contribution, ContributionOutcome, ServiceHost } from './service-host.js';

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
    fail: defineAction({
      access: 'anyone',
      args: Type.Object({}),
      description: 'always fails',
      execute: () => {
        throw new PolityError('BAD_REQUEST', 'this action always fails');
      },
    }),
  },
};
const registry = createModuleRegistry([kv]);
const silent = createLogger('silent');
const GENESIS_TIME = 1_700_000_000_000;

/** Timers the test fires by hand. */
function manualTimers(): Timers & { fireAll(): void } {
  let pending: { run: () => void; live: boolean }[] = [];
  return {
    after(_delayMs, run) {
      const t = { run, live: true };
      pending.push(t);
      return { cancel: () => void (t.live = false) };
    },
    every: () => ({ cancel: () => {} }),
    fireAll() {
      const due = pending;
      pending = [];
      for (const t of due) if (t.live) t.run();
    },
  };
}

/** Let in-memory work finish: the host awaits nothing else. */
/** Four validators of equal power, and the key of the proposer of round 0 at `height`. */
function fourValidators(height = 1): { keys: KeyPair[]; validators: Validator[]; proposer: KeyPair } {
  const keys = Array.from({ length: 4 }, () => generateKeyPair());
  const validators = keys.map((k, i) => ({ name: `v${i}`, pubKey: k.publicKey, power: 10 }));
  return { keys, validators, proposer: keys.find((k) => k.publicKey === proposerOf(validators, 1, height, 0).pubKey)! };
}

/** Peers that hold `block` alone (or serve what `serve` answers): the bodies fetched from them (by hash), and the prevotes the node broadcast. */
function servingPeers(
  block: { hash: string; body: BlockBody },
  serve = (hash: string): BlockBody | undefined => (hash === block.hash ? block.body : undefined),
): { peers: ConsensusPeers; fetched: string[]; prevotes: ConsensusMessage[] } {
  const fetched: string[] = [];
  const prevotes: ConsensusMessage[] = [];
  const peers: ConsensusPeers = {
    broadcastConsensus: (m) => void (m.type === 'prevote' && prevotes.push(m)),
    resendLater: () => {},
    heightDecided: () => {},
    fetchBody: async (hash) => (fetched.push(hash), serve(hash)),
    fetchBlocks: async () => [],
  };
  return { peers, fetched, prevotes };
}

/** `k`'s signed vote of round 0 at `height`. */
const vote = (k: KeyPair, type: 'prevote' | 'precommit', height: number, blockHash: string | null): Vote => {
  const body = { type, chainId: 'test', height, round: 0, blockHash, time: GENESIS_TIME + 5 };
  return { ...body, validator: k.publicKey, sig: signBytes(k.secretKey, voteSignBytes(body)) };
};

const drain = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

interface Harness {
  chain: ChainState;
  host: ConsensusHost;
  /** Stop the host and close the store and log (a clean stop, or a crash: nothing is lost that was durable). */
  stop(): Promise<void>;
  commits: CommittedBlock[];
  start(): Promise<void>;
  submit(key: KeyPair, action: string, args: Record<string, string>, nonce: number): Promise<void>;
  /** Move the node's clock on. */
  advanceClock(ms: number): void;
}

async function startNode(options: {
  key: KeyPair;
  validators: Validator[];
  store: ChainStore;
  /** The consensus log and commit record, kept apart from the store as on disk (fresh ones by default). */
  wal?: ConsensusWal;
  commitRecord?: CommitRecordFile;
  hosts?: ServiceHost[];
  params?: Partial<ChainParams>;
  peers?: ConsensusPeers;
  timers?: Timers;
  /** The node's clock at start (ms); it moves 10 ms a reading. */
  nowStart?: number;
  /** Told each warning the host logs, by event name. */
  onWarn?: (event: string) => void;
}): Promise<Harness> {
  const { key, validators, store } = options;
  const wal = options.wal ?? createMemoryWal();
  const commitRecord = options.commitRecord ?? createMemoryCommitRecord();
  const genesis: Genesis = { v: 1, chainId: 'test', genesisTime: GENESIS_TIME, validators, params: { ...DEFAULT_PARAMS, ...options.params } };
  const chain = await createChainState({ store, genesis, registry, log: silent, commitRecord, resync: validators.length > 1 });
  // The double-sign guard, as the node works it out at start.
  const guard = signFromHeight({ storeHeight: chain.height, committedHeight: chain.committedAtStart, wal: await wal.open(chain.genesisHash) });
  const commits: CommittedBlock[] = [];
  chain.onCommit((c) => commits.push(c));
  let host: ConsensusHost | undefined;
  let now = options.nowStart ?? GENESIS_TIME + 1000;
  const admission = createAdmission({
    chain,
    registry,
    verifier: { verify: async (d) => verifyBytes(d.tx.body.signer, txSignMessage(d.idBytes), d.tx.sig) },
    verifiedIdsMax: 1000,
    workAvailable: () => host?.workAvailable(),
    now: () => now,
  });
  const sign = (m: Uint8Array): string => signBytes(key.secretKey, m);
  const engine =
    validators.length === 1
      ? createSoloEngine({ chainId: 'test', validators, selfPubKey: key.publicKey, sign, blockIntervalMs: 0, blockTxsTrigger: 1 })
      : createTendermintEngine({ chainId: 'test', validators, selfPubKey: key.publicKey, sign, verify: verifyBytes, staleProposalMs: STALE_PROPOSAL_MS });
  host = createConsensusHost({
    chain,
    engine,
    admission,
    ...(options.peers ? { peers: options.peers } : {}),
    wal,
    signFromHeight: guard.height,
    hosts: options.hosts ?? [],
    signer: { publicKey: key.publicKey, signTx: (body) => signTx(body, key.secretKey) },
    verify: verifyBytes,
    clock: { now: () => (now += 10), monotonic: () => 0 },
    timers: options.timers ?? manualTimers(),
    log: options.onWarn ? { ...silent, warn: (event) => options.onWarn!(event) } : silent,
    onFatal: (e) => assert.fail(`the consensus host stopped: ${e.message}`),
  });
  return {
    chain,
    host,
    commits,
    async stop() {
      await host.close();
      await wal.close();
      await chain.close();
    },
    async start() {
      host.start();
      await drain();
    },
    async submit(signer, action, args, nonce) {
      const [outcome] = await admission.submit([signTx({ v: 1, chainId: 'test', module: 'kv', action, args, signer: signer.publicKey, nonce }, signer.secretKey)]);
      assert.equal(outcome?.status, 'accepted', JSON.stringify(outcome));
      await drain();
    },
    advanceClock(ms) {
      now += ms;
    },
  };
}

/** A service host that contributes what it is given, once per block, and records what became of it. */
function contributingHost(batches: { body: Contribution['body']; attachment?: Uint8Array }[][]): ServiceHost & { outcomes: ContributionOutcome[]; seen: number[] } {
  const outcomes: ContributionOutcome[] = [];
  const seen: number[] = [];
  return {
    outcomes,
    seen,
    pendingWork: () => (batches.length > 0 ? batches[0]!.length : 0),
    async contribute() {
      return (batches.shift() ?? []).map((c) => ({ ...c, settled: (o: ContributionOutcome) => void outcomes.push(o) }));
    },
    afterCommit: (c) => void seen.push(c.height),
  };
}

test('contributions are signed with the node key and its next nonces, stored with their attachments, and settled', async () => {
  const key = generateKeyPair();
  const client = generateKeyPair();
  const leaves = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);
  const service = contributingHost([
    [{ body: { module: 'kv', action: 'put', args: { key: 'service', value: 'first' } }, attachment: leaves }],
    [{ body: { module: 'kv', action: 'put', args: { key: 'service', value: 'second' } } }],
  ]);
  const node = await startNode({ key, validators: [{ name: 'v', pubKey: key.publicKey, power: 10 }], store: createMemoryStore(), hosts: [service] });
  await node.submit(client, 'put', { key: 'client', value: 'c' }, 0);
  await node.start();
  assert.ok(node.chain.height >= 2, `two blocks, got ${node.chain.height}`);

  const [b1, b2] = node.commits;
  assert.deepEqual(
    b1!.block.txs.map((t) => [t.body.signer, t.body.nonce, t.body.args.key]),
    [
      [key.publicKey, 0, 'service'],
      [client.publicKey, 0, 'client'],
    ],
    'the contribution comes first, signed by the node key',
  );
  assert.deepEqual(b2!.block.txs.map((t) => [t.body.signer, t.body.nonce]), [[key.publicKey, 1]], 'the next contribution takes the next nonce');
  const [first, second] = service.outcomes;
  assert.deepEqual(first, { status: 'committed', height: 1, txIndex: 0, txId: b1!.results[0]!.txId, result: b1!.results[0] });
  assert.equal(second?.status, 'committed');
  assert.deepEqual(new Uint8Array((await node.chain.attachment(b1!.results[0]!.txId))!), leaves, 'the attachment is stored with the block');
  assert.equal(await node.chain.attachment(b2!.results[0]!.txId), undefined, 'no attachment, none stored');
  assert.deepEqual(service.seen, [1, 2], 'afterCommit sees every block');
  assert.equal(node.chain.getState('kv/service'), 'second');
  await node.host.close();
});

test("the node's own transactions waiting in the mempool (a notary batch) come before its contributions, which take the nonces after them", async () => {
  const key = generateKeyPair();
  const leaves = Uint8Array.of(9, 9);
  const service = contributingHost([[{ body: { module: 'kv', action: 'put', args: { key: 'service', value: 's' } }, attachment: leaves }]]);
  const node = await startNode({ key, validators: [{ name: 'v', pubKey: key.publicKey, power: 10 }], store: createMemoryStore(), hosts: [service] });
  // Two transactions of the node key wait in the mempool, as the notary's batch transactions do.
  await node.submit(key, 'put', { key: 'own0', value: 'o' }, 0);
  await node.submit(key, 'put', { key: 'own1', value: 'o' }, 1);
  await node.start();
  const b1 = node.commits[0]!;
  assert.deepEqual(
    b1.block.txs.map((t, i) => [t.body.nonce, t.body.args.key, b1.results[i]!.code]),
    [
      [0, 'own0', 'OK'],
      [1, 'own1', 'OK'],
      [2, 'service', 'OK'],
    ],
    'the waiting ones first, then the contribution with the next nonce; none refused for its nonce',
  );
  assert.deepEqual(service.outcomes, [{ status: 'committed', height: 1, txIndex: 2, txId: b1.results[2]!.txId, result: b1.results[2] }]);
  assert.deepEqual(new Uint8Array((await node.chain.attachment(b1.results[2]!.txId))!), leaves, "the contribution's attachment is stored under its own transaction");
  await node.host.close();
});

test('a contribution past the block limits is abandoned, and a failed one keeps no attachment', async () => {
  const key = generateKeyPair();
  const bytes = Uint8Array.of(1, 2, 3);
  const service = contributingHost([
    [
      { body: { module: 'kv', action: 'put', args: { key: 'a', value: 'a' } }, attachment: bytes },
      { body: { module: 'kv', action: 'fail', args: {} }, attachment: bytes },
      { body: { module: 'kv', action: 'put', args: { key: 'c', value: 'c' } }, attachment: bytes },
    ],
  ]);
  const node = await startNode({ key, validators: [{ name: 'v', pubKey: key.publicKey, power: 10 }], store: createMemoryStore(), hosts: [service], params: { blockTxsMax: 2 } });
  await node.start();
  assert.equal(node.chain.height, 1);
  const [done, failed, abandoned] = [service.outcomes.find((o) => o.status === 'committed'), service.outcomes.find((o) => o.status === 'failed'), service.outcomes.find((o) => o.status === 'abandoned')];
  assert.deepEqual(abandoned, { status: 'abandoned', reason: 'over the block limits' });
  assert.ok(done && done.status === 'committed' && failed && failed.status === 'failed');
  assert.equal(failed.result.code, 'BAD_REQUEST');
  assert.equal(node.commits[0]!.block.txs.length, 2, 'the block holds two transactions, its limit');
  assert.deepEqual([...((await node.chain.attachment(done.txId)) ?? [])], [1, 2, 3]);
  assert.equal(await node.chain.attachment(failed.txId), undefined, 'a failed transaction stores no attachment');
  assert.equal(node.chain.nextNonce(key.publicKey), 2, 'the abandoned contribution took no nonce');
  await node.host.close();
});

test('a BFT validator logs the block it proposed; after a restart it keeps it, restores what it signed and re-sends it', async () => {
  const keys = Array.from({ length: 4 }, () => generateKeyPair());
  const validators = keys.map((k, i) => ({ name: `v${i}`, pubKey: k.publicKey, power: 10 }));
  const proposer = proposerOf(validators, 1, 1, 0);
  const key = keys.find((k) => k.publicKey === proposer.pubKey)!;
  const store = createMemoryStore();
  const wal = createMemoryWal();
  const commitRecord = createMemoryCommitRecord();
  const recorder = () => {
    const sent: { message: ConsensusMessage; block?: BlockBody; later: boolean }[] = [];
    const peers: ConsensusPeers = {
      broadcastConsensus: (message, block) => void sent.push({ message, ...(block ? { block } : {}), later: false }),
      resendLater: (message, block) => void sent.push({ message, ...(block ? { block } : {}), later: true }),
      heightDecided: () => {},
      fetchBody: async () => undefined,
      fetchBlocks: async () => [],
    };
    return { sent, peers };
  };

  const before = recorder();
  const first = await startNode({ key, validators, store, wal, commitRecord, peers: before.peers });
  await first.start();
  const proposal = before.sent.find((s) => s.message.type === 'proposal');
  assert.ok(proposal?.block, 'the proposer broadcast its proposal with the block');
  const prevote = before.sent.find((s) => s.message.type === 'prevote');
  assert.equal(prevote?.message.blockHash, proposal.message.blockHash, 'and prevoted for it');
  const logged = await wal.loadWal(1);
  assert.deepEqual(logged.messages, [proposal.message, prevote.message].sort((a, b) => (a.type < b.type ? -1 : 1)));
  assert.deepEqual(logged.blocks, [proposal.block], 'the proposed block is in the log once');
  await first.stop();

  const after = recorder();
  const second = await startNode({ key, validators, store, wal, commitRecord, peers: after.peers });
  await second.start();
  const resent = after.sent.filter((s) => s.later);
  assert.deepEqual(
    resent.map((s) => s.message).sort((a, b) => (a.type < b.type ? -1 : 1)),
    [proposal.message, prevote.message].sort((a, b) => (a.type < b.type ? -1 : 1)),
    'what it signed before the restart is kept for re-sending',
  );
  assert.deepEqual(resent.find((s) => s.message.type === 'proposal')?.block, proposal.block, 'the proposal is re-sent with its block');
  assert.deepEqual(second.host.proposedBody(proposal.message.blockHash as string), proposal.block, 'the restored lock has its block');
  const signed: ConsensusMessage[] = [proposal.message, prevote.message];
  for (const s of after.sent.filter((x) => !x.later)) {
    const same: ConsensusMessage | undefined = signed.find((m) => m.type === s.message.type && m.round === s.message.round);
    if (same) assert.deepEqual(s.message, same, 'nothing is signed twice');
  }
  await second.host.close();
});

test("a proposer logs its proposal and its own prevote in one write (one sync), both before either is broadcast", async () => {
  const { keys, validators, proposer: key } = fourValidators();
  const inner = createMemoryWal();
  const events: string[] = [];
  const wal: ConsensusWal = {
    ...inner,
    putWal: async (message, block) => {
      events.push(`sync ${message.type}`);
      return inner.putWal(message, block);
    },
    putWalMany: async (records) => {
      events.push(`sync ${records.map((r) => r.message.type).join('+')}`);
      return inner.putWalMany(records);
    },
  };
  const peers: ConsensusPeers = {
    broadcastConsensus: (message) => void events.push(`send ${message.type}`),
    resendLater: () => {},
    heightDecided: () => {},
    fetchBody: async () => undefined,
    fetchBlocks: async () => [],
  };
  const node = await startNode({ key, validators, store: createMemoryStore(), wal, peers });
  await node.start();
  assert.deepEqual(events.slice(0, 3), ['sync proposal+prevote', 'send proposal', 'send prevote'], `events: ${events.join(', ')}`);
  const logged = await inner.loadWal(1);
  assert.deepEqual((logged.messages as ConsensusMessage[]).map((m) => m.type).sort(), ['prevote', 'proposal']);
  assert.equal(logged.blocks.length, 1, 'the proposed block is in the log once');
  await node.host.close();
});

test('a block +2/3 precommitted before this node saw it is fetched, checked and committed', async () => {
  const { keys, validators, proposer } = fourValidators();
  const self = keys.find((k) => k !== proposer)!;
  // The block the others decided, built on a chain of its own.
  const elsewhere = await createChainState({ store: createMemoryStore(), genesis: { v: 1, chainId: 'test', genesisTime: GENESIS_TIME, validators, params: DEFAULT_PARAMS }, registry, log: silent });
  const block = buildBlock(elsewhere.context, elsewhere.head(), { txs: [], time: GENESIS_TIME + 1, proposer: proposer.publicKey });
  const { peers, fetched } = servingPeers(block);
  const node = await startNode({ key: self, validators, store: createMemoryStore(), peers });
  await node.start();
  for (const k of keys.filter((x) => x !== self)) {
    const vote = { type: 'precommit' as const, chainId: 'test', height: 1, round: 0, blockHash: block.hash, time: GENESIS_TIME + 5 };
    const signed: Vote = { ...vote, validator: k.publicKey, sig: signBytes(k.secretKey, voteSignBytes(vote)) };
    node.host.receive(k.publicKey, signed, undefined);
  }
  await drain();
  assert.deepEqual(fetched, [block.hash], 'the body was asked for once');
  assert.equal(node.chain.height, 1, 'and the block committed');
  assert.equal(node.commits[0]?.hash, block.hash);
  await node.host.close();
});

/** Two transactions of one user, and the block of height 1 that takes them, built on a chain of its own by `proposer`. */
async function blockOfTwo(validators: Validator[], proposer: KeyPair) {
  const user = generateKeyPair();
  const txs = [0, 1].map((nonce) => signTx({ v: 1, chainId: 'test', module: 'kv', action: 'put', args: { key: `k${nonce}`, value: 'v' }, signer: user.publicKey, nonce }, user.secretKey));
  const decoded = txs.map((t) => decodeTx(t));
  const elsewhere = await createChainState({ store: createMemoryStore(), genesis: { v: 1, chainId: 'test', genesisTime: GENESIS_TIME, validators, params: DEFAULT_PARAMS }, registry, log: silent });
  return { user, decoded, block: buildBlock(elsewhere.context, elsewhere.head(), { txs: decoded, time: GENESIS_TIME + 1, proposer: proposer.publicKey }) };
}

/**
 * A validator that is not the proposer of height 1, with `held` of the two transactions of the
 * proposer's block in its mempool (gossip), and the proposal (without body) signed by the proposer.
 */
async function compactCase(held: number) {
  const { keys, validators, proposer } = fourValidators();
  const self = keys.find((k) => k !== proposer)!;
  const { user, decoded, block } = await blockOfTwo(validators, proposer);
  const { peers, fetched, prevotes } = servingPeers(block);
  const node = await startNode({ key: self, validators, store: createMemoryStore(), peers });
  await node.start();
  for (let nonce = 0; nonce < held; nonce++) await node.submit(user, 'put', { key: `k${nonce}`, value: 'v' }, nonce);
  const pBody = { type: 'proposal' as const, chainId: 'test', height: 1, round: 0, blockHash: block.hash, polRound: -1 };
  const proposal: ConsensusMessage = { ...pBody, proposer: proposer.publicKey, sig: signBytes(proposer.secretKey, proposalSignBytes(pBody)) };
  return { node, block, decoded, fetched, prevotes, proposer, proposal };
}

test('a compact proposal is judged with the transactions from the mempool, no body fetched; one naming a transaction this node lacks is fetched whole', async () => {
  for (const lacks of [false, true]) {
    const { node, block, decoded, fetched, prevotes, proposer, proposal } = await compactCase(lacks ? 1 : 2);
    node.host.receive(proposer.publicKey, proposal, undefined, { header: block.body.header, txs: decoded.map((d) => d.id) });
    await drain();
    assert.deepEqual(fetched, lacks ? [block.hash] : [], lacks ? 'the body was fetched whole' : 'no body was fetched');
    assert.deepEqual(prevotes.map((m) => m.blockHash), [block.hash], 'this validator prevoted for the block: it judged it valid');
    await node.host.close();
  }
});

test('a compact body that does not resolve to its header is no verdict: the body is fetched whole and the block judged from it', async () => {
  const { node, block, decoded, fetched, prevotes, proposer, proposal } = await compactCase(2);
  // A relay that swapped the two: the header's hash is right, the transactions are not in its order.
  node.host.receive(proposer.publicKey, proposal, undefined, { header: block.body.header, txs: [decoded[1]!.id, decoded[0]!.id] });
  await drain();
  assert.deepEqual(fetched, [block.hash], 'the body was fetched whole');
  assert.deepEqual(prevotes.map((m) => m.blockHash), [block.hash], 'and the block judged valid from it');
  await node.host.close();
});

test('a whole body that does not match its header (edited in transit) is no verdict: the body is fetched again and the block judged from it', async () => {
  /** What a relay can edit without changing the header, which the proposal's hash names. */
  const edits: [string, (body: BlockBody) => BlockBody][] = [
    ['two transactions swapped', (b) => ({ ...b, txs: [b.txs[1]!, b.txs[0]!] })],
    ['one dropped', (b) => ({ ...b, txs: [b.txs[0]!] })],
    ['a signature altered', (b) => ({ ...b, txs: [b.txs[0]!, { ...b.txs[1]!, sig: b.txs[1]!.sig.replace(/^./, (c) => (c === '0' ? '1' : '0')) }] })],
    ['a transaction that does not decode', (b) => ({ ...b, txs: [b.txs[0]!, { body: 'x', sig: b.txs[1]!.sig } as unknown as SignedTx] })],
  ];
  for (const [what, edit] of edits) {
    const { node, block, fetched, prevotes, proposer, proposal } = await compactCase(0);
    node.host.receive(proposer.publicKey, proposal, edit(block.body));
    await drain();
    assert.deepEqual(fetched, [block.hash], `${what}: the body was fetched again`);
    assert.deepEqual(prevotes.map((m) => m.blockHash), [block.hash], `${what}: and the block judged valid from it`);
    await node.host.close();
  }
});

test('a block whose every copy does not match its header is fetched a bounded number of times, and judged when its body comes', async () => {
  const { keys, validators, proposer } = fourValidators();
  const self = keys.find((k) => k !== proposer)!;
  const { block } = await blockOfTwo(validators, proposer);
  const swapped = { ...block.body, txs: [block.body.txs[1]!, block.body.txs[0]!] };
  const { peers, fetched, prevotes } = servingPeers(block, () => swapped);
  const node = await startNode({ key: self, validators, store: createMemoryStore(), peers });
  await node.start();
  const pBody = { type: 'proposal' as const, chainId: 'test', height: 1, round: 0, blockHash: block.hash, polRound: -1 };
  const proposal: ConsensusMessage = { ...pBody, proposer: proposer.publicKey, sig: signBytes(proposer.secretKey, proposalSignBytes(pBody)) };
  node.host.receive(proposer.publicKey, proposal, swapped);
  for (let i = 0; i < 10; i++) await drain();
  assert.equal(fetched.length, BODY_REFETCHES_MAX, 'fetched again, up to the bound');
  assert.equal(prevotes.length, 0, 'no verdict on the block from the copies');
  node.host.receive(proposer.publicKey, proposal, block.body);
  await drain();
  assert.deepEqual(prevotes.map((m) => m.blockHash), [block.hash], 'the true body, when it comes, is judged');
  await node.host.close();
});

test('a fresh proposal of a block with transactions far behind the clock (block 1 of a network started long after its genesis) is prevoted nil and counted; a timely one is prevoted for', async () => {
  for (const behindMs of [STALE_PROPOSAL_MS + 60_000, 1_000]) {
    const { keys, validators, proposer } = fourValidators();
    const self = keys.find((k) => k !== proposer)!;
    const { block } = await blockOfTwo(validators, proposer);
    const { peers, prevotes } = servingPeers(block);
    let stale = 0;
    const node = await startNode({ key: self, validators, store: createMemoryStore(), peers, nowStart: block.body.header.time + behindMs, onWarn: (event) => void (event === 'consensus.staleProposal' && stale++) });
    await node.start();
    const pBody = { type: 'proposal' as const, chainId: 'test', height: 1, round: 0, blockHash: block.hash, polRound: -1 };
    const proposal: ConsensusMessage = { ...pBody, proposer: proposer.publicKey, sig: signBytes(proposer.secretKey, proposalSignBytes(pBody)) };
    node.host.receive(proposer.publicKey, proposal, block.body);
    await drain();
    const fresh = behindMs < STALE_PROPOSAL_MS;
    assert.deepEqual(prevotes.map((m) => m.blockHash), [fresh ? block.hash : null], `${behindMs} ms behind`);
    assert.equal(stale, fresh ? 0 : 1, 'counted for the metrics');
    await node.host.close();
  }
});

test("a proposer sends its block compact: the mempool's transactions by id, its services' contributions whole", async () => {
  const { keys, validators, proposer: self } = fourValidators();
  const client = generateKeyPair();
  const service = contributingHost([[{ body: { module: 'kv', action: 'put', args: { key: 'service', value: 'x' } } }]]);
  const sent: { message: ConsensusMessage; block?: BlockBody; compact?: CompactBody }[] = [];
  const peers: ConsensusPeers = {
    broadcastConsensus: (message, block, compact) => void sent.push({ message, ...(block ? { block } : {}), ...(compact ? { compact } : {}) }),
    resendLater: () => {},
    heightDecided: () => {},
    fetchBody: async () => undefined,
    fetchBlocks: async () => [],
  };
  const node = await startNode({ key: self, validators, store: createMemoryStore(), peers, hosts: [service] });
  await node.submit(client, 'put', { key: 'client', value: 'c' }, 0);
  await node.start();
  const proposal = sent.find((s) => s.message.type === 'proposal');
  assert.ok(proposal?.block && proposal.compact, 'the proposal went out with its body and its compact form');
  const [contributed, fromMempool] = proposal.block.txs;
  assert.equal(contributed!.body.signer, self.publicKey, 'the contribution comes first');
  assert.deepEqual(proposal.compact.txs, [contributed, decodeTx(fromMempool).id], 'the contribution whole, the mempool transaction by id');
  assert.deepEqual(proposal.compact.header, proposal.block.header);
  await node.host.close();
});

test('after a commit a validator keeps re-sending its own precommit for the block until the next height is decided', async () => {
  const { keys, validators, proposer } = fourValidators();
  const self = keys.find((k) => k !== proposer)!;
  const others = keys.filter((k) => k !== self);
  const elsewhere = await createChainState({ store: createMemoryStore(), genesis: { v: 1, chainId: 'test', genesisTime: GENESIS_TIME, validators, params: DEFAULT_PARAMS }, registry, log: silent });
  const block = buildBlock(elsewhere.context, elsewhere.head(), { txs: [], time: GENESIS_TIME + 1, proposer: proposer.publicKey });
  // What the peer protocol is asked, in order: the resend list is emptied at each decided height.
  const events: ({ kind: 'decided' } | { kind: 'resend'; message: ConsensusMessage })[] = [];
  const peers: ConsensusPeers = {
    broadcastConsensus: () => {},
    resendLater: (message) => void events.push({ kind: 'resend', message }),
    heightDecided: () => void events.push({ kind: 'decided' }),
    fetchBody: async () => undefined,
    fetchBlocks: async () => [],
  };
  const node = await startNode({ key: self, validators, store: createMemoryStore(), peers });
  await node.start();
  const pBody = { type: 'proposal' as const, chainId: 'test', height: 1, round: 0, blockHash: block.hash, polRound: -1 };
  const proposal: ConsensusMessage = { ...pBody, proposer: proposer.publicKey, sig: signBytes(proposer.secretKey, proposalSignBytes(pBody)) };
  node.host.receive(proposer.publicKey, proposal, block.body);
  const voteOf = (k: KeyPair, type: 'prevote' | 'precommit'): Vote => {
    const body = { type, chainId: 'test', height: 1, round: 0, blockHash: block.hash, time: GENESIS_TIME + 5 };
    return { ...body, validator: k.publicKey, sig: signBytes(k.secretKey, voteSignBytes(body)) };
  };
  for (const k of others) node.host.receive(k.publicKey, voteOf(k, 'prevote'), undefined);
  await drain();
  for (const k of others.slice(0, 2)) node.host.receive(k.publicKey, voteOf(k, 'precommit'), undefined);
  await drain();
  assert.equal(node.chain.height, 1, "the block committed, with this validator's precommit in its certificate");
  const lastDecided = events.map((e) => e.kind).lastIndexOf('decided');
  const afterDecided = events.slice(lastDecided + 1);
  const kept = afterDecided.flatMap((e) => (e.kind === 'resend' && e.message.height === 1 ? [e.message] : []));
  assert.equal(kept.length, 1, 'one message of the decided height is kept for re-sending');
  const own = kept[0] as Vote;
  assert.deepEqual([own.type, own.validator, own.blockHash], ['precommit', self.publicKey, block.hash]);
  assert.ok(verifyBytes(self.publicKey, voteSignBytes(own), own.sig), 'it is the precommit this validator signed');
  await node.host.close();
});

/**
 * The proposer of height 2, with a transaction waiting, once block 1 is committed by the others'
 * precommits signed at GENESIS_TIME + 5: what does its proposal carry, with its clock at `nowStart`?
 */
async function proposalAfterIdle(nowStart: number): Promise<{ txs: number; time: number }> {
  const { keys, validators, proposer: self } = fourValidators(2);
  assert.notEqual(self.publicKey, proposerOf(validators, 1, 1, 0).pubKey);
  const elsewhere = await createChainState({ store: createMemoryStore(), genesis: { v: 1, chainId: 'test', genesisTime: GENESIS_TIME, validators, params: DEFAULT_PARAMS }, registry, log: silent });
  const block = buildBlock(elsewhere.context, elsewhere.head(), { txs: [], time: GENESIS_TIME + 1, proposer: proposerOf(validators, 1, 1, 0).pubKey });
  const proposals: { message: ConsensusMessage; block?: BlockBody }[] = [];
  const peers: ConsensusPeers = {
    broadcastConsensus: (message, body) => void (message.type === 'proposal' && proposals.push({ message, ...(body ? { block: body } : {}) })),
    resendLater: () => {},
    heightDecided: () => {},
    fetchBody: async (hash) => (hash === block.hash ? block.body : undefined),
    fetchBlocks: async () => [],
  };
  const timers = manualTimers();
  const node = await startNode({ key: self, validators, store: createMemoryStore(), peers, nowStart, timers });
  await node.start();
  const client = generateKeyPair();
  await node.submit(client, 'put', { key: 'late-vote', value: 'yes' }, 0);
  for (const k of keys.filter((x) => x !== self)) {
    const vote = { type: 'precommit' as const, chainId: 'test', height: 1, round: 0, blockHash: block.hash, time: GENESIS_TIME + 5 };
    const signed: Vote = { ...vote, validator: k.publicKey, sig: signBytes(k.secretKey, voteSignBytes(vote)) };
    node.host.receive(k.publicKey, signed, undefined);
  }
  await drain();
  assert.equal(node.chain.height, 1, 'block 1 committed');
  // The commit timeout (zero when transactions wait) starts height 2.
  timers.fireAll();
  await drain();
  const second = proposals.find((p) => p.message.height === 2);
  assert.ok(second?.block, 'the proposer of height 2 proposed at once: a transaction waits');
  await node.host.close();
  return { txs: second.block.txs.length, time: second.block.header.time };
}

test('the proposer of block 1 of a network started long after its genesis time proposes it empty; soon after, with the waiting transaction', async () => {
  for (const [lateMs, txs] of [[1_000, 1], [CATCH_UP_AFTER_MS + 60_000, 0]] as const) {
    const { validators, proposer: self } = fourValidators();
    const proposals: { message: ConsensusMessage; block?: BlockBody }[] = [];
    const peers: ConsensusPeers = {
      broadcastConsensus: (message, body) => void (message.type === 'proposal' && proposals.push({ message, ...(body ? { block: body } : {}) })),
      resendLater: () => {},
      heightDecided: () => {},
      fetchBody: async () => undefined,
      fetchBlocks: async () => [],
    };
    const node = await startNode({ key: self, validators, store: createMemoryStore(), peers, nowStart: GENESIS_TIME + lateMs });
    // The transaction waits before the engine starts (this harness's engine proposes at once, as the paper's does).
    await node.submit(generateKeyPair(), 'put', { key: 'first', value: 'doc' }, 0);
    await node.start();
    const first = proposals.find((p) => p.message.height === 1);
    assert.deepEqual({ txs: first?.block?.txs.length, time: first?.block?.header.time }, { txs, time: GENESIS_TIME + 1 }, `${lateMs} ms after the genesis`);
    await node.host.close();
  }
});

test('a proposer whose block time is far behind its clock (an idle chain) proposes an empty catch-up block; otherwise the waiting transactions', async () => {
  // Block 2's time is the median of block 1's precommits: GENESIS_TIME + 5.
  const fresh = await proposalAfterIdle(GENESIS_TIME + 1000);
  assert.deepEqual(fresh, { txs: 1, time: GENESIS_TIME + 5 }, 'one second behind: the transaction goes in');
  const idle = await proposalAfterIdle(GENESIS_TIME + 5 + CATCH_UP_AFTER_MS + 60_000);
  assert.deepEqual(idle, { txs: 0, time: GENESIS_TIME + 5 }, 'a minute past the bound: an empty block, so the transaction is judged at the time of the next one');
});

/**
 * Double-signing after a wiped store or a lost signing record
 * (spec/consensus.md §7): every message a validator broadcasts is collected
 * across its incarnations, and two of one type at one height and round that
 * name different blocks are what the other validators record as evidence of
 * equivocation (§8).
 */
function doubleSigns(messages: readonly ConsensusMessage[]): string[] {
  const seen = new Map<string, ConsensusMessage>();
  const out: string[] = [];
  for (const m of messages) {
    const key = `${m.type} at height ${m.height} round ${m.round}`;
    const first = seen.get(key);
    if (!first) seen.set(key, m);
    else if (first.blockHash !== m.blockHash) out.push(`${key}: ${String(first.blockHash).slice(0, 8)} then ${String(m.blockHash).slice(0, 8)}`);
  }
  return out;
}

test('the double-sign checker catches two conflicting messages (negative control)', () => {
  const base = { chainId: 'test', height: 2, round: 0, time: 1, validator: 'v', sig: '' };
  assert.deepEqual(doubleSigns([{ ...base, type: 'prevote', blockHash: 'aa' }, { ...base, type: 'prevote', blockHash: 'aa' }] as Vote[]), []);
  assert.equal(doubleSigns([{ ...base, type: 'prevote', blockHash: 'aa' }, { ...base, type: 'prevote', blockHash: null }] as Vote[]).length, 1);
});

/**
 * A validator that proposed (and prevoted) at height 2, then restarts with
 * part of its data directory gone: `wipe` says which. It catches up from a
 * peer and is then at height 2 again, with a transaction in its mempool
 * that makes any block it builds there differ from the first.
 */
async function restartAfterLoss(wipe: 'blocks' | 'signing record'): Promise<{ sent: ConsensusMessage[]; chain: ChainState }> {
  const { keys, validators, proposer: self } = fourValidators(2);
  const firstProposer = keys.find((k) => k.publicKey === proposerOf(validators, 1, 1, 0).pubKey)!;
  assert.notEqual(self, firstProposer, 'proposers rotate');
  const others = keys.filter((k) => k !== self);
  const elsewhere = await createChainState({ store: createMemoryStore(), genesis: { v: 1, chainId: 'test', genesisTime: GENESIS_TIME, validators, params: DEFAULT_PARAMS }, registry, log: silent });
  const block1 = buildBlock(elsewhere.context, elsewhere.head(), { txs: [], time: GENESIS_TIME + 1, proposer: firstProposer.publicKey });
  const store = createMemoryStore();
  const wal = createMemoryWal();
  const commitRecord = createMemoryCommitRecord();
  /** Block 1 as committed, with its certificate: what a peer serves. */
  let committed1: unknown;
  const sent: ConsensusMessage[] = [];
  const peers: ConsensusPeers = {
    broadcastConsensus: (message) => void sent.push(message),
    resendLater: (message) => void sent.push(message),
    heightDecided: () => {},
    fetchBody: async (hash) => (hash === block1.hash ? block1.body : undefined),
    fetchBlocks: async (_peer, from) => (from === 1 && committed1 ? [committed1] : []),
  };
  // First life: block 1 is decided by the others; at height 2 this validator proposes and prevotes.
  const timers = manualTimers();
  const first = await startNode({ key: self, validators, store, wal, commitRecord, peers, timers });
  await first.start();
  for (const k of others) first.host.receive(k.publicKey, vote(k, 'precommit', 1, block1.hash), undefined);
  await drain();
  assert.equal(first.chain.height, 1);
  timers.fireAll(); // the pause after a commit: height 2 begins
  await drain();
  assert.ok(sent.some((m) => m.type === 'proposal' && m.height === 2), 'it proposed at height 2');
  committed1 = await first.chain.getBlock(1);
  await first.stop();

  // The loss: the block store (`chain/` emptied; the log and the commit record kept), or the log (deleted).
  const second =
    wipe === 'blocks'
      ? await startNode({ key: self, validators, store: createMemoryStore(), wal, commitRecord, peers, timers: manualTimers() })
      : await startNode({ key: self, validators, store, wal: createMemoryWal(), commitRecord, peers, timers: manualTimers() });
  // Second life: a transaction waits; a peer's vote at height 2 makes it catch up and start height 2 again.
  await second.submit(generateKeyPair(), 'put', { key: 'k', value: 'v' }, 0);
  await second.start();
  second.host.receive(others[0]!.publicKey, vote(others[0]!, 'prevote', 2, null), undefined);
  await drain();
  assert.equal(second.chain.height, 1, 'it caught up to block 1');
  await second.stop();
  return { sent, chain: second.chain };
}

test('a validator whose block store is wiped does not sign a second message at a height it signed at', async () => {
  const { sent } = await restartAfterLoss('blocks');
  assert.deepEqual(doubleSigns(sent), []);
});

test('a validator whose signing record is lost does not sign a second message at a height it signed at', async () => {
  const { sent } = await restartAfterLoss('signing record');
  assert.deepEqual(doubleSigns(sent), []);
});

test('a peer that served an edited committed block is not asked for blocks again for a while; the node catches up from another', async () => {
  const { keys, validators, proposer: self } = fourValidators(2);
  const firstProposer = keys.find((k) => k.publicKey === proposerOf(validators, 1, 1, 0).pubKey)!;
  const others = keys.filter((k) => k !== self);
  // Block 1 as the network committed it, with its certificate: decided by the others on a node that watched.
  const elsewhere = await createChainState({ store: createMemoryStore(), genesis: { v: 1, chainId: 'test', genesisTime: GENESIS_TIME, validators, params: DEFAULT_PARAMS }, registry, log: silent });
  const block1 = buildBlock(elsewhere.context, elsewhere.head(), { txs: [], time: GENESIS_TIME + 1, proposer: firstProposer.publicKey });
  const watcher = await startNode({ key: self, validators, store: createMemoryStore(), peers: servingPeers(block1).peers });
  await watcher.start();
  for (const k of others) watcher.host.receive(k.publicKey, vote(k, 'precommit', 1, block1.hash), undefined);
  await drain();
  const committed1 = (await watcher.chain.getBlock(1)) as { header: BlockBody['header'] };
  assert.ok(committed1, 'block 1 committed where it was watched');
  await watcher.stop();

  // A late node: peer A serves block 1 edited (its header no longer matches the certificate), peer B the true one.
  const [a, b] = others as [KeyPair, KeyPair];
  const asked: string[] = [];
  const warnings: string[] = [];
  const late = await startNode({
    key: self,
    validators,
    store: createMemoryStore(),
    onWarn: (event) => void warnings.push(event),
    peers: {
      broadcastConsensus: () => {},
      resendLater: () => {},
      heightDecided: () => {},
      fetchBody: async () => undefined,
      fetchBlocks: async (peer, from) => {
        asked.push(peer === a.publicKey ? 'A' : 'B');
        if (from !== 1) return [];
        return peer === a.publicKey ? [{ ...committed1, header: { ...committed1.header, time: committed1.header.time + 1 } }] : [committed1];
      },
    },
  });
  await late.start();
  late.host.receive(a.publicKey, vote(a, 'prevote', 2, null), undefined);
  await drain();
  assert.deepEqual(asked, ['A']);
  assert.deepEqual(warnings, ['sync.rejectedBlock']);
  assert.equal(late.chain.height, 0, 'the edited block is not committed');
  // A's next messages do not start the same fetch again ...
  late.host.receive(a.publicKey, vote(a, 'precommit', 2, null), undefined);
  await drain();
  assert.deepEqual(asked, ['A'], 'a peer that served an edited block is not asked again at once');
  // ... until the distrust runs out (a node whose own checks were at fault would ask everyone again).
  late.advanceClock(SYNC_DISTRUST_MS);
  late.host.receive(a.publicKey, vote(a, 'prevote', 2, null), undefined);
  await drain();
  assert.deepEqual(asked, ['A', 'A'], 'asked again once the distrust has run out');
  // Another peer's message: the node catches up from it.
  late.host.receive(b.publicKey, vote(b, 'prevote', 2, null), undefined);
  await drain();
  assert.deepEqual(asked, ['A', 'A', 'B']);
  assert.equal(late.chain.height, 1, 'caught up from the peer that served the true block');
  await late.stop();
});
