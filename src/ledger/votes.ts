/**
 * Consensus messages of the BFT engine — proposals and votes — their sign
 * bytes, a strict decoder for messages from peers, and evidence of
 * equivocation that anyone holding the validator set can check.
 *
 * A non-nil precommit is byte for byte the precommit of a commit certificate
 * (block.ts), so the votes a validator sends are the certificate a receipt
 * carries. Signing and verification are passed in as functions: this module
 * stays pure and runs in the browser and in the simulator alike.
 *
 * See spec/consensus.md §2 and §8.
 */
import { canonicalBytes } from '../crypto/canonical-json.js';
import { concatBytes, isHex, utf8Encode } from '../crypto/bytes.js';
import { VOTE_SIGN_DOMAIN } from './block.js';
import { CHAIN_ID_RE } from './transaction.js';
import type { Validator } from './genesis.js';

export type VoteType = 'prevote' | 'precommit';

export interface Vote {
  type: VoteType;
  chainId: string;
  height: number;
  round: number;
  /** The block voted for; null is a vote for nothing (nil). */
  blockHash: string | null;
  /** The voter's clock, ms since the epoch. */
  time: number;
  validator: string;
  sig: string;
}

export interface ProposalMessage {
  type: 'proposal';
  chainId: string;
  height: number;
  round: number;
  blockHash: string;
  /** -1, or the round in which +2/3 prevoted this block (the paper's vr). */
  polRound: number;
  proposer: string;
  sig: string;
}

export type ConsensusMessage = Vote | ProposalMessage;

export const PROPOSAL_SIGN_DOMAIN = utf8Encode('polity/proposal/v1\u0000');
/** Rounds are small integers in practice; the bound keeps arithmetic and keys sane. */
export const ROUND_MAX = 1_000_000;

export function voteSignBytes(vote: Omit<Vote, 'validator' | 'sig'>): Uint8Array {
  const { type, chainId, height, round, blockHash, time } = vote;
  return concatBytes(VOTE_SIGN_DOMAIN, canonicalBytes({ type, chainId, height, round, blockHash, time }));
}

export function proposalSignBytes(p: Omit<ProposalMessage, 'proposer' | 'sig'>): Uint8Array {
  const { type, chainId, height, round, blockHash, polRound } = p;
  return concatBytes(PROPOSAL_SIGN_DOMAIN, canonicalBytes({ type, chainId, height, round, blockHash, polRound }));
}

export function signBytesOf(m: ConsensusMessage): Uint8Array {
  return m.type === 'proposal' ? proposalSignBytes(m) : voteSignBytes(m);
}

export function signerOf(m: ConsensusMessage): string {
  return m.type === 'proposal' ? m.proposer : m.validator;
}

const VOTE_KEYS = ['type', 'chainId', 'height', 'round', 'blockHash', 'time', 'validator', 'sig'];
const PROPOSAL_KEYS = ['type', 'chainId', 'height', 'round', 'blockHash', 'polRound', 'proposer', 'sig'];

/**
 * Check the shape of an untrusted consensus message (not its signature).
 * Returns the message, typed, or a reason it is malformed. Strict: unknown
 * members are refused, so two encodings of one message cannot both be signed.
 */
