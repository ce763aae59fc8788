/**
 * `npm run bench:peers` — Polity beside etcd, on this machine, in one run
 * and in one client shape: N requests in flight, each answered once
 * committed, a new one sent as each answer arrives (a closed loop).
 *
 *   etcd, one member        a put through the `etcd3` client (gRPC)
 *   etcd, three members     the same, on three members on loopback
 *   Polity, one node        `polity start --init` (solo consensus):
 *                           `POST /v1/tx?wait=commit` of signed
 *                           `notary.anchor` transactions, signed before
 *                           the clock starts
 *   Polity, four validators the same against four `polity start`
 *                           processes (BFT), requests spread over them
 *   intake alone            the platform's ceiling (intake-server.ts): a
 *                           bare node:http process that answers each
 *                           transaction once the node's own intake has
 *                           decoded, hashed and verified it, and does
 *                           nothing else (no block, state or storage)
 *
 * each at concurrency 1 and 200 (intake alone at 200), then the four validators again at the
 * concurrency that gives about half of their saturation throughput (the
 * p99 there is an acceptance line). It prints a table (committed/s, p50,
 * p99), the ratios Polity one node ÷ etcd one member and four validators ÷
 * etcd three members, and the target lines.
 *
 * Why a closed loop: it is what an official's client does (send, wait for
 * the commit, send the next), and what etcd's own `benchmark put --clients`
 * measures. Polity does more per write than etcd (an Ed25519 verification
 * per validator, a Merkle-authenticated state), so the ratios are the
 * figures to read, not the absolute ones.
 *
 * etcd comes from Debian (`etcd-server`, `etcd-client`): when `etcd` is not
 * on the PATH the script installs it with apt-get (as root, or with
 * passwordless sudo), and when it cannot, says why and measures Polity
 * alone. Every process runs on 127.0.0.1 with free ports and a temporary
 * data directory, all removed at the end (and on Ctrl+C).
 *
 * The floor: a committed Polity transaction costs at least one Ed25519
 * verification per node (each validator verifies it), and every request
 * costs the client its own CPU, on the same cores. Measured in the same run
 * (the one-core verification rate before the phases, the client's CPU in
 * each phase), that floor bounds what any implementation could commit per
 * second on this machine; the bench prints it beside the target, so a
 * target above it reads as the machine's limit, not the node's. The
 * intake-alone phase is the same bound measured rather than computed, with
 * what the platform adds (an HTTP request in Node.js, the JSON parse, the
 * transaction's hash): what Polity's node could reach if everything else it
 * does (mempool, blocks, execution, the state tree, synced storage, the API
 * framework) cost nothing. The share of the target left to all of that is
 * printed beside it.
 *
 * Limits: every phase runs for a fixed time (`--quick`: short, a smoke
 * test) or until its pre-signed transactions run out; every request has a
 * 30 s timeout; a phase with no committed request reports zeros.
 *
 * `--quick` short phases; `--json` one JSON object at the end;
 * `--skip-etcd` measures Polity alone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import type { Genesis } from '../src/ledger/genesis.js';
import { signTx } from '../src/ledger/sign.js';
import type { SignedTx } from '../src/ledger/transaction.js';
import { runInitNetwork } from '../src/cli/network-init.js';
import { freePortRange } from '../test/helpers.js';
import { ed25519OneCore } from './ceilings.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const JSON_OUT = args.has('--json');
const SKIP_ETCD = args.has('--skip-etcd');
const say = (line: string): void => {
  if (!JSON_OUT) process.stdout.write(line + '\n');
};
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));
const INTAKE_SERVER = fileURLToPath(new URL('./intake-server.js', import.meta.url));

/** How long each measured phase runs, after a short warm-up. */
const PHASE_MS = QUICK ? 3_000 : 10_000;
const WARMUP_MS = QUICK ? 1_000 : 2_000;
/** The two concurrencies of the issue's table. */
const CONCURRENCIES = [1, 200] as const;
/** Pre-signed transactions per client: a phase ends early when a client runs out. */
const TXS_PER_CLIENT_C1 = QUICK ? 1_000 : 6_000;
/** Pre-signed transactions in all at a higher concurrency, shared out over its clients. */
const TXS_MANY_CLIENTS = QUICK ? 12_000 : 80_000;
/** Pre-signed transactions for the intake-alone phase, which answers without committing anything. */
const TXS_INTAKE_ALONE = QUICK ? 60_000 : 240_000;
/** Phases tried to find the concurrency of half the saturation throughput. */
const HALF_LOAD_PROBES_MAX = QUICK ? 2 : 6;
/** One request's limit (the wait for its commit included). */
const REQUEST_TIMEOUT_MS = 30_000;
/** Longest wait for a process or a cluster to come up. */
const START_TIMEOUT_MS = 60_000;

