/**
 * Requests and answers of the invoices routes (spec/services/invoices.md).
 * The public answers say what an invoice is and where it stands; the
 * listing of a business's invoices leaves out buyers and amounts, which
 * only the tax authority's view gathers.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ORG_ID_PATTERN } from '../../runtime/membership.js';
import { CursorParam, NextCursor } from '../../schemas/common.js';
import { NUMBER_CHARS_MAX, VOID_REASONS } from './module.js';
import { LIST_LIMIT_MAX } from './queries.js';

const Status = Type.Union([Type.Literal('issued'), Type.Literal('acknowledged'), Type.Literal('voided'), Type.Literal('reimbursed')]);
export const InvoiceEventView = Type.Object({
  type: Status,
  height: Type.Integer({ description: 'the block' }),
  txIndex: Type.Integer(),
  txId: Type.String({ description: 'the transaction' }),
  time: Type.Integer({ description: 'block time, ms since the epoch' }),
  key: Type.String({ description: 'the signing key' }),
  org: Type.Optional(Type.String({ description: 'the organisation the signer acted for; absent for a buyer acting by DID' })),
  reason: Type.Optional(Type.Union(VOID_REASONS.map((r) => Type.Literal(r)))),
  reference: Type.Optional(Type.String({ description: "SHA-256 of the reimbursing organisation's own claim record" })),
});
export const InvoiceView = Type.Object({
  seller: Type.String(),
  number: Type.String(),
  buyer: Type.String({ description: 'a member organisation, or a DID for a person (never a name)' }),
  amount: Type.Integer({ description: 'minor units of the currency' }),
  currency: Type.String(),
  date: Type.String(),
  documentHash: Type.String({ description: 'SHA-256 of the full invoice document' }),
  status: Status,
  events: Type.Array(InvoiceEventView),
});
export type InvoiceViewT = Static<typeof InvoiceView>;
export const Lifecycle = Type.Object({ height: Type.Integer({ description: 'the block whose state the answer reflects' }), invoice: InvoiceView });
export type LifecycleT = Static<typeof Lifecycle>;

const NumberParam = Type.String({ pattern: `^[A-Za-z0-9][A-Za-z0-9._-]{0,${NUMBER_CHARS_MAX - 1}}$` });
export const InvoiceParams = Type.Object({ seller: Type.String({ pattern: ORG_ID_PATTERN }), number: NumberParam });
export const OrgParams = Type.Object({ org: Type.String({ pattern: ORG_ID_PATTERN }) });
export const ListQuery = Type.Object(
  {
    side: Type.Optional(Type.Union([Type.Literal('seller'), Type.Literal('buyer')], { default: 'seller' })),
    cursor: Type.Optional(CursorParam),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'where the page starts (the older form of cursor; default 0)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIST_LIMIT_MAX, default: 20 })),
  },
  { additionalProperties: false },
);

const Summary = Type.Object({ seller: Type.String(), number: Type.String(), date: Type.String(), status: Status, issuedAt: Type.Integer(), changedAt: Type.Integer() });
export const PublicList = Type.Object({
  height: Type.Integer(),
  org: Type.String(),
  side: Type.Union([Type.Literal('seller'), Type.Literal('buyer')]),
  total: Type.Integer(),
  offset: Type.Integer(),
  invoices: Type.Array(Summary),
  next: NextCursor,
});
export type PublicListT = Static<typeof PublicList>;
export const TaxList = Type.Object({
  height: Type.Integer(),
  org: Type.String(),
  side: Type.Union([Type.Literal('seller'), Type.Literal('buyer')]),
  total: Type.Integer(),
  offset: Type.Integer(),
  invoices: Type.Array(InvoiceView),
  next: NextCursor,
  /** The tax authority the principal reads for. */
  taxAuthority: Type.String(),
});
export type TaxListT = Static<typeof TaxList>;

export const DesignationsView = Type.Object({
  height: Type.Integer(),
  organisations: Type.Array(Type.Object({ org: Type.String(), functions: Type.Array(Type.Union([Type.Literal('reimburser'), Type.Literal('tax-authority')])) })),
});
