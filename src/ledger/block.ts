/**
 * Blocks: a header, the transactions it orders, and the commit certificate
 * that finalises it.
 *
 * The header commits to everything a light client or an offline verifier
 * needs: the transactions (RFC 9162 root over transaction ids), their
 * results (root over canonical result JSON), the state after the block (the
 * authenticated state tree's root), the validator set, and — through
 * `historyRoot` — every earlier block: an RFC 9162 tree over the hashes of
 * blocks 1..height-1, so membership of an old block and consistency between
 * two heads each take O(log n) hashes. The block hash is SHA-256 over the
 * canonical JSON of the header.
 *
 * The commit certificate is the set of precommit signatures for the block
 * hash. A block is final when the signers hold more than two thirds of the
 * voting power of the header's validator set. Each precommit carries its
 * signer's time, from which consensus derives the next block's time.
 *
 * Pure (no node: imports): the browser's receipt verifier loads it. Signing
 * and Node-side verification live in `sign.ts`.
 *
 * See spec/blocks.md.
 */
import { canonicalBytes, canonicalHash } from '../crypto/canonical-json.js';
import { concatBytes, isHex, toHex, utf8Encode } from '../crypto/bytes.js';
import type { SignedTx } from './transaction.js';
import type { Validator } from './genesis.js';
import type { ErrorCode } from './errors.js';

export interface BlockHeader {
  v: 1;
  chainId: string;
  height: number;
  /** Milliseconds since the Unix epoch. */
  time: number;
  /** Hash of block height-1; the genesis hash for block 1. */
  prevHash: string;
  /** RFC 9162 root over the ids of the block's transactions, in order. */
  txRoot: string;
  txCount: number;
  /** RFC 9162 root over the canonical JSON of each transaction's result, in order. */
  resultsRoot: string;
  /** Root of the authenticated state after executing this block. */
  stateRoot: string;
  /** RFC 9162 root over the hashes of blocks 1..height-1 (the empty-tree root at height 1). */
  historyRoot: string;
  /** Hash of the validator set that signs this block. */
  validatorSetHash: string;
  /**
   * Only on the last block a set signs: hash of the set that signs the next
   * block. Signed by the outgoing set, it hands the chain over to the new one,
   * so a verifier can follow the set from genesis to any block
   * (spec/blocks.md §"Validator-set handovers").
   */
  nextValidatorSetHash?: string;
  /** Public key of the validator that proposed the block. */
  proposer: string;
  /**
   * BFT blocks only: hash (SHA-256 of canonical JSON) of the commit certificate of
   * block height-1 that the block carries and its time derives from (spec/consensus.md §5).
   */
  lastCommitHash?: string;
}

export interface CommitSignature {
  validator: string;
  /** The validator's clock when it precommitted, ms since the epoch. */
  time: number;
  sig: string;
}

export interface CommitCertificate {
  height: number;
  round: number;
  blockHash: string;
  signatures: CommitSignature[];
}

export interface Block {
  header: BlockHeader;
  txs: SignedTx[];
  certificate: CommitCertificate;
  /** BFT blocks only: the certificate of block height-1 named by `header.lastCommitHash`. */
  lastCommit?: CommitCertificate;
}

export interface TxEvent {
  type: string;
  [key: string]: string | number | boolean | null;
}

export interface TxResult {
  txId: string;
  code: 'OK' | ErrorCode;
  message?: string;
  events: TxEvent[];
}

export function blockHash(header: BlockHeader): string {
  return toHex(canonicalHash(header));
}

export const VOTE_SIGN_DOMAIN = utf8Encode('polity/vote/v1\u0000');

export interface Precommit {
  type: 'precommit';
  chainId: string;
  height: number;
  round: number;
  blockHash: string;
  time: number;
}

export function precommitSignBytes(vote: Precommit): Uint8Array {
  return concatBytes(VOTE_SIGN_DOMAIN, canonicalBytes(vote));
}

/**
 * The signatures a verifier must check for a certificate, each with the power
 * it carries. Splitting "what to check" from "checking it" lets the browser
 * verify them with WebCrypto while Node uses node:crypto.
 */
export function certificateChecks(
  chainId: string,
  certificate: CommitCertificate,
  validators: readonly Validator[],
): { checks: { pubKey: string; message: Uint8Array; sig: string; power: number }[]; totalPower: number; error?: string } {
  const powerOf = new Map(validators.map((v) => [v.pubKey, v.power]));
  let total = 0;
  for (const v of validators) total += v.power;
  const seen = new Set<string>();
  const checks: { pubKey: string; message: Uint8Array; sig: string; power: number }[] = [];
  // Untrusted input (a receipt, a block from a node): malformed members are an error, never an exception.
  if (typeof certificate !== 'object' || certificate === null) return { checks, totalPower: total, error: 'the certificate is not an object' };
  if (!Array.isArray(certificate.signatures)) return { checks, totalPower: total, error: 'certificate has no signature list' };
  if (!Number.isSafeInteger(certificate.height) || !Number.isSafeInteger(certificate.round) || certificate.round < 0 || !isHex(certificate.blockHash, 32)) {
    return { checks, totalPower: total, error: 'the certificate\'s height, round or block hash is malformed' };
  }
  for (const s of certificate.signatures as unknown[] as (CommitSignature | null)[]) {
    if (typeof s !== 'object' || s === null) return { checks, totalPower: total, error: 'malformed signature entry' };
    const power = powerOf.get(s.validator);
    if (power === undefined) return { checks, totalPower: total, error: `signer ${String(s.validator).slice(0, 16)}… is not in the validator set` };
    if (seen.has(s.validator)) return { checks, totalPower: total, error: 'a validator signed twice' };
    if (!isHex(s.sig, 64) || !Number.isSafeInteger(s.time)) return { checks, totalPower: total, error: 'malformed signature entry' };
    seen.add(s.validator);
    const vote: Precommit = {
      type: 'precommit',
      chainId,
      height: certificate.height,
      round: certificate.round,
      blockHash: certificate.blockHash,
      time: s.time,
    };
    checks.push({ pubKey: s.validator, message: precommitSignBytes(vote), sig: s.sig, power });
  }
  return { checks, totalPower: total };
}

/** True when `signed` is more than two thirds of `total` (integer arithmetic, no rounding). */
export function hasQuorum(signed: number, total: number): boolean {
  return signed * 3 > total * 2;
}

export function resultLeaf(result: TxResult): Uint8Array {
  return canonicalBytes(result);
}
