/**
 * `polity localnet`: a whole network of departments on this machine, for
 * development and demonstrations.
 *
 * Creates the network under --data (as `polity init --validators N`) unless it
 * exists, starts one `polity start` process per node with its output prefixed
 * by the organisation's name, waits until every node's API answers as that
 * node, prints where each one is, and runs until SIGINT or SIGTERM. Then it
 * stops every node (SIGTERM; SIGKILL after a grace period) and exits 0.
 *
 * A node that stops on its own is reported (exit code or signal) and the
 * others keep running: a department going down is a scenario the network is
 * built to survive. When no node is left, localnet exits 1.
 *
 * Its keys are plaintext files on this machine (a development network), so
 * it starts each node with --allow-plaintext-key.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exists } from '../node/data-dir.js';
import { type Io, UsageError } from './io.js';
import {
  formatHostPort,
  httpUrl,
  loadNetwork,
  parseChainId,
  parseHeartbeatMs,
  parseNetworkOptions,
  planNetwork,
  printNetwork,
  saveNetwork,
  type LoadedNetwork,
  type NetworkNode,
} from './network-init.js';

export const DEFAULT_LOCALNET_DATA = './localnet';
/** Validators when --validators is not given: the fewest that tolerate one faulty department (3f+1, f=1). */
export const DEFAULT_LOCALNET_VALIDATORS = 4;
export const READY_TIMEOUT_MS = 30_000;
export const KILL_GRACE_MS = 5_000;
/** Longest child output line passed through; longer ones are cut. */
const LINE_CHARS_MAX = 4_096;
/** Signals that stop the network (SIGHUP: the terminal closed; the nodes, in their own process group, would not hear it). */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'];

/** bin/polity.js, from dist/src/cli/localnet.js. */
export const POLITY_BIN = fileURLToPath(new URL('../../../bin/polity.js', import.meta.url));

export interface LocalnetDeps {
  /** The program that runs one node; by default `node bin/polity.js start --data DIR --port P --host H`. */
  nodeCommand?: (node: NetworkNode, logLevel: string) => { file: string; args: string[] };
  /** Stops the network when aborted; by default SIGINT and SIGTERM do. */
  stopSignal?: AbortSignal;
  readyTimeoutMs?: number;
  killGraceMs?: number;
}

interface Running {
  node: NetworkNode;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  done: boolean;
}

export function defaultNodeCommand(node: NetworkNode, logLevel: string): { file: string; args: string[] } {
  return {
    file: process.execPath,
    args: [POLITY_BIN, 'start', '--allow-plaintext-key', '--data', node.dir, '--port', String(node.network.api.port), '--host', node.network.api.host, '--log-level', logLevel],
  };
}

