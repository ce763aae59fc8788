/**
 * Chain state: what a node has committed, in memory and in its store.
 *
 * At start-up it rebuilds the committed view from the store — the state
 * map, the authenticated state tree (whose root must equal the head's),
 * the history log from the head's frontier, and the last block — and from
 * then on it is the one place a block is committed: durably first (one
 * atomic store write with the block's attachments), then the in-memory view.
 * A crash between the two loses only memory (spec/storage.md §3).
 *
 * It also refuses to start on a store it cannot trust (spec/storage.md §8):
 * - below the commit record (a cut or deleted log, an emptied `chain/`):
 *   started there, the node would build a second block at a height it
 *   committed. A BFT node may start on an *empty* store below its record
 *   (the operator deleted `chain/` to resync from peers); the record's block
 *   must then come back with the same hash;
 * - with blocks that do not link (each block's hash is its successor's
 *   `prevHash`, the head names the last block: checked over the headers,
 *   not the bodies), a head block whose body cannot be read back, or a
 *   store LevelDB cannot open;
 * - with a state whose root is not the head's.
 * Each refusal says what is damaged, where, and how to recover.
 *
 * It answers every read of committed data: state with proofs, blocks,
 * results, where a transaction is, the validator set of a height (from the
 * schedule in its own committed state, runtime/validator-schedule.ts), the
 * handovers a verifier needs to follow the set, and history proofs.
 *
 * It knows no consensus and no network: the consensus host commits through
 * it, service hosts and the API read through it, and the simulator runs it
 * over an in-memory store.
 */
import { fromHex, toHex, utf8Encode } from '../crypto/bytes.js';
import type { Json } from '../crypto/canonical-json.js';
import { leafHash } from '../crypto/merkle.js';
import type { Block, BlockHeader, CommitCertificate, TxResult } from '../ledger/block.js';
import { assert, PolityError } from '../ledger/errors.js';
import { genesisHash, type Genesis, type Validator } from '../ledger/genesis.js';
import { createHistoryLog, historyConsistencyProof, historyInclusionProof } from '../ledger/history-log.js';
import type { SetHandover } from '../ledger/set-history.js';
import { buildStateTree, proveState, stateRoot, stateTreeSize, type StateProof, type StateTree } from '../ledger/state-tree.js';
import type { DecodedTx } from '../ledger/transaction.js';
import type { BuiltBlock, ChainContext, ChainHead } from '../runtime/chain-core.js';
import { nextNonce } from '../runtime/executor.js';
import { genesisState } from '../runtime/membership.js';
import { rulesVersionAt } from '../runtime/rules.js';
import type { ModuleRegistry } from '../runtime/registry.js';
import { SETS_KEY, validatorSetAt, type ScheduledSet } from '../runtime/validator-schedule.js';
import { blockHash as hashOfHeader } from '../ledger/block.js';
import type { Attachment, ChainStore, CommitRecordFile, CommittedHeight, Head, SignedHeader, TxLocation } from '../storage/interface.js';
import type { Logger } from './log.js';

export interface ValidatorSetAt {
  validators: readonly Validator[];
  /** The height from which this set is in force. */
  since: number;
}

export interface StateRead {
  key: string;
  value: Json | null;
  height: number;
  stateRoot: string;
  proof?: StateProof;
  header?: BlockHeader;
  certificate?: CommitCertificate;
}

/** A block as it was committed, for whoever follows commits. */
export interface CommittedBlock {
  height: number;
  hash: string;
  block: Block;
  results: readonly TxResult[];
  txs: readonly DecodedTx[];
  /** The state writes of the block; null deletes. */
  changes: ReadonlyMap<string, Json | null>;
}

/** What service hosts and the API may read of the committed chain. */
export interface ChainReads {
  readonly chainId: string;
  readonly genesisHash: string;
  readonly height: number;
  /** A committed state value; before block 1, the genesis state block 1 will write. */
  getState(key: string): Json | undefined;
  /** Every committed state key with this prefix, in key order (a scan of the whole state: for start-up, not per request). */
  stateKeys(prefix: string): string[];
  nextNonce(signer: string): number;
  getBlock(height: number): Promise<Block | undefined>;
  getBlockByHash(hash: string): Promise<Block | undefined>;
  /**
   * A block's header and certificate without its body (lists of blocks,
   * history proofs, handovers). A block stored before headers were kept
   * apart is read whole, once per call: data directories are not migrated
   * at start, which would read every body of a long chain before serving.
   */
  getSignedHeader(height: number): Promise<SignedHeader | undefined>;
  getResults(height: number): Promise<TxResult[] | undefined>;
  txLocation(txId: string): Promise<TxLocation | undefined>;
  /** The validator set in force at a height up to head + 2, and the height it took effect. */
  validatorSetAt(height: number): ValidatorSetAt;
  /**
   * The validator-set handovers committed up to `height` (default: the head),
   * oldest first: what a verifier needs to follow the set from genesis
   * (ledger/set-history.ts).
   */
  setHandovers(height?: number): Promise<SetHandover[]>;
  lastHeader(): BlockHeader | undefined;
  lastCertificate(): CommitCertificate | undefined;
}

