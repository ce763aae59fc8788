/**
 * The private store of the data-sharing service on one node: the records
 * this node's organisation may hold, encrypted at rest, under
 * `<data>/sharing/records/` (spec/services/sharing.md §Private store).
 *
 * Why files and not a LevelDB sublevel: erasure must leave nothing to
 * recover, and LevelDB keeps a deleted value in its log and older tables
 * until a compaction that nobody can force to cover one key. One file per
 * record is overwritten in place, flushed, then unlinked: the bytes are gone
 * from the file system's view, and they were ciphertext to begin with. Each
 * file is one envelope (envelope.ts): the record and its salt encrypted
 * under a key of its own, that key wrapped for each node of each
 * organisation that may hold it. Destroying the file destroys record, key
 * and salt together; the commitment on the chain then links to nothing.
 *
 * The read path: `read` opens a record only after the caller's `access`
 * resolved — the function that writes the access entry on the chain (or
 * refuses). Nothing else in this file decrypts, and nothing outside it can:
 * the open function is not exported. A read without its entry cannot be
 * written without changing this file.
 *
 * Every record read is checked against its commitment (the caller passes
 * the commitment on the chain); a mismatch is refused (SHARING_STORE_MISMATCH).
 *
 * Beside the envelope, in clear, each file names the record's dataset and
 * the subject's pseudonym (spec §2): the holder answers a request for "this
 * pseudonym's records in this dataset" without decrypting every record.
 * Both are on the chain already, in the requests and consents; the file
 * links them to the record id, and is destroyed with it.
 *
 * Limits: `recordsMax` records (default 100,000), each file within
 * ENVELOPE_BYTES_MAX. Logs name records by 16 hex digits of their random id.
 */
import { open as openFile, mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PolityError } from '../../ledger/errors.js';
import './errors-store.js';
import type { KeyAgreement } from '../../node/service-host.js';
import {
  envelopeProblem,
  open as openEnvelope,
  recordCommitment,
  RECORD_BYTES_MAX,
  RECORD_ID_RE,
  sameCommitment,
  WRAPS_MAX,
  type Envelope,
  type PrivateRecord,
} from './envelope.js';

/** The bytes of the largest envelope file: the base64 ciphertext and every wrap, with room for the JSON around them. */
export const ENVELOPE_BYTES_MAX = Math.ceil(((RECORD_BYTES_MAX + 16) * 4) / 3) + WRAPS_MAX * 320 + 1024;
export const RECORDS_MAX_DEFAULT = 100_000;

export interface PrivateStoreOptions {
  /** The node's data directory: the store lives in `<dataDir>/sharing/records/`. */
  dataDir: string;
  /** This node's key (Ed25519, hex): the wrap it opens. */
  nodeKey: string;
  keyAgreement: KeyAgreement;
  recordsMax?: number;
}

/** What a record file holds: the envelope, and in clear the dataset and the subject's pseudonym. */
export interface StoredFile {
  v: 1;
  dataset: string;
  subject: string;
  envelope: Envelope;
}

export interface PrivateStore {
  /** Create the folder, remove leftovers of an interrupted write, and count the records. */
  open(): Promise<void>;
  has(recordId: string): boolean;
  ids(): readonly string[];
  readonly size: number;
  /** Keep an envelope this node can open (a holder's copy); SHARING_STORE_FULL past the limit. Replaces a record of the same id. */
  save(envelope: Envelope, meta: { dataset: string; subject: string }): Promise<void>;
  /** The dataset and subject pseudonym a held record is filed under. */
  meta(recordId: string): { dataset: string; subject: string } | undefined;
  /** The ids of the records held for a subject's pseudonym in a dataset. */
  find(dataset: string, subject: string): readonly string[];
  /**
   * Open a record: `access` first (it writes the access entry on the chain, or throws its refusal), then the
   * record, checked against `commitment`. Throws SHARING_RECORD_NOT_HELD, SHARING_STORE_MISMATCH, or what `access` threw.
   */
  read<E>(recordId: string, commitment: string, access: () => Promise<E>): Promise<{ record: PrivateRecord; entry: E }>;
  /**
   * A held record's file as stored — the envelope (ciphertext, its key wrapped for the holder nodes) and
   * its filing — to hand a holder its copy (replication, re-wrap). Decrypts nothing.
   */
  copyOf(recordId: string): Promise<StoredFile | undefined>;
  /** Destroy a record: its file overwritten, flushed and unlinked. False when it was not held. */
  erase(recordId: string): Promise<boolean>;
  /** The folder (for tests that scan raw files). */
  readonly dir: string;
}

const fileOf = (dir: string, recordId: string): string => join(dir, `${recordId}.env`);

