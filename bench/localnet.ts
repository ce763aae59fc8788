/**
 * `npm run bench:localnet` — a 4-validator network on this machine, every
 * figure printed beside ceilings measured in the same run:
 *
 *   saturation   committed transactions/s when clients submit signed notary
 *                anchors as fast as the four nodes take them
 *   latency      commit latency p50/p99 at half of that rate (submission to
 *                the block that holds it, seen from a node's API)
 *   ceilings     Ed25519 verifications/s (one core, all cores); the
 *                co-located ceiling: four processes that each only verify and
 *                store every transaction (what four validators on one
 *                2-core machine must at least do); one node alone (solo)
 *
 * `--json` prints one JSON object; `--quick` runs smaller samples.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519AllCores, ed25519OneCore } from './ceilings.js';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import type { Genesis } from '../src/ledger/genesis.js';
import { decodeTx, type SignedTx } from '../src/ledger/transaction.js';
import { runInitNetwork } from '../src/cli/network-init.js';
import { anchorTx, freePortRange, randomHash } from '../test/helpers.js';

const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const say = (line: string): void => {
  if (!JSON_OUT) process.stdout.write(line + '\n');
};
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));
const COLOCATED_WORKER = fileURLToPath(new URL('./colocated-worker.js', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// --- ceilings ---------------------------------------------------------------------

/** Four processes that each decode, verify and store (synced, per batch) every transaction: the floor of what 4 co-located validators do. */
async function colocatedCeiling(txs: SignedTx[], dir: string): Promise<number> {
  const file = join(dir, 'colocated-txs.json');
  await writeFile(file, JSON.stringify(txs));
  const procs = Array.from({ length: 4 }, (_, i) => spawn(process.execPath, [COLOCATED_WORKER, file, join(dir, `colocated-${i}`)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const results = await Promise.all(
    procs.map(
      (p) =>
        new Promise<{ ready: number; done: number }>((resolve, reject) => {
          let out = '';
          p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
          p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`co-located worker exited ${code}`))));
        }),
    ),
  );
  // Wall time from the first process starting its work to the last finishing.
  const start = Math.min(...results.map((r) => r.ready));
  const end = Math.max(...results.map((r) => r.done));
  return (txs.length / (end - start)) * 1000;
}

// --- the network ------------------------------------------------------------------

interface NodeProc {
  api: string;
  proc: ChildProcess;
}

async function startNetwork(root: string, validators: number): Promise<{ nodes: NodeProc[]; genesis: Genesis }> {
  const p2pBase = await freePortRange(8);
  const apiBase = await freePortRange(8);
  const quiet = { out: () => {}, err: () => {}, progress: () => {}, isTty: false };
  const code = await runInitNetwork({ validators: String(validators), data: root, 'base-port': String(p2pBase), 'api-base-port': String(apiBase), json: false }, [], quiet);
  if (code !== 0) throw new Error('cannot create the network');
  const slugs = Array.from({ length: validators }, (_, i) => `department-${i + 1}`);
  const genesis = JSON.parse(await readFile(join(root, slugs[0]!, 'genesis.json'), 'utf8')) as Genesis;
  const nodes = slugs.map((slug, i) => ({
    api: `http://127.0.0.1:${apiBase + i}`,
    proc: spawn(process.execPath, [BIN, 'start', '--allow-plaintext-key', '--data', join(root, slug), '--log-level', 'warn', '--port', String(apiBase + i)], { stdio: ['ignore', 'ignore', 'ignore'] }),
  }));
  for (const n of nodes) {
    for (let t = 0; ; t++) {
      try {
        const s = (await (await fetch(`${n.api}/v1/status`)).json()) as { height: number; peers: string[] };
        // Up, and (BFT) linked to every other node.
        if (s.peers.length === validators - 1 && (validators === 1 || s.height >= 1)) break;
      } catch {
        // not up yet
      }
      if (t > 600) throw new Error('the network did not start');
      await sleep(100);
    }
  }
  return { nodes, genesis };
}

async function height(api: string): Promise<number> {
  return ((await (await fetch(`${api}/v1/status`)).json()) as { height: number }).height;
}