export interface ChainState extends ChainReads {
  readonly genesis: Genesis;
  /** The height the commit record held at start (0 without one): what this node had committed before. */
  readonly committedAtStart: number;
  /** What block building and checking need (chain-core.ts). */
  readonly context: ChainContext;
  /** The committed head as block building sees it. */
  head(): ChainHead;
  readState(key: string, withProof: boolean): StateRead;
  stateRoot(): string;
  /** The rules version the next block runs under (runtime/rules.ts): what admission checks against. */
  rulesVersion(): number;
  stateKeyCount(): number;
  /** Where a transaction committed, with its result. */
  committedTx(txId: string): Promise<{ height: number; index: number; result: TxResult } | undefined>;
  attachment(txId: string): Promise<Uint8Array | undefined>;
  historyInclusion(height: number, headHeight: number): Promise<{ leafIndex: number; treeSize: number; path: string[] }>;
  historyConsistency(fromHeight: number, toHeight: number): Promise<{ fromSize: number; toSize: number; path: string[] }>;
  /**
   * Commit `built` (the block after the head) with its certificate: stored
   * durably with `attachments`, then applied to the in-memory view, then
   * told to every commit listener.
   */
  commit(built: BuiltBlock, certificate: CommitCertificate, attachments: readonly Attachment[]): Promise<CommittedBlock>;
  /** Follow commits; returns the function that stops following. */
  onCommit(listener: (committed: CommittedBlock) => void): () => void;
  close(): Promise<void>;
}

export interface ChainStateOptions {
  /** Opened here, closed by `close`. */
  store: ChainStore;
  genesis: Genesis;
  registry: ModuleRegistry;
  log: Logger;
  /** The commit record (`<data>/commit-record.json`), updated after every commit; none in the simulator. */
  commitRecord?: CommitRecordFile;
  /**
   * BFT: an empty store below the commit record is a resync from peers
   * (allowed), not damage. A one-validator chain has no peers: refused.
   */
  resync?: boolean;
}

/** How to recover a damaged store, for the refusal messages (spec/storage.md §8). */
export function recoveryAdvice(storePath: string, resync: boolean): string {
  const data = storePath.replace(/[/\\]chain$/, '');
  return resync
    ? `To recover: start the node without --no-repair: it moves ${storePath} aside (to ${storePath}.damaged-<UTC time>, kept for inspection), keeps consensus-wal, commit-record.json and node-key.json in ${data}, fetches the blocks from its peers and signs nothing until it has passed the height it committed. Or move ${storePath} aside yourself and start it; or restore ${data} from a backup.`
    : `To recover: restore ${data} from a backup (a one-validator chain has no other copy of its blocks; keep node-key.json), then start the node again.`;
}

const damaged = (message: string, storePath: string, resync: boolean): PolityError =>
  new PolityError('STORE_CORRUPT', `${message}. ${recoveryAdvice(storePath, resync)}`);

