/**
 * Setting up a network of departments (spec/deployment.md):
 *
 *   polity init --validators N --data DIR   N data directories on one machine, one per
 *                                           organisation, sharing one genesis
 *   polity keys new --node --data DIR       a department's node key, alone (several machines)
 *   polity genesis --validator NAME:KEY:POWER ... --out FILE
 *                                           the coordinator's genesis from the keys it collected
 *   polity peers add|remove|list --data DIR the node's network.json
 *
 * and the node's P2P settings file, `<data>/network.json`:
 *
 *   { "listen": { "host": "127.0.0.1", "port": 26601 },
 *     "api":    { "host": "127.0.0.1", "port": 8701 },            (optional)
 *     "peers":  [ { "name": "Land Registry", "pubKey": "<64 hex>", "host": "127.0.0.1", "port": 26602 } ],
 *     "observers": [ "<64 hex>" ] }                               (optional)
 *
 * A validator's node key is its validator key: the genesis lists node keys.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { generateKeyPair, type KeyPair } from '../crypto/ed25519.js';
import { isHex } from '../crypto/bytes.js';
import { ed25519PointProblem } from '../crypto/ed25519-point.js';
import { DEFAULT_PARAMS, genesisHash, HEARTBEAT_MS_MAX, HEARTBEAT_MS_MIN, parseGenesis, type Genesis, type Validator } from '../ledger/genesis.js';
import { RULES_VERSION_CURRENT } from '../ledger/rules-version.js';
import { CHAIN_ID_RE } from '../ledger/transaction.js';
import { genesisState, slugOf } from '../runtime/membership.js';
import { parsePublicOrigin } from '../api/origin.js';
import type { CliApp } from './command.js';
import { adminKeyPath, exists, genesisPath, loadGenesisFile, nodeKeyPath } from '../node/data-dir.js';
import { publicKeyOfKeyFile } from '../node/key-file.js';
import { type Io, optionList, parsePositiveInt, UsageError } from './io.js';

// --- limits and defaults -------------------------------------------------------

/** Most validators `polity init --validators` and `polity genesis` accept. */
export const VALIDATORS_MAX = 64;
/** Most peers one network.json may list. */
export const PEERS_MAX = 256;
/** Most observer keys one network.json may list. */
export const OBSERVERS_MAX = 256;
/** Most bytes of a network.json we read. */
export const NETWORK_FILE_BYTES_MAX = 256 * 1024;
export const ORG_NAME_CHARS_MAX = 128;
export const DEFAULT_CHAIN_ID = 'polity-local';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_P2P_BASE_PORT = 26601;
export const DEFAULT_API_BASE_PORT = 8701;
export const NETWORK_FILE = 'network.json';
export const NETWORK_README = 'network.md';

export const networkPath = (dir: string): string => join(dir, NETWORK_FILE);

// --- network.json --------------------------------------------------------------

export interface HostPort {
  host: string;
  port: number;
}

export interface NetworkPeer {
  /** Display name of the organisation that runs the peer. */
  name: string;
  /** The peer's node key (Ed25519 public key, 32 bytes hex): it must prove it on connecting. */
  pubKey: string;
  host: string;
  port: number;
}

export interface NetworkFile {
  /** Where this node accepts peer connections. */
  listen: HostPort;
  /**
   * Where this node serves its HTTP API (`polity start` uses it when --port is not given), and
   * optionally the public URL clients reach it by, which signed requests must name (spec/api-auth.md §3).
   */
  api?: HostPort & { publicUrl?: string };
  /** The other nodes to dial. */
  peers: NetworkPeer[];
  /** Node keys of non-validator nodes allowed to connect (they follow the chain but do not vote). */
  observers?: string[];
}

/** A network.json that cannot be used; the message names the file and the field. */
export class NetworkFileError extends Error {
  readonly code = 'NETWORK_FILE_INVALID';
}

const HOSTNAME_RE = /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/** A host name or an IPv4/IPv6 literal (without brackets). */
export function isHost(value: unknown): value is string {
  return typeof value === 'string' && (isIP(value) !== 0 || HOSTNAME_RE.test(value));
}

/** True for the wildcard addresses a server may listen on but nobody can dial. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '0:0:0:0:0:0:0:0';
}

export function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

/** `host:port`, with IPv6 literals in brackets. */
export function formatHostPort(a: HostPort): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

export function httpUrl(a: HostPort): string {
  return `http://${formatHostPort(a)}`;
}

