/**
 * The peer protocol over a transport that records what it is asked to
 * send: answers to sync and block requests are bounded and come from the
 * right place, a body is only taken from a peer whose answer hashes to what
 * was asked, own messages are re-sent once each, and gossip is bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8Encode } from '../crypto/bytes.js';
import { blockHash, type Block, type BlockHeader } from '../ledger/block.js';
import type { ConsensusMessage } from '../ledger/votes.js';
import type { SignedTx } from '../ledger/transaction.js';
import type { BlockBody } from '../runtime/chain-core.js';
import { createLogger } from './log.js';
import { createPeerProtocol, DEFAULT_PEER_LIMITS, GOSSIP_BATCH_BYTES, type PeerTransport } from './peer-protocol.js';
import type { Timers } from './clock.js';

const decode = (bytes: Uint8Array): any => JSON.parse(new TextDecoder().decode(bytes));
const header = (height: number, tag = 'x'): BlockHeader =>
  ({ v: 1, chainId: 'test', height, time: height, prevHash: tag.padEnd(64, '0'), txRoot: '', txCount: 0, resultsRoot: '', stateRoot: '', historyRoot: '', validatorSetHash: '', proposer: '' }) as unknown as BlockHeader;
const stored = (height: number): Block => ({ header: header(height), txs: [], certificate: { height, round: 0, blockHash: blockHash(header(height)), signatures: [] } });

function harness(options: { height: number; answers?: Record<string, unknown>; serviceRequest?: (from: string, service: string, data: Uint8Array) => Promise<Uint8Array>; limits?: Partial<typeof DEFAULT_PEER_LIMITS> }) {
  const sent: { to: string | 'all'; topic: string; data: any }[] = [];
  const received: { from: string; message: unknown; block: unknown; compact?: unknown }[] = [];
  const asked: string[] = [];
  const requests: { peer: string; protocol: string; bytes: number; timeoutMs: number }[] = [];
  let tick: (() => void) | undefined;
  const soon: (() => void)[] = [];
  const timers: Timers = {
    after: () => ({ cancel: () => {} }),
    soon: (run) => (soon.push(run), { cancel: () => {} }),
    every: (_ms, run) => {
      tick = run;
      return { cancel: () => (tick = undefined) };
    },
  };
  const transport: PeerTransport = {
    connectedPeers: () => ['p1', 'p2'],
    broadcast: (topic, data) => void sent.push({ to: 'all', topic, data: decode(data) }),
    send: (to, topic, data) => (sent.push({ to, topic, data: decode(data) }), true),
    request: async (peer, protocol, data, timeoutMs) => {
      asked.push(peer);
      requests.push({ peer, protocol, bytes: data.length, timeoutMs });
      const answer = options.answers?.[peer];
      if (answer === undefined) throw new Error('no answer');
      return utf8Encode(JSON.stringify(answer));
    },
  };
  const proposed = new Map<string, BlockBody>();
  const gossiped: unknown[][] = [];
  const protocol = createPeerProtocol({
    transport,
    chain: {
      height: options.height,
      getBlock: async (h) => (h >= 1 && h <= options.height ? stored(h) : undefined),
      getBlockByHash: async (hash) => [...Array(options.height).keys()].map((i) => stored(i + 1)).find((b) => b.certificate.blockHash === hash),
    },
    consensus: { receive: (from, message, block, compact) => void received.push({ from, message, block, ...(compact !== undefined ? { compact } : {}) }), proposedBody: (hash) => proposed.get(hash) },
    submitTxs: async (txs) => void gossiped.push([...txs]),
    timers,
    log: createLogger('silent'),
    ...(options.serviceRequest ? { serviceRequest: options.serviceRequest } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return { protocol, sent, received, asked, requests, proposed, gossiped, tick: () => tick?.(), endTurn: () => soon.splice(0).forEach((run) => run()) };
}

const ask = async (protocol: ReturnType<typeof harness>['protocol'], name: string, request: unknown): Promise<any> => decode(await protocol.onRequest('p1', name, utf8Encode(JSON.stringify(request))));

test('a sync answer holds at most the limit of committed blocks, from the height asked', async () => {
  const { protocol } = harness({ height: 50 });
  const { blocks } = await ask(protocol, 'sync', { from: 7 });
  assert.equal(blocks.length, DEFAULT_PEER_LIMITS.syncBlocksPerAnswerMax);
  assert.deepEqual(blocks.map((b: Block) => b.header.height), Array.from({ length: 20 }, (_, i) => 7 + i));
  assert.deepEqual((await ask(protocol, 'sync', { from: 49 })).blocks.length, 2);
  await assert.rejects(ask(protocol, 'sync', { from: 0 }), /unknown request/);
  await assert.rejects(ask(protocol, 'other', {}), /unknown request/);
});

test('a block request is answered from the proposals held, then from committed blocks, else empty', async () => {
  const h = harness({ height: 3 });
  const body: BlockBody = { header: header(4, 'p'), txs: [] };
  h.proposed.set(blockHash(body.header), body);
  assert.deepEqual(await ask(h.protocol, 'block', { hash: blockHash(body.header) }), { body });
  assert.deepEqual((await ask(h.protocol, 'block', { hash: blockHash(header(2)) })).body.header, header(2));
  assert.deepEqual(await ask(h.protocol, 'block', { hash: 'ff'.repeat(32) }), {});
});

test('a fetched body is taken only when it hashes to what was asked, from the first peer that has it', async () => {
  const wanted: BlockBody = { header: header(5, 'w'), txs: [] };
  const hash = blockHash(wanted.header);
  const h = harness({ height: 4, answers: { p1: { body: { header: header(5, 'other'), txs: [] } }, p2: { body: wanted } } });
  assert.deepEqual(await h.protocol.fetchBody(hash, 5), wanted);
  assert.deepEqual(h.asked, ['p1', 'p2'], 'p1 answered with another block: p2 is asked');
  const none = harness({ height: 4, answers: { p1: { body: wanted } } });
  assert.equal(await none.protocol.fetchBody(hash, 6), undefined, 'a body of another height is not taken');
});

test('a body fetched again starts at the next peer: one that served a false copy is not asked first again', async () => {
  const wanted: BlockBody = { header: header(5, 'w'), txs: [] };
  const hash = blockHash(wanted.header);
  const h = harness({ height: 4, answers: { p1: { body: wanted }, p2: { body: wanted } } });
  assert.deepEqual(await h.protocol.fetchBody(hash, 5, 1), wanted);
  assert.deepEqual(await h.protocol.fetchBody(hash, 5, 2), wanted);
  assert.deepEqual(h.asked, ['p2', 'p1'], 'attempt 1 asks p2 first, attempt 2 p1 (two peers)');
});

test('own messages are re-sent to each peer once per interval, each message once, until the height is decided', () => {
  const h = harness({ height: 1 });
  const vote = { type: 'prevote', chainId: 'test', height: 2, round: 0, blockHash: null, time: 1, validator: 'v', sig: 's' } as ConsensusMessage;
  h.protocol.start();
  h.protocol.broadcastConsensus(vote);
  h.protocol.resendLater(vote);
  h.protocol.resendLater({ ...vote, round: 1 });
  assert.deepEqual(h.sent.map((s) => s.to), ['all'], 'broadcast once; the re-sends wait for the interval');
  h.tick();
  assert.deepEqual(h.sent.slice(1).map((s) => [s.to, s.data.message.round]), [
    ['p1', 0],
    ['p1', 1],
    ['p2', 0],
    ['p2', 1],
  ]);
  h.protocol.heightDecided();
  h.tick();
  assert.equal(h.sent.length, 5, 'nothing is re-sent once the height is decided');
});

test('a compact proposal goes out after the gossip waiting, and arrives as such; re-sends carry the whole body', () => {
  const h = harness({ height: 1 });
  const tx = { body: { nonce: 0 }, sig: 'ab'.repeat(64) } as unknown as SignedTx;
  const body: BlockBody = { header: header(2), txs: [tx] };
  const compact = { header: header(2), txs: ['cd'.repeat(32)] };
  const proposal = { type: 'proposal', chainId: 'test', height: 2, round: 0, blockHash: 'ef'.repeat(32), polRound: -1, proposer: 'v', sig: 's' } as ConsensusMessage;
  h.protocol.start();
  h.protocol.gossipTxs([tx]);
  h.protocol.broadcastConsensus(proposal, body, compact);
  assert.deepEqual(h.sent.map((s) => s.topic), ['tx', 'consensus'], 'the gossip first, then the proposal, without waiting for the end of the turn');
  assert.deepEqual(h.sent[1]!.data, { message: proposal, compact });
  h.endTurn();
  assert.equal(h.sent.length, 2, 'the gossip went out once');
  h.tick();
  assert.deepEqual(h.sent.slice(2).map((s) => [s.to, Object.keys(s.data).sort()]), [
    ['p1', ['block', 'message']],
    ['p2', ['block', 'message']],
  ]);
  h.protocol.onMessage('p1', 'consensus', utf8Encode(JSON.stringify({ message: proposal, compact })));
  h.protocol.onMessage('p1', 'consensus', utf8Encode(JSON.stringify({ message: proposal, block: body, compact })));
  assert.deepEqual(h.received, [
    { from: 'p1', message: proposal, block: undefined, compact },
    { from: 'p1', message: proposal, block: body },
  ], 'a whole body, when one came, is what the host gets');
});

test('what arrives is decoded and bounded: consensus messages go to the host, gossiped transactions to admission', () => {
  const h = harness({ height: 1 });
  const message = { type: 'prevote', height: 2 };
  h.protocol.onMessage('p1', 'consensus', utf8Encode(JSON.stringify({ message, block: { x: 1 } })));
  h.protocol.onMessage('p1', 'consensus', utf8Encode(JSON.stringify({ message: { type: 'prevote' } })));
  h.protocol.onMessage('p1', 'consensus', utf8Encode('not json'));
  assert.deepEqual(h.received, [{ from: 'p1', message, block: { x: 1 } }], 'only a message with a height reaches the host');
  const txs = Array.from({ length: DEFAULT_PEER_LIMITS.gossipTxsMax + 5 }, (_, i) => ({ i }));
  h.protocol.onMessage('p2', 'tx', utf8Encode(JSON.stringify(txs)));
  assert.equal(h.gossiped[0]?.length, DEFAULT_PEER_LIMITS.gossipTxsMax);
});

test("the transactions accepted in one turn are gossiped together, in order, split only past a message's bounds", () => {
  const h = harness({ height: 1, limits: { gossipTxsMax: 50 } });
  const tx = (i: number) => ({ body: { nonce: i }, sig: 'ab'.repeat(64) }) as unknown as SignedTx;
  h.protocol.gossipTxs([tx(0)]);
  h.protocol.gossipTxs([tx(1), tx(2)]);
  h.protocol.gossipTxs([tx(3)]);
  assert.equal(h.sent.length, 0, 'nothing is sent before the turn ends');
  h.endTurn();
  assert.deepEqual(h.sent, [{ to: 'all', topic: 'tx', data: [tx(0), tx(1), tx(2), tx(3)] }], 'one message for the turn');
  // A message holds at most gossipTxsMax transactions (what a peer takes from one), and at most GOSSIP_BATCH_BYTES of them.
  h.sent.length = 0;
  h.protocol.gossipTxs(Array.from({ length: 120 }, (_, i) => tx(i)));
  h.endTurn();
  assert.deepEqual(h.sent.map((m) => m.data.length), [50, 50, 20]);
  assert.deepEqual(h.sent.flatMap((m) => m.data), Array.from({ length: 120 }, (_, i) => tx(i)), 'every one, in order');
  h.sent.length = 0;
  const big = (i: number) => ({ body: { nonce: i, pad: 'x'.repeat(15_000) }, sig: 'cd'.repeat(64) }) as unknown as SignedTx;
  h.protocol.gossipTxs(Array.from({ length: 600 }, (_, i) => big(i)));
  h.endTurn();
  assert.ok(h.sent.length >= 3, `several messages (${h.sent.length})`);
  for (const m of h.sent) assert.ok(JSON.stringify(m.data).length <= GOSSIP_BATCH_BYTES, 'each within the bytes bound');
  assert.equal(h.sent.flatMap((m) => m.data).length, 600);
});

test('a service request reaches the named service with the asking peer, as bytes, bounded both ways', async () => {
  const served: { from: string; service: string; data: string }[] = [];
  const h = harness({
    height: 1,
    limits: { serviceRequestBytesMax: 64 },
    serviceRequest: async (from, service, data) => {
      served.push({ from, service, data: new TextDecoder().decode(data) });
      return service === 'big' ? new Uint8Array(65) : utf8Encode('answer');
    },
  });
  // Not JSON: the bytes are the service's business.
  const answer = await h.protocol.onRequest('p1', 'service/sharing', utf8Encode('\u0000raw bytes'));
  assert.equal(new TextDecoder().decode(answer), 'answer');
  assert.deepEqual(served, [{ from: 'p1', service: 'sharing', data: '\u0000raw bytes' }]);
  await assert.rejects(h.protocol.onRequest('p1', 'service/sharing', new Uint8Array(65)), /65 bytes is over the 64-byte limit/);
  await assert.rejects(h.protocol.onRequest('p1', 'service/big', new Uint8Array(1)), /answer of 65 bytes is over/);
  await assert.rejects(h.protocol.onRequest('p1', 'service/../x', new Uint8Array(1)), /unknown service/);
  assert.equal(served.length, 2, 'refused requests reach no handler');
  // A node without a handler refuses every service request.
  await assert.rejects(harness({ height: 1 }).protocol.onRequest('p1', 'service/sharing', new Uint8Array(1)), /serves no service requests/);
});

test('a service request goes out as service/<name>, its wait capped, its size checked before sending', async () => {
  const h = harness({ height: 1, answers: { p1: 'ok' }, limits: { serviceRequestBytesMax: 64, serviceRequestTimeoutMsMax: 5000 } });
  assert.equal(decode(await h.protocol.requestService('p1', 'sharing', utf8Encode('{}'), 60_000)), 'ok');
  assert.deepEqual(h.requests, [{ peer: 'p1', protocol: 'service/sharing', bytes: 2, timeoutMs: 5000 }]);
  await assert.rejects(h.protocol.requestService('p1', 'sharing', new Uint8Array(65), 1000), /over the 64-byte limit/);
  await assert.rejects(h.protocol.requestService('p1', 'Sharing/x', new Uint8Array(1), 1000), /expected a service name/);
  assert.equal(h.requests.length, 1, 'nothing refused was sent');
});
