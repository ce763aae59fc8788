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
 * and the validator set is tied to the verifier's genesis. This module only
 * computes and compares hashes; it returns the signatures still to check, so
 * Node (node:crypto) and the browser (WebCrypto) each check them their own
 * way (`receipt-verify.ts` for Node). Pure: the browser loads it unchanged.
 *
 * See spec/receipts.md.
 */
import { fromHex, isHex, toHex } from '../crypto/bytes.js';
import { canonicalBytes } from '../crypto/canonical-json.js';
import { leafHash, verifyInclusion } from '../crypto/merkle.js';
import { blockHash, certificateChecks, type BlockHeader, type CommitCertificate, type TxResult } from './block.js';
import { genesisHash, validatorSetHash, type Genesis, type Validator } from './genesis.js';
import { txIdBytes, type SignedTx } from './transaction.js';

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
  validators: Validator[];
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

export type ReceiptCheck =
  | { ok: false; reason: string }
  | {
      ok: true;
      facts: ReceiptFacts;
      /** Signatures that must all verify, carrying more than two thirds of `totalPower`. */
      signatures: { pubKey: string; message: Uint8Array; sig: string; power: number }[];
      totalPower: number;
    };

/**
 * Check every hash link of a receipt against a genesis. Never throws: any
 * malformed field is a failed check with the reason.
 */
/** Hashes derived from a genesis, computed once per genesis object (verifiers check many receipts). */
interface GenesisFacts {
  hash: string;
  validatorSetHash: string;
}
const genesisFacts = new WeakMap<Genesis, GenesisFacts>();
function factsOf(genesis: Genesis): GenesisFacts {
  let facts = genesisFacts.get(genesis);
  if (!facts) {
    facts = { hash: genesisHash(genesis), validatorSetHash: validatorSetHash(genesis.validators) };
    genesisFacts.set(genesis, facts);
  }
  return facts;
}

export function checkReceipt(receipt: unknown, genesis: Genesis, documentHash?: string): ReceiptCheck {
  try {
    return checkReceiptUnsafe(receipt as Receipt, genesis, documentHash);
  } catch (e) {
    return { ok: false, reason: `malformed receipt (${(e as Error).message})` };
  }
}

function fail(reason: string): ReceiptCheck {
  return { ok: false, reason };
}

function paths(list: unknown): Uint8Array[] | undefined {
  if (!Array.isArray(list) || list.length > 64) return undefined;
  if (!list.every((h) => isHex(h, 32))) return undefined;
  return list.map((h) => fromHex(h as string, 32));
}

function checkReceiptUnsafe(r: Receipt, genesis: Genesis, documentHash?: string): ReceiptCheck {
  if (typeof r !== 'object' || r === null) return fail('receipt is not a JSON object');
  if (r.type !== RECEIPT_TYPE || r.v !== 1) return fail(`not a Polity notary receipt (expected type ${RECEIPT_TYPE}, v 1)`);
  if (!isHex(r.hash, 32)) return fail('receipt.hash is not a SHA-256 hash in hex');
  if (documentHash !== undefined && documentHash !== r.hash) {
    return fail('the document does not match the receipt: its SHA-256 differs from the anchored hash (the file was changed, or this is the receipt of another file)');
  }
  if (r.chainId !== genesis.chainId) return fail(`receipt is for chain ${JSON.stringify(r.chainId)}, not ${JSON.stringify(genesis.chainId)}`);
  const g = factsOf(genesis);
  if (r.genesisHash !== g.hash) return fail('receipt names a different genesis than the one given');
  const h = r.header;
  if (typeof h !== 'object' || h === null || h.chainId !== genesis.chainId) return fail('block header is missing or for another chain');
  if (h.height === 1 && h.prevHash !== r.genesisHash) return fail('block 1 does not follow this genesis');

  // 1. Document hash -> anchored value.
  const { tx } = r;
  if (typeof tx !== 'object' || tx === null || typeof tx.body !== 'object' || tx.body === null) return fail('anchoring transaction is missing');
  if (tx.body.chainId !== genesis.chainId || tx.body.module !== 'notary') return fail('anchoring transaction is not a notary transaction of this chain');
  let mode: 'signed' | 'batch';
  if (r.batch !== undefined) {
    mode = 'batch';
    const b = r.batch;
    const path = paths(b.path);
    if (!path || !isHex(b.root, 32)) return fail('batch path is malformed');
    if (tx.body.action !== 'anchorBatch' || tx.body.args.root !== b.root || tx.body.args.count !== b.size) {
      return fail('the batch root is not what the transaction anchored');
    }
    if (!verifyInclusion(leafHash(fromHex(r.hash, 32)), b.index, b.size, path, fromHex(b.root, 32))) {
      return fail('the document hash is not in the anchored batch (batch path does not lead to the root)');
    }
  } else {
    mode = 'signed';
    if (tx.body.action !== 'anchor' || tx.body.args.hash !== r.hash) return fail('the transaction did not anchor this hash');
  }

  // 2. Transaction -> header.txRoot.
  const txPath = paths(r.txPath);
  if (!txPath) return fail('transaction path is malformed');
  const txLeaf = leafHash(txIdBytes(tx.body));
  if (!verifyInclusion(txLeaf, r.txIndex, h.txCount, txPath, fromHex(h.txRoot, 32))) {
    return fail('the anchoring transaction is not in the block (transaction path does not lead to the header)');
  }

  // 3. Result OK -> header.resultsRoot.
  const resultPath = paths(r.resultPath);
  if (!resultPath) return fail('result path is malformed');
  if (r.result.txId !== toHex(txIdBytes(tx.body))) return fail('the result is of another transaction');
  if (r.result.code !== 'OK') return fail(`the anchoring transaction failed on chain (${r.result.code})`);
  if (!verifyInclusion(leafHash(canonicalBytes(r.result)), r.txIndex, h.txCount, resultPath, fromHex(h.resultsRoot, 32))) {
    return fail('the transaction result is not in the block (result path does not lead to the header)');
  }

  // 4. Header -> certificate, signed by the genesis validator set.
  const hash = blockHash(h);
  const c = r.certificate;
  if (typeof c !== 'object' || c === null || c.blockHash !== hash || c.height !== h.height) {
    return fail('the commit certificate is not for this block header (header was altered)');
  }
  // The receipt's own validator list is informational: the verifier trusts only its genesis.
  if (h.validatorSetHash !== g.validatorSetHash) {
    return fail('the block was signed by a validator set other than the genesis set; this receipt needs a validator-set history to verify');
  }
  const { checks, totalPower, error } = certificateChecks(genesis.chainId, c, genesis.validators);
  if (error) return fail(`commit certificate: ${error}`);

  const facts: ReceiptFacts = { hash: r.hash, height: h.height, time: h.time, blockHash: hash, mode, signer: tx.body.signer };
  const meta = tx.body.args.meta;
  if (mode === 'signed' && meta && typeof meta === 'object' && !Array.isArray(meta)) facts.meta = meta as Record<string, unknown>;
  return { ok: true, facts, signatures: checks, totalPower };
}
