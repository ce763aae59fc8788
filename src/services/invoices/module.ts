/**
 * E-invoices on the chain (spec/services/invoices.md): each invoice traced
 * from its issuance by the seller, through its buyer's acknowledgement, to
 * a single reimbursement — or to its voiding by the seller.
 *
 * Why on a chain: an expense is reimbursed from an invoice, and the same
 * invoice presented to two agencies (or twice to one) is paid twice. Here a
 * reimbursement is a transition of the invoice's record: the state machine
 * runs in block order on every node, so of two reimbursements of the same
 * invoice, however they race, exactly the first in the block order holds
 * and every node refuses the other with INVOICES_ALREADY_REIMBURSED.
 *
 * What the chain holds: the seller (a member organisation), the invoice
 * number, the buyer, the amount in minor units and its currency, the date
 * written on the invoice, and the SHA-256 of the full invoice document. The
 * line items stay in the document, off the chain. A buyer who is a person
 * appears only as a DID (a did:polity or did:key pseudonym): never a name,
 * address or tax number. A buyer that is a business is its organisation id.
 *
 * Who acts (the roles are this module's; an organisation's admins give them):
 *   issue, void   an official with the role `invoicer` of the selling organisation
 *   acknowledge   the buyer: an official or admin of the buying organisation,
 *                 or the key in force of the buyer's DID
 *   reimburse     an official with the role `reimburser` of an organisation
 *                 the consortium designated as reimbursing (governance)
 *   tax view      an official with the role `tax-inspector` (or an admin) of an
 *                 organisation the consortium designated as tax authority
 * A role alone is not enough to reimburse or to read the tax view: any
 * member's admins can give their own officials any role, so a role alone
 * would let any member record a reimbursement first (and so block the real
 * agency's) — the consortium designates those organisations itself.
 *
 * State (all under invoices/):
 *   invoices/inv/<seller>/<number>           -> Invoice (its whole lifecycle)
 *   invoices/by/<side>/<org>                 -> count of the organisation's invoices as seller|buyer
 *   invoices/by/<side>/<org>/<page>          -> [[seller, number], …] (PAGE_SIZE a page)
 *   invoices/designation/<org>               -> Designation
 *   invoices/designated                      -> [org, …] organisations ever designated (bounded by ORGS_MAX)
 *   invoices/enacted/<proposal>              -> height the governance decision was enacted
 *
 * Actions:
 *   enact {proposal}                                       anyone: apply an executed governance decision
 *   issue {number, buyer, amount, currency, date, documentHash}   invoicer
 *   acknowledge {seller, number}                           the buyer
 *   void {seller, number, reason}                          invoicer of the seller (before reimbursement)
 *   reimburse {seller, number, reference?}                 reimburser of a designated organisation, once
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Json } from '../../crypto/canonical-json.js';
import { didKeyFromPublicKey } from '../../crypto/multikey.js';
import { PolityError } from '../../ledger/errors.js';
import { defineAction, type ActionContext, type ModuleDefinition } from '../../runtime/module.js';
import { getOrg, ORG_ID_RE, ORGS_MAX } from '../../runtime/membership.js';
import { firstSchemaError } from '../../runtime/registry.js';
import { Hex32, OrgId } from '../schemas.js';
import { proposalKey, type Proposal } from '../gov/module.js';
import { currentDidKey } from '../did/module.js';
import { POLITY_DID_RE } from '../did/method.js';

export const INVOICES_MODULE = 'invoices';
export type Get = (key: string) => Json | undefined;

/** Longest invoice number (characters). */
export const NUMBER_CHARS_MAX = 64;
/** Characters of an invoice number: it is a path segment of the routes, so no "/". */
export const NUMBER_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Largest amount, in minor units (10^15: ten trillion in a currency of two decimals). */
export const AMOUNT_MAX = 1_000_000_000_000_000;
/** Invoices an index page holds. */
export const PAGE_SIZE = 1_000;
/** Invoices one organisation may have on one side (seller or buyer): 10,000 pages. */
export const INVOICES_PER_ORG_MAX = 10_000_000;
/** Changes of designation kept per organisation. */
const DESIGNATION_CHANGES_MAX = 64;
export const DID_KEY_RE = /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{40,50}$/;

