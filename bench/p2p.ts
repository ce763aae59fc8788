/**
 * `node dist/bench/p2p.js` — the network layer on loopback, beside this
 * machine's Ed25519 verification rate on one core (the ceiling every
 * gossiped transaction meets next):
 *
 *   throughput  4 nodes in a full mesh, each broadcasting 1 KB messages as
 *               fast as its links take them; messages delivered per second
 *               across all nodes (each message is delivered to 3 nodes, and
 *               relayed once by each of them), and MB/s of payload delivered
 *   latency     one 300-byte broadcast at a time on the idle mesh; p50/p99
 *               from broadcast to delivery, over every delivery
 *
 * Two placements: the 4 nodes in one thread (all work on one core, the setup
 * js-libp2p was measured in for network.ts), and one worker thread per node
 * (4 event loops on this machine's cores). `--json` prints one JSON object;
 * `--quick` runs smaller samples; `--only one-thread|threads` runs one placement.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { ed25519OneCore } from './ceilings.js';
import { createP2PNetwork, type P2PNetwork, type PeerAddress } from '../src/p2p/network.js';

const NODES = 4;
const MESSAGE_BYTES = 1024;
const LATENCY_BYTES = 300;
const HOST = '127.0.0.1';
/** Pause a sender while this much waits for any of its peers: measure delivery, not dropping. */
const QUEUE_PAUSE_BYTES = 4 * 1024 * 1024;

const args = process.argv.slice(2);
const JSON_OUT = args.includes('--json');
const QUICK = args.includes('--quick');
const onlyAt = args.indexOf('--only');
const ONLY = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
const MESSAGES_PER_NODE = QUICK ? 5_000 : 25_000;
const LATENCY_SAMPLES = QUICK ? 100 : 400;

/** Wall-clock time in ms with sub-ms resolution, comparable across worker threads. */
const wallMs = (): number => performance.timeOrigin + performance.now();
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