/** Parse `host:port` or `[v6]:port`; `what` names the option in the error. */
export function parseHostPort(what: string, value: unknown): HostPort {
  const text = String(value);
  const m = /^\[([^\]]+)\]:([0-9]{1,5})$/.exec(text) ?? /^([^:[\]]+):([0-9]{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !isHost(m[1]) || !isPort(port)) {
    throw new UsageError(`${what}: expected HOST:PORT (like 10.0.0.7:26601 or [2001:db8::7]:26601), got ${JSON.stringify(text.slice(0, 80))}`);
  }
  return { host: m[1]!, port };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Validate an untrusted network.json value; `source` prefixes every error (the file's path). */
export function parseNetworkFile(value: unknown, source = NETWORK_FILE): NetworkFile {
  const bad = (message: string): never => {
    throw new NetworkFileError(`${source}: ${message}`);
  };
  const object = (v: unknown, where: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(`${where}: expected an object, got ${describe(v)}`);
    return v as Record<string, unknown>;
  };
  const only = (o: Record<string, unknown>, keys: string[], where: string): void => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) bad(`${where}: unexpected member ${JSON.stringify(k.slice(0, 40))} (expected ${keys.join(', ')})`);
  };
  const address = (v: unknown, where: string, dialled: boolean): HostPort => {
    const a = object(v, where);
    only(a, ['host', 'port'], where);
    if (!isHost(a.host)) bad(`${where}.host: expected a host name or IP address, got ${describe(a.host)}`);
    if (dialled && isWildcard(a.host as string)) bad(`${where}.host: ${a.host} is a listening wildcard, not an address to dial`);
    if (!isPort(a.port)) bad(`${where}.port: expected a port number 1-65535, got ${describe(a.port)}`);
    return { host: a.host as string, port: a.port as number };
  };
  const root = object(value, 'the file');
  only(root, ['listen', 'api', 'peers', 'observers'], 'the file');
  const listen = address(root.listen, 'listen', false);
  let api: (HostPort & { publicUrl?: string }) | undefined;
  if (root.api !== undefined) {
    const { publicUrl, ...hostPort } = object(root.api, 'api');
    api = address(hostPort, 'api', false);
    if (publicUrl !== undefined) {
      try {
        api.publicUrl = parsePublicOrigin(String(publicUrl));
      } catch (e) {
        bad(`api.${(e as Error).message}`.replace('api.public URL', 'api.publicUrl'));
      }
    }
  }
  if (api && api.port === listen.port && (api.host === listen.host || isWildcard(api.host) || isWildcard(listen.host))) {
    bad(`api.port: ${api.port} is also the P2P listen port`);
  }
  if (!Array.isArray(root.peers)) bad(`peers: expected an array, got ${describe(root.peers)}`);
  const peerList = root.peers as unknown[];
  if (peerList.length > PEERS_MAX) bad(`peers: at most ${PEERS_MAX}, got ${peerList.length}`);
  const keys = new Set<string>();
  const peers = peerList.map((v, i): NetworkPeer => {
    const where = `peers[${i}]`;
    const p = object(v, where);
    only(p, ['name', 'pubKey', 'host', 'port'], where);
    if (typeof p.name !== 'string' || p.name.trim().length === 0 || p.name.length > ORG_NAME_CHARS_MAX || CONTROL_RE.test(p.name)) {
      bad(`${where}.name: expected 1-${ORG_NAME_CHARS_MAX} printable characters, got ${describe(p.name)}`);
    }
    if (!isHex(p.pubKey, 32)) bad(`${where}.pubKey: expected a 32-byte node key as 64 lowercase hex digits, got ${describe(p.pubKey)}`);
    if (keys.has(p.pubKey as string)) bad(`${where}.pubKey: this node key is listed twice`);
    keys.add(p.pubKey as string);
    const a = address({ host: p.host, port: p.port }, where, true);
    return { name: p.name as string, pubKey: p.pubKey as string, host: a.host, port: a.port };
  });
  let observers: string[] | undefined;
  if (root.observers !== undefined) {
    if (!Array.isArray(root.observers)) bad(`observers: expected an array of node keys, got ${describe(root.observers)}`);
    const list = root.observers as unknown[];
    if (list.length > OBSERVERS_MAX) bad(`observers: at most ${OBSERVERS_MAX}, got ${list.length}`);
    for (const [i, k] of list.entries()) if (!isHex(k, 32)) bad(`observers[${i}]: expected a 32-byte node key as 64 lowercase hex digits, got ${describe(k)}`);
    observers = list as string[];
  }
  return { listen, ...(api ? { api } : {}), peers, ...(observers ? { observers } : {}) };
}

/** Read and validate `<dir>/network.json`. */
export async function readNetworkFile(dir: string): Promise<NetworkFile> {
  const path = networkPath(dir);
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > NETWORK_FILE_BYTES_MAX) throw new NetworkFileError(`${path}: ${info.size} bytes; at most ${NETWORK_FILE_BYTES_MAX}`);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof NetworkFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new NetworkFileError(code === 'ENOENT' ? `${path} does not exist (the node's P2P settings; see spec/deployment.md)` : `cannot read ${path} (${code ?? 'error'})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new NetworkFileError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseNetworkFile(value, path);
}

export interface WriteNetworkFileOptions {
  /** Replace an existing file (atomically); by default an existing file is an error. */
  overwrite?: boolean;
}

/** Validate and write `<dir>/network.json`, pretty-printed. */
export async function writeNetworkFile(dir: string, cfg: NetworkFile, options: WriteNetworkFileOptions = {}): Promise<void> {
  const path = networkPath(dir);
  const checked = parseNetworkFile(cfg, path);
  const text = JSON.stringify(checked, null, 2) + '\n';
  if (!options.overwrite) {
    try {
      await writeFile(path, text, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${path} already exists; refusing to overwrite it`);
      throw e;
    }
    return;
  }
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

