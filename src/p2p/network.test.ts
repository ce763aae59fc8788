/**
 * The network layer on real sockets (127.0.0.1, port 0). Stories: nodes
 * connect and gossip; relay reaches a node with one link; dedup; direct
 * messages and requests; membership refused in both directions (with the
 * allowed control); a killed link comes back; an oversized frame, a flipped
 * ciphertext byte and a slow reader are each caught. Every checker has a
 * control that shows the same setup passing when the fault is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { generateKeyPair, type KeyPair } from '../crypto/ed25519.js';
import { createP2PNetwork, type P2PNetwork, type P2POptions, type PeerAddress, type Topic } from './network.js';
import { isP2PError, shortKey } from './errors.js';

const HOST = '127.0.0.1';
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

interface Received {
  from: string;
  topic: Topic;
  data: string;
}
interface LogLine {
  event: string;
  fields: Record<string, unknown>;
}
interface TestNode {
  key: KeyPair;
  net: P2PNetwork;
  got: Received[];
  logs: LogLine[];
  at: PeerAddress;
}

type NodeOptions = Partial<Omit<P2POptions, 'nodeSecretKey' | 'listen' | 'onMessage' | 'log'>> & { key?: KeyPair; allow?: (key: string) => boolean; port?: number };

const started: P2PNetwork[] = [];

async function startNode(options: NodeOptions = {}): Promise<TestNode> {
  const key = options.key ?? generateKeyPair();
  const got: Received[] = [];
  const logs: LogLine[] = [];
  const { key: _k, allow, port = 0, ...rest } = options;
  const net = createP2PNetwork({
    peers: [],
    isAllowed: allow ?? (() => true),
    ...rest,
    nodeSecretKey: key.secretKey,
    listen: { host: HOST, port },
    onMessage: (from, topic, data) => void got.push({ from, topic, data: str(data) }),
    log: (event, fields) => void logs.push({ event, fields }),
  });
  await net.start();
  started.push(net);
  return { key, net, got, logs, at: { pubKey: key.publicKey, host: HOST, port: net.address.port } };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const connected = (a: TestNode, b: TestNode): boolean => a.net.connectedPeers().includes(b.key.publicKey) && b.net.connectedPeers().includes(a.key.publicKey);
const logged = (n: TestNode, event: string, match: (f: Record<string, unknown>) => boolean = () => true): boolean => n.logs.some((l) => l.event === event && match(l.fields));

async function stopAll(): Promise<void> {
  await Promise.all(started.splice(0).map((n) => n.stop()));
}

/** A TCP proxy between a dialler and a node: it can flip a byte, stop reading, or cut every link. */
interface Proxy {
  port: number;
  /** Flip the last byte of the next chunk going from the dialler to the node. */
  tamperNext(): void;
  /** Stop (or resume) reading what the dialler sends. */
  pauseUpstream(paused: boolean): void;
  killAll(): void;
  close(): Promise<void>;
}