export const invoiceKey = (seller: string, number: string): string => `invoices/inv/${seller}/${number}`;
export type Side = 'seller' | 'buyer';
export const countKey = (side: Side, org: string): string => `invoices/by/${side}/${org}`;
export const pageKey = (side: Side, org: string, page: number): string => `invoices/by/${side}/${org}/${page}`;
export const designationKey = (org: string): string => `invoices/designation/${org}`;
export const DESIGNATED_KEY = 'invoices/designated';
export const enactedKey = (proposal: string): string => `invoices/enacted/${proposal}`;

export type InvoiceStatus = 'issued' | 'acknowledged' | 'voided' | 'reimbursed';
export const VOID_REASONS = ['issued-in-error', 'wrong-buyer', 'wrong-amount', 'cancelled-sale', 'duplicate'] as const;
export type VoidReason = (typeof VOID_REASONS)[number];
export type Functions = 'reimburser' | 'tax-authority';
export const FUNCTIONS: readonly Functions[] = ['reimburser', 'tax-authority'];

/** One step of an invoice's lifecycle, where it happened on the chain. */
export interface InvoiceEvent {
  type: 'issued' | 'acknowledged' | 'voided' | 'reimbursed';
  height: number;
  txIndex: number;
  txId: string;
  /** Block time, ms since the epoch. */
  time: number;
  /** The key that signed the transaction. */
  key: string;
  /** The organisation the signer acted for (absent for a buyer acting by DID). */
  org?: string;
  reason?: VoidReason;
  /** A reimbursement's reference: the SHA-256 of the agency's own claim record, if it gave one. */
  reference?: string;
}

export interface Invoice {
  seller: string;
  number: string;
  /** A member organisation's id, or a DID (did:polity or did:key) for a person. */
  buyer: string;
  amount: number;
  currency: string;
  /** The date written on the invoice, YYYY-MM-DD. */
  date: string;
  /** SHA-256 of the full invoice document (line items included), hex. */
  documentHash: string;
  status: InvoiceStatus;
  /** At most four: issued, acknowledged, then voided or reimbursed. */
  events: InvoiceEvent[];
}

export interface Designation {
  functions: Functions[];
  changes: { function: Functions; on: boolean; height: number; proposal: string }[];
}

const Fn = Type.Union([Type.Literal('reimburser'), Type.Literal('tax-authority')]);
/** What governance may decide for this service (the `decision` of a gov `serviceDecision`). */
export const Decision = Type.Union([
  Type.Object({ type: Type.Literal('designate'), org: OrgId, function: Fn }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('withdraw'), org: OrgId, function: Fn }, { additionalProperties: false }),
]);
export type Decision = Static<typeof Decision>;
const decisionCheck = TypeCompiler.Compile(Decision);

/** The number's schema admits more than the limit, so a long number gets INVOICES_OVERSIZED rather than a schema error. */
const NumberArg = Type.String({ minLength: 1, maxLength: 256 });
export const IssueArgs = Type.Object(
  {
    number: NumberArg,
    /** A member organisation's id, or a DID (did:polity:…, did:key:z6Mk…): never a person's name. */
    buyer: Type.String({ minLength: 1, maxLength: 128 }),
    amount: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' }),
    date: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }),
    documentHash: Hex32,
  },
  { additionalProperties: false },
);
export type IssueArgs = Static<typeof IssueArgs>;
const Ref = { seller: OrgId, number: NumberArg };
export const AcknowledgeArgs = Type.Object(Ref, { additionalProperties: false });
export const VoidArgs = Type.Object({ ...Ref, reason: Type.Union(VOID_REASONS.map((r) => Type.Literal(r))) }, { additionalProperties: false });
export const ReimburseArgs = Type.Object({ ...Ref, reference: Type.Optional(Hex32) }, { additionalProperties: false });

export function getInvoice(get: Get, seller: string, number: string): Invoice | undefined {
  if (!ORG_ID_RE.test(seller) || !NUMBER_RE.test(number) || number.length > NUMBER_CHARS_MAX) return undefined;
  return get(invoiceKey(seller, number)) as unknown as Invoice | undefined;
}

