/**
 * `polity start`'s settings: each one a flag, a POLITY_ environment variable
 * and a key of a JSON config file, resolved flag > environment > config file
 * > default (spec/deployment.md §6). A service manager sets the environment
 * (systemd's Environment=, a container's -e); an operator keeps a file
 * (<data>/polity.json, or --config FILE); a person at a terminal types flags.
 *
 * The table below is the one list: `polity start --help` prints it with the
 * defaults, the resolver reads it, and `--print-config` shows each value and
 * where it came from. A key the table does not know, in the file or as a
 * value of the wrong type, is refused with its name: a typo never passes
 * silently. The values come out as the flags' strings and booleans, so one
 * set of checks (run-node.ts) judges them whatever their source.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { DEFAULT_LIMITS } from '../api/limits.js';
import { exists } from '../node/data-dir.js';
import { DEFAULT_STALL_WATCH } from '../node/stall-watch.js';
import { BLOCK_INTERVAL_MS_DEFAULT } from '../node/engine.js';
import { DEFAULT_DATA } from './command.js';
import { DEFAULT_PORT_FALLBACK } from './defaults.js';
import { UsageError } from './io.js';

export interface StartSetting {
  name: string;
  kind: 'string' | 'boolean';
  /** What the value is, in the help (DIR, MS, on|off). */
  arg?: string;
  /** The default, as the help shows it; undefined: none (or said in `note`). */
  default?: string | number | boolean;
  summary: string;
  /** False: a flag only (no environment variable, not in the file). */
  env?: false;
  /** Not settable from the config file (the file's own location, the data directory that holds it). */
  file?: false;
}

/** Default largest request body (src/api/server.ts): 8 MiB. */
const BODY_LIMIT_BYTES_DEFAULT = 8 * 1024 * 1024;
const SESSIONS_MAX_DEFAULT = 100_000;
/** A config file larger than this is not one. */
const CONFIG_FILE_BYTES_MAX = 64 * 1024;
export const CONFIG_FILE_NAME = 'polity.json';