async function startProxy(targetPort: number): Promise<Proxy> {
  const pairs: [Socket, Socket][] = [];
  let tamper = false;
  let paused = false;
  const server: Server = createServer((client) => {
    const upstream = connect({ host: HOST, port: targetPort });
    pairs.push([client, upstream]);
    if (paused) client.pause();
    client.on('data', (chunk: Buffer) => {
      if (tamper) {
        tamper = false;
        chunk = Buffer.from(chunk);
        chunk[chunk.length - 1]! ^= 0x01;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    tamperNext: () => void (tamper = true),
    pauseUpstream(p) {
      paused = p;
      for (const [client] of pairs) p ? client.pause() : client.resume();
    },
    killAll() {
      for (const [client, upstream] of pairs.splice(0)) {
        client.destroy();
        upstream.destroy();
      }
    },
    close: async () => {
      for (const [client, upstream] of pairs.splice(0)) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('four nodes connect, and each broadcast reaches every other node exactly once, never its sender', async (t) => {
  t.after(stopAll);
  const nodes: TestNode[] = [];
  for (let i = 0; i < 4; i++) nodes.push(await startNode({ peers: nodes.map((n) => n.at) })); // node i dials nodes 0..i-1: a full mesh
  await waitFor('a full mesh', () => nodes.every((n) => n.net.connectedPeers().length === 3));
  for (const [i, n] of nodes.entries()) for (let k = 0; k < 3; k++) n.net.broadcast(k === 2 ? 'consensus' : 'tx', text(`m${i}-${k}`));
  await waitFor('9 messages at every node', () => nodes.every((n) => n.got.length >= 9));
  await sleep(150); // room for any duplicate still on the wire
  for (const [i, n] of nodes.entries()) {
    const seen = n.got.map((g) => g.data).sort();
    const expected = nodes.flatMap((_, j) => (j === i ? [] : [0, 1, 2].map((k) => `m${j}-${k}`))).sort();
    assert.deepEqual(seen, expected, `node ${i} got each other node's messages once, and none of its own`);
    assert.ok(n.got.every((g) => g.topic === (g.data.endsWith('-2') ? 'consensus' : 'tx')));
  }
});

test('relay: in a line A - B - C, gossip crosses B both ways, once', async (t) => {
  t.after(stopAll);
  const b = await startNode();
  const a = await startNode({ peers: [b.at] });
  const c = await startNode({ peers: [b.at] });
  await waitFor('the line', () => connected(a, b) && connected(c, b));
  assert.ok(!a.net.connectedPeers().includes(c.key.publicKey), 'A and C are not linked');
  a.net.broadcast('tx', text('from A'));
  c.net.broadcast('block', text('from C'));
  await waitFor('both crossed', () => c.got.length >= 1 && a.got.length >= 1 && b.got.length >= 2);
  await sleep(100);
  assert.deepEqual(c.got, [{ from: b.key.publicKey, topic: 'tx', data: 'from A' }], 'from is the neighbour that relayed it');
  assert.deepEqual(a.got, [{ from: b.key.publicKey, topic: 'block', data: 'from C' }]);
  assert.equal(b.got.length, 2);
});

test('a handler returning false stops the relay of that message (and only that one)', async (t) => {
  t.after(stopAll);
  const seenAtB: string[] = [];
  // B's handler judges 'bad' invalid.
  const b2key = generateKeyPair();
  const b2 = createP2PNetwork({
    nodeSecretKey: b2key.secretKey,
    listen: { host: HOST, port: 0 },
    peers: [],
    isAllowed: () => true,
    onMessage: (_from, _topic, data) => {
      seenAtB.push(str(data));
      return str(data) !== 'bad';
    },
  });
  await b2.start();
  started.push(b2);
  const at = { pubKey: b2key.publicKey, host: HOST, port: b2.address.port };
  const a = await startNode({ peers: [at] });
  const c = await startNode({ peers: [at] });
  await waitFor('the line', () => b2.connectedPeers().length === 2);
  a.net.broadcast('tx', text('bad'));
  a.net.broadcast('tx', text('good'));
  await waitFor('good relayed', () => c.got.length >= 1);
  await sleep(100);
  assert.deepEqual(seenAtB, ['bad', 'good']);
  assert.deepEqual(c.got.map((g) => g.data), ['good']);
});

test('send is direct and not relayed; request/response answers, carries remote errors, times out, and fails fast when not connected', async (t) => {
  t.after(stopAll);
  const b = await startNode({
    onRequest: async (_from, protocol, data) => {
      if (protocol === 'block') return text(`block ${str(data)}`);
      if (protocol === 'slow') return new Promise<Uint8Array>(() => {}); // never answers
      throw new Error(`unknown protocol ${protocol}`);
    },
  });
  const a = await startNode({ peers: [b.at] });
  const c = await startNode({ peers: [b.at] });
  await waitFor('links', () => connected(a, b) && connected(c, b));
  assert.equal(a.net.send(b.key.publicKey, 'consensus', text('vote')), true);
  assert.equal(a.net.send(c.key.publicKey, 'consensus', text('vote')), false, 'not linked to C');
  await waitFor('direct message', () => b.got.length === 1);
  assert.deepEqual(b.got[0], { from: a.key.publicKey, topic: 'consensus', data: 'vote' });

  assert.equal(str(await a.net.request(b.key.publicKey, 'block', text('7'), 2000)), 'block 7');
  await assert.rejects(a.net.request(b.key.publicKey, 'nope', text(''), 2000), (e) => isP2PError(e, 'P2P_REMOTE_ERROR') && /unknown protocol nope/.test(e.message));
  await assert.rejects(a.net.request(b.key.publicKey, 'slow', text(''), 150), (e) => isP2PError(e, 'P2P_REQUEST_TIMEOUT'));
  await assert.rejects(a.net.request(c.key.publicKey, 'block', text('1'), 2000), (e) => isP2PError(e, 'P2P_NOT_CONNECTED'));
  // A request pending when its peer goes away is rejected at once, not at its timeout.
  const waiting = a.net.request(b.key.publicKey, 'slow', text(''), 10_000);
  const t0 = Date.now();
  await b.net.stop();
  await assert.rejects(waiting, (e) => isP2PError(e, 'P2P_PEER_DISCONNECTED'));
  assert.ok(Date.now() - t0 < 2000);
  await sleep(100);
  assert.equal(c.got.length, 0, 'the direct message was not relayed');
});

test('an unknown key is refused inbound and outbound; the same setups with the key allowed connect', async (t) => {
  t.after(stopAll);
  const members = new Set<string>();
  const a = await startNode({ allow: (k) => members.has(k) });

  // Inbound: a stranger dials A. A refuses it after the handshake; neither side sees a link.
  const stranger = await startNode({ peers: [a.at] });
  await waitFor('A refuses the stranger', () => logged(a, 'peer.refused', (f) => f['peer'] === shortKey(stranger.key.publicKey) && f['outbound'] === false));
  await sleep(100);
  assert.deepEqual(a.net.connectedPeers(), []);
  assert.deepEqual(stranger.net.connectedPeers(), [], 'the refused dialler never saw the link open');
  assert.equal(stranger.got.length + a.got.length, 0);

  // Outbound: A dials a listed peer that is not a member. A refuses it before revealing its own identity.
  const outsider = await startNode();
  const a2 = await startNode({ peers: [outsider.at], allow: (k) => members.has(k) });
  await waitFor('A2 refuses the outsider', () => logged(a2, 'peer.refused', (f) => f['peer'] === shortKey(outsider.key.publicKey) && f['outbound'] === true));
  await sleep(100);
  assert.deepEqual(a2.net.connectedPeers(), []);
  assert.deepEqual(outsider.net.connectedPeers(), []);

  // An address that proves a different key than the one listed for it is refused too.
  const impostor = await startNode();
  const a3 = await startNode({ peers: [{ ...impostor.at, pubKey: outsider.key.publicKey }] });
  await waitFor('A3 refuses the impostor', () => logged(a3, 'peer.refused', (f) => /expected node/.test(String(f['reason']))));
  assert.deepEqual(a3.net.connectedPeers(), []);

  // Controls: the same setups, with the keys allowed, connect.
  members.add(stranger.key.publicKey).add(outsider.key.publicKey);
  await waitFor('the stranger, now a member, connects (it keeps redialling)', () => connected(a, stranger), 8000);
  await waitFor('A2 connects to the outsider, now a member', () => connected(a2, outsider), 8000);

  // Membership shrinks: refreshMembership drops the link, and the redial is refused again.
  members.delete(stranger.key.publicKey);
  a.net.refreshMembership();
  assert.deepEqual(a.net.connectedPeers(), []);
  await waitFor('the stranger lost the link too', () => stranger.net.connectedPeers().length === 0);
});

test('nodes of different networks (networkId in the Noise prologue) cannot connect; the same id can', async (t) => {
  t.after(stopAll);
  const a = await startNode({ networkId: 'chain-a' });
  const b = await startNode({ networkId: 'chain-b', peers: [a.at] });
  await waitFor('the handshake fails', () => logged(b, 'peer.handshake_failed'));
  assert.deepEqual(a.net.connectedPeers(), []);
  const c = await startNode({ networkId: 'chain-a', peers: [a.at] });
  await waitFor('same network connects', () => connected(a, c));
});

/** Node A dialling node B through a TCP proxy the test controls; linked when it returns. */
async function linkedThroughProxy(t: { after: (fn: () => unknown) => void }): Promise<{ a: TestNode; b: TestNode; proxy: Proxy }> {
  const b = await startNode();
  const proxy = await startProxy(b.at.port);
  t.after(() => proxy.close());
  const a = await startNode({ peers: [{ ...b.at, port: proxy.port }] });
  await waitFor('linked through the proxy', () => connected(a, b));
  return { a, b, proxy };
}

test('a link cut on the wire is redialled, and gossip flows again', async (t) => {
  t.after(stopAll);
  const { a, b, proxy } = await linkedThroughProxy(t);
  proxy.killAll();
  await waitFor('the cut is noticed', () => logged(a, 'peer.disconnected'));
  await waitFor('reconnected', () => connected(a, b));
  a.net.broadcast('tx', text('after the cut'));
  await waitFor('delivered', () => b.got.some((g) => g.data === 'after the cut'));
  assert.equal(a.logs.filter((l) => l.event === 'peer.connected').length, 2);

  // The peer restarts: same key, same port, a new process state. A finds it again.
  await b.net.stop();
  await waitFor('A notices', () => a.net.connectedPeers().length === 0);
  const b2 = await startNode({ key: b.key, port: b.at.port });
  await waitFor('reconnected to the restarted peer', () => connected(a, b2), 8000);
  a.net.broadcast('tx', text('after the restart'));
  await waitFor('delivered after the restart', () => b2.got.some((g) => g.data === 'after the restart'));
});

test('a frame over the receiver\'s limit drops the peer, and is not delivered; one under it is', async (t) => {
  t.after(stopAll);
  const b = await startNode({ maxMessageBytes: 1024 });
  const a = await startNode({ peers: [b.at] });
  await waitFor('link', () => connected(a, b));
  a.net.broadcast('block', new Uint8Array(1000).fill(65)); // control: under the limit
  await waitFor('the small one arrives', () => b.got.length === 1);
  a.net.broadcast('block', new Uint8Array(4096).fill(66));
  await waitFor('B drops A', () => logged(b, 'peer.disconnected', (f) => /frame too large/.test(String(f['reason']))));
  await sleep(50);
  assert.equal(b.got.length, 1);
  assert.ok(b.got.every((g) => g.data.length === 1000));
  assert.throws(() => b.net.broadcast('tx', new Uint8Array(1025)), (e) => isP2PError(e, 'P2P_MESSAGE_TOO_LARGE'));
});

test('a flipped ciphertext byte on the wire is detected: the link drops and nothing forged is delivered', async (t) => {
  t.after(stopAll);
  const { a, b, proxy } = await linkedThroughProxy(t);
  a.net.broadcast('tx', text('intact')); // control: the proxy itself changes nothing
  await waitFor('intact arrives', () => b.got.length === 1);
  await sleep(50);
  proxy.tamperNext();
  a.net.broadcast('tx', text('tampered'));
  await waitFor('B detects it', () => logged(b, 'peer.disconnected', (f) => /decryption failed/.test(String(f['reason']))));
  assert.deepEqual(b.got.map((g) => g.data), ['intact']);
  await waitFor('and the link comes back', () => connected(a, b));
});

test('a peer that stops reading: gossip to it is dropped oldest-first, its queue stays bounded, others are unaffected', async (t) => {
  t.after(stopAll);
  const queueMax = 256 * 1024;
  const slow = await startNode();
  const fast = await startNode();
  const proxy = await startProxy(slow.at.port);
  t.after(() => proxy.close());
  const a = await startNode({ peers: [{ ...slow.at, port: proxy.port }, fast.at], sendQueueBytesMax: queueMax, maxMessageBytes: 64 * 1024 });
  await waitFor('links', () => connected(a, slow) && connected(a, fast));
  proxy.pauseUpstream(true);
  const payload = new Uint8Array(1024).fill(1);
  const count = 30_000; // 30 MB: more than the kernel buffers on the slow path hold
  let peakQueued = 0;
  for (let i = 0; i < count; i++) {
    payload[0] = i & 0xff;
    payload[1] = (i >> 8) & 0xff;
    payload[2] = (i >> 16) & 0xff;
    a.net.broadcast('tx', payload);
    if (i % 100 === 99) {
      // Pace the sender to what the fast peer takes, so only the slow path overflows.
      do {
        await new Promise((r) => setImmediate(r));
        for (const s of a.net.peerStats()) peakQueued = Math.max(peakQueued, s.queuedBytes);
      } while ((a.net.peerStats().find((s) => s.pubKey === fast.key.publicKey)?.queuedBytes ?? 0) > 64 * 1024);
    }
  }
  await waitFor('the fast peer gets every message', () => fast.got.length === count, 15_000);
  const slowStats = a.net.peerStats().find((s) => s.pubKey === slow.key.publicKey)!;
  assert.ok(slowStats, 'the slow link is kept: gossip is dropped, not the link');
  assert.ok(slowStats.droppedFrames > 0, 'gossip to the slow peer was dropped');
  assert.ok(peakQueued <= queueMax, `queued ${peakQueued} bytes, limit ${queueMax}`);
  assert.ok(logged(a, 'peer.slow', (f) => f['peer'] === shortKey(slow.key.publicKey)));
  proxy.pauseUpstream(false);
  a.net.broadcast('tx', text('after'));
  await waitFor('the slow peer catches up with the newest message', () => slow.got.some((g) => g.data === 'after'), 10_000);
  assert.ok(slow.got.length < count + 1, 'it missed the dropped ones');
});

/**
 * Silent sockets from many loopback addresses (Linux routes all of
 * 127.0.0.0/8 to lo, so a client may bind 127.0.0.2, 127.0.0.3, …), each
 * reopened 50 ms after it closes: a handshake-slot flood that needs no key.
 */
function handshakeFlood(port: number, addresses: number, socketsPerAddress: number): { stop(): void; opened(): number } {
  let stopped = false;
  let opened = 0;
  const sockets = new Set<Socket>();
  const open = (localAddress: string): void => {
    if (stopped) return;
    const socket = connect({ host: HOST, port, localAddress });
    opened++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      setTimeout(() => open(localAddress), 50).unref();
    });
  };
  for (let a = 0; a < addresses; a++) for (let s = 0; s < socketsPerAddress; s++) open(`127.0.0.${a + 2}`);
  return {
    opened: () => opened,
    stop() {
      stopped = true;
      for (const s of sockets) s.destroy();
    },
  };
}

async function freeLoopbackPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('a flood of silent handshakes from many addresses does not keep two known peers apart', async (t) => {
  const [keyA, keyB] = [generateKeyPair(), generateKeyPair()];
  const [portA, portB] = [await freeLoopbackPort(), await freeLoopbackPort()];
  // 200 sockets from 20 addresses at each node, reopened as soon as they close (the issue: ~300 per node, every 50 ms).
  const floods = [handshakeFlood(portA, 20, 10), handshakeFlood(portB, 20, 10)];
  try {
    const a = await startNode({ key: keyA, port: portA, peers: [{ pubKey: keyB.publicKey, host: HOST, port: portB }] });
    await sleep(500); // A's slots are taken before B (the restarted validator) comes up
    const b = await startNode({ key: keyB, port: portB, peers: [{ pubKey: keyA.publicKey, host: HOST, port: portA }] });
    const t0 = Date.now();
    let ok = true;
    try {
      await waitFor('A and B to connect during the flood', () => connected(a, b), 10_000);
    } catch {
      ok = false;
    }
    const refused = [a, b].map((n) => n.logs.filter((l) => l.event === 'peer.refused').length);
    t.diagnostic(`flood: ${floods.map((f) => f.opened()).join(' + ')} sockets opened; refused at A, B: ${refused.join(', ')}; A-B ${ok ? `connected after ${Date.now() - t0} ms` : 'not connected within 10 s'}`);
    assert.ok(ok, 'known peers connect during a handshake flood');
    // Gossip flows over the link while the flood goes on.
    a.net.broadcast('tx', text('during the flood'));
    await waitFor('B to receive gossip', () => b.got.some((g) => g.data === 'during the flood'));
  } finally {
    for (const f of floods) f.stop();
    await stopAll();
  }
});
