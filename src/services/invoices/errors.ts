/**
 * Error codes of e-invoices (spec/services/invoices.md): one code for each
 * reason a transition or a read is refused, so a seller's, buyer's or
 * agency's tool can say exactly why. Messages name invoices by seller and
 * number, never a buyer's DID.
 */
import { defineErrors, type DetailsOf } from '../../ledger/errors.js';

export const INVOICES_ERRORS = defineErrors({
  INVOICES_INVALID: { status: 400, arises: '`invoices.*`', meaning: 'a malformed invoice or decision: a number with characters outside [A-Za-z0-9._-], a date that is not a calendar date, a buyer that is neither a member organisation nor a DID in force, a designation it already has' },
  INVOICES_OVERSIZED: { status: 400, arises: '`invoices.issue`', meaning: "a field above its limit: an invoice number longer than 64 characters, or an amount above 10^15 minor units; or the seller (or buying organisation) already has 10,000,000 invoices, an index's limit" },
  INVOICES_UNKNOWN: { status: 404, arises: '`invoices.acknowledge|void|reimburse`, `GET /v1/invoices/{seller}/{number}`', meaning: 'the seller issued no invoice with this number' },
  INVOICES_DUPLICATE_NUMBER: { status: 409, arises: '`invoices.issue`', meaning: 'the seller issued an invoice with this number already (numbers are unique per seller and never reused, voided ones included)' },
  INVOICES_NOT_SELLER: { status: 403, arises: '`invoices.void`', meaning: 'only an official of the selling organisation voids its invoice' },
  INVOICES_NOT_BUYER: { status: 403, arises: '`invoices.acknowledge`', meaning: "the signer is not the invoice's buyer (an official of the buying organisation, or the key in force of the buyer's DID)" },
  INVOICES_VOIDED: { status: 409, arises: '`invoices.acknowledge|void|reimburse`', meaning: 'the seller voided the invoice (final)' },
  INVOICES_ALREADY_ACKNOWLEDGED: { status: 409, arises: '`invoices.acknowledge`', meaning: 'the buyer acknowledged the invoice already' },
  INVOICES_NOT_ACKNOWLEDGED: { status: 409, arises: '`invoices.reimburse`', meaning: 'the buyer has not acknowledged the invoice; an invoice is reimbursed only once its buyer has' },
  INVOICES_ALREADY_REIMBURSED: { status: 409, arises: '`invoices.reimburse|void`', meaning: 'the invoice was reimbursed already: once, by the reimbursement named in the lifecycle; it can be neither reimbursed again nor voided' },
  INVOICES_NOT_REIMBURSER: { status: 403, arises: '`invoices.reimburse`', meaning: "the signer's organisation is not designated by the consortium as a reimbursing organisation" },
  INVOICES_NOT_TAX_AUTHORITY: { status: 403, arises: '`GET /v1/tax/invoices/{org}`', meaning: 'the principal is not an official with the role tax-inspector (or an admin) of an organisation the consortium designated as tax authority' },
  INVOICES_DECISION_UNKNOWN: { status: 404, arises: '`invoices.enact`', meaning: 'no executed governance decision for this service with that id' },
  INVOICES_DECISION_ENACTED: { status: 409, arises: '`invoices.enact`', meaning: 'the decision was enacted already' },
});

declare module '../../ledger/errors.js' {
  interface ErrorRegistry extends DetailsOf<typeof INVOICES_ERRORS> {}
}