export const START_SETTINGS: readonly StartSetting[] = [
  { name: 'data', kind: 'string', arg: 'DIR', default: DEFAULT_DATA, summary: 'the data directory', file: false },
  { name: 'config', kind: 'string', arg: 'FILE', summary: `a JSON config file (default: <data>/${CONFIG_FILE_NAME} when it exists)`, file: false },
  { name: 'init', kind: 'boolean', default: false, summary: 'create a one-node chain in --data first if it has none' },
  { name: 'host', kind: 'string', arg: 'ADDR', default: '127.0.0.1', summary: "the API's address (else network.json's api.host); 0.0.0.0 for every address" },
  { name: 'port', kind: 'string', arg: 'N', default: DEFAULT_PORT_FALLBACK, summary: "the API's port (else network.json's api.port)" },
  { name: 'public-url', kind: 'string', arg: 'URL', summary: 'the URL clients reach this node at; signed requests must name it (spec/api-auth.md §3)' },
  { name: 'log-level', kind: 'string', arg: 'debug|info|warn|error|silent', default: 'info', summary: 'the least severe log line written' },
  { name: 'log-format', kind: 'string', arg: 'text|json', default: 'text', summary: 'log lines as text, or JSON lines for a collector' },
  { name: 'access-log', kind: 'string', arg: 'off|debug|info|warn', default: 'off', summary: 'log each answered HTTP request at this level' },
  { name: 'metrics', kind: 'string', arg: 'on|off', default: 'on', summary: 'serve GET /metrics on the API port' },
  { name: 'block-interval-ms', kind: 'string', arg: 'MS', default: BLOCK_INTERVAL_MS_DEFAULT, summary: 'solo: least time between blocks (0: a block as soon as transactions wait and the previous one is stored)' },
  { name: 'verify-workers', kind: 'string', arg: 'N', default: 'one per core', summary: 'worker threads that decode, hash and verify transactions and signatures off the main thread (0: on the main thread)' },
  { name: 'stall-after-ms', kind: 'string', arg: 'MS', default: DEFAULT_STALL_WATCH.stallAfterMs, summary: 'no new block (or no quorum) this long is a stall: warned, /readyz red' },
  { name: 'no-repair', kind: 'boolean', default: false, summary: 'BFT: refuse a damaged block store instead of moving it aside and resyncing' },
  { name: 'body-limit-bytes', kind: 'string', arg: 'BYTES', default: BODY_LIMIT_BYTES_DEFAULT, summary: 'largest request body accepted' },
  { name: 'client-requests-max', kind: 'string', arg: 'N', default: DEFAULT_LIMITS.clientRequestsMax, summary: 'requests one client address may make per --client-window-ms' },
  { name: 'client-window-ms', kind: 'string', arg: 'MS', default: DEFAULT_LIMITS.clientWindowMs, summary: 'the rate limits\' window' },
  { name: 'loopback-exempt', kind: 'string', arg: 'on|off', default: 'on', summary: 'loopback clients are not counted by the general rate limit' },
  { name: 'challenges-max', kind: 'string', arg: 'N', default: DEFAULT_LIMITS.challengesMax, summary: 'POST /v1/auth/challenge per client address per window' },
  { name: 'heavy-reads-concurrent', kind: 'string', arg: 'N', default: DEFAULT_LIMITS.heavyReadsConcurrent, summary: 'whole-block reads served at once' },
  { name: 'heavy-reads-queued', kind: 'string', arg: 'N', default: DEFAULT_LIMITS.heavyReadsQueued, summary: 'whole-block reads waiting; more get 503 NODE_BUSY' },
  { name: 'large-body-bytes', kind: 'string', arg: 'BYTES', default: DEFAULT_LIMITS.largeBodyBytes, summary: 'a body larger than this waits for a large-body slot' },
  { name: 'large-bodies-concurrent', kind: 'string', arg: 'N', default: DEFAULT_LIMITS.largeBodiesConcurrent, summary: 'large bodies read at once' },
  { name: 'large-bodies-queued', kind: 'string', arg: 'N', default: DEFAULT_LIMITS.largeBodiesQueued, summary: 'large bodies waiting; more get 503 NODE_BUSY' },
  { name: 'sessions-max', kind: 'string', arg: 'N', default: SESSIONS_MAX_DEFAULT, summary: 'signed-in sessions held at most' },
  { name: 'plaintext-keys', kind: 'string', arg: 'allow|warn|refuse', default: 'refuse', summary: 'what to do with a key file that is not encrypted (the node key, --issuing-key)' },
  { name: 'allow-plaintext-key', kind: 'boolean', default: false, summary: 'use plaintext key files, with a notice (a try-out node; npm start passes it)', env: false },
  { name: 'passphrase-file', kind: 'string', arg: 'FILE', summary: "the encrypted node key's passphrase, first line (else POLITY_KEY_PASSPHRASE, else a prompt)" },
  { name: 'print-config', kind: 'boolean', default: false, summary: 'print each setting, its value and where it came from, as JSON, and exit', env: false, file: false },
];

/** The settings of `polity start` in this build: the core's, then each service's own (ApiService.startOptions: strings, no default). */
export function startSettingsOf(services: readonly { startOptions?: Readonly<Record<string, { arg: string; summary: string }>> }[]): StartSetting[] {
  const extra = services.flatMap((s) => Object.entries(s.startOptions ?? {}));
  for (const [name] of extra) if (START_SETTINGS.some((s) => s.name === name)) throw new Error(`invariant broken: the start option --${name} is taken`);
  return [...START_SETTINGS, ...extra.map(([name, o]) => ({ name, kind: 'string' as const, arg: o.arg, summary: o.summary }))];
}

/** POLITY_ + the name in upper snake case: log-level -> POLITY_LOG_LEVEL. */
export const envNameOf = (name: string): string => `POLITY_${name.toUpperCase().replace(/-/g, '_')}`;

/** The flags for parseArgs: no defaults there, so a flag given can be told from one not given. */
export function startParseOptions(settings: readonly StartSetting[]): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(settings.map((s) => [s.name, { type: s.kind }]));
}

