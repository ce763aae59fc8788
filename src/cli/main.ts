/**
 * `polity`: the command-line tool.
 *
 *   polity init      create keys and a one-node genesis in a data directory
 *   polity start     run a node: solo consensus, embedded storage, API and web pages
 *   polity keys      show or create your signing key
 *   polity status    a node's height and latest block
 *   polity notarize  hash files locally, anchor the hashes, write a receipt per file
 *   polity verify    check a file against its receipt, offline
 *   polity simulate  run the deterministic consensus simulator over many seeds
 *
 * Human output by default, `--json` for scripts. Exit codes: 0 success,
 * 1 the check or operation failed, 2 bad usage, 3 the node could not be reached.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PolityApiError } from '../sdk/client.js';
import { runInit, runStart } from './run-node.js';
import { runKeys } from './keys.js';
import { runStatus } from './status.js';
import { runNotarize } from './notarize.js';
import { runVerify } from './verify.js';
import { runSimulate } from './simulate.js';
import { runValidators } from './validators.js';
import { runOrg } from './org.js';
import { runGov } from './gov.js';
import { didCommand } from './did.js';
import { runGenesis, runInitNetwork, runNodeKey, runPeers } from './network-init.js';
import { runLocalnet } from './localnet.js';
import { UsageError, type Io, defaultIo } from './io.js';

export { DEFAULT_PORT_FALLBACK as DEFAULT_PORT } from "./defaults.js";
export const DEFAULT_DATA = './data';

const COMMON = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const NODE_TARGET = {
  data: { type: 'string', default: DEFAULT_DATA },
  port: { type: 'string' },
  api: { type: 'string' },
} as const;

interface Command {
  summary: string;
  usage: string;
  options: ParseArgsConfig['options'];
  positionals?: { min: number; max?: number };
  run(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  init: {
    summary: 'create keys and a genesis: a one-node chain, or with --validators N a network of N departments',
    usage:
      'polity init [--data DIR] [--chain-id ID] [--org NAME]\n       polity init --validators N [--data DIR] [--orgs "A,B,..."] [--chain-id ID] [--host H] [--base-port P] [--api-base-port A]',
    options: {
      ...COMMON,
      data: NODE_TARGET.data,
      'chain-id': { type: 'string' },
      org: { type: 'string' },
      validators: { type: 'string' },
      orgs: { type: 'string' },
      host: { type: 'string' },
      'base-port': { type: 'string' },
      'api-base-port': { type: 'string' },
    },
    positionals: { min: 0, max: 0 },
    run: (values, positionals, io) =>
      ['validators', 'orgs', 'host', 'base-port', 'api-base-port'].some((k) => values[k] !== undefined)
        ? runInitNetwork(values, positionals, io)
        : runInit(values, positionals, io),
  },
  start: {
    summary: 'run a node: solo consensus, embedded storage, API and web pages on localhost',
    usage: 'polity start [--data DIR] [--port N] [--host ADDR] [--init] [--block-interval-ms MS]',
    options: {
      ...COMMON,
      data: NODE_TARGET.data,
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      init: { type: 'boolean', default: false },
      'block-interval-ms': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
    },
    positionals: { min: 0, max: 0 },
    run: runStart,
  },
  keys: {
    summary: 'show your signing key, or create one with `keys new`; --node: the node key in --data',
    usage: 'polity keys [show|new] [--key FILE] [--force]\n       polity keys [show|new] --node [--data DIR]',
    options: {
      ...COMMON,
      key: { type: 'string' },
      force: { type: 'boolean', default: false },
      node: { type: 'boolean', default: false },
      data: { type: 'string', default: DEFAULT_DATA },
    },
    positionals: { min: 0, max: 1 },
    run: (values, positionals, io) => (values.node ? runNodeKey(values, positionals, io) : runKeys(values, positionals, io)),
  },
  genesis: {
    summary: "write a network's genesis from the departments' node keys (the coordinator's step)",
    usage: 'polity genesis --validator "NAME:PUBKEY[:POWER]" [--validator ...] [--admin "NAME:PUBKEY" ...] [--chain-id ID] [--out FILE]',
    options: { ...COMMON, validator: { type: 'string', multiple: true }, admin: { type: 'string', multiple: true }, 'chain-id': { type: 'string' }, out: { type: 'string', default: 'genesis.json' } },
    positionals: { min: 0, max: 0 },
    run: runGenesis,
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
    run: runPeers,
  },
  localnet: {
    summary: 'run a network of N departments on this machine, one node process each (development)',
    usage:
      'polity localnet [--validators N] [--data DIR] [--orgs "A,B,..."] [--chain-id ID] [--base-port P] [--api-base-port A] [--log-level L]',
    options: {
      ...COMMON,
      data: { type: 'string', default: './localnet' },
      validators: { type: 'string' },
      orgs: { type: 'string' },
      'chain-id': { type: 'string' },
      'base-port': { type: 'string' },
      'api-base-port': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
    },
    positionals: { min: 0, max: 0 },
    run: runLocalnet,
  },
  status: {
    summary: "a node's chain, height and latest block",
    usage: 'polity status [--port N | --api URL]',
    options: { ...COMMON, ...NODE_TARGET },
    positionals: { min: 0, max: 0 },
    run: runStatus,
  },
  notarize: {
    summary: 'hash files locally, anchor the hashes, write <file>.receipt.json for each',
    usage:
      'polity notarize <files...> [--port N | --api URL] [--out DIR] [--sign [--key FILE] [--type T] [--ref R] [--org O]] [--timeout-ms MS]',
    options: {
      ...COMMON,
      ...NODE_TARGET,
      out: { type: 'string' },
      sign: { type: 'boolean', default: false },
      key: { type: 'string' },
      type: { type: 'string' },
      ref: { type: 'string' },
      org: { type: 'string' },
      'timeout-ms': { type: 'string', default: '60000' },
    },
    positionals: { min: 1 },
    run: runNotarize,
  },
  verify: {
    summary: 'check a file against its receipt, offline, with the chain genesis',
    usage: 'polity verify <file> <receipt> [--genesis FILE | --data DIR | --api URL]',
    options: { ...COMMON, ...NODE_TARGET, genesis: { type: 'string' } },
    positionals: { min: 2, max: 2 },
    run: runVerify,
  },
  validators: {
    summary: 'list the validator set, or propose and approve a change of it (signed with the node key in --data)',
    usage: 'polity validators [list] [--port N | --api URL]\n       polity validators propose [--add "NAME:PUBKEY[:POWER]" ...] [--remove PUBKEY ...] [--data DIR]\n       polity validators approve <id> [--data DIR]',
    options: { ...COMMON, ...NODE_TARGET, add: { type: 'string', multiple: true }, remove: { type: 'string', multiple: true } },
    positionals: { min: 0, max: 2 },
    run: runValidators,
  },
  org: {
    summary: 'member organisations: list, show; an admin registers officials and roles, rotates admin and node keys (signed with --key)',
    usage:
      'polity org [list] | show ID\n       polity org official add|roles --org ID --official KEY --role R [--role R ...] [--key FILE]\n       polity org official remove --org ID --official KEY [--key FILE]\n       polity org admins --org ID --admin KEY [--admin KEY ...] --threshold N [--key FILE]\n       polity org rotate-node --org ID --from KEY --to KEY [--key FILE]\n       polity org approve OPID --org ID [--key FILE]',
    options: {
      ...COMMON,
      ...NODE_TARGET,
      key: { type: 'string' },
      org: { type: 'string' },
      official: { type: 'string' },
      role: { type: 'string', multiple: true },
      admin: { type: 'string', multiple: true },
      threshold: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    },
    positionals: { min: 0, max: 2 },
    run: runOrg,
  },
  gov: {
    summary: 'consortium governance: list and show proposals; organisation admins propose and vote (signed with --key)',
    usage:
      'polity gov [list [--status S]] | show ID\n       polity gov propose add-org --id ID --name NAME --admin KEY [--threshold N] [--node KEY ...] [--permission MODULE ...]\n       polity gov propose remove-org --id ID\n       polity gov propose validators [--add "NAME:KEY[:POWER]" ...] [--remove KEY ...] [--power "KEY:POWER" ...]\n       polity gov propose grant|revoke --org ID --module MODULE\n       polity gov propose param --name NAME --value N\n       polity gov vote ID --yes|--no\n       (propose takes --voting-blocks N; propose and vote take --key FILE, an admin key)',
    options: {
      ...COMMON,
      ...NODE_TARGET,
      key: { type: 'string' },
      status: { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      admin: { type: 'string', multiple: true },
      threshold: { type: 'string' },
      node: { type: 'string', multiple: true },
      permission: { type: 'string', multiple: true },
      add: { type: 'string', multiple: true },
      remove: { type: 'string', multiple: true },
      power: { type: 'string', multiple: true },
      org: { type: 'string' },
      module: { type: 'string' },
      value: { type: 'string' },
      'voting-blocks': { type: 'string' },
      yes: { type: 'boolean', default: false },
      no: { type: 'boolean', default: false },
    },
    positionals: { min: 0, max: 2 },
    run: runGov,
  },
  did: didCommand,
  simulate: {
    summary: 'run the deterministic consensus simulator: seeded faults and Byzantine validators, safety and liveness checks',
    usage: 'polity simulate [--seeds N [--from S] [--workers W] | --seed S [--trace]] [--validators K] [--byzantine B] [--control]',
    options: {
      ...COMMON,
      seeds: { type: 'string' },
      seed: { type: 'string' },
      from: { type: 'string' },
      workers: { type: 'string' },
      validators: { type: 'string' },
      byzantine: { type: 'string' },
      control: { type: 'boolean', default: false },
      trace: { type: 'boolean', default: false },
    },
    positionals: { min: 0, max: 0 },
    run: runSimulate,
  },
};

function usage(io: Io): void {
  io.out('Polity — a permissioned blockchain for public services\n');
  io.out('usage: polity <command> [options]\n');
  for (const [name, c] of Object.entries(COMMANDS)) io.out(`  ${name.padEnd(9)} ${c.summary}`);
  io.out('\nEvery command that talks to a node takes --port N (default 8700) or --api URL; --json prints JSON.');
  io.out('Run `polity <command> --help` for its options.');
}

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    usage(io);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`polity: unknown command ${JSON.stringify(name)}; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: command.options!, allowPositionals: true, strict: true }));
  } catch (e) {
    io.err(`polity ${name}: ${(e as Error).message.split('\n')[0]}`);
    io.err(`usage: ${command.usage}`);
    return 2;
  }
  if (values.help) {
    io.out(`usage: ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  const p = command.positionals ?? { min: 0, max: 0 };
  if (positionals.length < p.min || (p.max !== undefined && positionals.length > p.max)) {
    io.err(`polity ${name}: expected ${p.max === p.min ? p.min : p.max === undefined ? `at least ${p.min}` : `${p.min} to ${p.max}`} argument(s), got ${positionals.length}`);
    io.err(`usage: ${command.usage}`);
    return 2;
  }
  try {
    return await command.run(values, positionals, io);
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
