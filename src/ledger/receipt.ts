/**
 * Notary receipts: proof, checkable with no server, that a document hash was
 * anchored on the chain in a given block at a given time.
 *
 * A receipt chains four links, each a hash computation a verifier redoes:
 *
 *   document hash --(batch path, RFC 9162)--> batch root     [aggregated anchoring only]
 *   hash or root   == argument of the anchoring transaction
 *   transaction id --(tx path)--> header.txRoot
 *   result (code OK) --(result path)--> header.resultsRoot
 *   header --(hash)--> certificate.blockHash, signed by > 2/3 of the validators
 *
 * and the validator set is tied to the verifier's genesis: the genesis set,
 * or the set reached from it through the receipt's validator-set handovers
 * (`set-history.ts`) when the chain has changed its set. The anchoring
 * transaction's own signature is checked too: the transaction id covers only
 * its body, so without that check `tx.sig` would be bound to nothing, and it
 * is the offline evidence that the named signer (an official, or the node for
 * a batch) signed the anchoring.
 *
 * The receipt's shape is checked first (`receipt-shape.ts`). This module only
 * computes and compares hashes; it returns the signatures still to check, so
 * Node (node:crypto) and the browser (WebCrypto) each check them their own
 * way (`receipt-verify.ts` for Node). Pure: the browser loads it unchanged.
 *
 * See spec/receipts.md.
 */
import { equalBytes, fromHex, isHex, toHex } from '../crypto/bytes.js';
import { canonicalBytes } from '../crypto/canonical-json.js';
import { leafHash, nodeHash, verifyInclusion } from '../crypto/merkle.js';
import { blockHash, type BlockHeader, type CommitCertificate, type TxResult } from './block.js';
import { genesisHash, type Genesis, type Validator } from './genesis.js';
import { followSets, setHashOf, type CertificateToCheck, type SetHandover } from './set-history.js';
import { receiptShapeError } from './receipt-shape.js';
import { txIdBytes, txSignMessage, type SignedTx } from './transaction.js';

export const RECEIPT_TYPE = 'polity.notary.receipt';

export interface BatchPath {
  /** Root of the aggregation tree, the argument of the `anchorBatch` transaction. */
  root: string;
  /** Position of the document hash among the batch's leaves. */
  index: number;
  /** Number of leaves in the batch. */
  size: number;
  /** RFC 9162 inclusion path of the document hash in the batch tree. */
  path: string[];
}

export interface Receipt {
  type: typeof RECEIPT_TYPE;
  v: 1;
  /** SHA-256 of the document, hex. */
  hash: string;
  chainId: string;
  genesisHash: string;
  batch?: BatchPath;
  tx: SignedTx;
  txIndex: number;
  txPath: string[];
  result: TxResult;
  resultPath: string[];
  header: BlockHeader;
  certificate: CommitCertificate;
  /** The set that signed the block (informational: the verifier derives it from its genesis). */
  validators: Validator[];
  /** Present when the chain changed its set before this block: every handover from genesis to it. */
  validatorSets?: SetHandover[];
}

export interface ReceiptFacts {
  hash: string;
  height: number;
  time: number;
  blockHash: string;
  mode: 'signed' | 'batch';
  /** Public key that signed the anchoring transaction. */
  signer: string;
  meta?: Record<string, unknown>;
}

/** The anchoring transaction's signature, still to check: Ed25519 by `pubKey` (its signer) over `message`. */
export interface TxSignatureToCheck {
  txId: string;
  pubKey: string;
  message: Uint8Array;
  sig: string;
}

/**
 * Why a receipt did not verify, as a stable code a script can act on
 * (spec/receipts.md §4.1), as KSI separates a wrong document from an
 * inconclusive check:
 * - DOCUMENT_MISMATCH: the receipt is sound as far as checked, but for another document;
 * - RECEIPT_INVALID: the receipt is malformed, altered or forged;
 * - INCONCLUSIVE: it cannot be decided with what the verifier holds: the
 *   genesis given is another chain's, or a validator-set handover is missing.
 */
export type ReceiptFailureCode = 'DOCUMENT_MISMATCH' | 'RECEIPT_INVALID' | 'INCONCLUSIVE';

export type ReceiptCheck =
  | { ok: false; reason: string; code: ReceiptFailureCode }
  | {
      ok: true;
      facts: ReceiptFacts;
      /** Certificates still to check, each by its own set: the handovers from genesis, then the block's own, last. */
      certificates: CertificateToCheck[];
      /** The anchoring transaction's own signature (step 20 of spec/receipts.md §4). */
      transaction: TxSignatureToCheck;
    };