// --- the closed loop ----------------------------------------------------------------

interface Phase {
  system: string;
  concurrency: number;
  committedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** This process's CPU time (the client's) per answered request, in µs: what the load generator itself costs. */
  clientCpuUsPerRequest: number;
  errors: number;
  /** The first error seen, for the reader (no payloads). */
  firstError?: string;
}

/**
 * `concurrency` clients, each sending its next request as soon as the last
 * is answered. Counted: the requests answered between the end of the
 * warm-up and the end of the phase (committed/s), with their latencies,
 * from sending to the answer.
 */
async function closedLoop(system: string, concurrency: number, send: (client: number, seq: number) => Promise<void> | undefined): Promise<Phase> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const measureFrom = performance.now() + WARMUP_MS;
  const end = measureFrom + PHASE_MS;
  /** Set when a client's pre-signed transactions ran out: the window then ends at the last answer. */
  let ranOut = false;
  let lastAnswer = measureFrom;
  let cpuFrom: NodeJS.CpuUsage | undefined;
  let cpuSpent: NodeJS.CpuUsage | undefined;
  const cpuTimer = setTimeout(() => (cpuFrom = process.cpuUsage()), Math.max(0, measureFrom - performance.now()));
  const cpuEnd = setTimeout(() => (cpuSpent = cpuFrom && process.cpuUsage(cpuFrom)), Math.max(0, end - performance.now()));
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      for (let seq = 0; performance.now() < end; seq++) {
        const sentAt = performance.now();
        const request = send(client, seq);
        if (!request) {
          ranOut = true;
          break;
        }
        try {
          await request;
          const at = performance.now();
          if (at >= measureFrom && at <= end) {
            latencies.push(at - sentAt);
            lastAnswer = at;
          }
        } catch (e) {
          errors++;
          firstError ??= (e as Error).message.slice(0, 200);
        }
      }
    }),
  );
  clearTimeout(cpuTimer);
  clearTimeout(cpuEnd);
  cpuSpent ??= cpuFrom && process.cpuUsage(cpuFrom);
  const clientCpuUsPerRequest = cpuSpent && latencies.length ? (cpuSpent.user + cpuSpent.system) / latencies.length : 0;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! : 0);
  const windowMs = ranOut ? Math.max(1, lastAnswer - measureFrom) : PHASE_MS;
  return { system, concurrency, committedPerSecond: (latencies.length / windowMs) * 1000, p50Ms: pct(50), p99Ms: pct(99), requests: latencies.length, clientCpuUsPerRequest, errors, ...(firstError ? { firstError } : {}) };
}

// --- processes and clean-up ---------------------------------------------------------

const processes = new Set<ChildProcess>();
const dirs = new Set<string>();

function startProcess(command: string, argv: string[], log: string[]): ChildProcess {
  const proc = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer): void => {
    log.push(b.toString());
    if (log.length > 200) log.splice(0, log.length - 200);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  processes.add(proc);
  proc.on('exit', () => processes.delete(proc));
  return proc;
}

async function stopAll(procs: Iterable<ChildProcess>): Promise<void> {
  await Promise.all(
    [...procs].map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          const kill = setTimeout(() => p.kill('SIGKILL'), 5_000);
          p.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          p.kill('SIGTERM');
        }),
    ),
  );
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

