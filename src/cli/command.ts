/**
 * A `polity` command: its summary and usage for the help, its options as
 * `node:util` parseArgs takes them, how many positional arguments it takes,
 * and what it runs. The core's commands (src/cli/main.ts) and each service's
 * (src/services/<name>/cli.ts) have this one shape, so the command list and
 * the help are assembled from the service list.
 */
import type { ParseArgsConfig } from 'node:util';
import type { ModuleDefinition } from '../runtime/module.js';
import type { ApiService } from '../api/route.js';
import type { NodeService } from '../node/service-host.js';
import type { Io } from './io.js';

export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  positionals?: { min: number; max?: number };
  /** Lines `--help` prints after the options: exit codes, examples. */
  details?: readonly string[];
  /** A line of help for some options, by name (the option list shows each option's default or "flag" either way). */
  optionHelp?: Readonly<Record<string, string>>;
  /** The usage already lists every option with its default (`polity start`): `--help` adds no option list. */
  listsOptions?: boolean;
  run(values: Record<string, unknown>, positionals: string[], io: Io, app: CliApp): Promise<number>;
}

/**
 * What the program hands the CLI (src/main.ts): the services this build of
 * Polity runs — a node started by `polity start` serves them, a genesis
 * grants permissions in their modules — and the simulator's worker entry.
 */
export interface CliApp {
  services: readonly CliService[];
  /** The entry file of the simulator's worker threads (it builds the module list itself). */
  simWorker: URL;
}

/** A service as the CLI sees it (src/services' ServiceDefinition is one); `polity start` passes it on to the node and the API. */
export type CliService = ApiService & NodeService & { module: ModuleDefinition; commands: Readonly<Record<string, Command>> };

/** Options every command takes. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const DEFAULT_DATA = './data';

/** Options of commands that talk to a node: its data directory (for its port) or its API URL. */
export const NODE_TARGET_OPTIONS = {
  data: { type: 'string', default: DEFAULT_DATA },
  port: { type: 'string' },
  api: { type: 'string' },
} as const;

/** The option list `--help` prints: every option with its value, default (or "flag", or "optional"), and its line of help where the command gives one. */
export function optionLines(command: Command): string[] {
  const lines: string[] = [];
  for (const [name, o] of Object.entries(command.options)) {
    const flag = `--${name}${o.type === 'string' ? ' VALUE' : ''}${o.short ? `, -${o.short}` : ''}`;
    const def = o.type === 'boolean' ? 'flag' : o.default !== undefined ? `default: ${String(o.default)}` : 'optional';
    const help = command.optionHelp?.[name];
    lines.push(`  ${flag.padEnd(28)} ${def}${help ? `; ${help}` : ''}`);
  }
  return lines;
}
