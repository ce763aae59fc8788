/**
 * Building and checking blocks over a chain head — the part of a node that
 * is the same on every node and must give the same answer everywhere:
 * execute the transactions, derive the header, and, for a block proposed by
 * someone else, decide whether it is valid (valid(v) of spec/consensus.md §4).
 *
 * Pure and synchronous: the node wraps it with storage and the network, the
 * simulator with its simulated disk. Signatures of transactions are checked
 * by the caller's `txVerified` (each is verified once per node; a verdict
 * may be cached), of certificates by `verify`.
 */
import { canonicalHash, canonicalJson, type Json } from '../crypto/canonical-json.js';
import { fromHex, toHex, utf8Encode } from '../crypto/bytes.js';
import { leafHash, leafHashUtf8, merkleRoot } from '../crypto/merkle.js';
import { blockHash, certificateChecks, hasQuorum, type BlockHeader, type CommitCertificate } from '../ledger/block.js';
import type { ChainParams, Validator } from '../ledger/genesis.js';
import { rulesVersionAt } from './rules.js';
import { setHashOf } from '../ledger/set-history.js';
import { createHistoryLog, type HistoryLogState } from '../ledger/history-log.js';
import { applyStateChanges, stateRoot, type StateTree } from '../ledger/state-tree.js';
import { decodeTx, type DecodedTx, type SignedTx } from '../ledger/transaction.js';
import { weightedMedianTime, type VerifyFn } from '../ledger/votes.js';
import { executeBlock, type BlockExecution } from './executor.js';
import type { ModuleRegistry } from './registry.js';

export interface ChainContext {
  chainId: string;
  genesisHash: string;
  genesisTime: number;
  params: ChainParams;
  registry: ModuleRegistry;
  /** The validator set in force at a height (known up to head + 2). */
  validatorsAt(height: number): readonly Validator[];
  /** What block 1 writes before its first transaction (membership.ts `genesisState`). */
  genesisState?: ReadonlyMap<string, Json>;
}

/** A committed chain head and the state after it. Treat as immutable except through `commitBuilt`. */
export interface ChainHead {
  height: number;
  blockHash: string;
  time: number;
  state: Map<string, Json>;
  tree: StateTree;
  history: HistoryLogState;
}

/** A block as proposed: what travels with a proposal. */
export interface BlockBody {
  header: BlockHeader;
  txs: SignedTx[];
  lastCommit?: CommitCertificate;
}

export interface BuiltBlock {
  body: BlockBody;
  hash: string;
  txs: DecodedTx[];
  exec: BlockExecution;
  tree: StateTree;
  /** The block's state writes as canonical JSON bytes (null = deleted), encoded once for tree and store. */
  encoded: Map<string, Uint8Array | null>;
  /** Each result's canonical JSON, as hashed into the results root and stored. */
  resultTexts: string[];
}

const stateReaderOf = (head: ChainHead) => ({ get: (key: string) => head.state.get(key) });

function execute(ctx: ChainContext, head: ChainHead, height: number, time: number, txs: DecodedTx[]) {
  // The rules of this block: as the state stood after the previous block (an upgrade applies from the next block).
  const rulesVersion = rulesVersionAt((key) => head.state.get(key), ctx.params);
  const exec = executeBlock(ctx.registry, stateReaderOf(head), { chainId: ctx.chainId, height, time, validators: ctx.validatorsAt(height), rulesVersion, ...(ctx.genesisState ? { initial: ctx.genesisState } : {}) }, txs);
  const changes: { key: Uint8Array; value: Uint8Array | null }[] = [];
  const encoded = new Map<string, Uint8Array | null>();
  for (const [key, value] of exec.changes) {
    const bytes = value === null ? null : utf8Encode(canonicalJson(value));
    encoded.set(key, bytes);
    changes.push({ key: utf8Encode(key), value: bytes });
  }
  const tree = applyStateChanges(head.tree, changes);
  const resultTexts = exec.results.map((r) => canonicalJson(r));
  const resultsRoot = toHex(merkleRoot(resultTexts.map(leafHashUtf8)));
  return { exec, tree, resultsRoot, stateRoot: toHex(stateRoot(tree)), encoded, resultTexts };
}

/** A block header's txRoot: RFC 9162 root over the transactions' ids, in block order. */
export function txRootOf(txs: readonly DecodedTx[]): string {
  return toHex(merkleRoot(txs.map((t) => leafHash(t.idBytes))));
}