export function getDesignation(get: Get, org: string): Designation {
  return (get(designationKey(org)) as unknown as Designation | undefined) ?? { functions: [], changes: [] };
}

/** Is the organisation designated for the function now (and an active member)? */
export function isDesignated(get: Get, org: string | undefined, fn: Functions): boolean {
  if (org === undefined || getOrg(get, org)?.status !== 'active') return false;
  return getDesignation(get, org).functions.includes(fn);
}

/** A calendar date, YYYY-MM-DD, that exists (no 2026-02-30). */
export function isCalendarDate(date: string): boolean {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d <= days;
}

function checkNumber(number: string): void {
  if (number.length > NUMBER_CHARS_MAX) throw new PolityError('INVOICES_OVERSIZED', `number: at most ${NUMBER_CHARS_MAX} characters, got ${number.length}`);
  if (!NUMBER_RE.test(number)) throw new PolityError('INVOICES_INVALID', 'number: expected letters, digits, ".", "_" and "-", starting with a letter or digit');
}

/** The invoice a transition acts on, or INVOICES_UNKNOWN. */
function invoiceOrThrow(ctx: ActionContext, seller: string, number: string): Invoice {
  checkNumber(number);
  const inv = getInvoice(ctx.get, seller, number);
  if (!inv) throw new PolityError('INVOICES_UNKNOWN', `${seller} issued no invoice ${number}`);
  return inv;
}

function event(ctx: ActionContext, type: InvoiceEvent['type'], more: Partial<InvoiceEvent> = {}): InvoiceEvent {
  return { type, height: ctx.height, txIndex: ctx.txIndex, txId: ctx.txId, time: ctx.time, key: ctx.signer, ...(ctx.caller.org ? { org: ctx.caller.org } : {}), ...more };
}

function save(ctx: ActionContext, inv: Invoice): void {
  ctx.set(invoiceKey(inv.seller, inv.number), inv as unknown as Json);
}

/** Append [seller, number] to an organisation's paged index for one side. */
function index(ctx: ActionContext, side: Side, org: string, seller: string, number: string): void {
  const count = (ctx.get(countKey(side, org)) as number | undefined) ?? 0;
  if (count >= INVOICES_PER_ORG_MAX) throw new PolityError('INVOICES_OVERSIZED', `${org} has ${INVOICES_PER_ORG_MAX} invoices as ${side}, the most one organisation may have`);
  const page = Math.floor(count / PAGE_SIZE);
  const entries = (ctx.get(pageKey(side, org, page)) as [string, string][] | undefined) ?? [];
  ctx.set(pageKey(side, org, page), [...entries, [seller, number]]);
  ctx.set(countKey(side, org), count + 1);
}

/** The buyer must be an active member organisation or a DID: a did:key, or a did:polity in force. */
function checkBuyer(ctx: ActionContext, buyer: string): void {
  if (buyer.startsWith('did:')) {
    if (DID_KEY_RE.test(buyer)) return;
    if (POLITY_DID_RE.test(buyer) && currentDidKey(ctx.get, buyer) !== undefined) return;
    throw new PolityError('INVOICES_INVALID', 'buyer: expected a did:key:z6Mk… or a did:polity in force');
  }
  if (!ORG_ID_RE.test(buyer) || getOrg(ctx.get, buyer)?.status !== 'active') throw new PolityError('INVOICES_INVALID', 'buyer: expected an active member organisation or a DID');
}

/** Does the signer act as the buyer: an official or admin of the buying organisation, or the DID's key? */
function signerIsBuyer(ctx: ActionContext, buyer: string): boolean {
  if (buyer.startsWith('did:key:')) return didKeyFromPublicKey(ctx.signer) === buyer;
  if (buyer.startsWith('did:')) return currentDidKey(ctx.get, buyer) === ctx.signer;
  return ctx.caller.org === buyer;
}