// --- argument checks -------------------------------------------------------------

export function parseChainId(value: unknown): string {
  if (value === undefined) return DEFAULT_CHAIN_ID;
  if (typeof value !== 'string' || !CHAIN_ID_RE.test(value)) {
    throw new UsageError(`--chain-id: expected 1-48 lowercase letters, digits and dashes, starting with a letter or digit; got ${describe(value)}`);
  }
  return value;
}

export function parseOrgName(what: string, value: string): string {
  const name = value.trim();
  if (name.length === 0 || name.length > ORG_NAME_CHARS_MAX || CONTROL_RE.test(name)) {
    throw new UsageError(`${what}: expected an organisation name of 1-${ORG_NAME_CHARS_MAX} printable characters, got ${describe(value)}`);
  }
  return name;
}

function parsePortOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^[0-9]{1,5}$/.test(String(value)) || !isPort(port)) throw new UsageError(`--${name}: expected a port number 1-65535, got ${describe(value)}`);
  return port;
}

export { slugOf };

// --- planning a network on one machine ---------------------------------------------

export interface NetworkOptions {
  validators: number;
  /** Organisation names, one per validator. */
  orgs: string[];
  chainId: string;
  /** Where the nodes listen for and dial each other. */
  host: string;
  p2pBasePort: number;
  apiBasePort: number;
  /** Milliseconds since the epoch. */
  genesisTime: number;
  /** The genesis's `params.heartbeatMs` when above 1 validator (0: no heartbeat). */
  heartbeatMs: number;
}

/**
 * The heartbeat of a network planned on one machine, ms: an idle development
 * network cuts an empty block every 2 s, so block time and anything counted in
 * blocks move while nobody submits (a BFT chain makes no empty block otherwise,
 * spec/consensus.md §4.1), about a quarter of the blocks it cut before when
 * every height made one. Scripts and tests written against a chain that moves
 * by itself keep working. `--heartbeat-ms 0` turns it off (a production
 * genesis, from `polity genesis`, has none unless its coordinator adds one).
 */
export const LOCAL_HEARTBEAT_MS_DEFAULT = 2_000;

/** `--heartbeat-ms`: 0 (off) or within the genesis bounds. */
export function parseHeartbeatMs(value: unknown): number {
  if (value === undefined) return LOCAL_HEARTBEAT_MS_DEFAULT;
  const n = Number(value);
  if (!/^[0-9]{1,9}$/.test(String(value)) || (n !== 0 && (n < HEARTBEAT_MS_MIN || n > HEARTBEAT_MS_MAX))) {
    throw new UsageError(`--heartbeat-ms: expected 0 (off) or a whole number from ${HEARTBEAT_MS_MIN} to ${HEARTBEAT_MS_MAX}, got ${JSON.stringify(String(value).slice(0, 20))}`);
  }
  return n;
}

export interface PlannedNode {
  name: string;
  /** Directory name under the network's root. */
  slug: string;
  nodeKey: KeyPair;
  /** The organisation's first admin key (it signs membership and governance transactions). */
  adminKey: KeyPair;
  network: NetworkFile;
}

export interface NetworkPlan {
  genesis: Genesis;
  nodes: PlannedNode[];
}

/**
 * Turn `polity init --validators …` / `polity localnet …` options into checked
 * `NetworkOptions`. Throws `UsageError` on the first bad option; touches no disk.
 */
export function parseNetworkOptions(values: Record<string, unknown>, defaultValidators?: number): NetworkOptions {
  if (values.org !== undefined) throw new UsageError('--org names the one organisation of a one-node chain; with --validators, use --orgs "Name 1,Name 2,…"');
  const orgList =
    values.orgs === undefined
      ? undefined
      : String(values.orgs)
          .split(',')
          .map((n, i) => parseOrgName(`--orgs (name ${i + 1})`, n));
  let validators: number;
  if (values.validators !== undefined) validators = parsePositiveInt('validators', values.validators, VALIDATORS_MAX);
  else if (orgList) validators = orgList.length;
  else if (defaultValidators !== undefined) validators = defaultValidators;
  else throw new UsageError(`--validators: expected the number of validators, 1 to ${VALIDATORS_MAX}`);
  if (orgList && orgList.length !== validators) throw new UsageError(`--orgs lists ${orgList.length} organisation(s) but --validators is ${validators}; give one name per validator`);
  if (orgList && orgList.length > VALIDATORS_MAX) throw new UsageError(`--orgs: at most ${VALIDATORS_MAX} organisations, got ${orgList.length}`);
  const orgs = orgList ?? Array.from({ length: validators }, (_, i) => `Department ${i + 1}`);
  const seen = new Map<string, string>();
  for (const name of orgs) {
    const key = name.toLowerCase();
    if (seen.has(key)) throw new UsageError(`--orgs: ${JSON.stringify(name)} is listed twice`);
    seen.set(key, name);
  }
  const chainId = parseChainId(values['chain-id']);
  const host = values.host === undefined ? DEFAULT_HOST : String(values.host);
  if (!isHost(host)) throw new UsageError(`--host: expected a host name or IP address, got ${describe(host)}`);
  if (isWildcard(host)) throw new UsageError(`--host: the nodes listen on and dial each other at this address; ${host} cannot be dialled (use the machine's address)`);
  const p2pBasePort = parsePortOption('base-port', values['base-port'], DEFAULT_P2P_BASE_PORT);
  const apiBasePort = parsePortOption('api-base-port', values['api-base-port'], DEFAULT_API_BASE_PORT);
  const last = (base: number): number => base + validators - 1;
  if (last(p2pBasePort) > 65535) throw new UsageError(`--base-port: ${validators} nodes from port ${p2pBasePort} would need ports up to ${last(p2pBasePort)}, above 65535`);
  if (last(apiBasePort) > 65535) throw new UsageError(`--api-base-port: ${validators} nodes from port ${apiBasePort} would need ports up to ${last(apiBasePort)}, above 65535`);
  if (p2pBasePort <= last(apiBasePort) && apiBasePort <= last(p2pBasePort)) {
    throw new UsageError(`--base-port and --api-base-port overlap: P2P ports ${p2pBasePort}-${last(p2pBasePort)}, API ports ${apiBasePort}-${last(apiBasePort)}`);
  }
  const heartbeatMs = parseHeartbeatMs(values['heartbeat-ms']);
  return { validators, orgs, chainId, host, p2pBasePort, apiBasePort, genesisTime: Date.now(), heartbeatMs };
}

