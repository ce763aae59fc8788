/**
 * Backups of a node's data directory, their check, and their restore
 * (spec/operations.md, "Back up, restore and upgrade").
 *
 * A backup is a folder:
 *
 *   <backup>/backup.json     the manifest: chain, height and block hash of the copy, and the
 *                            size and SHA-256 of every other file (written last: a folder
 *                            without it is an unfinished backup)
 *   <backup>/chain/          a copy of the block store at one block boundary
 *   <backup>/genesis.json, network.json, polity.json, format.json, sharing/records/…
 *                            the node's own files and its services' private stores
 *   <backup>/node-key.json, admin-key.json   only when asked (`--include-keys`)
 *
 * Consistency. The block store is copied through one LevelDB iterator,
 * i.e. one snapshot; every block is one atomic batch (chain-store.ts), so
 * the copy ends exactly at a block boundary, while the node keeps
 * committing. The services' private files (the data-sharing records) are
 * copied after the snapshot: every record whose commitment is in the copy
 * was written before its block, so it is there (a record written later is
 * there too, harmlessly: its commitment is not yet on the copied chain).
 *
 * Left out, and why:
 * - `commit-record.json` and `consensus-wal`: the node's record of what it
 *   committed and signed. A copy of them is older than the truth as soon as
 *   the next block commits; restored, it would tell a validator it had
 *   signed less than it did, and it could sign a second vote at a height it
 *   had voted on (double-signing). A restore takes them from the old data
 *   directory when it still exists, or holds the validator's signing until
 *   it has caught up with its peers (signing-hold.ts).
 * - stores a service host derives from the chain (DERIVED_STORES: the
 *   notary's hash index): rebuilt at start from the chain. A service's
 *   LevelDB store of primary data (the notary's batch leaves) is copied from
 *   one snapshot: by its owner on a running node (ServiceHost.backupStores),
 *   or opened by the command on a stopped one.
 * - key files, unless asked: a backup often goes to a place with weaker
 *   protection than the server.
 *
 * A running node holds the store's lock, so `polity backup` asks it through
 * the data directory (`<data>/backup-request.json`; the node polls for it
 * once a second, see createBackupRequests): only a user who may write the
 * data directory — who could read the keys anyway — can ask. A stopped
 * node's directory is copied by the command itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ChainStore, Head } from '../storage/interface.js';
import { replaceFile } from '../storage/atomic-file.js';
import { COMMIT_RECORD_FILE } from '../storage/commit-record.js';
import { copyLevelDbAt } from '../storage/level-copy.js';
import { CONSENSUS_WAL_FILE } from '../storage/consensus-wal.js';
import { DATA_FORMAT_FILE, loadDataFormat } from './data-format.js';
import type { Logger } from './log.js';

export const BACKUP_MANIFEST_FILE = 'backup.json';
export const BACKUP_REQUEST_FILE = 'backup-request.json';
export const BACKUP_RESULT_FILE = 'backup-result.json';
export const SIGNING_HOLD_FILE = 'signing-hold.json';
const MANIFEST_KIND = 'polity/backup';
/** Files a backup may hold (a manifest listing more is not read). */
const BACKUP_FILES_MAX = 1_000_000;
/** The manifest of the largest backup: ~150 bytes a file. */
const MANIFEST_BYTES_MAX = 256 * 1024 * 1024;
/** A request or result file is a few hundred bytes. */
const REQUEST_BYTES_MAX = 8192;
/**
 * LevelDB stores in the data directory that a service host rebuilds from the
 * chain at start (left out). Every other LevelDB store is copied: a store
 * not named here is taken to hold primary data, so a new store is never
 * lost from backups by default.
 */
const DERIVED_STORES = new Set<string>(['notary-index']);
/** Key files: copied only when asked. */
export const KEY_FILES = ['node-key.json', 'admin-key.json'] as const;
/** Never copied: the signing records (see the header), transient files, the node's lock and request files. */
const NEVER_COPIED = new Set<string>([COMMIT_RECORD_FILE, CONSENSUS_WAL_FILE, BACKUP_REQUEST_FILE, BACKUP_RESULT_FILE, SIGNING_HOLD_FILE, 'chain', 'damage.json']);