interface Result {
  placement: string;
  deliveredPerSecond: number;
  payloadMBPerSecond: number;
  droppedFrames: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

// --- one node (used in both placements) ---------------------------------------------

interface BenchNode {
  net: P2PNetwork;
  delivered(): number;
  latencies: number[];
}

async function startBenchNode(key: KeyPair, peers: PeerAddress[], port = 0): Promise<BenchNode> {
  let delivered = 0;
  const latencies: number[] = [];
  const net = createP2PNetwork({
    nodeSecretKey: key.secretKey,
    listen: { host: HOST, port },
    peers,
    isAllowed: () => true,
    onMessage: (_from, _topic, data) => {
      delivered++;
      if (data.length === LATENCY_BYTES) latencies.push(wallMs() - new DataView(data.buffer, data.byteOffset).getFloat64(0, true));
    },
  });
  await net.start();
  return { net, delivered: () => delivered, latencies };
}

/** Broadcast `count` distinct 1 KB messages, yielding to the event loop and pausing while a link is backed up. */
async function blast(node: BenchNode, index: number, count: number): Promise<void> {
  const payload = new Uint8Array(MESSAGE_BYTES).fill(index + 1);
  const view = new DataView(payload.buffer);
  view.setUint8(0, index);
  for (let i = 0; i < count; i++) {
    view.setUint32(1, i, true);
    node.net.broadcast('tx', payload);
    if (i % 64 === 63) {
      await tick();
      while (node.net.peerStats().some((s) => s.queuedBytes > QUEUE_PAUSE_BYTES)) await tick();
    }
  }
}

function latencyMessage(): Uint8Array {
  const m = new Uint8Array(LATENCY_BYTES);
  crypto.getRandomValues(m.subarray(8));
  new DataView(m.buffer).setFloat64(0, wallMs(), true);
  return m;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

// --- placement 1: all nodes in this thread ------------------------------------------

async function oneThread(): Promise<Result> {
  const keys = Array.from({ length: NODES }, () => generateKeyPair());
  const nodes: BenchNode[] = [];
  for (let i = 0; i < NODES; i++) {
    const peers = nodes.map((n, j) => ({ pubKey: keys[j]!.publicKey, host: HOST, port: n.net.address.port }));
    nodes.push(await startBenchNode(keys[i]!, peers));
  }
  await waitUntil(() => nodes.every((n) => n.net.connectedPeers().length === NODES - 1), 10_000);
  const expected = NODES * MESSAGES_PER_NODE * (NODES - 1);
  const t0 = performance.now();
  await Promise.all(nodes.map((n, i) => blast(n, i, MESSAGES_PER_NODE)));
  await waitUntil(() => nodes.reduce((s, n) => s + n.delivered(), 0) >= expected, 120_000);
  const seconds = (performance.now() - t0) / 1000;
  const delivered = nodes.reduce((s, n) => s + n.delivered(), 0);
  const droppedFrames = nodes.reduce((s, n) => s + n.net.peerStats().reduce((a, p) => a + p.droppedFrames, 0), 0);
  for (let k = 0; k < LATENCY_SAMPLES; k++) {
    const before = nodes.reduce((s, n) => s + n.latencies.length, 0);
    nodes[k % NODES]!.net.broadcast('tx', latencyMessage());
    await waitUntil(() => nodes.reduce((s, n) => s + n.latencies.length, 0) >= before + NODES - 1, 5000);
  }
  const latencies = nodes.flatMap((n) => n.latencies).sort((a, b) => a - b);
  await Promise.all(nodes.map((n) => n.net.stop()));
  return summary('4 nodes, one thread', delivered, seconds, droppedFrames, latencies);
}

// --- placement 2: one worker thread per node ----------------------------------------

type ToWorker = { do: 'connect'; peers: PeerAddress[] } | { do: 'blast'; count: number } | { do: 'ping' } | { do: 'report' } | { do: 'stop' };
type FromWorker =
  | { ready: number }
  | { connected: number }
  | { blasted: true }
  | { report: { delivered: number; droppedFrames: number; latencies: number[] } }
  | { stopped: true };

async function workerMain(): Promise<void> {
  const { key, index } = workerData as { key: KeyPair; index: number };
  const port = parentPort!;
  let node: BenchNode | undefined;
  const net = await startBenchNode(key, []);
  const post = (m: FromWorker): void => port.postMessage(m);
  post({ ready: net.net.address.port });
  port.on('message', async (m: ToWorker) => {
    switch (m.do) {
      case 'connect':
        await net.net.stop();
        node = await startBenchNode(key, m.peers, net.net.address.port);
        await waitUntil(() => node!.net.connectedPeers().length === NODES - 1, 10_000);
        post({ connected: node.net.connectedPeers().length });
        return;
      case 'blast':
        await blast(node!, index, m.count);
        post({ blasted: true });
        return;
      case 'ping':
        node!.net.broadcast('tx', latencyMessage());
        return;
      case 'report':
        post({ report: { delivered: node!.delivered(), droppedFrames: node!.net.peerStats().reduce((a, p) => a + p.droppedFrames, 0), latencies: node!.latencies } });
        return;
      case 'stop':
        await node!.net.stop();
        post({ stopped: true });
        return;
    }
  });
}

async function threads(): Promise<Result> {
  const keys = Array.from({ length: NODES }, () => generateKeyPair());
  const workers = keys.map((key, index) => new Worker(new URL(import.meta.url), { workerData: { key, index } }));
  const inbox = workers.map(() => [] as FromWorker[]);
  workers.forEach((w, i) => w.on('message', (m: FromWorker) => inbox[i]!.push(m)));
  const next = async <K extends string>(i: number, key: K): Promise<Extract<FromWorker, Record<K, unknown>>> => {
    for (;;) {
      const at = inbox[i]!.findIndex((m) => key in m);
      if (at >= 0) return inbox[i]!.splice(at, 1)[0] as Extract<FromWorker, Record<K, unknown>>;
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const ports = await Promise.all(workers.map(async (_, i) => (await next(i, 'ready')).ready));
  // Worker i dials workers 0..i-1: a full mesh. (Each restarts its node on the same port with its peer list.)
  workers.forEach((w, i) => w.postMessage({ do: 'connect', peers: ports.slice(0, i).map((port, j) => ({ pubKey: keys[j]!.publicKey, host: HOST, port })) } satisfies ToWorker));
  await Promise.all(workers.map((_, i) => next(i, 'connected')));
  const report = async (): Promise<{ delivered: number; droppedFrames: number; latencies: number[] }[]> => {
    workers.forEach((w) => w.postMessage({ do: 'report' } satisfies ToWorker));
    return Promise.all(workers.map(async (_, i) => (await next(i, 'report')).report));
  };
  const expected = NODES * MESSAGES_PER_NODE * (NODES - 1);
  const t0 = performance.now();
  workers.forEach((w) => w.postMessage({ do: 'blast', count: MESSAGES_PER_NODE } satisfies ToWorker));
  await Promise.all(workers.map((_, i) => next(i, 'blasted')));
  let reports = await report();
  while (reports.reduce((s, r) => s + r.delivered, 0) < expected && performance.now() - t0 < 120_000) reports = await report();
  const seconds = (performance.now() - t0) / 1000;
  const delivered = reports.reduce((s, r) => s + r.delivered, 0);
  const droppedFrames = reports.reduce((s, r) => s + r.droppedFrames, 0);
  for (let k = 0; k < LATENCY_SAMPLES; k++) {
    const before = (await report()).reduce((s, r) => s + r.latencies.length, 0);
    workers[k % NODES]!.postMessage({ do: 'ping' } satisfies ToWorker);
    for (let spins = 0; spins < 2000; spins++) if ((await report()).reduce((s, r) => s + r.latencies.length, 0) >= before + NODES - 1) break;
  }
  const latencies = (await report()).flatMap((r) => r.latencies).sort((a, b) => a - b);
  workers.forEach((w) => w.postMessage({ do: 'stop' } satisfies ToWorker));
  await Promise.all(workers.map((_, i) => next(i, 'stopped')));
  await Promise.all(workers.map((w) => w.terminate()));
  return summary(`4 nodes, a worker thread each (${availableParallelism()} cores)`, delivered, seconds, droppedFrames, latencies);
}

function summary(placement: string, delivered: number, seconds: number, droppedFrames: number, latencies: number[]): Result {
  return {
    placement,
    deliveredPerSecond: Math.round(delivered / seconds),
    payloadMBPerSecond: Math.round(((delivered * MESSAGE_BYTES) / seconds / 1e6) * 10) / 10,
    droppedFrames,
    latencyP50Ms: Math.round(percentile(latencies, 0.5) * 1000) / 1000,
    latencyP99Ms: Math.round(percentile(latencies, 0.99) * 1000) / 1000,
  };
}

async function main(): Promise<void> {
  const say = (line: string): void => void (JSON_OUT || process.stdout.write(line + '\n'));
  const verifyPerSecond = ed25519OneCore(QUICK ? 5_000 : 30_000);
  say(`ceiling    Ed25519 verify, one core: ${fmt(verifyPerSecond)}/s`);
  const results: Result[] = [];
  for (const [name, run] of [
    ['one-thread', oneThread],
    ['threads', threads],
  ] as const) {
    if (ONLY && ONLY !== name) continue;
    const r = await run();
    results.push(r);
    say(`p2p        ${r.placement}: ${fmt(r.deliveredPerSecond)} messages of 1 KB delivered/s (${r.payloadMBPerSecond} MB/s), ${r.droppedFrames} dropped`);
    say(`           300-byte broadcast latency p50 ${r.latencyP50Ms} ms, p99 ${r.latencyP99Ms} ms`);
    say(`           delivered/s vs the Ed25519 verify ceiling: ${((r.deliveredPerSecond / verifyPerSecond) * 100).toFixed(0)}%`);
  }
  if (JSON_OUT) process.stdout.write(JSON.stringify({ ed25519VerifyPerSecondOneCore: verifyPerSecond, messagesPerNode: MESSAGES_PER_NODE, results }) + '\n');
}

if (isMainThread) await main();
else await workerMain();