function issue(ctx: ActionContext, args: IssueArgs): void {
  const seller = ctx.caller.org!;
  checkNumber(args.number);
  if (args.amount > AMOUNT_MAX) throw new PolityError('INVOICES_OVERSIZED', `amount: at most ${AMOUNT_MAX} minor units`);
  if (!isCalendarDate(args.date)) throw new PolityError('INVOICES_INVALID', 'date: expected a calendar date YYYY-MM-DD');
  checkBuyer(ctx, args.buyer);
  if (args.buyer === seller) throw new PolityError('INVOICES_INVALID', 'buyer: an organisation does not invoice itself');
  if (ctx.get(invoiceKey(seller, args.number)) !== undefined) throw new PolityError('INVOICES_DUPLICATE_NUMBER', `${seller} issued an invoice ${args.number} already`);
  const inv: Invoice = { seller, number: args.number, buyer: args.buyer, amount: args.amount, currency: args.currency, date: args.date, documentHash: args.documentHash, status: 'issued', events: [event(ctx, 'issued')] };
  index(ctx, 'seller', seller, seller, args.number);
  // Only organisations get a buyer's index: a person's invoices are not gathered under their DID.
  if (!args.buyer.startsWith('did:')) index(ctx, 'buyer', args.buyer, seller, args.number);
  save(ctx, inv);
  ctx.emit({ type: 'invoices.issued', seller, number: args.number });
}

/** Refusals every transition after issuance shares: a voided or reimbursed invoice is final. */
function notFinal(inv: Invoice): void {
  if (inv.status === 'voided') throw new PolityError('INVOICES_VOIDED', `invoice ${inv.number} of ${inv.seller} was voided`);
  if (inv.status === 'reimbursed') throw new PolityError('INVOICES_ALREADY_REIMBURSED', `invoice ${inv.number} of ${inv.seller} was reimbursed at height ${inv.events.at(-1)!.height}`);
}

function enactDecision(ctx: ActionContext, d: Decision, proposal: string): void {
  if (getOrg(ctx.get, d.org)?.status !== 'active') throw new PolityError('INVOICES_INVALID', `no active member organisation ${d.org}`);
  const des = getDesignation(ctx.get, d.org);
  const on = d.type === 'designate';
  if (des.functions.includes(d.function) === on) throw new PolityError('INVOICES_INVALID', `${d.org} is ${on ? 'already' : 'not'} designated ${d.function}`);
  if (des.changes.length >= DESIGNATION_CHANGES_MAX) throw new PolityError('INVOICES_INVALID', `at most ${DESIGNATION_CHANGES_MAX} changes of designation per organisation`);
  const functions = on ? [...des.functions, d.function] : des.functions.filter((f) => f !== d.function);
  ctx.set(designationKey(d.org), { functions, changes: [...des.changes, { function: d.function, on, height: ctx.height, proposal }] } satisfies Designation as unknown as Json);
  const list = (ctx.get(DESIGNATED_KEY) as string[] | undefined) ?? [];
  if (!list.includes(d.org)) {
    if (list.length >= ORGS_MAX) throw new PolityError('INVOICES_INVALID', `at most ${ORGS_MAX} designated organisations`);
    ctx.set(DESIGNATED_KEY, [...list, d.org]);
  }
}