export interface BackupFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface BackupManifest {
  v: 1;
  kind: typeof MANIFEST_KIND;
  chainId: string;
  genesisHash: string;
  /** The height and block hash of the copied store's head (0 and the genesis hash for an empty chain). */
  height: number;
  blockHash: string;
  createdAt: string;
  createdAtMs: number;
  dataFormat: number;
  includesKeys: boolean;
  /** What was left out on purpose, with why (for the operator). */
  leftOut: { path: string; why: string }[];
  files: BackupFile[];
}

export interface BackupOptions {
  dataDir: string;
  out: string;
  /** The node's block store, open. */
  store: ChainStore;
  chainId: string;
  genesisHash: string;
  includeKeys: boolean;
  nowMs: number;
  /**
   * LevelDB stores this process has open (a running node's service hosts),
   * by folder name in the data directory: each copies itself from one
   * snapshot. Any other store holding primary data is opened and copied.
   */
  openStores?: ReadonlyMap<string, (target: string) => Promise<unknown>>;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every file under `dir`, relative paths with `/`, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
  if (files.length > BACKUP_FILES_MAX) throw new Error(`${dir} holds more than ${BACKUP_FILES_MAX} files`);
  return files.sort();
}

const isLevelDb = async (dir: string): Promise<boolean> => {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.includes('CURRENT') || names.includes('LOCK');
};

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
}