export function decodeConsensusMessage(value: unknown): { message: ConsensusMessage } | { error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'expected an object' };
  const m = value as Record<string, unknown>;
  const keys = m.type === 'proposal' ? PROPOSAL_KEYS : m.type === 'prevote' || m.type === 'precommit' ? VOTE_KEYS : undefined;
  if (!keys) return { error: 'type: expected proposal, prevote or precommit' };
  for (const k of Object.keys(m)) if (!keys.includes(k)) return { error: `unexpected member ${JSON.stringify(k.slice(0, 32))}` };
  if (typeof m.chainId !== 'string' || !CHAIN_ID_RE.test(m.chainId)) return { error: 'chainId: expected a chain id' };
  if (!Number.isSafeInteger(m.height) || (m.height as number) < 1) return { error: 'height: expected a positive integer' };
  if (!Number.isSafeInteger(m.round) || (m.round as number) < 0 || (m.round as number) > ROUND_MAX) return { error: 'round: out of range' };
  if (!isHex(m.sig, 64)) return { error: 'sig: expected 64 bytes of hex' };
  if (m.type === 'proposal') {
    if (!isHex(m.blockHash, 32)) return { error: 'blockHash: expected 32 bytes of hex' };
    if (!Number.isSafeInteger(m.polRound) || (m.polRound as number) < -1 || (m.polRound as number) >= (m.round as number)) {
      return { error: 'polRound: expected -1 or an earlier round' };
    }
    if (!isHex(m.proposer, 32)) return { error: 'proposer: expected a 32-byte public key' };
  } else {
    if (m.blockHash !== null && !isHex(m.blockHash, 32)) return { error: 'blockHash: expected 32 bytes of hex or null' };
    if (!Number.isSafeInteger(m.time) || (m.time as number) < 0) return { error: 'time: expected ms since the epoch' };
    if (!isHex(m.validator, 32)) return { error: 'validator: expected a 32-byte public key' };
  }
  return { message: m as unknown as ConsensusMessage };
}

/** Two signed messages of one validator that contradict each other. */
export interface Evidence {
  first: ConsensusMessage;
  second: ConsensusMessage;
}

export type VerifyFn = (pubKey: string, message: Uint8Array, sig: string) => boolean;

/**
 * Is `evidence` proof that a validator of `validators` equivocated? Both
 * messages must be well-formed, of one type, chain, height, round and
 * signer, name different blocks, and carry valid signatures of a validator
 * in the set. Returns the reason when it is not.
 */
export function checkEvidence(evidence: unknown, chainId: string, validators: readonly Validator[], verify: VerifyFn): { ok: true; validator: string } | { ok: false; reason: string } {
  if (typeof evidence !== 'object' || evidence === null) return { ok: false, reason: 'expected {first, second}' };
  const { first, second } = evidence as Record<string, unknown>;
  const a = decodeConsensusMessage(first);
  if ('error' in a) return { ok: false, reason: `first: ${a.error}` };
  const b = decodeConsensusMessage(second);
  if ('error' in b) return { ok: false, reason: `second: ${b.error}` };
  const x = a.message;
  const y = b.message;
  if (x.type !== y.type || x.chainId !== y.chainId || x.height !== y.height || x.round !== y.round) {
    return { ok: false, reason: 'the two messages are not of the same type, chain, height and round' };
  }
  if (x.chainId !== chainId) return { ok: false, reason: 'the messages are for another chain' };
  const signer = signerOf(x);
  if (signer !== signerOf(y)) return { ok: false, reason: 'the two messages have different signers' };
  if (x.blockHash === y.blockHash) return { ok: false, reason: 'the two messages name the same block: no contradiction' };
  if (!validators.some((v) => v.pubKey === signer)) return { ok: false, reason: 'the signer is not in the validator set of that height' };
  if (!verify(signer, signBytesOf(x), x.sig)) return { ok: false, reason: 'first: bad signature' };
  if (!verify(signer, signBytesOf(y), y.sig)) return { ok: false, reason: 'second: bad signature' };
  return { ok: true, validator: signer };
}

/**
 * Power-weighted median of the times of a certificate's signatures (BFT
 * time, spec/consensus.md §5): the first time, in increasing order, at which
 * the signers' accumulated power exceeds half of all the signers' power.
 */
export function weightedMedianTime(signatures: readonly { validator: string; time: number }[], validators: readonly Validator[]): number {
  const powerOf = new Map(validators.map((v) => [v.pubKey, v.power]));
  const entries = signatures.map((s) => ({ time: s.time, power: powerOf.get(s.validator) ?? 0 })).sort((a, b) => a.time - b.time);
  const total = entries.reduce((sum, e) => sum + e.power, 0);
  let acc = 0;
  for (const e of entries) {
    acc += e.power;
    if (acc * 2 > total) return e.time;
  }
  throw new Error('invariant broken: median of a certificate without signers');
}