/**
 * Why `body` is not the content its header commits to, or undefined when it
 * is: `txs` an array of `header.txCount` transactions, each decoded (`decoded`,
 * by index), whose ids hash to `header.txRoot`, and a `lastCommit` that hashes
 * to `header.lastCommitHash` (both or neither). The header names the body; a
 * copy that fails this was edited on its way (or built so by its proposer),
 * and says nothing of the block (spec/consensus.md §2.1). A header commits to
 * transactions' ids, not to their signatures: those the caller verifies.
 * `txRootChecked`: the ids were hashed against txRoot already (a compact body).
 */
export function bodyMismatch(body: BlockBody, decoded: readonly (DecodedTx | undefined)[], txRootChecked = false): string | undefined {
  const { header, txs, lastCommit } = body;
  if (!Array.isArray(txs)) return 'txs is not an array';
  if (txs.length !== header.txCount) return `${txs.length} transactions, the header counts ${header.txCount}`;
  const missing = txs.findIndex((_, i) => decoded[i] === undefined);
  if (missing >= 0) return `transaction ${missing} does not decode`;
  if (!txRootChecked && txRootOf(decoded as DecodedTx[]) !== header.txRoot) return 'the transactions do not hash to txRoot';
  let commitHash: string | undefined;
  try {
    commitHash = lastCommit === undefined ? undefined : toHex(canonicalHash(lastCommit as unknown as Json));
  } catch {
    return 'lastCommit is not canonical JSON';
  }
  if (commitHash !== header.lastCommitHash) return 'lastCommit does not hash to lastCommitHash';
  return undefined;
}

/** BFT time of the block after `head` (spec/consensus.md §5). */
export function bftTime(ctx: ChainContext, head: ChainHead, lastCommit: CommitCertificate | undefined): number {
  if (head.height === 0 || !lastCommit) return ctx.genesisTime + 1;
  const previous = ctx.validatorsAt(head.height);
  const median = weightedMedianTime(lastCommit.signatures, previous);
  // A one-validator set's certificate (a pilot's solo block) holds one time, the block's own: the block
  // after it is 1 ms later at least, as the Tendermint engine proposes (a pilot growing into a network).
  return previous.length === 1 ? Math.max(median, head.time + 1) : median;
}

/** Build the block after `head` from transactions already verified. */
export function buildBlock(
  ctx: ChainContext,
  head: ChainHead,
  args: { txs: DecodedTx[]; time: number; proposer: string; lastCommit?: CommitCertificate },
): BuiltBlock {
  const height = head.height + 1;
  const { exec, tree, resultsRoot, stateRoot: root, encoded, resultTexts } = execute(ctx, head, height, args.time, args.txs);
  // The set of height + 1 is known once height - 1 is committed (a change takes effect two blocks after it is scheduled).
  // Memoised per set object: the node and the simulator hand out one array per set, so a set is hashed once, not per block.
  const setHash = setHashOf(ctx.validatorsAt(height));
  const nextSetHash = setHashOf(ctx.validatorsAt(height + 1));
  const header: BlockHeader = {
    v: 1,
    chainId: ctx.chainId,
    height,
    time: args.time,
    prevHash: head.height === 0 ? ctx.genesisHash : head.blockHash,
    txRoot: txRootOf(args.txs),
    txCount: args.txs.length,
    resultsRoot,
    stateRoot: root,
    historyRoot: toHex(createHistoryLog(head.history).root()),
    validatorSetHash: setHash,
    ...(nextSetHash !== setHash ? { nextValidatorSetHash: nextSetHash } : {}),
    proposer: args.proposer,
    ...(args.lastCommit ? { lastCommitHash: toHex(canonicalHash(args.lastCommit)) } : {}),
  };
  const body: BlockBody = { header, txs: args.txs.map((t) => t.tx), ...(args.lastCommit ? { lastCommit: args.lastCommit } : {}) };
  return { body, hash: blockHash(header), txs: args.txs, exec, tree, encoded, resultTexts };
}

/** Check a certificate against a validator set: shape, signatures, +2/3 of the power. */
export function checkCertificate(chainId: string, certificate: CommitCertificate, validators: readonly Validator[], verify: VerifyFn): string | undefined {
  const { checks, totalPower, error } = certificateChecks(chainId, certificate, validators);
  if (error) return error;
  let signed = 0;
  for (const c of checks) {
    if (!verify(c.pubKey, c.message, c.sig)) return `bad signature from ${c.pubKey.slice(0, 16)}…`;
    signed += c.power;
  }
  return hasQuorum(signed, totalPower) ? undefined : `certificate signers hold ${signed} of ${totalPower} power`;
}

