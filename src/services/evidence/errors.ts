/** Error codes of consensus evidence (spec/services/evidence.md). */
import { defineErrors, type DetailsOf } from '../../ledger/errors.js';

export const EVIDENCE_ERRORS = defineErrors({
  EVIDENCE_INVALID: {
    status: 409,
    arises: 'result of `evidence.submit`',
    meaning:
      'the two messages are not proof of equivocation (different type, height, round or signer; the same block; a bad signature; a signer outside the block\'s validator set); the message says which. Changes nothing but the nonce',
  },
  EVIDENCE_DUPLICATE: {
    status: 409,
    arises: 'result of `evidence.submit`',
    meaning: 'this equivocation (validator, height, round, type) is already recorded. Changes nothing but the nonce',
  },
});

declare module '../../ledger/errors.js' {
  interface ErrorRegistry extends DetailsOf<typeof EVIDENCE_ERRORS> {}
}