/** Copy the directory's own files (not the store) into `out`, leaving out what the header says. */
async function copyOwnFiles(dataDir: string, out: string, includeKeys: boolean, leftOut: BackupManifest['leftOut'], openStores?: BackupOptions['openStores']): Promise<void> {
  const visit = async (rel: string): Promise<void> => {
    const from = join(dataDir, rel);
    for (const entry of await readdir(from, { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (rel === '' && NEVER_COPIED.has(entry.name)) continue;
      if (entry.name.endsWith('.tmp') || entry.name.startsWith('chain.')) continue; // a write cut short; a store moved aside
      if (rel === '' && (KEY_FILES as readonly string[]).includes(entry.name) && !includeKeys) {
        leftOut.push({ path, why: 'a secret key: copied only with --include-keys' });
        continue;
      }
      if (entry.isDirectory()) {
        if (await isLevelDb(join(from, entry.name))) {
          if (rel === '' && DERIVED_STORES.has(entry.name)) {
            leftOut.push({ path: `${path}/`, why: "a service's store derived from the chain: rebuilt at start" });
            continue;
          }
          // Any other store may hold primary data (the notary's batch leaves): copied from one snapshot.
          const exporter = rel === '' ? openStores?.get(entry.name) : undefined;
          if (exporter) await exporter(join(out, path));
          else await copyLevelDbAt(join(dataDir, path), join(out, path));
          continue;
        }
        await mkdir(join(out, path), { recursive: true, mode: 0o700 });
        await visit(path);
      } else if (entry.isFile()) {
        await copyFile(join(dataDir, path), join(out, path));
      }
    }
  };
  await visit('');
}

/** Write the manifest of `out` (every file but the manifest, hashed). */
async function writeManifest(out: string, body: Omit<BackupManifest, 'files'>): Promise<BackupManifest> {
  const files: BackupFile[] = [];
  for (const path of await listFiles(out)) {
    if (path === BACKUP_MANIFEST_FILE) continue;
    const full = join(out, path);
    files.push({ path, bytes: (await stat(full)).size, sha256: await sha256File(full) });
  }
  const manifest: BackupManifest = { ...body, files };
  await replaceFile(join(out, BACKUP_MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}

/** Make a backup of a node's data directory whose store is open (by the node, or by `polity backup` on a stopped node). */
export async function writeBackup(options: BackupOptions): Promise<BackupManifest> {
  const out = resolve(options.out);
  if (resolve(options.dataDir) === out || out.startsWith(resolve(options.dataDir) + sep)) throw new Error(`a backup cannot go inside the data directory it copies (${out})`);
  if (!(await isEmptyDir(out))) throw new Error(`${out} is not empty; give a new folder for the backup`);
  await mkdir(out, { recursive: true, mode: 0o700 });
  if (!options.store.exportTo) throw new Error('invariant broken: this store cannot be backed up');
  const copied = await options.store.exportTo(join(out, 'chain'));
  const leftOut: BackupManifest['leftOut'] = [
    { path: COMMIT_RECORD_FILE, why: "the node's record of what it committed: a restore keeps the newer one (see spec/operations.md)" },
    { path: CONSENSUS_WAL_FILE, why: 'what the validator signed: a restore keeps the newer one, or holds signing until caught up' },
  ];
  await copyOwnFiles(options.dataDir, out, options.includeKeys, leftOut, options.openStores);
  const head: Head | undefined = copied.head;
  return writeManifest(out, {
    v: 1,
    kind: MANIFEST_KIND,
    chainId: options.chainId,
    genesisHash: options.genesisHash,
    height: head?.height ?? 0,
    blockHash: head?.blockHash ?? options.genesisHash,
    createdAt: new Date(options.nowMs).toISOString(),
    createdAtMs: options.nowMs,
    dataFormat: (await loadDataFormat(options.dataDir)).format,
    includesKeys: options.includeKeys,
    leftOut,
  });
}

/** Read a backup's manifest, or say why it is not one. */
export async function loadManifest(dir: string): Promise<BackupManifest> {
  const path = join(dir, BACKUP_MANIFEST_FILE);
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MANIFEST_BYTES_MAX) throw new Error(`${path} is larger than ${MANIFEST_BYTES_MAX} bytes`);
    text = bytes.toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${dir} is not a finished Polity backup: it has no ${BACKUP_MANIFEST_FILE}`);
    throw e;
  }
  let m: Partial<BackupManifest>;
  try {
    m = JSON.parse(text) as Partial<BackupManifest>;
  } catch {
    throw new Error(`${path} is not JSON`);
  }
  const fileOk = (f: Partial<BackupFile>): boolean =>
    typeof f.path === 'string' && !f.path.split('/').includes('..') && !f.path.startsWith('/') && Number.isSafeInteger(f.bytes) && typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256);
  if (m.v !== 1 || m.kind !== MANIFEST_KIND || typeof m.genesisHash !== 'string' || !Number.isSafeInteger(m.height) || !Array.isArray(m.files) || !m.files.every(fileOk)) {
    throw new Error(`${path} is not a Polity backup manifest`);
  }
  return m as BackupManifest;
}

export interface BackupCheck {
  ok: boolean;
  manifest: BackupManifest;
  /** Each problem in words: a file missing, changed, or not in the manifest. */
  problems: string[];
}

/** Check every file of a backup against its manifest (size and SHA-256), and that nothing was added. */
export async function checkBackup(dir: string): Promise<BackupCheck> {
  const manifest = await loadManifest(dir);
  const problems: string[] = [];
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const f of manifest.files) {
    const full = join(dir, f.path);
    const size = await stat(full).then((s) => s.size, () => undefined);
    if (size === undefined) problems.push(`${f.path} is missing`);
    else if (size !== f.bytes) problems.push(`${f.path} has ${size} bytes, the manifest says ${f.bytes}`);
    else if ((await sha256File(full)) !== f.sha256) problems.push(`${f.path} does not match its SHA-256 in the manifest`);
  }
  for (const path of await listFiles(dir)) if (path !== BACKUP_MANIFEST_FILE && !listed.has(path)) problems.push(`${path} is not in the manifest`);
  return { ok: problems.length === 0, manifest, problems };
}

export interface RestoreOptions {
  from: string;
  data: string;
  /** Overwrite a non-empty `data` (its signing records are kept: see below). */
  yes: boolean;
  /** The validator's old data directory, whose signing records (commit record, consensus log) are newer than the backup. */
  signingRecordFrom?: string;
  /** A one-validator chain: accept that the chain goes back to the backup's height (see restoreBackup). */
  rewind: boolean;
  nowMs: number;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Where the signing records came from, or that signing is held until the node has caught up. */
  signing: { from: string } | { hold: true };
  /** Whether the chain runs BFT (several validators, or a network file): a one-validator chain has nobody to catch up from. */
  bft: boolean;
}

const SIGNING_RECORDS = [COMMIT_RECORD_FILE, CONSENSUS_WAL_FILE] as const;

/** Does `dir` hold any of a node's signing records? */
const holdsSigningRecords = async (dir: string): Promise<boolean> => {
  for (const f of SIGNING_RECORDS) if (await stat(join(dir, f)).then(() => true, () => false)) return true;
  return false;
};

/**
 * Restore a backup into `data` (spec/operations.md, "Restore"). Checked
 * first; refuses a non-empty `data` without `yes`. Never rolls a
 * validator's signing record back:
 *
 * - the newer records are taken from `signingRecordFrom`, or from `data`
 *   itself when it is being overwritten (`yes`) and holds them: the node
 *   then starts knowing every height it committed and what it signed
 *   (signing-guard.ts), and catches up from its peers;
 * - with none, a BFT node gets a signing hold (`signing-hold.json`): it
 *   signs nothing until it has heard its peers and caught up, then only
 *   above the height they were deciding (node.ts). It cannot have signed
 *   above that height before it was lost.
 * - a one-validator chain with none would build new blocks at heights whose
 *   receipts were already handed out: refused unless `rewind`.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const check = await checkBackup(options.from);
  if (!check.ok) throw new Error(`the backup ${options.from} does not match its manifest: ${check.problems.slice(0, 5).join('; ')}; it is not restored`);
  const { manifest } = check;
  const data = resolve(options.data);
  const genesis = JSON.parse(await readFile(join(options.from, 'genesis.json'), 'utf8')) as { validators?: unknown[] };
  const bft = (genesis.validators?.length ?? 0) > 1 || manifest.files.some((f) => f.path === 'network.json');
  let recordsFrom = options.signingRecordFrom;
  if (!(await isEmptyDir(data))) {
    if (!options.yes) throw new Error(`${data} is not empty; restoring would overwrite it: pass --yes, or restore into a new folder`);
    if (recordsFrom === undefined && (await holdsSigningRecords(data))) recordsFrom = data;
  }
  if (recordsFrom !== undefined && !(await holdsSigningRecords(recordsFrom))) throw new Error(`${recordsFrom} holds no signing record (${SIGNING_RECORDS.join(', ')})`);
  if (!bft && recordsFrom === undefined && !options.rewind) {
    throw new Error(
      `this is a one-validator chain: restored without the node's newer commit record, it would build new blocks after height ${manifest.height}, and receipts issued for the blocks that followed would no longer match the chain. Give the old data directory with --signing-record-from, or accept the rewind with --rewind`,
    );
  }
  // Kept in memory: `data` itself may be their source and is emptied below.
  const records = new Map<string, Buffer>();
  if (recordsFrom !== undefined) for (const f of SIGNING_RECORDS) await readFile(join(recordsFrom, f)).then((b) => records.set(f, b), () => undefined);
  await rm(data, { recursive: true, force: true });
  await mkdir(data, { recursive: true, mode: 0o700 });
  for (const f of manifest.files) {
    await mkdir(dirname(join(data, f.path)), { recursive: true, mode: 0o700 });
    await copyFile(join(options.from, f.path), join(data, f.path));
  }
  for (const [f, bytes] of records) await replaceFile(join(data, f), bytes);
  if (recordsFrom === undefined && bft) await saveSigningHold(data, { reason: `restored from a backup at height ${manifest.height}`, backupHeight: manifest.height, sinceMs: options.nowMs });
  return { manifest, signing: recordsFrom !== undefined ? { from: recordsFrom } : { hold: true }, bft };
}

// --- the signing hold -------------------------------------------------------

export interface SigningHold {
  reason: string;
  backupHeight: number;
  sinceMs: number;
  /** Set once the node has heard its peers: it signs from this height on. */
  signFromHeight?: number;
}

export async function saveSigningHold(dataDir: string, hold: SigningHold): Promise<void> {
  await replaceFile(join(dataDir, SIGNING_HOLD_FILE), JSON.stringify({ v: 1, kind: 'polity/signing-hold', ...hold }) + '\n');
}

/** The hold of a restored validator, or undefined; a hold that cannot be read holds signing forever rather than not at all. */
export async function loadSigningHold(dataDir: string): Promise<SigningHold | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, SIGNING_HOLD_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const v = JSON.parse(text.slice(0, REQUEST_BYTES_MAX)) as Partial<SigningHold>;
    if (typeof v.backupHeight === 'number') return { reason: String(v.reason ?? ''), backupHeight: v.backupHeight, sinceMs: Number(v.sinceMs ?? 0), ...(Number.isSafeInteger(v.signFromHeight) ? { signFromHeight: v.signFromHeight! } : {}) };
  } catch {
    // fall through
  }
  throw new Error(`${join(dataDir, SIGNING_HOLD_FILE)} is unreadable; it holds a restored validator's signing: restore again, or see spec/operations.md`);
}