/** Overwrite a file's bytes, flush, unlink: what was in it is not left in the file system's view. */
export async function destroyFile(path: string): Promise<boolean> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return false;
  }
  const handle = await openFile(path, 'r+');
  try {
    const zeros = Buffer.alloc(Math.min(size, 1 << 20));
    for (let at = 0; at < size; at += zeros.length) await handle.write(zeros, 0, Math.min(zeros.length, size - at), at);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await unlink(path);
  return true;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await openFile(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function createPrivateStore(options: PrivateStoreOptions): PrivateStore {
  const dir = join(options.dataDir, 'sharing', 'records');
  const recordsMax = options.recordsMax ?? RECORDS_MAX_DEFAULT;
  /** Held record id -> "dataset subject". */
  const held = new Map<string, string>();
  const indexKey = (dataset: string, subject: string): string => `${dataset} ${subject}`;
  const loadFile = async (recordId: string): Promise<StoredFile | undefined> => {
    try {
      const f = JSON.parse(await readFile(fileOf(dir, recordId), 'utf8')) as StoredFile;
      return f?.v === 1 && typeof f.dataset === 'string' && typeof f.subject === 'string' ? f : undefined;
    } catch {
      return undefined;
    }
  };

  /** Decrypt a held record. Not exported: `read` is the only way in. */
  async function decrypt(recordId: string): Promise<PrivateRecord> {
    const file = await loadFile(recordId);
    const envelope = file?.envelope;
    const content = envelope && envelopeProblem(envelope) === undefined && envelope.kind === 'record' ? openEnvelope(envelope, options.nodeKey, options.keyAgreement.sharedSecret) : undefined;
    if (!content || !('salt' in content)) throw new PolityError('SHARING_STORE_MISMATCH', `the stored copy of record ${recordId.slice(0, 16)}… does not open with this node's key`);
    return content;
  }

  return {
    dir,
    get size() {
      return held.size;
    },
    async open() {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      for (const name of await readdir(dir)) {
        const m = /^([0-9a-f]{64})\.env$/.exec(name);
        const file = m ? await loadFile(m[1]!) : undefined;
        if (m && held.size >= recordsMax) throw new Error(`the private store ${dir} holds more than its limit of ${recordsMax} records`);
        if (m) held.set(m[1]!, file ? indexKey(file.dataset, file.subject) : '');
        else if (name.endsWith('.tmp')) await destroyFile(join(dir, name)); // a write cut short
      }
    },
    has: (recordId) => held.has(recordId),
    ids: () => [...held.keys()],
    meta(recordId) {
      const k = held.get(recordId);
      if (!k) return undefined;
      const [dataset, subject] = k.split(' ') as [string, string];
      return { dataset, subject };
    },
    find(dataset, subject) {
      const key = indexKey(dataset, subject);
      return [...held].filter(([, k]) => k === key).map(([id]) => id);
    },
    async save(envelope, meta) {
      const problem = envelopeProblem(envelope);
      if (problem) throw new PolityError('SHARING_STORE_INVALID', `cannot store the record: ${problem}`);
      if (!envelope.wraps.some((w) => w.node === options.nodeKey)) throw new PolityError('SHARING_STORE_INVALID', 'cannot store a record this node cannot open (no wrap for its key)');
      if (!held.has(envelope.recordId) && held.size >= recordsMax) throw new PolityError('SHARING_STORE_FULL', `the private store holds ${held.size} records, its limit`);
      if (meta.dataset.length > 64 || meta.subject.length > 128) throw new PolityError('SHARING_STORE_INVALID', 'expected a dataset name and a subject pseudonym within their limits');
      const bytes = Buffer.from(JSON.stringify({ v: 1, dataset: meta.dataset, subject: meta.subject, envelope } satisfies StoredFile), 'utf8');
      if (bytes.length > ENVELOPE_BYTES_MAX) throw new PolityError('SHARING_STORE_INVALID', `an envelope of ${bytes.length} bytes is over the ${ENVELOPE_BYTES_MAX}-byte limit`);
      const path = fileOf(dir, envelope.recordId);
      const tmp = `${path}.${process.pid}.tmp`;
      const handle = await openFile(tmp, 'w', 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      // A record replaced: its old bytes are overwritten before the new file takes the name.
      if (held.has(envelope.recordId)) await destroyFile(path);
      await rename(tmp, path);
      await syncDir(dir);
      held.set(envelope.recordId, indexKey(meta.dataset, meta.subject));
    },
    copyOf: async (recordId) => (RECORD_ID_RE.test(recordId) && held.has(recordId) ? loadFile(recordId) : undefined),
    async read(recordId, commitment, access) {
      if (!RECORD_ID_RE.test(recordId) || !held.has(recordId)) throw new PolityError('SHARING_RECORD_NOT_HELD', `this node holds no record ${recordId.slice(0, 16)}…`);
      // The entry first: a refusal here means nothing was decrypted.
      const entry = await access();
      const record = await decrypt(recordId);
      if (record.recordId !== recordId || !sameCommitment(recordCommitment(record), commitment)) {
        throw new PolityError('SHARING_STORE_MISMATCH', `the stored record ${recordId.slice(0, 16)}… does not match its commitment on the chain`);
      }
      return { record, entry };
    },
    async erase(recordId) {
      if (!RECORD_ID_RE.test(recordId)) return false;
      const gone = await destroyFile(fileOf(dir, recordId));
      held.delete(recordId);
      if (gone) await syncDir(dir);
      return gone;
    },
  };
}
