/**
 * The commit record: `<data>/commit-record.json`, the highest height (and
 * its block hash) this node committed, signed with the node key.
 *
 * Why a file apart from the block store: the store is one LevelDB
 * database, and a cut log, a deleted log or an emptied `chain/` leave a
 * perfectly consistent database that is merely *shorter*. Started on it, a
 * one-validator chain would build a second, different block at a height
 * whose receipts are already out. The record survives whatever happens to
 * `chain/`, so the node can see that its store is behind what it committed
 * and refuse to start (node/chain-state.ts; spec/storage.md §8).
 *
 * It is replaced atomically after every committed block (atomic-file.ts),
 * after the block's own synced write: a crash between the two leaves the
 * record one block behind the store, which is fine (the store may be ahead
 * of the record, never behind). The record names its chain and is signed by
 * the node key that wrote it: one of another chain, or whose signature does
 * not verify (edited by hand, garbled), is refused rather than trusted. One
 * written under an earlier node key of this directory is accepted (a
 * rotated node key, spec/identity.md: the directory's history is the same)
 * and is signed with the current key at the next commit.
 *
 *   {"v":1,"chainId":"…","genesisHash":"…","nodeKey":"…","height":3,"blockHash":"…","sig":"…"}
 *
 * `sig` is the node key's Ed25519 signature over the canonical JSON
 * (RFC 8785) of the other members.
 */
import { readFile } from 'node:fs/promises';
import { isHex } from '../crypto/bytes.js';
import { canonicalBytes } from '../crypto/canonical-json.js';
import type { CommitRecordFile, CommittedHeight } from './interface.js';
import { replaceFile } from './atomic-file.js';

export const COMMIT_RECORD_FILE = 'commit-record.json';
/** The record is tiny; a larger file is not one. */
const RECORD_BYTES_MAX = 4096;

export interface CommitRecordOptions {
  chainId: string;
  genesisHash: string;
  /** The node key (public, hex). */
  nodeKey: string;
  sign(message: Uint8Array): string;
  verify(publicKey: string, message: Uint8Array, signature: string): boolean;
}

interface RecordJson extends CommittedHeight {
  v: 1;
  chainId: string;
  genesisHash: string;
  nodeKey: string;
  sig: string;
}

export function createCommitRecordFile(path: string, options: CommitRecordOptions): CommitRecordFile {
  const signed = (committed: CommittedHeight): Omit<RecordJson, 'sig'> => ({
    v: 1,
    chainId: options.chainId,
    genesisHash: options.genesisHash,
    nodeKey: options.nodeKey,
    height: committed.height,
    blockHash: committed.blockHash,
  });
  const refuse = (why: string): Error => new Error(`the commit record ${path} ${why}; it is not this node's record of what it committed (spec/storage.md §8)`);

  return {
    path,
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new Error(`cannot read the commit record ${path}: ${(e as Error).message}`, { cause: e });
      }
      if (text.length > RECORD_BYTES_MAX) throw refuse(`is larger than ${RECORD_BYTES_MAX} bytes`);
      let value: Partial<RecordJson>;
      try {
        value = JSON.parse(text) as Partial<RecordJson>;
      } catch {
        throw refuse('is not JSON');
      }
      if (value.v !== 1 || !Number.isSafeInteger(value.height) || (value.height as number) < 1 || typeof value.blockHash !== 'string' || typeof value.sig !== 'string') {
        throw refuse('is malformed');
      }
      if (value.genesisHash !== options.genesisHash || value.chainId !== options.chainId) throw refuse('belongs to another chain');
      if (!isHex(value.nodeKey, 32) || !isHex(value.sig, 64)) throw refuse('is malformed');
      const committed = { height: value.height as number, blockHash: value.blockHash };
      // Verified with the key it names: one written before this directory's node key was rotated still holds.
      if (!options.verify(value.nodeKey, canonicalBytes({ ...signed(committed), nodeKey: value.nodeKey }), value.sig)) throw refuse('does not carry a valid signature of the node key it names');
      return committed;
    },
    async save(committed) {
      const body = signed(committed);
      const record: RecordJson = { ...body, sig: options.sign(canonicalBytes(body)) };
      await replaceFile(path, JSON.stringify(record) + '\n');
    },
  };
}