async function cleanUp(): Promise<void> {
  await stopAll([...processes]);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs.clear();
}

process.once('SIGINT', () => {
  void cleanUp().finally(() => process.exit(130));
});

async function waitUntil(what: string, log: string[], check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${START_TIMEOUT_MS / 1000} s; its last output:\n${log.join('').slice(-1500)}`);
    await sleep(100);
  }
}

// --- etcd ---------------------------------------------------------------------------

const hasEtcd = (): boolean => spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0;

/** etcd on the PATH, installing Debian's packages when it is missing; the reason when it cannot be had. */
function ensureEtcd(): { ok: true } | { ok: false; reason: string } {
  if (hasEtcd()) return { ok: true };
  const root = process.getuid?.() === 0;
  const sudo = !root && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!root && !sudo) return { ok: false, reason: 'etcd is not installed, and installing it needs root or passwordless sudo: run `apt-get install -y etcd-server etcd-client` as root' };
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) return { ok: false, reason: 'etcd is not installed and this system has no apt-get: install etcd 3.4 or later and put `etcd` on the PATH' };
  const apt = (...a: string[]): number | null => {
    const argv = sudo ? ['sudo', '-n', 'apt-get', ...a] : ['apt-get', ...a];
    return spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status;
  };
  say('etcd is missing: installing etcd-server and etcd-client from Debian (apt-get) ...');
  if (apt('install', '-y', '-qq', 'etcd-server', 'etcd-client') !== 0) {
    // The package lists may be stale or absent (a fresh container): update once, then try again.
    apt('update', '-qq');
    if (apt('install', '-y', '-qq', 'etcd-server', 'etcd-client') !== 0) return { ok: false, reason: 'apt-get could not install etcd-server and etcd-client (no network or no such package here)' };
  }
  return hasEtcd() ? { ok: true } : { ok: false, reason: 'etcd-server installed, but `etcd` is not on the PATH' };
}

function etcdVersion(): string {
  const out = spawnSync('etcd', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return /etcd Version: (\S+)/.exec(out)?.[1] ?? 'unknown';
}

/** `members` etcd members on loopback, each with its own data directory; the client URLs. */
async function startEtcd(members: number): Promise<{ urls: string[]; procs: ChildProcess[]; log: string[] }> {
  const ports = await freePortRange(2 * members);
  const root = await tempDir('polity-bench-etcd-');
  const names = Array.from({ length: members }, (_, i) => `m${i + 1}`);
  const peerUrl = (i: number): string => `http://127.0.0.1:${ports + members + i}`;
  const clientUrl = (i: number): string => `http://127.0.0.1:${ports + i}`;
  const cluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',');
  const log: string[] = [];
  const procs = names.map((name, i) =>
    startProcess(
      'etcd',
      [
        '--name', name,
        '--data-dir', join(root, name),
        '--listen-client-urls', clientUrl(i),
        '--advertise-client-urls', clientUrl(i),
        '--listen-peer-urls', peerUrl(i),
        '--initial-advertise-peer-urls', peerUrl(i),
        '--initial-cluster', cluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', `polity-bench-${process.pid}`,
        '--logger', 'zap',
        '--log-level', 'error',
      ],
      log,
    ),
  );
  return { urls: names.map((_, i) => clientUrl(i)), procs, log };
}

async function measureEtcd(members: number): Promise<Phase[]> {
  const label = members === 1 ? 'etcd, one member' : `etcd, ${members} members`;
  const { Etcd3 } = await import('etcd3');
  const { urls, procs, log } = await startEtcd(members);
  const client = new Etcd3({ hosts: urls });
  try {
    await waitUntil(label, log, async () => {
      await client.put('polity-bench/ready').value('1');
      return true;
    });
    // A value the size of a notary anchor's hash, under keys that never repeat.
    const value = randomBytes(32).toString('hex');
    const out: Phase[] = [];
    for (const c of CONCURRENCIES) out.push(await closedLoop(label, c, (client_, seq) => client.put(`polity-bench/c${c}/${client_}/${seq}`).value(value).exec().then(() => undefined)));
    return out;
  } finally {
    client.close();
    await stopAll(procs);
  }
}

