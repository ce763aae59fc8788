/**
 * What a node needs from its store: the contract that the LevelDB store
 * (chain-store.ts) and the in-memory store of the simulator and tests
 * (memory-store.ts) both keep, and that `chain-store.test.ts` checks on
 * both.
 *
 * The store knows blocks, results, state entries, history nodes and opaque
 * per-transaction attachments. It does
 * not know what a service puts in an attachment: a service's host hands the
 * bytes to the node with a transaction it contributes to a block, and they
 * are written in the block's one atomic batch (spec/storage.md §3).
 *
 * The contract every implementation keeps:
 * - `commitBlock` is all or nothing, and a committed block is durable when
 *   the promise resolves; the head never names what is not stored.
 * - Reads return `undefined` for what is not stored; they never throw for it.
 *   What is stored but cannot be read back (a damaged file) throws
 *   `STORE_CORRUPT`, never a bare library error.
 * - A store opened with one genesis hash refuses another.
 *
 * Two small records live beside the store, apart from it on purpose
 * (spec/storage.md §8): the consensus write-ahead log (`ConsensusWal`, what
 * a validator signed) and the commit record (`CommitRecordFile`, the highest
 * block this node committed). Whatever happens to the block store — a cut
 * log, a deleted directory — they still say what this node has signed and
 * committed, so it can neither restart lower nor sign twice.
 */
import type { Block, BlockHeader, CommitCertificate, TxResult } from '../ledger/block.js';

export interface Head {
  height: number;
  blockHash: string;
  time: number;
  stateRoot: string;
  history: { size: number; frontier: string[] };
}

/** Bytes a service host stored with one of its transactions (e.g. the leaves of a notary aggregation batch). */
export interface Attachment {
  txId: string;
  bytes: Uint8Array;
}

export interface BlockCommit {
  block: Block;
  results: TxResult[];
  /** `results` as stored (canonical encodings, already computed for the results root). */
  resultsJson: string;
  /** State writes as canonical JSON bytes; null deletes. */
  stateChanges: ReadonlyMap<string, Uint8Array | null>;
  historyNodes: { level: number; index: number; hash: string }[];
  head: Head;
  /** Attachments of transactions of this block, written in the block's batch. */
  attachments: readonly Attachment[];
}

/**
 * A block's header and commit certificate without its transactions: what
 * lists of blocks and history proofs answer. Stored apart from the body so
 * that they read kilobytes, not a block of up to `blockBytesMax`.
 */
export interface SignedHeader {
  header: BlockHeader;
  certificate: CommitCertificate;
}

export interface TxLocation {
  height: number;
  index: number;
}

/** A consensus message this validator signed, as the write-ahead log keeps it. */
export interface WalMessage {
  type: string;
  height: number;
  round: number;
}

/** What the write-ahead log holds for one height. */
export interface WalRecord {
  /** The messages this validator signed at the height, in key order. */
  messages: unknown[];
  /** Bodies of the blocks those messages name, kept so that a lock restored after a restart has its block. */
  blocks: unknown[];
}

