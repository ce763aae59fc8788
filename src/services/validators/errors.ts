/** Error codes of validator-set changes (spec/services/validators.md). */
import { defineErrors, type DetailsOf } from '../../ledger/errors.js';

export const VALIDATORS_ERRORS = defineErrors({
  VALIDATORS_SOLO_CHAIN: {
    status: 409,
    arises: 'result of `validators.propose` / `approve` and a governance change of the set, on a chain at rules version 1 only (spec/operations.md §"Rules versions")',
    meaning: 'a one-validator chain at rules version 1 runs solo consensus; its set is fixed by its genesis (version 2 lets a pilot grow into a BFT network)',
  },
  VALIDATORS_INVALID_SET: { status: 409, arises: 'result of `validators.propose`; a governance change of the set', meaning: 'fewer than two validators, a key listed twice or that is no Ed25519 point, or total power over 2^50' },
  VALIDATORS_CHANGE_UNKNOWN: {
    status: 404,
    arises: 'result of `validators.approve`; `GET /v1/validators/changes/{id}`',
    meaning: "no pending change has this id (never proposed, already scheduled, or another chain's); the route also answers it for a change past its deadline",
  },
  VALIDATORS_CHANGE_EXPIRED: {
    status: 409,
    arises: 'result of `validators.approve`',
    meaning: 'the change lapsed before enough validators approved it: this block’s time is past its deadline (`expiresAtMs`, a week after it was proposed); under rules version 1, this block is past its height `expiresAt` (10,000 blocks)',
  },
  VALIDATORS_ALREADY_APPROVED: { status: 409, arises: 'result of `validators.approve`', meaning: 'the signer already approved it' },
});

declare module '../../ledger/errors.js' {
  interface ErrorRegistry extends DetailsOf<typeof VALIDATORS_ERRORS> {}
}
