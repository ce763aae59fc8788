/**
 * Many simulator seeds, spread over worker threads (each seed is independent
 * and deterministic, so the split changes nothing but the wall time).
 *
 * The worker entry comes from the caller: it is an app-level module that
 * holds the chain's service list (src/sim-worker.ts) and serves seeds with
 * `serveSeeds` (seed-worker.ts). The simulator itself names no service.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { SimOptions, SimResult } from './world.js';

export interface SeedsOptions extends Omit<SimOptions, 'seed' | 'trace' | 'services'> {
  from: number;
  count: number;
  workers?: number;
  /** The worker entry that runs seeds: a module calling `serveSeeds` with the service list. */
  worker: URL;
  onResult?: (r: SimResult) => void;
  /** Every commit and fault of the run, line by line (for one seed; with several, lines of seeds interleave). */
  trace?: (line: string) => void;
}

export interface SeedsSummary {
  seeds: number;
  failed: SimResult[];
  byChecker: Record<string, number>;
  commits: number;
  evidence: number;
  /** Stale fresh proposals with transactions that honest validators refused (spec/consensus.md §5.1). */
  staleRefused: number;
  byzantineSeeds: number;
  /** Seeds whose run included a change of the validator set (by kind in `setChangeKinds`). */
  setChanges: number;
  setChangeKinds: Record<string, number>;
  /** Seeds with an idle period, with a heartbeat, and with a burst of transactions. */
  idleSeeds: number;
  heartbeatSeeds: number;
  burstSeeds: number;
  ms: number;
  /** The results, by seed. */
  results: SimResult[];
}

/** What a seed worker is given. */
export interface SeedWork {
  seeds: number[];
  sim: Omit<SimOptions, 'seed' | 'trace' | 'services'>;
  trace: boolean;
}

/** What a seed worker posts: a trace line, or a seed's result. */
export type SeedMessage = { trace: string } | { result: SimResult };

export async function runSeeds(options: SeedsOptions): Promise<SeedsSummary> {
  const started = performance.now();
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), options.count));
  const { from, count, onResult, workers: _w, worker: entry, trace, ...sim } = options;
  const results: SimResult[] = [];
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const seeds: number[] = [];
      for (let s = from + w; s < from + count; s += workers) seeds.push(s);
      const work: SeedWork = { seeds, sim, trace: trace !== undefined };
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(entry, { workerData: work });
        worker.on('message', (m: SeedMessage) => {
          if ('trace' in m) trace?.(m.trace);
          else {
            results.push(m.result);
            onResult?.(m.result);
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`simulator worker exited with ${code}`))));
      });
    }),
  );
  results.sort((a, b) => a.seed - b.seed);
  const byChecker: Record<string, number> = {};
  const setChangeKinds: Record<string, number> = {};
  for (const r of results) {
    for (const v of r.violations) byChecker[v.checker] = (byChecker[v.checker] ?? 0) + 1;
    if (r.setChange) setChangeKinds[r.setChange.kind] = (setChangeKinds[r.setChange.kind] ?? 0) + 1;
  }
  return {
    seeds: results.length,
    failed: results.filter((r) => r.violations.length > 0),
    byChecker,
    commits: results.reduce((s, r) => s + r.commits, 0),
    evidence: results.reduce((s, r) => s + r.evidence, 0),
    staleRefused: results.reduce((s, r) => s + r.staleRefused, 0),
    byzantineSeeds: results.filter((r) => r.byzantine > 0).length,
    setChanges: results.filter((r) => r.setChange !== null).length,
    setChangeKinds,
    idleSeeds: results.filter((r) => r.timing.idle !== null).length,
    heartbeatSeeds: results.filter((r) => r.timing.heartbeatMs > 0).length,
    burstSeeds: results.filter((r) => r.timing.burstTxs > 0).length,
    ms: performance.now() - started,
    results,
  };
}