function why(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

/** Resolves true when `port` on `host` can be bound now. */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolvePort(true)));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runLocalnet(values: Record<string, unknown>, _positionals: string[], io: Io, deps: LocalnetDeps = {}): Promise<number> {
  const root = typeof values.data === 'string' ? values.data : DEFAULT_LOCALNET_DATA;
  const logLevel = typeof values['log-level'] === 'string' ? values['log-level'] : 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level: expected ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  if (values.host !== undefined) throw new UsageError('localnet runs every node on 127.0.0.1; for other addresses use `polity init --validators N --host H`');
  const options = parseNetworkOptions(values, DEFAULT_LOCALNET_VALIDATORS);

  let net: LoadedNetwork | undefined = await loadNetwork(root);
  if (net) {
    checkMatches(net, values);
    if (!values.json) io.err(`using the network of ${net.nodes.length} validator(s) in ${resolve(root)} (chain ${net.genesis.chainId})`);
  } else {
    const plan = planNetwork(options);
    await saveNetwork(root, plan);
    if (!values.json) printNetwork({ ...io, out: io.err }, {}, root, plan, 'localnet');
    net = (await loadNetwork(root))!;
  }

  const nodeCommand = deps.nodeCommand ?? defaultNodeCommand;
  if (!deps.nodeCommand && !(await exists(POLITY_BIN))) throw new Error(`cannot find the polity program at ${POLITY_BIN}`);
  const busy: string[] = [];
  for (const n of net.nodes) {
    if (!(await portFree(n.network.api.host, n.network.api.port))) busy.push(`${formatHostPort(n.network.api)} (API of ${n.name})`);
    if (net.nodes.length > 1 && !(await portFree(n.network.listen.host, n.network.listen.port))) busy.push(`${formatHostPort(n.network.listen)} (P2P of ${n.name})`);
  }
  if (busy.length > 0) throw new Error(`already in use: ${busy.join(', ')}; stop what holds them, or create the network elsewhere with other --base-port / --api-base-port`);

  // --- stopping ------------------------------------------------------------------
  const running: Running[] = [];
  let stopRequested = false;
  let wakeStop: () => void = () => {};
  const stopped = new Promise<void>((r) => (wakeStop = r));
  let forceKill = false;
  const requestStop = (): void => {
    if (stopRequested) {
      forceKill = true; // a second Ctrl+C: do not wait for the grace period
      for (const r of running) if (!r.done) r.child.kill('SIGKILL');
      return;
    }
    stopRequested = true;
    wakeStop();
  };
  const onSignal = (): void => requestStop();
  if (deps.stopSignal) {
    if (deps.stopSignal.aborted) requestStop();
    else deps.stopSignal.addEventListener('abort', requestStop, { once: true });
  } else {
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
  }
  /** Last resort if this process exits without stopping its children. */
  const killAllSync = (): void => {
    for (const r of running) if (!r.done) r.child.kill('SIGKILL');
  };
  process.on('exit', killAllSync);

  let allGone: () => void = () => {};
  const allGonePromise = new Promise<void>((r) => (allGone = r));
  let ready = false;
  const width = Math.max(...net.nodes.map((n) => n.name.length));

  try {
    // --- starting ------------------------------------------------------------------
    for (const node of net.nodes) {
      const { file, args } = nodeCommand(node, logLevel);
      // Its own process group: a Ctrl+C in the terminal reaches localnet only, which
      // then stops each node once, with SIGTERM (a node that got both SIGINT and
      // SIGTERM would die mid-shutdown on the second).
      const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env, detached: true });
      const prefix = `[${node.name.padEnd(width)}]`;
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
          io.err(`${prefix} ${line.length > LINE_CHARS_MAX ? `${line.slice(0, LINE_CHARS_MAX)}…` : line}`);
        });
      }
      const r: Running = {
        node,
        child,
        done: false,
        exited: new Promise((res) => {
          child.once('error', (e) => {
            // spawn failed: no exit event follows
            if (r.done) return;
            r.done = true;
            io.err(`${prefix} could not start: ${e.message}`);
            res({ code: null, signal: null });
          });
          // 'close', not 'exit': the node's last output lines come first.
          child.once('close', (code, signal) => {
            if (r.done) return;
            r.done = true;
            res({ code, signal });
          });
        }),
      };
      running.push(r);
      void r.exited.then(({ code, signal }) => {
        const left = running.filter((x) => !x.done).length;
        if (!stopRequested && ready) {
          io.err(`${node.name}'s node stopped unexpectedly (${why(code, signal)}); ${left} of ${running.length} node(s) keep running`);
        }
        if (left === 0) allGone();
      });
    }

    const timeoutMs = deps.readyTimeoutMs ?? READY_TIMEOUT_MS;
    const startFailure = await waitReady(running, timeoutMs, () => stopRequested);
    if (stopRequested) return await shutdown(running, io, deps.killGraceMs ?? KILL_GRACE_MS, () => forceKill, 0);
    if (startFailure) {
      io.err(`polity localnet: ${startFailure}`);
      return await shutdown(running, io, deps.killGraceMs ?? KILL_GRACE_MS, () => forceKill, 1);
    }
    ready = true;

    // --- running -------------------------------------------------------------------
    const rows = running.map((r) => ({
      name: r.node.name,
      data: resolve(r.node.dir),
      api: httpUrl(r.node.network.api),
      explorer: `${httpUrl(r.node.network.api)}/`,
      nodeKey: r.node.nodeKey,
      p2p: formatHostPort(r.node.network.listen),
      pid: r.child.pid,
    }));
    if (values.json) {
      io.out(JSON.stringify({ ok: true, data: resolve(root), chainId: net.genesis.chainId, nodes: rows }));
    } else {
      const nameW = Math.max(12, width);
      const apiW = Math.max(...rows.map((r) => r.api.length));
      const exW = Math.max(...rows.map((r) => r.explorer.length));
      io.out(`Polity localnet running — chain ${net.genesis.chainId}, ${rows.length} validator(s), data ${resolve(root)}`);
      io.out(`  ${'organisation'.padEnd(nameW)}  ${'API'.padEnd(apiW)}  ${'explorer'.padEnd(exW)}  node key`);
      for (const r of rows) io.out(`  ${r.name.padEnd(nameW)}  ${r.api.padEnd(apiW)}  ${r.explorer.padEnd(exW)}  ${r.nodeKey.slice(0, 8)}…${r.nodeKey.slice(-4)}`);
      io.out('press Ctrl+C to stop every node');
    }

    await Promise.race([stopped, allGonePromise]);
    if (!stopRequested) {
      io.err('polity localnet: every node has stopped; exiting');
      return 1;
    }
    return await shutdown(running, io, deps.killGraceMs ?? KILL_GRACE_MS, () => forceKill, 0);
  } finally {
    killAllSync();
    process.off('exit', killAllSync);
    if (deps.stopSignal) deps.stopSignal.removeEventListener('abort', requestStop);
    else {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
    }
  }
}