export interface ChainStore {
  /** Where the store lives (a directory, or a name for an in-memory store). */
  readonly path: string;
  /** Open, or re-open after `close`; refuses a store that belongs to another genesis. */
  open(genesisHash: string): Promise<void>;
  close(): Promise<void>;
  loadHead(): Promise<Head | undefined>;
  /** Every state entry (key, canonical JSON text), in key order: for building the in-memory state tree at start-up. */
  loadState(): AsyncIterable<[string, string]>;
  getBlock(height: number): Promise<Block | undefined>;
  getHeightByHash(hash: string): Promise<number | undefined>;
  /**
   * The block's header and certificate, stored with it (`commitBlock`);
   * undefined for a block committed before the store kept them (the caller
   * falls back to the body).
   */
  getSignedHeader(height: number): Promise<SignedHeader | undefined>;
  getResults(height: number): Promise<TxResult[] | undefined>;
  getTxLocation(txId: string): Promise<TxLocation | undefined>;
  getHistoryNode(level: number, index: number): Promise<Uint8Array | undefined>;
  /** The attachment stored with a committed transaction, if it had one. */
  getAttachment(txId: string): Promise<Uint8Array | undefined>;
  commitBlock(commit: BlockCommit): Promise<void>;
  /** Every stored block from `fromHeight` on, in height order (a scan of every body: not per request, not at start). */
  scanBlocks(fromHeight: number): AsyncIterable<Block>;
  /**
   * Every stored block's header and certificate from `fromHeight` to
   * `toHeight`, in height order, read from the headers kept apart (`sh/`) and from the
   * body only for a block stored before they were: the start-up link check,
   * whose cost is the headers', not the bodies'.
   */
  scanSignedHeaders(fromHeight: number, toHeight: number): AsyncIterable<SignedHeader>;
  /**
   * One step of the full readability scan (store-check.ts): hands `visit`
   * each raw entry after `afterKey` (from the first when undefined), in key
   * order, `entriesMax` at most. `next` is the key to continue after
   * (undefined at the end). When the store cannot read an entry back,
   * `damage` says why (LevelDB's reason): the scan goes on from the next
   * kind of key. A step always reads to its limit or the end, never
   * stopping early: LevelDB reports a block it could not read only when an
   * iteration ends, and otherwise skips it in silence.
   */
  scanChunk(afterKey: string | undefined, entriesMax: number, visit: (key: string, value: Uint8Array) => void): Promise<ScanChunk>;
  /**
   * A consistent copy of the whole store into a new store at `path` (a
   * backup, node/backup.ts): one iterator, so one LevelDB snapshot; every
   * block is one atomic batch, so the copy ends at a block boundary. Returns
   * the copy's head (read from the same snapshot) and how much was copied.
   * Optional: the simulator's memory store has no files to back up.
   */
  exportTo?(path: string): Promise<{ head: Head | undefined; entries: number; bytes: number }>;
}

/** What `ChainStore.scanChunk` read. */
export interface ScanChunk {
  /** The last key read, to continue after; undefined when the store has no more. */
  next: string | undefined;
  /** LevelDB's reason, when the store could not read what follows `next` (or `afterKey`). */
  damage?: string;
}

export interface WalOpened {
  /** False when there was no log (a new node, or a deleted log): it was created empty. */
  found: boolean;
  /** Heights up to this one were committed and their messages pruned when the log was last written. */
  prunedThrough: number;
  /** The highest height of a message in the log (`prunedThrough` when it holds none). */
  topHeight: number;
  /** Set when the log was unreadable past a torn last line: it was started again, empty. */
  damaged?: string;
}

/**
 * The consensus write-ahead log: what this validator signed, kept apart
 * from the block store so that deleting or losing the store does not
 * delete it (spec/consensus.md §7).
 */
export interface ConsensusWal {
  readonly path: string;
  /** Open (creating an empty log when there is none); refuses a log of another chain. */
  open(genesisHash: string): Promise<WalOpened>;
  close(): Promise<void>;
  /**
   * Durably record a consensus message this validator signed, before it is
   * sent; with the body of the block it names, when given (once per block
   * and height is enough).
   */
  putWal(message: WalMessage, block?: { hash: string; body: unknown }): Promise<void>;
  /**
   * Append several signed messages at once, durable together when it
   * resolves (one write, one sync): a proposer's proposal and its own
   * prevote, signed in the same step.
   */
  putWalMany(records: readonly { message: WalMessage; block?: { hash: string; body: unknown } }[]): Promise<void>;
  /** What the log holds for `height`. */
  loadWal(height: number): Promise<WalRecord>;
  /** Forget the log of heights up to `height` (they are committed); durable when it resolves. */
  pruneWal(height: number): Promise<void>;
}

/** The highest block a node committed, as its commit record keeps it. */
export interface CommittedHeight {
  height: number;
  blockHash: string;
}

/**
 * The commit record: the highest height (and block hash) this node
 * committed, written durably after each commit, in a file of its own
 * beside the block store (spec/storage.md §8).
 */
export interface CommitRecordFile {
  readonly path: string;
  /** The record, or undefined when there is none; refuses one of another chain or node. */
  load(): Promise<CommittedHeight | undefined>;
  /** Replace the record; durable when it resolves. */
  save(committed: CommittedHeight): Promise<void>;
  /** Close the file kept open for the records (a later `save` opens it again). */
  close(): Promise<void>;
}

/** Keys sort in height order with heights left-padded to 12 digits. */
export const padHeight = (height: number): string => height.toString().padStart(12, '0');
/** Rounds are left-padded to 6 digits in write-ahead log keys. */
export const padRound = (round: number): string => String(round).padStart(6, '0');