// --- Polity -------------------------------------------------------------------------

interface PolityNet {
  apis: string[];
  genesis: Genesis;
  procs: ChildProcess[];
  log: string[];
}

async function status(api: string): Promise<{ height: number; peers: string[] }> {
  const res = await fetch(`${api}/v1/status`, { signal: AbortSignal.timeout(2_000) });
  return (await res.json()) as { height: number; peers: string[] };
}

/** One node, as an official starts one: `polity start --init` in an empty directory. */
async function startSolo(): Promise<PolityNet> {
  const dir = await tempDir('polity-bench-solo-');
  const port = await freePortRange(1);
  const log: string[] = [];
  const proc = startProcess(process.execPath, [BIN, 'start', '--init', '--data', join(dir, 'data'), '--port', String(port), '--log-level', 'warn'], log);
  const api = `http://127.0.0.1:${port}`;
  await waitUntil('the Polity node', log, async () => (await status(api)).height >= 0);
  const genesis = JSON.parse(await readFile(join(dir, 'data', 'genesis.json'), 'utf8')) as Genesis;
  return { apis: [api], genesis, procs: [proc], log };
}

/** Four validators on loopback, as `polity localnet` lays them out (bench/localnet.ts does the same). */
async function startFour(): Promise<PolityNet> {
  const root = await tempDir('polity-bench-four-');
  const p2pBase = await freePortRange(8);
  const apiBase = await freePortRange(8);
  const quiet = { out: () => {}, err: () => {}, progress: () => {}, isTty: false };
  const code = await runInitNetwork({ validators: '4', data: root, 'base-port': String(p2pBase), 'api-base-port': String(apiBase), json: false }, [], quiet);
  if (code !== 0) throw new Error('cannot create the four-validator network');
  const slugs = Array.from({ length: 4 }, (_, i) => `department-${i + 1}`);
  const genesis = JSON.parse(await readFile(join(root, slugs[0]!, 'genesis.json'), 'utf8')) as Genesis;
  const log: string[] = [];
  const procs = slugs.map((slug, i) => startProcess(process.execPath, [BIN, 'start', '--data', join(root, slug), '--log-level', 'warn', '--port', String(apiBase + i)], log));
  const apis = slugs.map((_, i) => `http://127.0.0.1:${apiBase + i}`);
  // Up, linked to the three others, and past block 1 (with no empty blocks, the first transaction makes it).
  for (const api of apis) await waitUntil('the four validators', log, async () => (await status(api)).peers.length === 3);
  return { apis, genesis, procs, log };
}

/** Signed `notary.anchor` transactions, `perClient` for each of `clients` keys, with consecutive nonces from 0. */
function signAnchors(genesis: Genesis, clients: number, perClient: number): SignedTx[][] {
  return Array.from({ length: clients }, () => {
    const key = generateKeyPair();
    return Array.from({ length: perClient }, (_, nonce) =>
      signTx({ v: 1, chainId: genesis.chainId, module: 'notary', action: 'anchor', args: { hash: randomBytes(32).toString('hex') }, signer: key.publicKey, nonce }, key.secretKey),
    );
  });
}

/**
 * The HTTP client of the Polity phases: node:http with kept-alive
 * connections (one per client in flight), the bodies encoded before the
 * clock starts. A client as lean as the etcd3 client's gRPC channel: on a
 * machine with few cores the load generator shares the CPUs with the
 * system it measures, so a heavy client (the WHATWG fetch, about four times
 * the CPU per request) would be measured as the server's slowness. Each
 * phase prints the client's CPU per request beside its figures.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 512 });

function postJson(api: string, path: string, body: string): Promise<{ status: number; text: string }> {
  const url = new URL(api);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { agent, host: url.hostname, port: url.port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: REQUEST_TIMEOUT_MS + 5_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Submit one transaction (its JSON) and wait for its commit; throws unless it committed with result OK. */