/** Keys, genesis and network files for every node; pure but for key generation. */
export function planNetwork(options: NetworkOptions, generateKey: () => KeyPair = generateKeyPair): NetworkPlan {
  const slugs = new Map<string, string>();
  const drafts = options.orgs.map((name, i) => {
    const slug = slugOf(name) || `node-${i + 1}`;
    const other = slugs.get(slug);
    if (other !== undefined) throw new UsageError(`--orgs: ${JSON.stringify(other)} and ${JSON.stringify(name)} would share the directory ${slug}/; give them more distinct names`);
    slugs.set(slug, name);
    return {
      name,
      slug,
      nodeKey: generateKey(),
      adminKey: generateKey(),
      listen: { host: options.host, port: options.p2pBasePort + i },
      api: { host: DEFAULT_HOST, port: options.apiBasePort + i },
    };
  });
  const genesis: Genesis = {
    v: 1,
    chainId: options.chainId,
    genesisTime: options.genesisTime,
    validators: drafts.map((d) => ({ name: d.name, pubKey: d.nodeKey.publicKey, power: 1 })),
    // A one-validator chain runs solo consensus, which has no heartbeat.
    params: { ...DEFAULT_PARAMS, rulesVersion: RULES_VERSION_CURRENT, ...(drafts.length > 1 && options.heartbeatMs > 0 ? { heartbeatMs: options.heartbeatMs } : {}) },
    organisations: drafts.map((d) => ({ id: d.slug, name: d.name, admins: [d.adminKey.publicKey], threshold: 1, nodes: [d.nodeKey.publicKey] })),
  };
  parseGenesis(genesis);
  const nodes = drafts.map((d): PlannedNode => {
    const network: NetworkFile = {
      listen: d.listen,
      api: d.api,
      peers: drafts.filter((o) => o !== d).map((o) => ({ name: o.name, pubKey: o.nodeKey.publicKey, host: o.listen.host, port: o.listen.port })),
    };
    return { name: d.name, slug: d.slug, nodeKey: d.nodeKey, adminKey: d.adminKey, network: parseNetworkFile(network) };
  });
  return { genesis, nodes };
}

async function isEmptyDir(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length === 0;
  } catch {
    return false;
  }
}

