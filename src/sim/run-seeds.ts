/**
 * Many simulator seeds, spread over worker threads (each seed is independent
 * and deterministic, so the split changes nothing but the wall time).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { runSeed, type SimOptions, type SimResult } from './world.js';

export interface SeedsOptions extends Omit<SimOptions, 'seed' | 'trace'> {
  from: number;
  count: number;
  workers?: number;
  onResult?: (r: SimResult) => void;
}

export interface SeedsSummary {
  seeds: number;
  failed: SimResult[];
  byChecker: Record<string, number>;
  commits: number;
  evidence: number;
  byzantineSeeds: number;
  /** Seeds whose run included a change of the validator set (by kind in `setChangeKinds`). */
  setChanges: number;
  setChangeKinds: Record<string, number>;
  ms: number;
}

export async function runSeeds(options: SeedsOptions): Promise<SeedsSummary> {
  const started = performance.now();
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), options.count));
  const { from, count, onResult, workers: _w, ...sim } = options;
  const results: SimResult[] = [];
  const take = (r: SimResult): void => {
    results.push(r);
    onResult?.(r);
  };
  if (workers === 1) {
    for (let s = from; s < from + count; s++) take(runSeed({ ...sim, seed: s }));
  } else {
    await Promise.all(
      Array.from({ length: workers }, (_, w) => {
        const seeds: number[] = [];
        for (let s = from + w; s < from + count; s += workers) seeds.push(s);
        return new Promise<void>((resolve, reject) => {
          const worker = new Worker(new URL('./seed-worker.js', import.meta.url), { workerData: { seeds, sim } });
          worker.on('message', (r: SimResult) => take(r));
          worker.on('error', reject);
          worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`simulator worker exited with ${code}`))));
        });
      }),
    );
  }
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
    byzantineSeeds: results.filter((r) => r.byzantine > 0).length,
    setChanges: results.filter((r) => r.setChange !== null).length,
    setChangeKinds,
    ms: performance.now() - started,
  };
}
