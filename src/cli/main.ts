/**
 * `polity`: the command-line tool. Its commands are the core's — below:
 * init, start, check, backup, restore, keys, genesis, peers, localnet, status, simulate — and each
 * service's (src/services/<name>/cli.ts: notarize, verify, evidence,
 * validators, did, org, gov, …), assembled from the service list the
 * program hands in (src/main.ts). `polity help` lists them all.
 *
 * Human output by default, `--json` for scripts. Exit codes: 0 success,
 * 1 the check or operation failed, 2 bad usage, 3 the node could not be reached,
 * 4 (`polity check`) the data directory is in use by a running node.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PolityApiError } from '../sdk/client.js';
import { runInit, runStart } from './run-node.js';
import { runKeys } from './keys.js';
import { KEY_FILE_OPTIONS } from './passphrase.js';
import { START_SETTINGS, startHelp, startParseOptions, startSettingsOf } from './start-config.js';
import { runCheck } from './check.js';
import { BACKUP_COMMANDS } from './backup.js';
import { runStatus } from './status.js';
import { runSimulate } from './simulate.js';
import { runGenesis, runInitNetwork, runNodeKey, runPeers } from './network-init.js';
import { runLocalnet } from './localnet.js';
import { UsageError, type Io, defaultIo } from './io.js';
import { COMMON_OPTIONS as COMMON, DEFAULT_DATA, NODE_TARGET_OPTIONS as NODE_TARGET, optionLines, type CliApp, type Command } from './command.js';

export { DEFAULT_PORT_FALLBACK as DEFAULT_PORT } from './defaults.js';
export { DEFAULT_DATA } from './command.js';

/** The core's commands; the services add theirs. */
const CORE_COMMANDS: Record<string, Command> = {
  init: {
    summary: 'create keys and a genesis: a one-node chain, or with --validators N a network of N departments',
    usage:
      'polity init [--data DIR] [--chain-id ID] [--org NAME] [--encrypt [--passphrase-file FILE]]\n       polity init --validators N [--data DIR] [--orgs "A,B,..."] [--chain-id ID] [--host H] [--base-port P] [--api-base-port A] [--heartbeat-ms MS]',
    options: {
      ...COMMON,
      data: NODE_TARGET.data,
      'chain-id': { type: 'string' },
      org: { type: 'string' },
      encrypt: { type: 'boolean', default: false },
      validators: { type: 'string' },
      orgs: { type: 'string' },
      host: { type: 'string' },
      'base-port': { type: 'string' },
      'api-base-port': { type: 'string' },
      'heartbeat-ms': { type: 'string' },
    },
    positionals: { min: 0, max: 0 },
    run: (values, positionals, io) => {
      if (!['validators', 'orgs', 'host', 'base-port', 'api-base-port', 'heartbeat-ms'].some((k) => values[k] !== undefined)) return runInit(values, positionals, io);
      // A planned network is for development on one machine; each department seals its own keys where they live.
      if (values.encrypt) throw new UsageError('--encrypt is for a one-node chain; in a network, each department runs `polity keys encrypt` on its own node-key.json and admin-key.json');
      return runInitNetwork(values, positionals, io);
    },
  },
  start: {
    summary: 'run a node: solo consensus, embedded storage, API and web pages on localhost',
    // The options, their defaults and variables come from the settings table (start-config.ts), services' own included: see commandsOf.
    usage: 'polity start [--data DIR] [--config FILE] [options]',
    options: { ...COMMON, ...startParseOptions(START_SETTINGS) },
    positionals: { min: 0, max: 0 },
    run: (values, positionals, io, app) => runStart(values, positionals, io, app),
  },
  check: {
    summary: "read a stopped node's whole block store back and check it (exit 0 intact, 1 damaged)",
    usage: 'polity check [--data DIR] [--json]',
    options: { ...COMMON, data: NODE_TARGET.data },
    positionals: { min: 0, max: 0 },
    run: (values, positionals, io, app) => runCheck(values, positionals, io, app),
  },
  ...BACKUP_COMMANDS,
  keys: {
    summary: 'show your signing key, create one with `keys new`, encrypt or decrypt a key file; --node: the node key in --data',
    usage:
      'polity keys [show|new] [--key FILE] [--force] [--encrypt]\n       polity keys encrypt|decrypt [FILE] [--passphrase-file FILE]\n       polity keys [show|new] --node [--data DIR]\n\n' +
      '  The passphrase comes from --passphrase-file, then $POLITY_KEY_PASSPHRASE, then a prompt on a terminal.',
    options: {
      ...COMMON,
      key: { type: 'string' },
      force: { type: 'boolean', default: false },
      encrypt: { type: 'boolean', default: false },
      node: { type: 'boolean', default: false },
      data: { type: 'string', default: DEFAULT_DATA },
    },
    positionals: { min: 0, max: 2 },
    run: (values, positionals, io) => (values.node ? runNodeKey(values, positionals, io) : runKeys(values, positionals, io)),
  },
  genesis: {
    summary: "write a network's genesis from the departments' node keys (the coordinator's step)",
    usage: 'polity genesis --validator "NAME:PUBKEY[:POWER]" [--validator ...] [--admin "NAME:PUBKEY" ...] [--chain-id ID] [--out FILE]',
    options: { ...COMMON, validator: { type: 'string', multiple: true }, admin: { type: 'string', multiple: true }, 'chain-id': { type: 'string' }, out: { type: 'string', default: 'genesis.json' } },
    positionals: { min: 0, max: 0 },
    run: (values, positionals, io, app) => runGenesis(values, positionals, io, app),
  },
  peers: {
    summary: "list or change the peers a node dials (<data>/network.json)",
    usage:
      'polity peers [list] [--data DIR]\n       polity peers add --name NAME --key PUBKEY --addr HOST:PORT [--listen HOST:PORT] [--api-addr HOST:PORT] [--data DIR]\n       polity peers remove --key PUBKEY [--data DIR]',
    options: {
      ...COMMON,
      data: NODE_TARGET.data,
      name: { type: 'string' },
      key: { type: 'string' },
      addr: { type: 'string' },
      listen: { type: 'string' },
      'api-addr': { type: 'string' },
    },
    positionals: { min: 0, max: 1 },
    run: (values, positionals, io) => runPeers(values, positionals, io),
  },
  localnet: {
    summary: 'run a network of N departments on this machine, one node process each (development)',
    usage:
      'polity localnet [--validators N] [--data DIR] [--orgs "A,B,..."] [--chain-id ID] [--base-port P] [--api-base-port A] [--heartbeat-ms MS] [--log-level L]',
    options: {
      ...COMMON,
      data: { type: 'string', default: './localnet' },
      validators: { type: 'string' },
      orgs: { type: 'string' },
      'chain-id': { type: 'string' },
      'base-port': { type: 'string' },
      'api-base-port': { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
    },
    positionals: { min: 0, max: 0 },
    run: (values, positionals, io) => runLocalnet(values, positionals, io),
  },
  status: {
    summary: "a node's chain, height, latest block, peers, quorum and readiness",
    usage: 'polity status [--port N | --api URL]',
    options: { ...COMMON, ...NODE_TARGET },
    positionals: { min: 0, max: 0 },
    run: runStatus,
  },
  simulate: {
    summary: 'run the deterministic consensus simulator: seeded faults and Byzantine validators, safety and liveness checks',
    usage: 'polity simulate [--seeds N [--from S] [--workers W] | --seed S [--trace]] [--validators K] [--byzantine B] [--control | --empty-blocks | --stale-blocks | --trusting-compact | --trusting-relays | --untimely]',
    options: {
      ...COMMON,
      seeds: { type: 'string' },
      seed: { type: 'string' },
      from: { type: 'string' },
      workers: { type: 'string' },
      validators: { type: 'string' },
      byzantine: { type: 'string' },
      control: { type: 'boolean', default: false },
      'empty-blocks': { type: 'boolean', default: false },
      'stale-blocks': { type: 'boolean', default: false },
      'trusting-compact': { type: 'boolean', default: false },
      'trusting-relays': { type: 'boolean', default: false },
      untimely: { type: 'boolean', default: false },
      trace: { type: 'boolean', default: false },
    },
    positionals: { min: 0, max: 0 },
    run: (values, positionals, io, app) => runSimulate(values, positionals, io, app.simWorker),
  },
};

/** Every command: the core's, then each service's in the order of the list. A name taken twice is a wiring bug. */
export function commandsOf(app: CliApp): Record<string, Command> {
  const all: Record<string, Command> = { ...CORE_COMMANDS };
  for (const service of app.services) {
    for (const [name, command] of Object.entries(service.commands)) {
      if (all[name]) throw new Error(`invariant broken: the command ${name} of service ${service.name} is taken`);
      all[name] = command;
    }
  }
  // Every command that reads a key file takes the passphrase file and the plaintext override (src/cli/passphrase.ts);
  // `peers --key` is a public key, not a file.
  for (const [name, command] of Object.entries(all)) {
    const readsKeyFile = name !== 'peers' && Object.keys(command.options).some((o) => o === 'key' || o.endsWith('-key'));
    if (readsKeyFile || name === 'init') all[name] = { ...command, options: { ...command.options, ...KEY_FILE_OPTIONS } };
  }
  // `polity start`: every setting of the table (start-config.ts) with the services' own, listed in its help with defaults.
  const settings = startSettingsOf(app.services);
  all.start = { ...all.start!, listsOptions: true, usage: `${all.start!.usage}\n\n${startHelp(settings)}`, options: { ...COMMON, ...startParseOptions(settings) } };
  return all;
}

/** This build's version: package.json's, two folders above dist/src/cli (the checkout, or where npm installed the package). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('invariant broken: package.json has no version');
  return pkg.version;
}

function usage(io: Io, commands: Record<string, Command>): void {
  io.out('Polity — a permissioned blockchain for public services\n');
  io.out('usage: polity <command> [options]\n');
  for (const [name, c] of Object.entries(commands)) io.out(`  ${name.padEnd(10)} ${c.summary}`);
  io.out('\nEvery command that talks to a node takes --port N (default 8700) or --api URL; --json prints JSON.');
  io.out('Run `polity <command> --help` for its options, `polity --version` for the version.');
}

export async function main(argv: string[], app: CliApp, io: Io = defaultIo()): Promise<number> {
  const commands = commandsOf(app);
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    io.out(packageVersion());
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    usage(io, commands);
    return name ? 0 : 2;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.err(`polity: unknown command ${JSON.stringify(name.slice(0, 40))}; commands: ${Object.keys(commands).join(', ')}`);
    return 2;
  }
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true }));
  } catch (e) {
    io.err(`polity ${name}: ${(e as Error).message.split('\n')[0]}`);
    io.err(`usage: ${command.usage}`);
    return 2;
  }
  if (values.help) {
    io.out(`usage: ${command.usage}\n\n${command.summary}`);
    // `start` lists its settings in its usage; the options it does not list (--json, --help) follow.
    const lines = optionLines(command).filter((l) => !command.listsOptions || !new RegExp(`^\\s+--${l.trim().split(/[\\s,]/)[0]!.slice(2)}(?![\\w-])`, "m").test(command.usage));
    if (lines.length) io.out(`\n${command.listsOptions ? 'also' : 'options'}:\n${lines.join('\n')}`);
    if (command.details?.length) io.out(`\n${command.details.join('\n')}`);
    return 0;
  }
  const p = command.positionals ?? { min: 0, max: 0 };
  if (positionals.length < p.min || (p.max !== undefined && positionals.length > p.max)) {
    io.err(`polity ${name}: expected ${p.max === p.min ? p.min : p.max === undefined ? `at least ${p.min}` : `${p.min} to ${p.max}`} argument(s), got ${positionals.length}`);
    io.err(`usage: ${command.usage}`);
    return 2;
  }
  try {
    return await command.run(values, positionals, io, app);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`polity ${name}: ${e.message}`);
      io.err(`usage: ${command.usage}`);
      return 2;
    }
    if (e instanceof PolityApiError) {
      if (values.json) io.out(JSON.stringify({ ok: false, code: e.code, message: e.message }));
      io.err(`polity ${name}: ${e.message}${e.code && e.code !== 'NODE_UNREACHABLE' ? ` (${e.code})` : ''}`);
      return e.code === 'NODE_UNREACHABLE' ? 3 : 1;
    }
    if (values.json) io.out(JSON.stringify({ ok: false, message: (e as Error).message }));
    io.err(`polity ${name}: ${(e as Error).message}`);
    return 1;
  }
}