export const invoicesModule: ModuleDefinition = {
  name: INVOICES_MODULE,
  description: 'E-invoices: issued by a seller, acknowledged by the buyer, voided by the seller or reimbursed once by a designated organisation; the document stays off the chain, only its hash is recorded.',
  roles: ['invoicer', 'reimburser', 'tax-inspector'],
  state: { owns: ['invoices/'] },
  actions: {
    enact: defineAction({
      access: 'anyone',
      args: Type.Object({ proposal: Hex32 }, { additionalProperties: false }),
      description: 'Apply an executed governance proposal of kind serviceDecision for this service (designate or withdraw a reimbursing organisation or a tax authority); anyone may send it, once per proposal.',
      execute(ctx, args) {
        const p = ctx.get(proposalKey(args.proposal)) as unknown as Proposal | undefined;
        if (!p || p.change.type !== 'serviceDecision' || p.change.module !== INVOICES_MODULE) throw new PolityError('INVOICES_DECISION_UNKNOWN', `no governance decision ${args.proposal.slice(0, 16)}… for the invoices service`);
        if (p.status !== 'executed') throw new PolityError('INVOICES_DECISION_UNKNOWN', `the proposal is ${p.status}, not executed`);
        if (ctx.get(enactedKey(args.proposal)) !== undefined) throw new PolityError('INVOICES_DECISION_ENACTED', 'the decision was enacted already');
        const d = p.change.decision;
        if (!decisionCheck.Check(d)) throw new PolityError('INVOICES_INVALID', `decision ${firstSchemaError(decisionCheck, d)}`);
        enactDecision(ctx, d, args.proposal);
        ctx.set(enactedKey(args.proposal), ctx.height);
        ctx.emit({ type: 'invoices.enacted', proposal: args.proposal, decision: d.type, org: d.org, function: d.function });
      },
    }),
    issue: defineAction({
      access: { roles: ['invoicer'] },
      args: IssueArgs,
      description: "An invoicer of the selling organisation records an invoice: its number (unique for the seller), buyer (an organisation, or a person's DID), amount in minor units, currency, date and the SHA-256 of the full document.",
      execute: issue,
    }),
    acknowledge: defineAction({
      access: 'anyone',
      args: AcknowledgeArgs,
      description: "The buyer acknowledges receipt of an invoice: an official or admin of the buying organisation, or the key in force of the buyer's DID (checked by the action).",
      execute(ctx, args) {
        const inv = invoiceOrThrow(ctx, args.seller, args.number);
        if (!signerIsBuyer(ctx, inv.buyer)) throw new PolityError('INVOICES_NOT_BUYER', `the signer is not the buyer of invoice ${inv.number} of ${inv.seller}`);
        notFinal(inv);
        if (inv.status === 'acknowledged') throw new PolityError('INVOICES_ALREADY_ACKNOWLEDGED', `invoice ${inv.number} of ${inv.seller} was acknowledged already`);
        // A buyer acting by DID acts for no organisation: the event names only its key.
        const ev = event(ctx, 'acknowledged');
        if (inv.buyer.startsWith('did:')) delete ev.org;
        save(ctx, { ...inv, status: 'acknowledged', events: [...inv.events, ev] });
        ctx.emit({ type: 'invoices.acknowledged', seller: inv.seller, number: inv.number });
      },
    }),
    void: defineAction({
      access: { roles: ['invoicer'] },
      args: VoidArgs,
      description: 'An invoicer of the selling organisation voids its invoice, before or after the buyer acknowledged it, but never once it was reimbursed; final.',
      execute(ctx, args) {
        const inv = invoiceOrThrow(ctx, args.seller, args.number);
        if (ctx.caller.org !== inv.seller) throw new PolityError('INVOICES_NOT_SELLER', `only an invoicer of ${inv.seller} voids its invoices`);
        notFinal(inv);
        save(ctx, { ...inv, status: 'voided', events: [...inv.events, event(ctx, 'voided', { reason: args.reason })] });
        ctx.emit({ type: 'invoices.voided', seller: inv.seller, number: inv.number });
      },
    }),
    reimburse: defineAction({
      access: { roles: ['reimburser'] },
      args: ReimburseArgs,
      description: 'A reimburser of an organisation the consortium designated as reimbursing records the reimbursement of an acknowledged invoice: once, ever; a second is refused with INVOICES_ALREADY_REIMBURSED.',
      execute(ctx, args) {
        if (!isDesignated(ctx.get, ctx.caller.org, 'reimburser')) throw new PolityError('INVOICES_NOT_REIMBURSER', `${ctx.caller.org} is not designated as a reimbursing organisation`);
        const inv = invoiceOrThrow(ctx, args.seller, args.number);
        notFinal(inv);
        if (inv.status !== 'acknowledged') throw new PolityError('INVOICES_NOT_ACKNOWLEDGED', `the buyer has not acknowledged invoice ${inv.number} of ${inv.seller}`);
        save(ctx, { ...inv, status: 'reimbursed', events: [...inv.events, event(ctx, 'reimbursed', args.reference ? { reference: args.reference } : {})] });
        ctx.emit({ type: 'invoices.reimbursed', seller: inv.seller, number: inv.number, by: ctx.caller.org! });
      },
    }),
  },
};