export async function createChainState(options: ChainStateOptions): Promise<ChainState> {
  const { store, genesis, registry, log } = options;
  const gHash = genesisHash(genesis);
  const initialState = genesisState(genesis, registry.modules.map((m) => m.name));
  const resync = options.resync ?? false;
  try {
    await store.open(gHash);
  } catch (e) {
    // LevelDB's damage, with the way back; anything else (a lock, another chain) as it is.
    throw e instanceof PolityError && e.code === 'STORE_CORRUPT' ? damaged(e.message, store.path, resync) : e;
  }
  let recorded: CommittedHeight | undefined;
  let view: Awaited<ReturnType<typeof loadView>>;
  try {
    recorded = await options.commitRecord?.load();
    view = await loadView(recorded);
  } catch (e) {
    await store.close();
    throw e instanceof PolityError && e.code === 'STORE_CORRUPT' && !e.message.includes('To recover:') ? damaged(e.message, store.path, resync) : e;
  }
  const state = view.state;
  let tree: StateTree = view.tree;
  let head: Head | undefined = view.head;
  let lastBlock: Block | undefined = view.lastBlock;
  const history = createHistoryLog(head ? { size: head.history.size, frontier: head.history.frontier.map((h) => fromHex(h, 32)) } : { size: 0, frontier: [] });
  // A store older than the record (a node that ran before the record existed) starts it now.
  if (head && options.commitRecord && (!recorded || recorded.height < head.height)) await options.commitRecord.save({ height: head.height, blockHash: head.blockHash });
  const committedAtStart = recorded?.height ?? 0;
  let recordedHeight = Math.max(committedAtStart, head?.height ?? 0);

  /** The committed view, rebuilt from the store and checked against the commit record and itself. */
  async function loadView(record: CommittedHeight | undefined): Promise<{ state: Map<string, Json>; tree: StateTree; head: Head | undefined; lastBlock: Block | undefined }> {
    const head = await store.loadHead();
    const stored = head?.height ?? 0;
    if (record && stored < record.height) {
      const where = options.commitRecord!.path;
      if (!(resync && head === undefined)) {
        throw damaged(
          `the chain store ${store.path} is damaged: it holds ${head ? `blocks up to height ${stored}` : 'no blocks'}, but this node committed block ${record.height} (${where}); started on it, the node would build a second, different block at a height it already committed`,
          store.path,
          resync,
        );
      }
      log.warn('store.resync', { committedHeight: record.height, path: store.path });
    }
    if (record && head && stored >= record.height) {
      const signed = (await store.getSignedHeader(record.height)) ?? (await store.getBlock(record.height));
      const hash = signed ? hashOfHeader(signed.header) : undefined;
      if (hash !== record.blockHash) {
        throw damaged(`the chain store ${store.path} is damaged: its block ${record.height} is ${hash ? hash.slice(0, 16) + '…' : 'missing'}, but this node committed ${record.blockHash.slice(0, 16)}… there (${options.commitRecord!.path})`, store.path, resync);
      }
    }
    await checkLinks(head);
    const state = new Map<string, Json>();
    const entries: { key: Uint8Array; value: Uint8Array }[] = [];
    for await (const [key, text] of store.loadState()) {
      state.set(key, JSON.parse(text) as Json);
      entries.push({ key: utf8Encode(key), value: utf8Encode(text) });
    }
    const tree = buildStateTree(entries);
    entries.length = 0;
    if (head) {
      const root = toHex(stateRoot(tree));
      if (root !== head.stateRoot) {
        throw damaged(`the chain store ${store.path} is damaged: the state it holds has root ${root.slice(0, 16)}…, but its head block ${head.height} says ${head.stateRoot.slice(0, 16)}…`, store.path, resync);
      }
    }
    const lastBlock = head ? await store.getBlock(head.height) : undefined;
    // The last body read back whole: the block the next one builds on, and what a restart after a cut log loses first.
    if (head && (!lastBlock || hashOfHeader(lastBlock.header) !== head.blockHash)) {
      throw damaged(`the chain store ${store.path} is damaged: the body of its head block ${head.height} ${lastBlock ? 'is not the block its head names' : 'is missing'}`, store.path, resync);
    }
    return { state, tree, head, lastBlock };
  }

  /**
   * Every stored block's header, in one pass over the headers kept apart
   * from the bodies (`sh/`; bodies only for blocks stored before them):
   * heights 1..head without a gap, each block's hash its successor's
   * prevHash (the first's the genesis hash), each certificate for its own
   * block, and the last block the head's. The bodies, results, indexes and
   * attachments are read back by the full scan after start
   * (store-check.ts), not here: start-up cost grows with the number of
   * blocks, not with the store's size.
   */
  async function checkLinks(head: Head | undefined): Promise<void> {
    const fail = (what: string): PolityError => damaged(`the chain store ${store.path} is damaged: ${what}`, store.path, resync);
    let expected = 1;
    let prevHash = gHash;
    // Up to the head and no further (without a head, block 1 would show blocks stored without one).
    for await (const block of store.scanSignedHeaders(1, head?.height ?? 1)) {
      const height = block.header?.height;
      if (height !== expected) throw fail(height === undefined || height < expected ? `a stored block at height ${expected} is unreadable` : `block ${expected} is missing (the next stored block is ${height})`);
      if (head && height > head.height) break; // a block written past the head cannot exist: the head is in the same batch
      const hash = hashOfHeader(block.header);
      if (block.header.prevHash !== prevHash) throw fail(`block ${height} does not link to block ${height - 1} (its prevHash is not that block's hash)`);
      if (block.certificate?.blockHash !== hash) throw fail(`the certificate stored with block ${height} is for another block`);
      prevHash = hash;
      expected++;
    }
    const top = expected - 1;
    if ((head?.height ?? 0) !== top) throw fail(head ? `the head names block ${head.height}, but the stored blocks end at ${top}` : `it holds ${top} blocks but no head`);
    if (head && head.blockHash !== prevHash) throw fail(`the head names block ${head.height} ${head.blockHash.slice(0, 16)}…, but the stored block ${head.height} is ${prevHash.slice(0, 16)}…`);
  }

  const stateReader = { get: (key: string) => state.get(key) };
  /**
   * The validator set in force at a height, from the committed schedule:
   * known for head + 1 and head + 2, since a change takes effect two blocks
   * after the block that scheduled it. The same array object is returned for
   * the same set, so proposer rotation and set hashes stay cached.
   */
  let setsMemo: { source: unknown; sets: ScheduledSet[] } = { source: undefined, sets: [] };
  /** Reads of whole blocks stored before headers were kept apart: one at a time, so a list over old blocks holds one body, not a hundred. */
  let legacyReads: Promise<unknown> = Promise.resolve();
  const getSignedHeader = async (height: number): Promise<SignedHeader | undefined> => {
    const stored = await store.getSignedHeader(height);
    if (stored) return stored;
    const read = legacyReads.then(async () => {
      const block = await store.getBlock(height);
      return block && { header: block.header, certificate: block.certificate };
    });
    legacyReads = read.catch(() => undefined);
    return read;
  };

  const setAt = (height: number): ValidatorSetAt => {
    const source = state.get(SETS_KEY);
    if (source !== setsMemo.source) setsMemo = { source, sets: (source as unknown as { sets: ScheduledSet[] } | undefined)?.sets ?? [] };
    return validatorSetAt({ sets: setsMemo.sets }, genesis.validators, height);
  };
  /** Handovers already assembled, by the height the incoming set starts at (committed, so immutable). */
  const handovers = new Map<number, SetHandover>();
  const context: ChainContext = {
    chainId: genesis.chainId,
    genesisHash: gHash,
    genesisTime: genesis.genesisTime,
    params: genesis.params,
    registry,
    validatorsAt: (height) => setAt(height).validators,
    genesisState: initialState,
  };
  const listeners = new Set<(committed: CommittedBlock) => void>();
  const currentHeight = (): number => head?.height ?? 0;

  /**
   * After the block's own durable write: raise the commit record. A block
   * at or below the record comes from a resync, and the record's own height
   * must come back with the hash this node committed: another hash means
   * this node's chain and its peers' differ, which no resync may paper over.
   */
  async function recordCommit(height: number, hash: string): Promise<void> {
    if (!options.commitRecord) return;
    if (height > recordedHeight) {
      await options.commitRecord.save({ height, blockHash: hash });
      recordedHeight = height;
      return;
    }
    if (recorded && height === recorded.height && hash !== recorded.blockHash) {
      throw new Error(`block ${height} fetched from peers is ${hash.slice(0, 16)}…, but this node committed ${recorded.blockHash.slice(0, 16)}… at that height (${options.commitRecord.path}): its chain and its peers' differ; stopping`);
    }
  }

  async function commit(built: BuiltBlock, certificate: CommitCertificate, attachments: readonly Attachment[]): Promise<CommittedBlock> {
    const { body, hash } = built;
    const height = body.header.height;
    assert(height === currentHeight() + 1 && body.header.prevHash === (head?.blockHash ?? gHash), `commit of block ${height} on head ${currentHeight()}`);
    assert(certificate.blockHash === hash && certificate.height === height, `a certificate for ${certificate.height}/${certificate.blockHash.slice(0, 16)} on block ${height}/${hash.slice(0, 16)}`);
    const block: Block = { header: body.header, txs: body.txs, certificate, ...(body.lastCommit ? { lastCommit: body.lastCommit } : {}) };
    const historyNodes = history.append(leafHash(fromHex(hash, 32))).map((n) => ({ level: n.level, index: n.index, hash: toHex(n.hash) }));
    const snap = history.snapshot();
    const newHead: Head = { height, blockHash: hash, time: body.header.time, stateRoot: body.header.stateRoot, history: { size: snap.size, frontier: snap.frontier.map(toHex) } };
    await store.commitBlock({
      block,
      results: built.exec.results,
      resultsJson: `[${built.resultTexts.join(',')}]`,
      stateChanges: built.encoded,
      historyNodes,
      head: newHead,
      attachments,
    });
    await recordCommit(height, hash);
    // The block is durable: make it the node's view.
    for (const [key, value] of built.exec.changes) {
      if (value === null) state.delete(key);
      else state.set(key, value);
    }
    tree = built.tree;
    head = newHead;
    lastBlock = block;
    if (built.exec.changes.has(SETS_KEY)) log.info('consensus.validatorSetScheduled', { height });
    const committed: CommittedBlock = { height, hash, block, results: built.exec.results, txs: built.txs, changes: built.exec.changes };
    for (const listener of listeners) listener(committed);
    return committed;
  }

  return {
    genesis,
    committedAtStart,
    chainId: genesis.chainId,
    genesisHash: gHash,
    context,
    get height() {
      return currentHeight();
    },
    head: () => ({
      height: currentHeight(),
      blockHash: head?.blockHash ?? gHash,
      time: head?.time ?? genesis.genesisTime,
      state,
      tree,
      history: history.snapshot(),
    }),
    // Before block 1 the genesis state is what block 1 will write first: reads see it already.
    getState: (key) => (head ? state.get(key) : (state.get(key) ?? initialState.get(key))),
    rulesVersion: () => rulesVersionAt((key) => state.get(key), genesis.params),
    stateKeys: (prefix) => [...state.keys()].filter((k) => k.startsWith(prefix)).sort(),
    readState(key, withProof) {
      const value = state.get(key);
      const read: StateRead = { key, value: value ?? null, height: currentHeight(), stateRoot: toHex(stateRoot(tree)) };
      if (withProof) {
        read.proof = proveState(tree, utf8Encode(key));
        if (lastBlock) {
          read.header = lastBlock.header;
          read.certificate = lastBlock.certificate;
        }
      }
      return read;
    },
    stateRoot: () => toHex(stateRoot(tree)),
    stateKeyCount: () => stateTreeSize(tree),
    nextNonce: (signer) => nextNonce(stateReader, signer),
    getBlock: (height) => store.getBlock(height),
    async getBlockByHash(hash) {
      const height = await store.getHeightByHash(hash);
      return height === undefined ? undefined : store.getBlock(height);
    },
    getSignedHeader,
    getResults: (height) => store.getResults(height),
    txLocation: (txId) => store.getTxLocation(txId),
    async committedTx(txId) {
      const loc = await store.getTxLocation(txId);
      if (!loc) return undefined;
      const result = (await store.getResults(loc.height))?.[loc.index];
      assert(result, `results missing for stored transaction at ${loc.height}:${loc.index}`);
      return { ...loc, result };
    },
    attachment: (txId) => store.getAttachment(txId),
    validatorSetAt: setAt,
    async setHandovers(height) {
      const upTo = Math.min(height ?? Infinity, currentHeight() + 1);
      setAt(upTo); // refreshes the schedule from state
      const out: SetHandover[] = [];
      for (const s of setsMemo.sets) {
        if (s.since > upTo) break;
        let handover = handovers.get(s.since);
        if (!handover) {
          const signed = await getSignedHeader(s.since - 1);
          if (!signed) throw new PolityError('RECEIPT_UNAVAILABLE', `block ${s.since - 1} is not stored on this node`);
          handover = { since: s.since, validators: s.validators, header: signed.header, certificate: signed.certificate };
          handovers.set(s.since, handover);
        }
        out.push(handover);
      }
      return out;
    },
    lastHeader: () => lastBlock?.header,
    lastCertificate: () => lastBlock?.certificate,
    async historyInclusion(height, headHeight) {
      const current = currentHeight();
      if (!(height >= 1 && height < headHeight && headHeight <= current)) {
        throw new PolityError('BAD_REQUEST', `need 1 <= height < head <= ${current}; block ${height} is covered by the history root of every later block`);
      }
      const path = await historyInclusionProof({ getNode: store.getHistoryNode }, height - 1, headHeight - 1);
      return { leafIndex: height - 1, treeSize: headHeight - 1, path: path.map(toHex) };
    },
    async historyConsistency(fromHeight, toHeight) {
      const current = currentHeight();
      if (!(fromHeight >= 2 && fromHeight <= toHeight && toHeight <= current)) {
        throw new PolityError('BAD_REQUEST', `need 2 <= from <= to <= ${current}`);
      }
      const path = await historyConsistencyProof({ getNode: store.getHistoryNode }, fromHeight - 1, toHeight - 1);
      return { fromSize: fromHeight - 1, toSize: toHeight - 1, path: path.map(toHex) };
    },
    commit,
    onCommit(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async close() {
      // The store's close starts first, at once: a caller that does not wait (the simulator's crash) finds it closed.
      await Promise.all([store.close(), options.commitRecord?.close()]);
    },
  };
}
