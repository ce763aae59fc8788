/**
 * The simulator's seed worker entry (src/sim/run-seeds.ts): an app-level
 * module, because it is where the simulator gets the chain's services.
 */
import { SERVICES } from './services/index.js';
import { serveSeeds } from './sim/seed-worker.js';

await serveSeeds(SERVICES);
