/** Error codes of consortium governance (spec/services/gov.md). */
import { defineErrors, type DetailsOf } from '../../ledger/errors.js';

export const GOV_ERRORS = defineErrors({
  GOV_PROPOSAL_UNKNOWN: { status: 404, arises: '`gov.vote`; `GET /v1/gov/proposals/{id}`; `before` of `GET /v1/gov/proposals`', meaning: 'no such proposal' },
  GOV_PROPOSAL_CLOSED: { status: 409, arises: '`gov.vote`', meaning: 'the proposal executed, failed or was rejected' },
  GOV_PROPOSAL_EXPIRED: { status: 409, arises: '`gov.vote`', meaning: 'its voting period ended: this block’s time is past its deadline (`expiresAtMs`); it expired without effect' },
  GOV_ALREADY_VOTED: { status: 409, arises: '`gov.vote`', meaning: "this admin voted already, or its organisation's vote is decided" },
  GOV_OPEN_LIMIT: {
    status: 409,
    arises: '`gov.propose`',
    meaning: "the proposer's organisation has as many open proposals as one may (16); one must execute, be rejected or expire first",
  },
  GOV_INVALID: {
    status: 400,
    arises: '`gov.propose`',
    meaning: 'the change cannot be made (unknown module, a key no organisation runs, the last organisation, a share above 1, …)',
  },
});

declare module '../../ledger/errors.js' {
  interface ErrorRegistry extends DetailsOf<typeof GOV_ERRORS> {}
}