async function commitTx(api: string, txJson: string): Promise<void> {
  const res = await postJson(api, `/v1/tx?wait=commit&timeoutMs=${REQUEST_TIMEOUT_MS}`, txJson);
  const body = JSON.parse(res.text) as { result?: { code: string }; code?: string; status?: string };
  if (res.status !== 200 || body.result?.code !== 'OK') throw new Error(`HTTP ${res.status}: ${body.result?.code ?? body.code ?? body.status}`);
}

/** The closed loop against a Polity network: client i sends to node i mod n. */
function polityLoop(net: PolityNet, system: string, concurrency: number, total = concurrency === 1 ? TXS_PER_CLIENT_C1 : TXS_MANY_CLIENTS): Promise<Phase> {
  const txs = signAnchors(net.genesis, concurrency, Math.ceil(total / concurrency)).map((list) => list.map((tx) => JSON.stringify(tx)));
  return closedLoop(system, concurrency, (client, seq) => {
    const tx = txs[client]![seq];
    return tx ? commitTx(net.apis[client % net.apis.length]!, tx) : undefined;
  });
}

/** The intake-alone ceiling (intake-server.ts) at `concurrency`, with the same client and transactions as the Polity phases. */
async function measureIntakeAlone(concurrency: number): Promise<Phase> {
  // Any chain id does: the process checks each transaction's against it and keeps nothing (the signers need only it).
  const genesis = { chainId: 'polity-bench-intake' } as Genesis;
  const port = await freePortRange(1);
  const log: string[] = [];
  const proc = startProcess(process.execPath, [INTAKE_SERVER, String(port), genesis.chainId], log);
  try {
    await waitUntil('the intake-alone process', log, async () => log.join('').includes('listening'));
    // Faster than a node: enough transactions for the warm-up and the whole phase.
    return await polityLoop({ apis: [`http://127.0.0.1:${port}`], genesis, procs: [proc], log }, 'intake alone (no ledger)', concurrency, TXS_INTAKE_ALONE);
  } finally {
    await stopAll([proc]);
  }
}

/**
 * The four validators at about half of their saturation throughput: the
 * concurrency is halved from 100 until the throughput falls to 60% of
 * saturation or below, and the phase closest to 50% is kept.
 */
async function halfLoad(net: PolityNet, saturation: number): Promise<Phase | undefined> {
  const tried: Phase[] = [];
  for (let c = 100; c >= 1 && tried.length < HALF_LOAD_PROBES_MAX; c = Math.floor(c / 2)) {
    const p = await polityLoop(net, 'Polity, four validators', c);
    tried.push(p);
    if (p.committedPerSecond <= 0.6 * saturation) break;
  }
  return tried.sort((a, b) => Math.abs(a.committedPerSecond - saturation / 2) - Math.abs(b.committedPerSecond - saturation / 2))[0];
}

// --- main ---------------------------------------------------------------------------

function row(p: Phase): string {
  const errors = p.errors ? `   ${fmt(p.errors)} errors (first: ${p.firstError})` : '';
  return `| ${p.system.padEnd(24)} | ${String(p.concurrency).padStart(11)} | ${fmt(p.committedPerSecond).padStart(11)} | ${p.p50Ms.toFixed(1).padStart(8)} ms | ${p.p99Ms.toFixed(1).padStart(8)} ms | ${fmt(p.clientCpuUsPerRequest).padStart(9)} µs |${errors}`;
}

const check = (ok: boolean | undefined, text: string): string => `  [${ok === undefined ? 'n/a ' : ok ? 'PASS' : 'FAIL'}] ${text}`;