/** Why a receipt whose transaction signature does not verify is refused (Node and browser say the same). */
export const TX_SIGNATURE_REASON =
  "the anchoring transaction's signature (tx.sig) does not verify with its signer's key: the transaction was altered or its signature forged";

/**
 * What one verification session has already proven, so that verifying many
 * receipts (an auditor's bulk check) does not redo it:
 *
 * - `nodes`: for each tree (root and size), the subtree hashes at (level,
 *   index) that were shown to lead to that root, each with the sibling the
 *   proven climb used from there. Where a receipt reaches a proven position
 *   with the same hash and uses the same sibling, the next position's hash is
 *   the proven one and is not recomputed; any other sibling is hashed as a
 *   fresh verifier would. The verdict is therefore the fresh verifier's.
 * - `headers`: block hash -> the header already hashed to it; an identical
 *   header (field by field) needs no re-hashing.
 * - `placed`: "block hash:tx index" -> the transaction, result and paths
 *   already shown to sit at that index; an identical set needs no re-hashing.
 * - `certificates`: block hash -> the certificate whose signatures were
 *   checked (by the signature-checking caller); an identical certificate
 *   needs no second check.
 *
 * A cache only ever holds facts proven against the same genesis; create one
 * per genesis.
 */
/** Hashes derived from a genesis, computed once per genesis object (verifiers check many receipts). */
interface GenesisFacts {
  hash: string;
}
const genesisFacts = new WeakMap<Genesis, GenesisFacts>();
function factsOf(genesis: Genesis): GenesisFacts {
  let facts = genesisFacts.get(genesis);
  if (!facts) {
    facts = { hash: genesisHash(genesis) };
    genesisFacts.set(genesis, facts);
  }
  return facts;
}

export interface ReceiptCache {
  nodes: Map<string, Map<number, { hash: Uint8Array; sibling: string | undefined }>>;
  headers: Map<string, BlockHeader>;
  placed: Map<string, { tx: SignedTx; txId: string; result: TxResult; txPath: string[]; resultPath: string[] }>;
  certificates: Map<string, CommitCertificate>;
  /** Transaction id -> the signature shown to verify for it (by the signature-checking caller). */
  txSignatures: Map<string, string>;
  /** Validator-set handover headers already hashed, by height. */
  handoverHeaders: Map<number, { header: BlockHeader; hash: string }>;
}

export function createReceiptCache(): ReceiptCache {
  return { nodes: new Map(), headers: new Map(), placed: new Map(), certificates: new Map(), txSignatures: new Map(), handoverHeaders: new Map() };
}

/**
 * Check every hash link of a receipt against a genesis. Never throws: any
 * malformed field is a failed check with the reason.
 */
export function checkReceipt(receipt: unknown, genesis: Genesis, documentHash?: string, cache?: ReceiptCache): ReceiptCheck {
  try {
    return checkReceiptUnsafe(receipt as Receipt, genesis, documentHash, cache);
  } catch (e) {
    return { ok: false, reason: malformed(e), code: 'RECEIPT_INVALID' };
  }
}

/** The reason given when checking a receipt threw: what it threw, briefly (never the receipt's content). */
export function malformed(e: unknown): string {
  const message = e instanceof Error ? `${e.name}: ${e.message}` : typeof e;
  return `malformed receipt (${message.slice(0, 160)})`;
}

function fail(reason: string, code: ReceiptFailureCode = 'RECEIPT_INVALID'): ReceiptCheck {
  return { ok: false, reason, code };
}

function paths(list: unknown): Uint8Array[] | undefined {
  if (!Array.isArray(list) || list.length > 64) return undefined;
  if (!list.every((h) => isHex(h, 32))) return undefined;
  return list.map((h) => fromHex(h as string, 32));
}

/** Deep equality of two JSON values (cheaper than canonicalising and hashing both). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * RFC 9162 inclusion verification (section 2.1.3.2), with the session cache:
 * each intermediate hash is the root of the subtree at (level, index); when
 * that position is already proven for this tree, the climb stops there.
 */
