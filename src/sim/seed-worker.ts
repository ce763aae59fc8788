/** Worker thread of `runSeeds`: runs its share of seeds and posts each result. */
import { parentPort, workerData } from 'node:worker_threads';
import { runSeed, type SimOptions } from './world.js';

const { seeds, sim } = workerData as { seeds: number[]; sim: Omit<SimOptions, 'seed'> };
for (const seed of seeds) parentPort!.postMessage(runSeed({ ...sim, seed }));
