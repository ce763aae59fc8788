/** The notary's error codes (spec/services/notary.md). */
import { Type } from '@sinclair/typebox';
import { defineErrors, type DetailsOf } from '../../ledger/errors.js';

export const NOTARY_ERRORS = defineErrors({
  NOTARY_ALREADY_ANCHORED: {
    status: 409,
    arises: 'result of `notary.anchor` / `notary.anchorBatch`',
    meaning:
      'the hash (or batch root) is already anchored; `details.height` is the block where. Changes nothing but the nonce. For the node\'s own `anchorBatch`, the batch (an identical, already anchored root) is then discarded and the node logs `notary.batchFailed`',
    details: Type.Object({ height: Type.Integer({ minimum: 1, description: 'the block that anchored it first' }) }),
  },
  NOTARY_BATCH_FULL: {
    status: 503,
    arises: '`POST /v1/notary/batch`',
    meaning:
      'the hashes queued for sealing plus those of the request would exceed the limit (8,000,000 by default; hashes already being sealed or sealed are not counted); the whole request is refused, nothing is queued; retry shortly',
  },
  NOTARY_NO_VALIDATOR: {
    status: 503,
    arises: '`POST /v1/notary/batch`',
    meaning:
      'this node is not a validator (an observer, a retired validator) and has no open link to one, so no block would ever anchor the hashes; nothing is queued. Submit them to a validator\'s node, or retry once this node is connected',
  },
  NOTARY_NOT_ANCHORED: {
    status: 404,
    arises: '`GET /v1/notary/receipts/{hash}`; per hash in `POST /v1/notary/receipts`',
    meaning: 'the hash is not anchored on this chain (as far as this node knows)',
  },
  NOTARY_PENDING: {
    status: 409,
    arises: 'the receipt routes',
    meaning: 'the hash waits for a block (queued, being sealed, or in a sealed batch whose block has not committed); its receipt is ready once that block commits',
  },
  NOTARY_REFERENCE_INVALID: {
    status: 400,
    arises: '`GET /v1/notary/references/{reference}`',
    meaning: 'the reference is longer than 128 characters, the most `meta.reference` may hold, so no document can have it',
  },
});

declare module '../../ledger/errors.js' {
  interface ErrorRegistry extends DetailsOf<typeof NOTARY_ERRORS> {}
}