export const clearSigningHold = (dataDir: string): Promise<void> => unlink(join(dataDir, SIGNING_HOLD_FILE)).catch(() => undefined);

// --- backups asked of a running node ----------------------------------------

export interface BackupRequest {
  id: string;
  out: string;
  includeKeys: boolean;
}

export type BackupResult = { id: string; ok: true; manifest: { height: number; blockHash: string; files: number } } | { id: string; ok: false; message: string };

export const newRequestId = (): string => randomBytes(8).toString('hex');

export async function saveBackupRequest(dataDir: string, request: BackupRequest): Promise<void> {
  await replaceFile(join(dataDir, BACKUP_REQUEST_FILE), JSON.stringify({ v: 1, ...request }) + '\n');
}

/** The result for request `id`, once the node has written it (removed when read). */
export async function takeBackupResult(dataDir: string, id: string): Promise<BackupResult | undefined> {
  const path = join(dataDir, BACKUP_RESULT_FILE);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined || text.length > REQUEST_BYTES_MAX) return undefined;
  let result: BackupResult;
  try {
    result = JSON.parse(text) as BackupResult;
  } catch {
    return undefined; // being written
  }
  if (result.id !== id) return undefined;
  await unlink(path).catch(() => undefined);
  return result;
}

/**
 * The running node's side: `poll` (once a second) takes a request, makes
 * the backup and writes its result. One backup at a time.
 */
