/**
 * Following the validator set from genesis to a block, with no server.
 *
 * The chain changes its own validator set (spec/consensus.md §9). The last
 * block a set signs carries `nextValidatorSetHash`, the hash of the set that
 * signs the block after it; that header is certified by the outgoing set. A
 * *handover* is that header, its commit certificate and the incoming set's
 * list. Starting from the genesis set, a verifier checks each handover in
 * order:
 *
 *   header.height == since - 1
 *   header.validatorSetHash == hash(current set)       (the outgoing set signed it)
 *   certificate names blockHash(header), signed by > 2/3 of the current set
 *   header.nextValidatorSetHash == hash(listed set)   (the listed set is the one handed to)
 *
 * and the listed set becomes current. A block at height h is then checked
 * against the set reached after every handover with since <= h. Leaving a
 * handover out makes the block's `validatorSetHash` disagree with the set
 * reached, so a history with a gap is refused.
 *
 * What this cannot do alone: tell a verifier that a *later* handover exists.
 * A set that was retired and whose keys later leaked could certify a forged
 * block at a height past its retirement; a verifier who holds any later
 * handover (or the current set, from a node it trusts) refuses it. See
 * spec/blocks.md §"Validator-set handovers".
 *
 * Pure: hash comparisons here; the signatures still to check are returned, so
 * Node and the browser each verify them their own way.
 */
import { blockHash, type BlockHeader, type CommitCertificate } from './block.js';
import { validatorListError, validatorSetHash, type Validator } from './genesis.js';

export interface SetHandover {
  /** First height the incoming set signs. */
  since: number;
  /** The incoming set. */
  validators: Validator[];
  /** Header of block since - 1, the last the outgoing set signed. */
  header: BlockHeader;
  /** Its commit certificate. */
  certificate: CommitCertificate;
}

/**
 * A certificate still to check: its signatures must all verify, by members of
 * `validators` holding more than two thirds of its power (`certificateChecks`
 * in block.ts prepares them).
 */
export interface CertificateToCheck {
  height: number;
  blockHash: string;
  certificate: CommitCertificate;
  validators: readonly Validator[];
}

/** Most handovers a verifier follows in one history (bounds the work of one receipt). */
export const HANDOVERS_MAX = 10_000;

const setHashes = new WeakMap<readonly Validator[], string>();
/** validatorSetHash, computed once per list object (verifiers meet the same sets often). */
export function setHashOf(validators: readonly Validator[]): string {
  let h = setHashes.get(validators);
  if (h === undefined) {
    h = validatorSetHash(validators);
    setHashes.set(validators, h);
  }
  return h;
}

export type SetFollowing =
  | { ok: true; validators: readonly Validator[]; since: number; handovers: CertificateToCheck[] }
  | { ok: false; reason: string };

/**
 * The validator set in force at `height`, reached from `genesisValidators`
 * through `handovers` (untrusted). Handovers after `height` are ignored.
 * Never throws.
 */
export function followSets(chainId: string, genesisValidators: readonly Validator[], handovers: unknown, height: number, hashOf: (header: BlockHeader) => string = blockHash): SetFollowing {
  try {
    return followUnsafe(chainId, genesisValidators, handovers, height, hashOf);
  } catch (e) {
    return { ok: false, reason: `malformed validator-set history (${(e as Error).message})` };
  }
}

/** `hashOf` is blockHash, or a verifier's cached form of it (receipts share their handovers). */
function followUnsafe(chainId: string, genesisValidators: readonly Validator[], handovers: unknown, height: number, hashOf: (header: BlockHeader) => string): SetFollowing {
  const fail = (reason: string): SetFollowing => ({ ok: false, reason: `validator-set history: ${reason}` });
  if (handovers === undefined) return { ok: true, validators: genesisValidators, since: 1, handovers: [] };
  if (!Array.isArray(handovers)) return fail('expected a list of handovers');
  if (handovers.length > HANDOVERS_MAX) return fail(`more than ${HANDOVERS_MAX} handovers`);
  let current: readonly Validator[] = genesisValidators;
  let since = 1;
  const certificates: CertificateToCheck[] = [];
  for (const [i, raw] of (handovers as unknown[]).entries()) {
    const at = `handover ${i + 1}`;
    const ho = raw as SetHandover;
    if (typeof ho !== 'object' || ho === null) return fail(`${at}: expected an object`);
    if (!Number.isSafeInteger(ho.since) || ho.since <= since) return fail(`${at}: heights must increase from 2`);
    if (ho.since > height) break;
    const listError = validatorListError(ho.validators);
    if (listError) return fail(`${at}: validators${listError}`);
    const h = ho.header;
    const c = ho.certificate;
    if (typeof h !== 'object' || h === null || h.chainId !== chainId || h.height !== ho.since - 1) return fail(`${at}: expected the header of block ${ho.since - 1} of this chain`);
    if (h.validatorSetHash !== setHashOf(current)) return fail(`${at}: block ${h.height} was not signed by the set the history had reached (a handover is missing or out of order)`);
    if (h.nextValidatorSetHash !== setHashOf(ho.validators)) return fail(`${at}: block ${h.height} does not hand over to the listed set`);
    if (typeof c !== 'object' || c === null) return fail(`${at}: the commit certificate is missing`);
    const hash = hashOf(h);
    if (c.blockHash !== hash || c.height !== h.height) return fail(`${at}: the commit certificate is not for this header`);
    certificates.push({ height: h.height, blockHash: hash, certificate: c, validators: current });
    current = ho.validators;
    since = ho.since;
  }
  return { ok: true, validators: current, since, handovers: certificates };
}
