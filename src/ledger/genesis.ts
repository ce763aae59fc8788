/**
 * Genesis: the document every node and every offline verifier starts from.
 * It fixes the chain id, the first validator set and the consensus
 * parameters. Its hash (SHA-256 over canonical JSON) is the `prevHash` of
 * block 1, so a receipt verified against a genesis cannot come from another
 * chain. See spec/blocks.md.
 */
import { canonicalHash } from '../crypto/canonical-json.js';
import { isHex, toHex } from '../crypto/bytes.js';
import { CHAIN_ID_RE } from './transaction.js';
import { PolityError } from './errors.js';
import { isKnownRulesVersion, RULES_VERSION_CURRENT, RULES_VERSION_FIRST } from './rules-version.js';

export interface Validator {
  /** Display name of the operating organisation. */
  name: string;
  /** Ed25519 public key, 32 bytes hex. */
  pubKey: string;
  power: number;
}

export interface ChainParams {
  /** Most transactions a block may hold. */
  blockTxsMax: number;
  /** Most canonical-JSON bytes of transactions a block may hold. */
  blockBytesMax: number;
  /** Most hashes one notary aggregation batch may anchor. */
  notaryBatchHashesMax: number;
  /**
   * BFT timeouts (spec/consensus.md §6): a profile's defaults ("lan", the
   * default, or "wan") with overrides. Absent from older genesis files, which
   * keep their hash: absent means the "lan" profile.
   */
  consensusTimeouts?: ConsensusTimeoutsParam;
  /**
   * BFT: an idle chain cuts no block; with a heartbeat it cuts an empty one
   * this many ms after the last, so that block time keeps moving. 0 or absent: off.
   */
  heartbeatMs?: number;
  /**
   * The transition rules the chain starts under (ledger/rules-version.ts); absent = 1, release
   * 0.1.0's rules. Optional so that genesis files written before keep their hash.
   */
  rulesVersion?: number;
}

/** The timeouts a genesis may set; each override replaces the profile's value. */
export interface ConsensusTimeoutsParam {
  profile?: 'lan' | 'wan';
  proposeMs?: number;
  proposeDeltaMs?: number;
  prevoteMs?: number;
  prevoteDeltaMs?: number;
  precommitMs?: number;
  precommitDeltaMs?: number;
  commitMs?: number;
}

/** Bounds of the genesis timeouts, ms: [least, most]. A propose timeout of 0 would never wait for a proposal. */
export const CONSENSUS_TIMEOUT_BOUNDS_MS: Record<Exclude<keyof ConsensusTimeoutsParam, 'profile'>, readonly [number, number]> = {
  proposeMs: [1, 600_000],
  proposeDeltaMs: [0, 600_000],
  prevoteMs: [1, 600_000],
  prevoteDeltaMs: [0, 600_000],
  precommitMs: [1, 600_000],
  precommitDeltaMs: [0, 600_000],
  commitMs: [0, 60_000],
};
/** Heartbeat bounds when on, ms: at least a second (it is a floor on idle block spacing), at most a day. */
export const HEARTBEAT_MS_MIN = 1_000;
export const HEARTBEAT_MS_MAX = 86_400_000;

/** A member organisation as genesis lists it (spec/identity.md §2). */
export interface GenesisOrganisation {
  /** Stable id: lowercase letters, digits and dashes. */
  id: string;
  name: string;
  /** Ed25519 keys (hex) of its admins. */
  admins: string[];
  /** Admin approvals an action of the organisation needs (m of n). */
  threshold: number;
  /** Node keys it runs; a validator's key must be listed by its organisation. */
  nodes: string[];
  /** Modules its officials may act in (default: every module). */
  permissions?: string[];
}

/** How the consortium decides (spec/identity.md §5). */
export interface GovernanceParams {
  /** A proposal executes once approving organisations / active organisations >= numerator / denominator. */
  approvalNumerator: number;
  approvalDenominator: number;
  /** Blocks a proposal stays open when its proposer sets no shorter time. */
  votingBlocks: number;
}

export const DEFAULT_GOVERNANCE: GovernanceParams = { approvalNumerator: 2, approvalDenominator: 3, votingBlocks: 10_000 };

export interface Genesis {
  v: 1;
  chainId: string;
  /** Milliseconds since the Unix epoch; block 1's time is later than this. */
  genesisTime: number;
  validators: Validator[];
  params: ChainParams;
  /** Member organisations (absent on chains made before membership; then no one holds a role). */
  organisations?: GenesisOrganisation[];
  governance?: GovernanceParams;
}

export const DEFAULT_PARAMS: ChainParams = {
  blockTxsMax: 20_000,
  blockBytesMax: 16 * 1024 * 1024,
  notaryBatchHashesMax: 4_000_000,
};

export function genesisHash(genesis: Genesis): string {
  return toHex(canonicalHash(genesis));
}

/** Hash of a validator set, as committed in every block header. */
export function validatorSetHash(validators: readonly Validator[]): string {
  return toHex(canonicalHash(validators.map((v) => ({ pubKey: v.pubKey, power: v.power }))));
}

export function totalPower(validators: readonly Validator[]): number {
  return validators.reduce((sum, v) => sum + v.power, 0);
}