function includedWithCache(leaf: Uint8Array, index: number, size: number, path: string[], root: string, cache: ReceiptCache | undefined): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (!Array.isArray(path) || path.length > 64 || !isHex(root, 32)) return false;
  // Every element is checked first, so a cache hit (which compares the joined text of the
  // remaining path) can never accept an element a fresh verifier would refuse.
  for (const element of path) if (!isHex(element, 32)) return false;
  if (!cache) {
    const p = paths(path);
    return p !== undefined && verifyInclusion(leaf, index, size, p, fromHex(root, 32));
  }
  const treeKey = `${root}:${size}`;
  let tree = cache.nodes.get(treeKey);
  if (!tree) {
    tree = new Map();
    cache.nodes.set(treeKey, tree);
  }
  // A position is level * 2^32 + index. A proven position keeps its hash and the sibling the
  // proven climb used from there (undefined at the root): when this receipt reaches the same
  // hash and uses the same sibling, the next position's hash is the proven one, unhashed.
  const seen: [number, Uint8Array, string | undefined][] = [];
  let fn = index;
  let sn = size - 1;
  let level = 0;
  let r = leaf;
  let step = 0;
  for (;;) {
    const position = level * 4294967296 + fn;
    const entry = tree.get(position);
    if (entry === undefined) seen.push([position, r, path[step]]);
    else if (!equalBytes(entry.hash, r)) return false;
    if (step === path.length) {
      if (sn !== 0 || (entry === undefined && toHex(r) !== root)) return false;
      if (entry !== undefined && entry.sibling !== undefined) return false;
      break;
    }
    if (sn === 0) return false;
    const sibling = path[step]!;
    const left = fn % 2 === 1 || fn === sn;
    // Climb one step: RFC 9162 section 2.1.3.2.
    if (left && fn % 2 === 0) {
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
        level++;
      }
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
    level++;
    step++;
    const next = entry !== undefined && entry.sibling === sibling ? tree.get(level * 4294967296 + fn) : undefined;
    if (next !== undefined) r = next.hash;
    else {
      const p = fromHex(sibling, 32);
      r = left ? nodeHash(p, r) : nodeHash(r, p);
    }
  }
  for (const [position, hash, sibling] of seen) tree.set(position, { hash, sibling });
  return true;
}

/** The hash of a header, from the session cache when an identical header was hashed before. */
function cachedHash(cache: ReceiptCache, header: BlockHeader): string {
  const claimed = typeof header?.height === 'number' ? cache.handoverHeaders.get(header.height) : undefined;
  if (claimed && sameJson(claimed.header, header)) return claimed.hash;
  const hash = blockHash(header);
  cache.handoverHeaders.set(header.height, { header, hash });
  return hash;
}