async function main(): Promise<void> {
  say(`Polity beside etcd — ${availableParallelism()} cores, Node ${process.version}${QUICK ? ' (quick sample)' : ''}`);
  say(`closed loop: N requests in flight, each answered once committed; ${PHASE_MS / 1000} s per phase after ${WARMUP_MS / 1000} s of warm-up`);
  const verifyPerSecond = ed25519OneCore(QUICK ? 2_000 : 10_000);
  const verifyUs = 1e6 / verifyPerSecond;
  say(`Ed25519: ${fmt(verifyPerSecond)} verifications/s on one core (${verifyUs.toFixed(0)} µs each)`);
  const phases: Phase[] = [];
  let etcdNote: string | undefined;
  const etcd = SKIP_ETCD ? ({ ok: false, reason: '--skip-etcd' } as const) : ensureEtcd();
  if (etcd.ok) {
    say(`etcd ${etcdVersion()} (a put through the etcd3 client)`);
    phases.push(...(await measureEtcd(1)));
    phases.push(...(await measureEtcd(3)));
  } else {
    etcdNote = `etcd not measured: ${etcd.reason}`;
    say(etcdNote);
  }

  const solo = await startSolo();
  try {
    for (const c of CONCURRENCIES) phases.push(await polityLoop(solo, 'Polity, one node', c));
  } finally {
    await stopAll(solo.procs);
  }

  const four = await startFour();
  let half: Phase | undefined;
  try {
    for (const c of CONCURRENCIES) phases.push(await polityLoop(four, 'Polity, four validators', c));
    const saturation = Math.max(...phases.filter((p) => p.system === 'Polity, four validators').map((p) => p.committedPerSecond));
    half = await halfLoad(four, saturation);
  } finally {
    await stopAll(four.procs);
  }

  const intake200 = await measureIntakeAlone(200);
  phases.push(intake200);

  const get = (system: string, c: number): Phase | undefined => phases.find((p) => p.system === system && p.concurrency === c);
  const etcd1 = get('etcd, one member', 200);
  const etcd3 = get('etcd, 3 members', 200);
  const solo200 = get('Polity, one node', 200)!;
  const solo1 = get('Polity, one node', 1)!;
  const four200 = get('Polity, four validators', 200)!;
  const ratio = (a: Phase, b: Phase | undefined): number | undefined => (b && b.committedPerSecond > 0 ? a.committedPerSecond / b.committedPerSecond : undefined);
  const soloRatio = ratio(solo200, etcd1);
  const fourRatio = ratio(four200, etcd3);
  const x = (r: number | undefined): string => (r === undefined ? 'n/a (no etcd figure)' : `${r.toFixed(2)}x`);

  say('');
  say('| system                   | concurrency | committed/s |      p50    |      p99    | client CPU/req |');
  say('|--------------------------|-------------|-------------|-------------|-------------|----------------|');
  for (const p of phases) say(row(p));
  if (half) say(row({ ...half, system: 'four validators, ~half' }));
  say('');
  say(`ratios at concurrency 200: Polity one node / etcd one member ${x(soloRatio)}; four validators / etcd three members ${x(fourRatio)}`);
  if (half) say(`half of saturation: ${fmt(half.committedPerSecond)} committed/s at concurrency ${half.concurrency} (saturation ${fmt(Math.max(four200.committedPerSecond, half.committedPerSecond))}/s)`);
  // The floor: CPU no implementation avoids per committed transaction here (verifications and the client), over all cores.
  const cores = availableParallelism();
  const floor = (p: Phase, verifications: number, peer: Phase | undefined, target: number): string => {
    const us = verifications * verifyUs + p.clientCpuUsPerRequest;
    const most = (cores * 1e6) / us;
    const vsPeer = peer && peer.committedPerSecond > 0 ? ` = ${(most / peer.committedPerSecond).toFixed(2)}x ${peer.system} (target ${target.toFixed(1)}x)` : '';
    return `${p.system}: >= ${us.toFixed(0)} µs of CPU per committed transaction (${verifications} x ${verifyUs.toFixed(0)} µs Ed25519 + ${p.clientCpuUsPerRequest.toFixed(0)} µs client) -> at most ${fmt(most)}/s on ${cores} cores${vsPeer}; measured ${fmt(p.committedPerSecond)}/s = ${((100 * p.committedPerSecond) / most).toFixed(0)}% of that`;
  };
  say('');
  say('floor on this machine (what no implementation avoids: each node verifies each signature; the client shares the cores)');
  say(`  ${floor(solo200, 1, etcd1, 1.0)}`);
  say(`  ${floor(four200, 4, etcd3, 0.5)}`);
  // The measured ceiling: the platform's own part of a transaction (HTTP, JSON, hash, one verification) and nothing else.
  const intakeRatio = ratio(intake200, etcd1);
  say('');
  say('the platform alone on this machine (intake alone: HTTP in Node.js, JSON, hash and one verification a transaction, nothing else)');
  /** The share of a ceiling's CPU a transaction that a target (as a ratio to etcd) leaves for the rest of the work, in words. */
  const leftAt = (ceilingRatio: number, target: number, of: string, what: string): string => {
    const left = (100 * (ceilingRatio - target)) / ceilingRatio;
    return `at the ${target.toFixed(1)}x target, ${left > 0 ? `${left.toFixed(0)}%${of} is left for everything else ${what}` : `nothing is left for anything else ${what}`}`;
  };
  if (intakeRatio !== undefined) {
    say(`  one node: ${fmt(intake200.committedPerSecond)}/s = ${intakeRatio.toFixed(2)}x etcd one member: ${leftAt(intakeRatio, 1.0, " of each transaction's CPU", 'a node does')}; Polity one node measured ${((100 * solo200.committedPerSecond) / intake200.committedPerSecond).toFixed(0)}% of it`);
    // Four validators: the same work once, and three more verifications (every validator verifies every transaction), on the same cores.
    const fourMost = (cores * 1e6) / ((cores * 1e6) / intake200.committedPerSecond + 3 * verifyUs);
    if (etcd3 && etcd3.committedPerSecond > 0) {
      const fourCeilingRatio = fourMost / etcd3.committedPerSecond;
      say(`  four validators, computed from it (three more verifications a transaction): at most ${fmt(fourMost)}/s = ${fourCeilingRatio.toFixed(2)}x etcd three members: ${leftAt(fourCeilingRatio, 0.5, '', 'four nodes do')}; measured ${((100 * four200.committedPerSecond) / fourMost).toFixed(0)}% of it`);
    }
  } else {
    say(`  ${fmt(intake200.committedPerSecond)}/s; Polity one node measured ${((100 * solo200.committedPerSecond) / Math.max(1, intake200.committedPerSecond)).toFixed(0)}% of it`);
  }
  say('');
  say('targets');
  say(check(soloRatio === undefined ? undefined : soloRatio >= 1.0, `Polity one node >= 1.0x etcd one member in committed/s: ${x(soloRatio)}`));
  say(check(solo1.requests > 0 ? solo1.p50Ms <= 20 : false, `Polity one node p50 <= 20 ms at concurrency 1: ${solo1.p50Ms.toFixed(1)} ms`));
  say(check(fourRatio === undefined ? undefined : fourRatio >= 0.5, `four validators >= 0.5x etcd three members in committed/s: ${x(fourRatio)}`));
  say(check(half && half.requests > 0 ? half.p99Ms <= 250 : false, `four validators p99 <= 250 ms at half of saturation: ${half ? `${half.p99Ms.toFixed(1)} ms at concurrency ${half.concurrency}` : 'not measured'}`));
  if (JSON_OUT) {
    process.stdout.write(
      JSON.stringify({
        cores: availableParallelism(),
        quick: QUICK,
        ed25519VerifyOneCorePerSecond: verifyPerSecond,
        ...(etcd.ok ? { etcdVersion: etcdVersion() } : { etcdNote }),
        phases,
        halfLoad: half ?? null,
        ratios: { soloToEtcdOne: soloRatio ?? null, fourToEtcdThree: fourRatio ?? null, intakeAloneToEtcdOne: intakeRatio ?? null },
      }) + '\n',
    );
  }
}

try {
  await main();
} finally {
  await cleanUp();
}