/** The help's option list: one line each, with the default and the variable. */
export function startHelp(settings: readonly StartSetting[]): string {
  const lines = settings.map((s) => {
    const flag = `--${s.name}${s.arg ? ` ${s.arg}` : ''}`;
    const tail = [s.default !== undefined ? `(default ${String(s.default)})` : '', s.env === false ? '' : envNameOf(s.name)].filter(Boolean).join(' ');
    return `  ${flag.padEnd(36)} ${s.summary}${tail ? ` ${tail}` : ''}`;
  });
  return [
    'options (each also a POLITY_ variable and a key of the config file; flag > environment > config file > default):',
    ...lines,
    '',
    `config file: --config FILE, else <data>/${CONFIG_FILE_NAME}: a JSON object of these names, e.g. {"host": "0.0.0.0", "public-url": "https://ledger.example.gov", "log-format": "json"}`,
  ].join('\n');
}

export interface ResolvedStart {
  values: Record<string, string | boolean | undefined>;
  sources: Record<string, string>;
  file: string | null;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

function fromEnv(s: StartSetting, raw: string): string | boolean {
  if (s.kind === 'string') return raw;
  const v = raw.toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new UsageError(`${envNameOf(s.name)}: expected true or false, got ${JSON.stringify(raw.slice(0, 20))}`);
}

function fromFile(s: StartSetting, raw: unknown, path: string): string | boolean {
  if (s.kind === 'boolean') {
    if (typeof raw !== 'boolean') throw new UsageError(`${path}: ${s.name}: expected true or false`);
    return raw;
  }
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  if (typeof raw === 'string') return raw;
  throw new UsageError(`${path}: ${s.name}: expected a number or a string`);
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`--config: cannot read ${path}`);
  }
  if (text.length > CONFIG_FILE_BYTES_MAX) throw new UsageError(`${path} is larger than a config file (${CONFIG_FILE_BYTES_MAX} bytes at most)`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${path}: expected a JSON object of settings`);
  return value as Record<string, unknown>;
}

/** Resolve every setting: flag > environment > config file > default (the defaults of the table are applied by the caller's checks). */
export async function resolveStartSettings(flags: Record<string, unknown>, settings: readonly StartSetting[], env: NodeJS.ProcessEnv = process.env): Promise<ResolvedStart> {
  const values: ResolvedStart['values'] = {};
  const sources: Record<string, string> = {};
  const byName = new Map(settings.map((s) => [s.name, s]));
  const pick = (s: StartSetting, file: Record<string, unknown>, filePath: string | null): void => {
    if (flags[s.name] !== undefined) {
      values[s.name] = flags[s.name] as string | boolean;
      sources[s.name] = 'flag';
    } else if (s.env !== false && env[envNameOf(s.name)] !== undefined) {
      values[s.name] = fromEnv(s, env[envNameOf(s.name)]!);
      sources[s.name] = `environment ${envNameOf(s.name)}`;
    } else if (filePath !== null && Object.hasOwn(file, s.name)) {
      values[s.name] = fromFile(s, file[s.name], filePath);
      sources[s.name] = `file ${filePath}`;
    } else {
      values[s.name] = s.default === undefined ? undefined : typeof s.default === 'number' ? String(s.default) : s.default;
      sources[s.name] = 'default';
    }
  };
  // The data directory and the config file's own location come first: the file may live in the data directory.
  pick(byName.get('data')!, {}, null);
  pick(byName.get('config')!, {}, null);
  const dataDir = values.data as string;
  let filePath: string | null = (values.config as string | undefined) ?? null;
  if (filePath === null && (await exists(join(dataDir, CONFIG_FILE_NAME)))) filePath = join(dataDir, CONFIG_FILE_NAME);
  const file = filePath === null ? {} : await readConfigFile(filePath);
  for (const key of Object.keys(file)) {
    const s = byName.get(key);
    if (!s) throw new UsageError(`${filePath}: unknown setting ${JSON.stringify(key.slice(0, 40))}; the settings are those of \`polity start --help\``);
    if (s.file === false) throw new UsageError(`${filePath}: ${key}: ${key === 'data' ? 'set the data directory with --data or POLITY_DATA' : 'not a config file setting'}`);
  }
  for (const s of settings) if (s.name !== 'data' && s.name !== 'config') pick(s, file, filePath);
  return { values, sources, file: filePath };
}