/** Follows one node's blocks: the time each transaction id was first seen committed. */
function follow(api: string): { seen: Map<string, number>; stop: () => Promise<void>; committed: () => number } {
  const seen = new Map<string, number>();
  let running = true;
  let next = 1;
  const loop = (async () => {
    while (running) {
      const top = await height(api).catch(() => next - 1);
      for (; next <= top; next++) {
        const block = (await (await fetch(`${api}/v1/blocks/${next}`)).json()) as { txs: SignedTx[] };
        const at = performance.now();
        for (const tx of block.txs) seen.set(decodeTx(tx).id, at);
      }
      await sleep(25);
    }
  })();
  return {
    seen,
    committed: () => seen.size,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

function signTxs(genesis: Genesis, count: number, signers: number): SignedTx[] {
  const keys = Array.from({ length: signers }, () => generateKeyPair());
  const out: SignedTx[] = [];
  for (let n = 0; out.length < count; n++) for (const k of keys) if (out.length < count) out.push(anchorTx(genesis, k, n, randomHash()));
  return out;
}

async function postTxs(api: string, txs: SignedTx[]): Promise<void> {
  const res = await fetch(`${api}/v1/txs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ txs }) });
  const body = (await res.json()) as { results?: { status: string; code?: string }[] };
  const rejected = body.results?.filter((r) => r.status !== 'accepted') ?? [];
  if (res.status >= 400 || rejected.length > 0) throw new Error(`submission refused: ${res.status} ${JSON.stringify(rejected[0] ?? body).slice(0, 200)}`);
}

/** Committed transactions/s when `total` pre-signed transactions are submitted as fast as the nodes take them. */
async function saturate(nodes: NodeProc[], genesis: Genesis, total: number): Promise<number> {
  const txs = signTxs(genesis, total, 200);
  const watch = follow(nodes[0]!.api);
  const t0 = performance.now();
  const batches: SignedTx[][] = [];
  for (let i = 0; i < txs.length; i += 200) batches.push(txs.slice(i, i + 200));
  let next = 0;
  await Promise.all(
    nodes.map(async (n) => {
      while (next < batches.length) await postTxs(n.api, batches[next++]!);
    }),
  );
  while (watch.committed() < total) await sleep(50);
  const ms = Math.max(...watch.seen.values()) - t0;
  await watch.stop();
  return (total / ms) * 1000;
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'polity-bench-localnet-'));
  const cores = availableParallelism();
  say(`Polity localnet benchmark — 4 validators on ${cores} cores, Node ${process.version}${QUICK ? ' (quick sample)' : ''}`);
  const verifyOne = ed25519OneCore(QUICK ? 5_000 : 20_000);
  const verifyAll = await ed25519AllCores(QUICK ? 5_000 : 20_000);
  // One node alone (solo consensus), the same way: a process, HTTP, synced storage.
  const solo = await startNetwork(join(root, 'solo'), 1);
  const soloRate = await saturate(solo.nodes, solo.genesis, QUICK ? 6_000 : 20_000);
  solo.nodes[0]!.proc.kill('SIGTERM');
  await sleep(1000);
  const { nodes, genesis } = await startNetwork(join(root, 'net'), 4);
  try {
    const total = QUICK ? 6_000 : 20_000;
    const saturation = await saturate(nodes, genesis, total);

    // Latency at half of saturation: a steady stream, each transaction timed from submission to its block.
    const rate = saturation / 2;
    const seconds = QUICK ? 6 : 12;
    const stream = signTxs(genesis, Math.round(rate * seconds), 200);
    const submitted = new Map<string, number>();
    const watch2 = follow(nodes[1]!.api);
    const tick = 100;
    const perTick = Math.max(1, Math.round((rate * tick) / 1000));
    const started = performance.now();
    for (let i = 0, k = 0; i < stream.length; i += perTick, k++) {
      const chunk = stream.slice(i, i + perTick);
      const at = performance.now();
      for (const tx of chunk) submitted.set(decodeTx(tx).id, at);
      void postTxs(nodes[k % nodes.length]!.api, chunk);
      const wait = started + (k + 1) * tick - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const deadline = performance.now() + 30_000;
    while ([...submitted.keys()].some((id) => !watch2.seen.has(id)) && performance.now() < deadline) await sleep(50);
    await watch2.stop();
    const latencies = [...submitted].filter(([id]) => watch2.seen.has(id)).map(([id, at]) => watch2.seen.get(id)! - at).sort((a, b) => a - b);
    const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
    const lost = submitted.size - latencies.length;

    for (const n of nodes) n.proc.kill('SIGTERM');
    await sleep(1000);
    // Ceilings with the network stopped, on the same machine.
    const colocated = await colocatedCeiling(signTxs(genesis, QUICK ? 4_000 : 10_000, 200), root);

    say('');
    say('machine ceilings (this run)');
    say(`  Ed25519 verify, one core                 ${fmt(verifyOne).padStart(9)} /s`);
    say(`  Ed25519 verify, all ${cores} cores               ${fmt(verifyAll).padStart(9)} /s`);
    say(`  co-located: 4 processes that verify and store every tx ${fmt(colocated).padStart(7)} tx/s`);
    say('');
    say('4-validator localnet (BFT: Tendermint, real processes on loopback)');
    say(`  saturation                               ${fmt(saturation).padStart(9)} tx/s   = ${((saturation / colocated) * 100).toFixed(1)}% of the co-located ceiling (target >= 1,000 tx/s)`);
    say(`  at half load (${fmt(rate)} tx/s offered): commit latency p50 ${fmt(pct(50))} ms, p99 ${fmt(pct(99))} ms (target p99 <= 2,000 ms)${lost ? `; ${lost} not committed within 30 s` : ''}`);
    say(`  one node alone (solo consensus, same load) ${fmt(soloRate).padStart(9)} tx/s`);
    if (JSON_OUT) {
      process.stdout.write(
        JSON.stringify({
          ceilings: { ed25519VerifyOneCorePerSecond: verifyOne, ed25519VerifyAllCoresPerSecond: verifyAll, colocatedVerifyAndStorePerSecond: colocated },
          soloTxsPerSecond: soloRate,
          localnet: { validators: 4, saturationTxsPerSecond: saturation, halfLoadTxsPerSecond: rate, latencyP50Ms: pct(50), latencyP99Ms: pct(99), notCommitted: lost },
          quick: QUICK,
        }) + '\n',
      );
    }
  } finally {
    for (const n of nodes) if (n.proc.exitCode === null) n.proc.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
}

await main();
