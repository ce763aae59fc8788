/**
 * The body of a seed worker thread (run-seeds.ts): runs its share of seeds
 * and posts each result (and, when asked, the trace). An app-level entry
 * calls it with the chain's services (src/sim-worker.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { assert } from '../ledger/errors.js';
import type { SeedMessage, SeedWork } from './run-seeds.js';
import { runSeed, type SimOptions } from './world.js';

export async function serveSeeds(services: SimOptions['services']): Promise<void> {
  const port = parentPort;
  assert(port, 'serveSeeds runs in a worker thread of runSeeds');
  const { seeds, sim, trace } = workerData as SeedWork;
  const post = (m: SeedMessage): void => port.postMessage(m);
  for (const seed of seeds) {
    const result = await runSeed({ ...sim, seed, services, ...(trace ? { trace: (line: string) => post({ trace: line }) } : {}) });
    post({ result });
  }
}