export function createBackupRequests(options: Omit<BackupOptions, 'out' | 'includeKeys' | 'nowMs'> & { log: Logger; now: () => number }) {
  let busy = false;
  const path = join(options.dataDir, BACKUP_REQUEST_FILE);
  return {
    async poll(): Promise<void> {
      if (busy) return;
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined) return;
      busy = true;
      await unlink(path).catch(() => undefined);
      let id = '';
      try {
        const request = JSON.parse(text.slice(0, REQUEST_BYTES_MAX)) as Partial<BackupRequest>;
        if (typeof request.id !== 'string' || typeof request.out !== 'string') throw new Error('the backup request is malformed');
        id = request.id;
        const manifest = await writeBackup({ ...options, out: request.out, includeKeys: request.includeKeys === true, nowMs: options.now() });
        options.log.info('backup.written', { height: manifest.height, files: manifest.files.length, includesKeys: manifest.includesKeys });
        await replaceFile(join(options.dataDir, BACKUP_RESULT_FILE), JSON.stringify({ id, ok: true, manifest: { height: manifest.height, blockHash: manifest.blockHash, files: manifest.files.length } }));
      } catch (e) {
        options.log.warn('backup.failed', { reason: (e as Error).message });
        await replaceFile(join(options.dataDir, BACKUP_RESULT_FILE), JSON.stringify({ id, ok: false, message: (e as Error).message }));
      } finally {
        busy = false;
      }
    },
  };
}

export { DATA_FORMAT_FILE };