/** Wait until every node's API answers as that node; the reason it did not, or undefined. */
async function waitReady(running: Running[], timeoutMs: number, stopping: () => boolean): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(running);
  while (pending.size > 0) {
    if (stopping()) return undefined;
    for (const r of pending) {
      if (r.done) {
        const { code, signal } = await r.exited;
        return `${r.node.name}'s node stopped while starting (${why(code, signal)}); its output is above`;
      }
      const url = `${httpUrl(r.node.network.api)}/v1/status`;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
        if (!res.ok) continue;
        const status = (await res.json()) as { nodeKey?: unknown };
        if (status.nodeKey !== r.node.nodeKey) {
          return `${url} answers as another node (node key ${String(status.nodeKey).slice(0, 16)}…), not ${r.node.name}'s`;
        }
        pending.delete(r);
      } catch {
        // not listening yet
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      return `no answer within ${timeoutMs / 1000} s from ${[...pending].map((r) => `${r.node.name} (${httpUrl(r.node.network.api)}/v1/status)`).join(', ')}`;
    }
    await sleep(100);
  }
  return undefined;
}

/** SIGTERM every live node; SIGKILL what is left after the grace period. */
async function shutdown(running: Running[], io: Io, graceMs: number, forced: () => boolean, exitCode: number): Promise<number> {
  const live = running.filter((r) => !r.done);
  if (live.length > 0) io.err(`stopping ${live.length} node(s)…`);
  for (const r of live) r.child.kill(forced() ? 'SIGKILL' : 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
  const outcome = await Promise.race([Promise.all(live.map((r) => r.exited)), graceOver]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    const stuck = live.filter((r) => !r.done);
    io.err(`${stuck.map((r) => r.node.name).join(', ')} did not stop within ${graceMs / 1000} s; killing`);
    for (const r of stuck) r.child.kill('SIGKILL');
    await Promise.all(stuck.map((r) => r.exited));
  }
  for (const r of live) {
    const { code, signal } = await r.exited;
    if (signal || code !== 0) io.err(`${r.node.name}'s node stopped (${why(code, signal)})`);
  }
  if (live.length > 0) io.err('every node stopped');
  return exitCode;
}

/** Options given again for an existing network must describe it, or the user meant another one. */
function checkMatches(net: LoadedNetwork, values: Record<string, unknown>): void {
  const where = `${net.root} already holds a network`;
  if (values.validators !== undefined && Number(values.validators) !== net.nodes.length) {
    throw new UsageError(`${where} of ${net.nodes.length} validator(s), not ${values.validators}; drop --validators or choose another --data`);
  }
  if (values['chain-id'] !== undefined && parseChainId(values['chain-id']) !== net.genesis.chainId) {
    throw new UsageError(`${where} with chain id ${net.genesis.chainId}; drop --chain-id or choose another --data`);
  }
  const first = net.nodes[0]!;
  if (values['base-port'] !== undefined && Number(values['base-port']) !== first.network.listen.port) {
    throw new UsageError(`${where} whose P2P ports start at ${first.network.listen.port}; drop --base-port or choose another --data`);
  }
  if (values['api-base-port'] !== undefined && Number(values['api-base-port']) !== first.network.api.port) {
    throw new UsageError(`${where} whose API ports start at ${first.network.api.port}; drop --api-base-port or choose another --data`);
  }
  if (values['heartbeat-ms'] !== undefined && parseHeartbeatMs(values['heartbeat-ms']) !== (net.genesis.params.heartbeatMs ?? 0)) {
    throw new UsageError(`${where} with a heartbeat of ${net.genesis.params.heartbeatMs ?? 0} ms; drop --heartbeat-ms or choose another --data`);
  }
  if (values.orgs !== undefined) {
    const names = String(values.orgs).split(',').map((n) => n.trim());
    if (names.join('\u0000') !== net.nodes.map((n) => n.name).join('\u0000')) {
      throw new UsageError(`${where} of ${net.nodes.map((n) => n.name).join(', ')}; drop --orgs or choose another --data`);
    }
  }
}
