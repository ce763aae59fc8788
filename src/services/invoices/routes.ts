/**
 * The invoices routes (spec/services/invoices.md):
 *
 *   GET /v1/invoices/{seller}/{number}   one invoice's lifecycle (public)
 *   GET /v1/invoices/{org}               a business's invoices, as seller or buyer, paged (public: no buyers or amounts)
 *   GET /v1/tax/invoices/{org}           the same with every field: the tax authority's officials only
 *   GET /v1/invoice-designations         the organisations the consortium designated (reimbursing, tax authority)
 *
 * Transitions are transactions (POST /v1/tx). The lifecycle is public: the
 * seller, the buyer and any agency asked to pay check an invoice against
 * it. The tax view is refused to anyone but an official with the role
 * tax-inspector (or an admin) of a designated tax authority, proved by a
 * signed request or a session. It is a restriction of what this API
 * gathers, not confidentiality: the records are in the chain's state,
 * which GET /v1/state serves to any reader (see the spec's privacy notes).
 */
import { requirePrincipal } from '../../api/authenticate.js';
import { nextOffset, startOffset } from '../../api/paging.js';
import { SIGNED_OR_SESSION, type ServiceRoutes } from '../../api/route.js';
import { PolityError } from '../../ledger/errors.js';
import { callerOf, getOrg } from '../../runtime/membership.js';
import { errorResponses } from '../../schemas/common.js';
import { DESIGNATED_KEY, getDesignation, getInvoice, isDesignated } from './module.js';
import { listInvoices, publicSummary } from './queries.js';
import { DesignationsView, InvoiceParams, Lifecycle, ListQuery, OrgParams, PublicList, TaxList } from './schemas.js';

const TAG = 'invoices';

export const invoicesRoutes: ServiceRoutes = (app, { node, get, auth }) => {
  const orgOrThrow = (org: string): void => {
    if (!getOrg(get, org)) throw new PolityError('ORG_UNKNOWN', `no member organisation ${org}`);
  };

  app.get(
    '/v1/invoices/:seller/:number',
    { schema: { operationId: 'getInvoice', tags: [TAG], summary: "One invoice's lifecycle: what was issued (amount, buyer, document hash) and each step — issued, acknowledged, voided or reimbursed — with its block, transaction and time.", params: InvoiceParams, response: { 200: Lifecycle, ...errorResponses(404) } } },
    async (request) => {
      const height = node.height;
      const invoice = getInvoice(get, request.params.seller, request.params.number);
      if (!invoice) throw new PolityError('INVOICES_UNKNOWN', `${request.params.seller} issued no invoice ${request.params.number}`);
      return { height, invoice };
    },
  );

  app.get(
    '/v1/invoices/:org',
    { schema: { operationId: 'listInvoices', tags: [TAG], summary: "A business's invoices as seller (or as buyer), in the order issued, at most 100 a page: number, date, status and blocks — no buyers or amounts.", params: OrgParams, querystring: ListQuery, response: { 200: PublicList, ...errorResponses(404) } } },
    async (request) => {
      const { org } = request.params;
      orgOrThrow(org);
      const { side = 'seller', limit = 20 } = request.query;
      const offset = startOffset(request.query.cursor, request.query.offset);
      const height = node.height;
      const l = listInvoices(get, side, org, offset, limit);
      return { height, org, side, total: l.total, offset: l.offset, invoices: l.invoices.map(publicSummary), next: nextOffset(l.offset, l.invoices.length, l.total) };
    },
  );

  app.get(
    '/v1/tax/invoices/:org',
    {
      schema: {
        operationId: 'taxListInvoices',
        tags: [TAG],
        summary: "The tax authority's view of a business's invoices, as seller or buyer, with every field (buyer, amount, currency, document hash, lifecycle); at most 100 a page. Officials with the role tax-inspector (or admins) of a designated tax authority only: a signed request or a session.",
        params: OrgParams,
        querystring: ListQuery,
        security: [...SIGNED_OR_SESSION],
        response: { 200: TaxList, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      // The cursor is checked first: a malformed one is the client's mistake whoever signs.
      const offset = startOffset(request.query.cursor, request.query.offset);
      const principal = await requirePrincipal(request, auth);
      const caller = callerOf(get, principal.publicKey);
      if (!isDesignated(get, caller.org, 'tax-authority') || !(caller.admin || caller.roles.includes('tax-inspector'))) {
        throw new PolityError('INVOICES_NOT_TAX_AUTHORITY', 'the tax view is shown to officials with the role tax-inspector (or admins) of an organisation the consortium designated as tax authority');
      }
      const { org } = request.params;
      orgOrThrow(org);
      const { side = 'seller', limit = 20 } = request.query;
      const height = node.height;
      const l = listInvoices(get, side, org, offset, limit);
      return { height, org, side, total: l.total, offset: l.offset, invoices: l.invoices, next: nextOffset(l.offset, l.invoices.length, l.total), taxAuthority: caller.org! };
    },
  );

  app.get(
    '/v1/invoice-designations',
    { schema: { operationId: 'listInvoiceDesignations', tags: [TAG], summary: 'The organisations the consortium designated for invoices: reimbursing organisations and tax authorities.', response: { 200: DesignationsView, ...errorResponses() } } },
    async () => {
      const height = node.height;
      const orgs = (get(DESIGNATED_KEY) as string[] | undefined) ?? [];
      return { height, organisations: orgs.map((org) => ({ org, functions: getDesignation(get, org).functions })).filter((d) => d.functions.length > 0) };
    },
  );
};