/**
 * Is `body`, proposed as the block after `head`, valid (spec/consensus.md §4)?
 * Returns the executed block, or the first reason it is not valid.
 */
export function validateBlock(
  ctx: ChainContext,
  head: ChainHead,
  body: unknown,
  txVerified: (tx: DecodedTx) => boolean,
  verify: VerifyFn,
  /** The block's transactions already decoded (by the node's intake workers), by index; others are decoded here. Each must be `decodeTx` of the same value. */
  predecoded?: readonly (DecodedTx | undefined)[],
): { ok: true; built: BuiltBlock } | { ok: false; reason: string } {
  const bad = (reason: string) => ({ ok: false as const, reason });
  if (typeof body !== 'object' || body === null) return bad('block: expected an object');
  const { header, txs, lastCommit } = body as BlockBody;
  if (typeof header !== 'object' || header === null || !Array.isArray(txs)) return bad('block: expected {header, txs}');
  const height = head.height + 1;
  if (header.height !== height) return bad(`height ${header.height}, expected ${height}`);
  if (header.chainId !== ctx.chainId) return bad('another chain');
  const set = ctx.validatorsAt(height);
  if (!set.some((v) => v.pubKey === header.proposer)) return bad('proposer is not a validator');
  if (txs.length > ctx.params.blockTxsMax) return bad('too many transactions');
  // A height whose set is one validator is decided by it alone: a pilot's solo blocks carry no
  // lastCommit and take their validator's clock (solo.ts), and stay valid when the chain has grown
  // into a BFT network and new nodes sync them (spec/consensus.md §4). Their time only increases.
  const soloBlock = set.length === 1 && lastCommit === undefined;
  // The previous block's certificate, and the time derived from it.
  if (head.height > 0 && !soloBlock) {
    if (!lastCommit) return bad('missing the certificate of the previous block');
    if (lastCommit.height !== head.height || lastCommit.blockHash !== head.blockHash) return bad('lastCommit is not for the previous block');
    const err = checkCertificate(ctx.chainId, lastCommit, ctx.validatorsAt(head.height), verify);
    if (err) return bad(`lastCommit: ${err}`);
  } else if (head.height === 0 && lastCommit !== undefined) {
    return bad('block 1 carries no lastCommit');
  }
  const time = soloBlock ? header.time : bftTime(ctx, head, lastCommit);
  if (!Number.isSafeInteger(time)) return bad('time: expected an integer');
  if (header.time !== time) return bad(`time ${header.time} is not the BFT time ${time}`);
  if (head.height > 0 && time <= head.time) return bad('time does not increase');
  const decoded: DecodedTx[] = [];
  let bytes = 0;
  for (const [i, raw] of txs.entries()) {
    let d: DecodedTx;
    const given = predecoded?.[i];
    if (given && given.tx === raw) d = given;
    else {
      try {
        d = decodeTx(raw);
      } catch (e) {
        return bad(`transaction ${i}: ${(e as Error).message}`);
      }
    }
    if (!txVerified(d)) return bad(`transaction ${i}: bad signature`);
    bytes += d.bytes;
    decoded.push(d);
  }
  if (bytes > ctx.params.blockBytesMax) return bad('too many bytes of transactions');
  const built = buildBlock(ctx, head, { txs: decoded, time, proposer: header.proposer, ...(lastCommit ? { lastCommit } : {}) });
  const expected = built.body.header;
  for (const key of ['prevHash', 'txRoot', 'txCount', 'resultsRoot', 'stateRoot', 'historyRoot', 'validatorSetHash', 'nextValidatorSetHash', 'lastCommitHash', 'v'] as const) {
    if (expected[key] !== header[key]) return bad(`header ${key} does not match the block's content`);
  }
  const extra = Object.keys(header).find((k) => !(k in expected));
  if (extra) return bad(`unexpected header member ${JSON.stringify(extra.slice(0, 32))}`);
  return { ok: true, built };
}

/** The head after committing `built` on `head`; mutates head.state in place (the caller owns it). */
export function commitBuilt(head: ChainHead, built: BuiltBlock): ChainHead {
  for (const [key, value] of built.exec.changes) {
    if (value === null) head.state.delete(key);
    else head.state.set(key, value);
  }
  const history = createHistoryLog(head.history);
  history.append(leafHash(fromHex(built.hash, 32)));
  return {
    height: built.body.header.height,
    blockHash: built.hash,
    time: built.body.header.time,
    state: head.state,
    tree: built.tree,
    history: history.snapshot(),
  };
}