/** Write a secret key file: mode 0600, never over an existing file. */
export async function saveSecretKey(path: string, key: KeyPair): Promise<void> {
  try {
    await writeFile(path, JSON.stringify(key, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${path} already exists; refusing to overwrite a key`);
    throw e;
  }
  await chmod(path, 0o600); // the umask may have narrowed nothing, but may not widen either: set it exactly
}

/** Write a node key: mode 0600, never over an existing file. */
export async function saveNodeKey(dir: string, key: KeyPair): Promise<void> {
  await saveSecretKey(nodeKeyPath(dir), key);
}

/**
 * Write a planned network under `root`: `root/<slug>/{node-key.json, genesis.json,
 * network.json}` and `root/network.md`. Refuses (before writing anything) if
 * any of them exists; on a failure midway, removes what it wrote.
 */
export async function saveNetwork(root: string, plan: NetworkPlan): Promise<void> {
  const conflicts: string[] = [];
  if ((await exists(root)) && !(await stat(root)).isDirectory()) throw new Error(`${root} exists and is not a directory`);
  if ((await exists(genesisPath(root))) || (await exists(nodeKeyPath(root)))) {
    throw new Error(`${root} is one node's data directory; a network needs a directory of its own (choose another --data)`);
  }
  if (await exists(join(root, NETWORK_README))) conflicts.push(join(root, NETWORK_README));
  for (const n of plan.nodes) {
    const dir = join(root, n.slug);
    if ((await exists(dir)) && !(await isEmptyDir(dir))) conflicts.push(`${dir}/`);
  }
  if (conflicts.length > 0) throw new Error(`refusing to overwrite what exists: ${conflicts.join(', ')}; choose another --data directory`);

  const genesisText = JSON.stringify(plan.genesis, null, 2) + '\n';
  const created: string[] = [];
  const rootExisted = await exists(root);
  try {
    await mkdir(root, { recursive: true });
    if (!rootExisted) created.push(root);
    for (const n of plan.nodes) {
      const dir = join(root, n.slug);
      if (!(await exists(dir))) {
        await mkdir(dir, { mode: 0o700 });
        created.push(dir);
      }
      await saveNodeKey(dir, n.nodeKey);
      created.push(nodeKeyPath(dir));
      await saveSecretKey(adminKeyPath(dir), n.adminKey);
      created.push(adminKeyPath(dir));
      await writeFile(genesisPath(dir), genesisText, { flag: 'wx' });
      created.push(genesisPath(dir));
      await writeNetworkFile(dir, n.network);
      created.push(networkPath(dir));
    }
    await writeFile(join(root, NETWORK_README), networkReadme(root, plan), { flag: 'wx' });
  } catch (e) {
    for (const path of created.reverse()) await rm(path, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
}

function networkReadme(root: string, plan: NetworkPlan): string {
  const g = plan.genesis;
  const lines = [
    `# Polity network \`${g.chainId}\``,
    '',
    `${plan.nodes.length} validator(s), created ${new Date(g.genesisTime).toISOString()} by \`polity init --validators ${plan.nodes.length}\`.`,
    `Genesis hash \`${genesisHash(g)}\` (every node's \`genesis.json\` is the same file).`,
    '',
    '| organisation | data directory | node key | P2P address | API |',
    '|---|---|---|---|---|',
    ...plan.nodes.map((n) => `| ${n.name.replace(/\|/g, '\\|')} | \`${n.slug}/\` | \`${n.nodeKey.publicKey}\` | \`${formatHostPort(n.network.listen)}\` | ${httpUrl(n.network.api!)} |`),
    '',
    'Start every node at once, with their output interleaved:',
    '',
    `    polity localnet --data ${root}`,
    '',
    'or each in its own terminal:',
    '',
    ...plan.nodes.map((n) => `    polity start --data ${join(root, n.slug)} --port ${n.network.api!.port}`),
    '',
    "Each directory holds its node's secret key (`node-key.json`, mode 0600) and the",
    "department's first admin key (`admin-key.json`, mode 0600), which signs membership",
    'and governance transactions (`polity org …`, `polity gov …`). On a real deployment',
    'every department keeps its own directory on its own machine, and its admin key',
    'with its administrator rather than on the server; see `spec/deployment.md`.',
    '',
  ];
  return lines.join('\n');
}

// --- polity init --validators N ------------------------------------------------------

export async function runInitNetwork(values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const root = typeof values.data === 'string' ? values.data : './data';
  const options = parseNetworkOptions(values);
  const plan = planNetwork(options);
  await saveNetwork(root, plan);
  printNetwork(io, values, root, plan, 'init');
  return 0;
}

/** What `polity init --validators` prints; `localnet` prints the same, without the next steps. */
export function printNetwork(io: Io, values: Record<string, unknown>, root: string, plan: NetworkPlan, by: 'init' | 'localnet'): void {
  const hash = genesisHash(plan.genesis);
  const nodes = plan.nodes.map((n) => ({
    name: n.name,
    data: resolve(root, n.slug),
    nodeKey: n.nodeKey.publicKey,
    org: n.slug,
    adminKey: n.adminKey.publicKey,
    p2p: formatHostPort(n.network.listen),
    api: httpUrl(n.network.api!),
  }));
  if (values.json) {
    io.out(JSON.stringify({ ok: true, data: resolve(root), chainId: plan.genesis.chainId, genesisHash: hash, nodes }));
    return;
  }
  io.out(`created a network of ${nodes.length} validator(s) in ${resolve(root)}`);
  io.out(`  chain         ${plan.genesis.chainId}`);
  io.out(`  genesis hash  ${hash}`);
  for (const n of nodes) {
    io.out(`  ${n.name}`);
    io.out(`    data        ${n.data}`);
    io.out(`    node key    ${n.nodeKey}`);
    io.out(`    admin key   ${n.adminKey}   (organisation ${n.org}; the secret is ${join(n.data, 'admin-key.json')})`);
    io.out(`    P2P         ${n.p2p}`);
    io.out(`    API         ${n.api}`);
  }
  io.out(`wrote ${join(root, NETWORK_README)} (this table, and how to start each node)`);
  if (by === 'init') io.out(`next: polity localnet --data ${root}   (or \`polity start --data DIR --port API-PORT\` for each node, in its own terminal)`);
}

// --- polity keys new --node --data DIR ------------------------------------------------

/** `polity keys new|show --node --data DIR`: a department's node key, alone. */
export async function runNodeKey(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const sub = positionals[0] ?? 'show';
  const dir = typeof values.data === 'string' ? values.data : './data';
  const path = nodeKeyPath(dir);
  let publicKey: string;
  if (sub === 'new') {
    if (await exists(path)) throw new Error(`${path} already exists; a node key is never replaced (its public key may already be in a genesis)`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const key = generateKeyPair();
    await saveNodeKey(dir, key);
    publicKey = key.publicKey;
  } else if (sub === 'show') {
    if (!(await exists(path))) throw new Error(`no node key at ${path}; create one with \`polity keys new --node --data ${dir}\``);
    publicKey = await publicKeyOfKeyFile(path);
  } else {
    throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}; expected show or new`);
  }
  if (values.json) {
    io.out(JSON.stringify({ ok: true, publicKey, path: resolve(path) }));
    return 0;
  }
  if (sub === 'new') io.out(`created ${resolve(path)} (secret, mode 0600: it never leaves this machine)`);
  io.out(`node key ${publicKey}`);
  if (sub === 'new') {
    io.out('next: send the coordinator this public key, your organisation name and the address other nodes reach you at (HOST:PORT);');
    io.out(`      then put the genesis.json you receive into ${dir} and write ${networkPath(dir)} (polity peers add).`);
  }
  return 0;
}

// --- polity genesis --validator NAME:KEY[:POWER] ... --out FILE --------------------------

/** Parse `Name:pubkey` or `Name:pubkey:power`; the name may itself contain colons. */
export function parseValidatorSpec(spec: string): Validator {
  const parts = spec.split(':');
  let power = 1;
  if (parts.length >= 3 && /^[0-9]{1,15}$/.test(parts[parts.length - 1]!) && isHex(parts[parts.length - 2], 32)) {
    power = Number(parts.pop());
    if (!Number.isSafeInteger(power) || power < 1) throw new UsageError(`--validator ${describe(spec)}: the power must be a positive whole number`);
  }
  const pubKey = parts.pop();
  if (parts.length === 0 || !isHex(pubKey, 32)) {
    throw new UsageError(`--validator: expected NAME:PUBKEY[:POWER] with a 64-hex-digit node key (from \`polity keys new --node\`), got ${describe(spec)}`);
  }
  const problem = ed25519PointProblem(pubKey!);
  if (problem) throw new UsageError(`--validator: the node key of ${describe(spec)} is ${problem.replace(/^not /, 'not ')}`);
  return { name: parseOrgName('--validator', parts.join(':')), pubKey: pubKey!, power };
}

export async function runGenesis(values: Record<string, unknown>, _positionals: string[], io: Io, app: CliApp): Promise<number> {
  const raw = optionList(values.validator);
  if (raw.length === 0) throw new UsageError('expected one --validator NAME:PUBKEY[:POWER] per validating department');
  if (raw.length > VALIDATORS_MAX) throw new UsageError(`--validator: at most ${VALIDATORS_MAX}, got ${raw.length}`);
  const validators = raw.map(parseValidatorSpec);
  const names = new Set<string>();
  const keys = new Set<string>();
  for (const v of validators) {
    if (names.has(v.name.toLowerCase())) throw new UsageError(`--validator: the organisation ${JSON.stringify(v.name)} is listed twice`);
    if (keys.has(v.pubKey)) throw new UsageError(`--validator: the node key ${v.pubKey.slice(0, 16)}… is listed twice (every department needs its own)`);
    names.add(v.name.toLowerCase());
    keys.add(v.pubKey);
  }
  // Each department's admin key (`polity keys new --key admin-key.json` on the admin's machine).
  const admins = new Map<string, string[]>();
  for (const spec of optionList(values.admin)) {
    const at = spec.lastIndexOf(':');
    const name = spec.slice(0, at);
    const key = spec.slice(at + 1);
    if (at < 1 || !isHex(key, 32)) throw new UsageError(`--admin: expected NAME:PUBKEY with a 64-hex-digit key (from \`polity keys new\`), got ${describe(spec)}`);
    const problem = ed25519PointProblem(key);
    if (problem) throw new UsageError(`--admin: the key of ${describe(spec)}: ${problem}`);
    const v = validators.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!v) throw new UsageError(`--admin: ${JSON.stringify(name)} is not the name of a --validator department`);
    admins.set(v.name, [...(admins.get(v.name) ?? []), key]);
  }
  if (admins.size > 0 && admins.size < validators.length) {
    const missing = validators.filter((v) => !admins.has(v.name)).map((v) => v.name);
    throw new UsageError(`--admin: give at least one admin key for every department (missing: ${missing.join(', ')})`);
  }
  const chainId = parseChainId(values['chain-id']);
  const out = typeof values.out === 'string' ? values.out : 'genesis.json';
  const genesis: Genesis = {
    v: 1,
    chainId,
    genesisTime: Date.now(),
    validators,
    params: { ...DEFAULT_PARAMS, rulesVersion: RULES_VERSION_CURRENT },
    ...(admins.size > 0
      ? { organisations: validators.map((v, i) => ({ id: slugOf(v.name) || `org-${i + 1}`, name: v.name, admins: admins.get(v.name)!, threshold: 1, nodes: [v.pubKey] })) }
      : {}),
  };
  try {
    parseGenesis(genesis);
    genesisState(genesis, app.services.map((s) => s.module.name));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const text = JSON.stringify(genesis, null, 2) + '\n';
  try {
    await writeFile(out, text, { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${out} already exists; refusing to overwrite it (a genesis is chosen once)`);
    throw e;
  }
  const hash = genesisHash(genesis);
  const fileSha256 = createHash('sha256').update(text).digest('hex');
  if (values.json) {
    io.out(JSON.stringify({ ok: true, path: resolve(out), chainId, genesisHash: hash, fileSha256, validators }));
    return 0;
  }
  const total = validators.reduce((s, v) => s + v.power, 0);
  io.out(`wrote ${resolve(out)}`);
  io.out(`  chain          ${chainId}`);
  io.out(`  genesis hash   ${hash}   (what block 1 commits to; a node reports it as genesisHash in \`polity status --json\`)`);
  io.out(`  file sha256    ${fileSha256}   (compare copies with \`sha256sum genesis.json\`)`);
  const quorum = Math.floor((2 * total) / 3) + 1; // the least power p with 3p > 2·total
  const nameW = Math.max(...validators.map((v) => v.name.length));
  io.out(`  validators     ${validators.length}, total power ${total}; a block needs the signatures of validators holding ${quorum} of it`);
  for (const v of validators) io.out(`    ${v.name.padEnd(nameW)}  ${v.pubKey}  power ${v.power}`);
  io.out('next: send this file to every department, and its sha256 over a second channel (a phone call) so they can check the copy.');
  return 0;
}

// --- polity peers add|remove|list --data DIR -------------------------------------------

export async function runPeers(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const sub = positionals[0] ?? 'list';
  if (sub === 'add') return runPeersAdd(values, positionals, io);
  if (sub === 'remove') return runPeersRemove(values, positionals, io);
  if (sub !== 'list') throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}; expected add, remove or list`);
  const dir = typeof values.data === 'string' ? values.data : './data';
  const cfg = await readNetworkFile(dir);
  if (values.json) {
    io.out(JSON.stringify({ ok: true, ...cfg }));
    return 0;
  }
  io.out(`listen  ${formatHostPort(cfg.listen)}`);
  if (cfg.api) io.out(`api     ${httpUrl(cfg.api)}`);
  io.out(`peers   ${cfg.peers.length}`);
  for (const p of cfg.peers) io.out(`  ${p.name}  ${formatHostPort(p)}  ${p.pubKey}`);
  return 0;
}

/**
 * `polity peers add --data DIR --name N --key K --addr HOST:PORT [--listen HOST:PORT] [--api-addr HOST:PORT]`
 * (`--api-addr`, not `--api`: elsewhere `--api` is a node's URL).
 */
export async function runPeersAdd(values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const dir = typeof values.data === 'string' ? values.data : './data';
  if (values.name === undefined) throw new UsageError('--name: expected the organisation that runs the peer');
  const name = parseOrgName('--name', String(values.name));
  const key = values.key;
  if (!isHex(key, 32)) throw new UsageError(`--key: expected the peer's node key, 64 lowercase hex digits, got ${describe(key)}`);
  if (values.addr === undefined) throw new UsageError('--addr: expected the HOST:PORT the peer listens on');
  const addr = parseHostPort('--addr', values.addr);
  if (isWildcard(addr.host)) throw new UsageError(`--addr: ${addr.host} cannot be dialled; give the peer's address`);
  const listen = values.listen === undefined ? undefined : parseHostPort('--listen', values.listen);
  const api = values['api-addr'] === undefined ? undefined : parseHostPort('--api-addr', values['api-addr']);

  let cfg: NetworkFile;
  const existed = await exists(networkPath(dir));
  if (existed) {
    cfg = await readNetworkFile(dir);
    if (listen) cfg.listen = listen;
  } else {
    if (!listen) throw new Error(`${networkPath(dir)} does not exist; pass --listen HOST:PORT (where this node accepts peers) to create it`);
    cfg = { listen, peers: [] };
  }
  if (api) cfg.api = api;
  const own = (await exists(nodeKeyPath(dir))) ? (await publicKeyOfKeyFile(nodeKeyPath(dir))) : undefined;
  if (key === own) throw new Error(`${key.slice(0, 16)}… is this node's own key (${nodeKeyPath(dir)}); a node does not dial itself`);
  const listed = cfg.peers.find((p) => p.pubKey === key);
  if (listed) throw new Error(`the node key ${key.slice(0, 16)}… is already a peer (${listed.name} at ${formatHostPort(listed)}); remove it first with \`polity peers remove --data ${dir} --key ${key}\``);
  if (cfg.peers.length >= PEERS_MAX) throw new Error(`${networkPath(dir)} already lists ${PEERS_MAX} peers, the most allowed`);
  cfg.peers.push({ name, pubKey: key, host: addr.host, port: addr.port });
  await writeNetworkFile(dir, cfg, { overwrite: true });

  if (await exists(genesisPath(dir))) {
    const genesis = await loadGenesisFile(genesisPath(dir));
    if (!genesis.validators.some((v) => v.pubKey === key) && !(cfg.observers ?? []).includes(key)) {
      io.err(`warning: ${name}'s key is not a validator in ${genesisPath(dir)}; this node will not accept its connections`);
    }
  }
  if (values.json) io.out(JSON.stringify({ ok: true, path: resolve(networkPath(dir)), peers: cfg.peers.length }));
  else io.out(`${existed ? 'updated' : 'created'} ${resolve(networkPath(dir))}: ${cfg.peers.length} peer(s); added ${name} at ${formatHostPort(addr)}`);
  return 0;
}

async function runPeersRemove(values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const dir = typeof values.data === 'string' ? values.data : './data';
  const key = values.key;
  if (!isHex(key, 32)) throw new UsageError(`--key: expected the peer's node key, 64 lowercase hex digits, got ${describe(key)}`);
  const cfg = await readNetworkFile(dir);
  const peer = cfg.peers.find((p) => p.pubKey === key);
  if (!peer) throw new Error(`no peer with node key ${key.slice(0, 16)}… in ${networkPath(dir)}`);
  cfg.peers = cfg.peers.filter((p) => p !== peer);
  await writeNetworkFile(dir, cfg, { overwrite: true });
  if (values.json) io.out(JSON.stringify({ ok: true, path: resolve(networkPath(dir)), peers: cfg.peers.length }));
  else io.out(`removed ${peer.name} from ${resolve(networkPath(dir))}: ${cfg.peers.length} peer(s) left`);
  return 0;
}

// --- reading back a network on one machine (polity localnet) ---------------------------

export interface NetworkNode {
  name: string;
  /** The node's data directory. */
  dir: string;
  nodeKey: string;
  network: NetworkFile & { api: HostPort };
}

export interface LoadedNetwork {
  root: string;
  genesis: Genesis;
  nodes: NetworkNode[];
}

/**
 * The network under `root` made by `polity init --validators`: every
 * subdirectory holding a node (genesis.json, node-key.json, network.json),
 * in the genesis's validator order. `undefined` when there is none yet;
 * an error when what is there is incomplete or inconsistent.
 */
export async function loadNetwork(root: string): Promise<LoadedNetwork | undefined> {
  if (!(await exists(root))) return undefined;
  if (!(await stat(root)).isDirectory()) throw new Error(`${root} exists and is not a directory`);
  if ((await exists(genesisPath(root))) || (await exists(nodeKeyPath(root)))) {
    throw new Error(`${root} is one node's data directory, not a network of several; run it with \`polity start --data ${root}\`, or pick another --data`);
  }
  const found: { dir: string; genesis: Genesis; key: string; network: NetworkFile }[] = [];
  const names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  for (const name of names) {
    const dir = join(root, name);
    const files = [genesisPath(dir), nodeKeyPath(dir), networkPath(dir)];
    const present = await Promise.all(files.map(exists));
    if (!present.some(Boolean)) continue;
    const missing = files.filter((_, i) => !present[i]).map((f) => relative(dir, f));
    if (missing.length > 0) throw new Error(`${dir} is an incomplete node directory: missing ${missing.join(', ')}`);
    found.push({ dir, genesis: await loadGenesisFile(genesisPath(dir)), key: (await publicKeyOfKeyFile(nodeKeyPath(dir))), network: await readNetworkFile(dir) });
  }
  if (found.length === 0) return undefined;
  const genesis = found[0]!.genesis;
  const hash = genesisHash(genesis);
  for (const f of found) if (genesisHash(f.genesis) !== hash) throw new Error(`${f.dir}/genesis.json differs from ${found[0]!.dir}/genesis.json; every node of one network needs the same genesis`);
  const nodes: NetworkNode[] = [];
  for (const v of genesis.validators) {
    const f = found.find((x) => x.key === v.pubKey);
    if (!f) throw new Error(`the genesis lists ${v.name} (${v.pubKey.slice(0, 16)}…) but no directory under ${root} holds its node key`);
    if (!f.network.api) throw new Error(`${networkPath(f.dir)} has no "api" address; add {"api": {"host": "127.0.0.1", "port": N}}`);
    nodes.push({ name: v.name, dir: f.dir, nodeKey: f.key, network: f.network as NetworkFile & { api: HostPort } });
  }
  const stray = found.filter((f) => !nodes.some((n) => n.dir === f.dir));
  if (stray.length > 0) throw new Error(`${stray.map((f) => f.dir).join(', ')}: node key not among the genesis's validators`);
  const ports = new Map<string, string>();
  for (const n of nodes) {
    for (const [what, a] of [['P2P', n.network.listen], ['API', n.network.api]] as const) {
      const other = ports.get(String(a.port));
      if (other) throw new Error(`port ${a.port} is both ${other} and the ${what} port of ${n.name}; give every node its own ports`);
      ports.set(String(a.port), `the ${what} port of ${n.name}`);
    }
  }
  return { root, genesis, nodes };
}