const GENESIS_KEYS = new Set(['v', 'chainId', 'genesisTime', 'validators', 'params', 'organisations', 'governance']);
/** Bound on total voting power so that quorum arithmetic (signed * 3 > total * 2) stays exact in doubles. */
export const TOTAL_POWER_MAX = 2 ** 50;

/** Validate an untrusted genesis document; throws `PolityError('BAD_REQUEST')` saying what is wrong. */
export function parseGenesis(value: unknown): Genesis {
  const bad = (message: string): never => {
    throw new PolityError('BAD_REQUEST', `genesis: ${message}`);
  };
  if (typeof value !== 'object' || value === null) return bad('expected an object');
  const g = value as Record<string, unknown>;
  for (const key of Object.keys(g)) if (!GENESIS_KEYS.has(key)) bad(`unexpected member ${JSON.stringify(key.slice(0, 40))}`);
  if (g.v !== 1) bad('v: expected 1');
  if (typeof g.chainId !== 'string' || !CHAIN_ID_RE.test(g.chainId)) bad('chainId: expected lowercase letters, digits and dashes');
  if (!Number.isSafeInteger(g.genesisTime) || (g.genesisTime as number) < 0) bad('genesisTime: expected milliseconds since the epoch');
  const listError = validatorListError(g.validators);
  if (listError) bad(`validators${listError}`);
  const p = g.params as Record<string, unknown>;
  if (typeof p !== 'object' || p === null) bad('params: expected an object');
  for (const key of Object.keys(DEFAULT_PARAMS) as (keyof ChainParams)[]) {
    if (!Number.isSafeInteger(p[key]) || (p[key] as number) < 1) bad(`params.${key}: expected a positive integer`);
  }
  if (p.consensusTimeouts !== undefined) {
    const t = p.consensusTimeouts as Record<string, unknown>;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) bad('params.consensusTimeouts: expected an object');
    for (const key of Object.keys(t)) {
      if (key !== 'profile' && !(key in CONSENSUS_TIMEOUT_BOUNDS_MS)) bad(`params.consensusTimeouts: unexpected member ${JSON.stringify(key.slice(0, 40))}`);
    }
    if (t.profile !== undefined && t.profile !== 'lan' && t.profile !== 'wan') bad('params.consensusTimeouts.profile: expected "lan" or "wan"');
    for (const [key, [least, most]] of Object.entries(CONSENSUS_TIMEOUT_BOUNDS_MS)) {
      const v = t[key];
      if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < least || (v as number) > most)) bad(`params.consensusTimeouts.${key}: expected an integer from ${least} to ${most} (ms)`);
    }
  }
  if (p.heartbeatMs !== undefined) {
    const v = p.heartbeatMs;
    if (!Number.isSafeInteger(v) || (v !== 0 && ((v as number) < HEARTBEAT_MS_MIN || (v as number) > HEARTBEAT_MS_MAX))) {
      bad(`params.heartbeatMs: expected 0 (off) or an integer from ${HEARTBEAT_MS_MIN} to ${HEARTBEAT_MS_MAX} (ms)`);
    }
  }
  if (p.rulesVersion !== undefined && !isKnownRulesVersion(p.rulesVersion)) bad(`params.rulesVersion: expected ${RULES_VERSION_FIRST} to ${RULES_VERSION_CURRENT} (a newer version needs a newer release)`);
  if (g.organisations !== undefined && (!Array.isArray(g.organisations) || g.organisations.some((o) => typeof o !== 'object' || o === null))) {
    bad('organisations: expected a list of objects');
  }
  if (g.governance !== undefined) {
    const gov = g.governance as Record<string, unknown>;
    if (typeof gov !== 'object' || gov === null) bad('governance: expected an object');
    for (const key of Object.keys(gov)) if (!(key in DEFAULT_GOVERNANCE)) bad(`governance: unexpected member ${JSON.stringify(key.slice(0, 40))}`);
    for (const key of Object.keys(DEFAULT_GOVERNANCE)) if (!Number.isSafeInteger(gov[key]) || (gov[key] as number) < 1) bad(`governance.${key}: expected a positive integer`);
    if ((gov.approvalNumerator as number) > (gov.approvalDenominator as number)) bad('governance: the approval share cannot exceed 1 (numerator <= denominator)');
  }
  return value as Genesis;
}

/**
 * What is wrong with an untrusted validator list, as a suffix to its name
 * (`[2].pubKey: listed twice`, `: expected at least one`), or undefined.
 */
export function validatorListError(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return ': expected at least one';
  const seen = new Set<string>();
  let power = 0;
  for (const [i, v] of value.entries()) {
    const val = v as Record<string, unknown>;
    if (typeof val !== 'object' || val === null) return `[${i}]: expected an object`;
    if (typeof val.name !== 'string' || val.name.length === 0 || val.name.length > 128) return `[${i}].name: expected 1-128 characters`;
    if (!isHex(val.pubKey, 32)) return `[${i}].pubKey: expected a 32-byte key in hex`;
    if (!Number.isSafeInteger(val.power) || (val.power as number) < 1) return `[${i}].power: expected a positive integer`;
    if (seen.has(val.pubKey as string)) return `[${i}].pubKey: listed twice`;
    power += val.power as number;
    seen.add(val.pubKey as string);
  }
  if (power > TOTAL_POWER_MAX) return `: total voting power ${power} exceeds ${TOTAL_POWER_MAX}`;
  return undefined;
}
