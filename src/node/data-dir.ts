/**
 * A node's data directory:
 *
 *   <data>/genesis.json    the chain's genesis (public; give it to verifiers)
 *   <data>/node-key.json   the node's Ed25519 key (secret; mode 0600; sealed with a
 *                          passphrase when `polity init --encrypt` made it)
 *   <data>/admin-key.json  the organisation's first admin key (secret; mode 0600;
 *                          it signs membership and governance transactions, and
 *                          belongs with the department's administrator, not the server)
 *   <data>/chain/               the LevelDB store (the node creates it)
 *   <data>/commit-record.json   the highest block committed, signed (the node writes it)
 *   <data>/consensus-wal        what a BFT validator signed (the node writes it)
 *   <data>/format.json          the data format version (data-format.ts; migrations at start)
 *   <data>/signing-hold.json    a restored validator signs nothing until caught up (backup.ts)
 *
 * What may be deleted and how to recover a damaged node: spec/storage.md §8.
 *
 * `initDataDir` creates a one-validator chain (solo consensus) whose
 * validator is the node's own key, run by one member organisation.
 */
import { mkdir, readFile, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, type KeyPair } from '../crypto/ed25519.js';
import { loadKeyFile, saveKeyFile, type KeyUnlock } from './key-file.js';
import { DEFAULT_PARAMS, parseGenesis, type Genesis } from '../ledger/genesis.js';
import { RULES_VERSION_CURRENT } from '../ledger/rules-version.js';
import { slugOf } from '../runtime/membership.js';
import { saveDataFormat } from './data-format.js';

export interface DataDir {
  path: string;
  genesis: Genesis;
  nodeKey: KeyPair;
  /** Present when the directory was just created. */
  adminKey?: KeyPair;
}

export const genesisPath = (dir: string): string => join(dir, 'genesis.json');
export const nodeKeyPath = (dir: string): string => join(dir, 'node-key.json');
export const adminKeyPath = (dir: string): string => join(dir, 'admin-key.json');

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export async function isInitialised(dir: string): Promise<boolean> {
  return (await exists(genesisPath(dir))) && (await exists(nodeKeyPath(dir)));
}

export interface InitOptions {
  chainId?: string;
  organisation?: string;
  /** Genesis time, ms since the epoch (defaults to now). */
  genesisTime?: number;
  /** Seal the node and admin keys under this passphrase (src/node/key-file.ts). */
  passphrase?: string;
}

export async function initDataDir(dir: string, options: InitOptions = {}): Promise<DataDir> {
  if (await exists(genesisPath(dir))) throw new Error(`${dir} already holds a genesis; refusing to overwrite it`);
  await mkdir(dir, { recursive: true });
  const nodeKey = generateKeyPair();
  const adminKey = generateKeyPair();
  const name = options.organisation ?? 'Local department';
  const genesis: Genesis = {
    v: 1,
    chainId: options.chainId ?? 'polity-local',
    genesisTime: options.genesisTime ?? Date.now(),
    validators: [{ name, pubKey: nodeKey.publicKey, power: 1 }],
    params: { ...DEFAULT_PARAMS, rulesVersion: RULES_VERSION_CURRENT },
    organisations: [{ id: slugOf(name) || 'local-department', name, admins: [adminKey.publicKey], threshold: 1, nodes: [nodeKey.publicKey] }],
  };
  parseGenesis(genesis);
  for (const [path, key] of [[nodeKeyPath(dir), nodeKey], [adminKeyPath(dir), adminKey]] as const) await saveKeyFile(path, key, options.passphrase);
  await writeFile(genesisPath(dir), JSON.stringify(genesis, null, 2) + '\n');
  await saveDataFormat(dir);
  return { path: dir, genesis, nodeKey, adminKey };
}

export async function loadGenesisFile(path: string): Promise<Genesis> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`cannot read a genesis at ${path}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON`);
  }
  return parseGenesis(value);
}

/** Key files, plaintext or sealed: src/node/key-file.ts (re-exported for the callers that load one). */
export { loadKeyFile } from './key-file.js';

/** Load a data directory; `unlock` opens a sealed node key and says what to do with a plaintext one. */
export async function loadDataDir(dir: string, unlock: KeyUnlock = {}): Promise<DataDir> {
  if (!(await isInitialised(dir))) throw new Error(`${dir} is not a Polity data directory; run \`polity init --data ${dir}\``);
  return { path: dir, genesis: await loadGenesisFile(genesisPath(dir)), nodeKey: await loadKeyFile(nodeKeyPath(dir), unlock) };
}