function checkReceiptUnsafe(r: Receipt, genesis: Genesis, documentHash: string | undefined, cache: ReceiptCache | undefined): ReceiptCheck {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return fail('receipt is not a JSON object');
  if (r.type !== RECEIPT_TYPE || r.v !== 1) return fail(`not a Polity notary receipt (expected type ${RECEIPT_TYPE}, v 1)`);
  const shapeError = receiptShapeError(r);
  if (shapeError) return fail(`malformed receipt: ${shapeError}`);
  if (!isHex(r.hash, 32)) return fail('receipt.hash is not a SHA-256 hash in hex');
  if (documentHash !== undefined && documentHash !== r.hash) {
    return fail('the document does not match the receipt: its SHA-256 differs from the anchored hash (the file was changed, or this is the receipt of another file)', 'DOCUMENT_MISMATCH');
  }
  if (r.chainId !== genesis.chainId) return fail(`receipt is for chain ${JSON.stringify(r.chainId)}, not ${JSON.stringify(genesis.chainId)}`, 'INCONCLUSIVE');
  const g = factsOf(genesis);
  if (r.genesisHash !== g.hash) return fail('receipt names a different genesis than the one given', 'INCONCLUSIVE');
  const h = r.header;
  if (typeof h !== 'object' || h === null || h.chainId !== genesis.chainId) return fail('block header is missing or for another chain');
  if (h.height === 1 && h.prevHash !== r.genesisHash) return fail('block 1 does not follow this genesis');
  const c = r.certificate;
  if (typeof c !== 'object' || c === null) return fail('the commit certificate is missing');

  // 4 first (cheap with the cache): header -> block hash named by the certificate.
  const cachedHeader = cache?.headers.get(c.blockHash);
  const hash = cachedHeader && sameJson(cachedHeader, h) ? c.blockHash : blockHash(h);
  if (c.blockHash !== hash || c.height !== h.height) {
    return fail('the commit certificate is not for this block header (header was altered)');
  }
  // The receipt's own validator list is informational: the verifier trusts only its genesis,
  // and the handovers that lead from its set to the block's.
  // Many receipts carry the same handovers: with a cache, a handover header already hashed is not hashed again.
  const sets = followSets(genesis.chainId, genesis.validators, r.validatorSets, h.height, cache ? (header) => cachedHash(cache, header) : undefined);
  if (!sets.ok) return fail(sets.reason, /a handover is missing/.test(sets.reason) ? 'INCONCLUSIVE' : 'RECEIPT_INVALID');
  if (h.validatorSetHash !== setHashOf(sets.validators)) {
    return fail(
      r.validatorSets === undefined
        ? 'the block was signed by a validator set other than the genesis set, and the receipt carries no validator-set history to follow'
        : 'the block was not signed by the validator set its validator-set history reaches',
      // No history, or one that stops short: a handover is missing, not proven false.
      'INCONCLUSIVE',
    );
  }

  // 1. Document hash -> anchored value.
  const { tx } = r;
  if (typeof tx !== 'object' || tx === null || typeof tx.body !== 'object' || tx.body === null) return fail('anchoring transaction is missing');
  if (tx.body.chainId !== genesis.chainId || tx.body.module !== 'notary') return fail('anchoring transaction is not a notary transaction of this chain');
  let mode: 'signed' | 'batch';
  if (r.batch !== undefined) {
    mode = 'batch';
    const b = r.batch;
    if (typeof b !== 'object' || b === null || !isHex(b.root, 32)) return fail('batch path is malformed');
    if (tx.body.action !== 'anchorBatch' || tx.body.args.root !== b.root || tx.body.args.count !== b.size) {
      return fail('the batch root is not what the transaction anchored');
    }
    if (!includedWithCache(leafHash(fromHex(r.hash, 32)), b.index, b.size, b.path, b.root, cache)) {
      return fail('the document hash is not in the anchored batch (batch path does not lead to the root)');
    }
  } else {
    mode = 'signed';
    if (tx.body.action !== 'anchor' || tx.body.args.hash !== r.hash) return fail('the transaction did not anchor this hash');
  }

  // 2 and 3. Transaction -> header.txRoot; its result (code OK) -> header.resultsRoot.
  if (r.result?.code !== 'OK') return fail(`the anchoring transaction failed on chain (${r.result?.code})`);
  const placeKey = `${hash}:${r.txIndex}`;
  const placed = cache?.placed.get(placeKey);
  let txId: string;
  if (placed && sameJson(placed.tx, tx) && sameJson(placed.result, r.result) && sameJson(placed.txPath, r.txPath) && sameJson(placed.resultPath, r.resultPath)) {
    txId = placed.txId;
  } else {
    const idBytes = txIdBytes(tx.body);
    txId = toHex(idBytes);
    if (!includedWithCache(leafHash(idBytes), r.txIndex, h.txCount, r.txPath, h.txRoot, cache)) {
      return fail('the anchoring transaction is not in the block (transaction path does not lead to the header)');
    }
    if (r.result.txId !== txId) return fail('the result is of another transaction');
    if (!includedWithCache(leafHash(canonicalBytes(r.result)), r.txIndex, h.txCount, r.resultPath, h.resultsRoot, cache)) {
      return fail('the transaction result is not in the block (result path does not lead to the header)');
    }
    cache?.placed.set(placeKey, { tx, txId, result: r.result, txPath: r.txPath, resultPath: r.resultPath });
  }
  if (cache && !cachedHeader) cache.headers.set(hash, h);

  const facts: ReceiptFacts = { hash: r.hash, height: h.height, time: h.time, blockHash: hash, mode, signer: tx.body.signer };
  const meta = tx.body.args.meta;
  if (mode === 'signed' && meta && typeof meta === 'object' && !Array.isArray(meta)) facts.meta = meta as Record<string, unknown>;
  return {
    ok: true,
    facts,
    certificates: [...sets.handovers, { height: h.height, blockHash: hash, certificate: c, validators: sets.validators }],
    // The signer's own signature: the evidence that the official (or, for a batch, the node) signed this anchoring.
    transaction: { txId, pubKey: tx.body.signer, message: txSignMessage(fromHex(txId, 32)), sig: tx.sig },
  };

}
