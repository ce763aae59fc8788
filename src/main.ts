/**
 * The program: the `polity` command with the services this build runs.
 * This is where the service list meets the core: the CLI, the node and the
 * API receive it from here (bin/polity.js runs `main`).
 */
import { main as cli } from './cli/main.js';
import type { Io } from './cli/io.js';
import { SERVICES } from './services/index.js';

export function main(argv: string[], io?: Io): Promise<number> {
  return cli(argv, { services: SERVICES, simWorker: new URL('./sim-worker.js', import.meta.url) }, io);
}
