/** Pure reads of the invoices service: what its routes, `polity invoice` and its page show. */
import { countKey, getInvoice, pageKey, PAGE_SIZE, type Get, type Invoice, type Side } from './module.js';

/** The most entries one page of a listing answers. */
export const LIST_LIMIT_MAX = 100;

export interface Listing {
  total: number;
  offset: number;
  invoices: Invoice[];
}

/**
 * The organisation's invoices on one side (seller or buyer), in the order
 * they were issued, from `offset`, at most `limit` (≤ LIST_LIMIT_MAX): a
 * bounded number of index pages and records is read, whatever the total.
 */
export function listInvoices(get: Get, side: Side, org: string, offset: number, limit: number): Listing {
  const total = (get(countKey(side, org)) as number | undefined) ?? 0;
  const n = Math.max(0, Math.min(limit, LIST_LIMIT_MAX, total - offset));
  const out: Invoice[] = [];
  for (let page = Math.floor(offset / PAGE_SIZE); out.length < n; page++) {
    const entries = (get(pageKey(side, org, page)) as [string, string][] | undefined) ?? [];
    if (entries.length === 0) break;
    const from = page === Math.floor(offset / PAGE_SIZE) ? offset % PAGE_SIZE : 0;
    for (const [seller, number] of entries.slice(from, from + (n - out.length))) {
      const inv = getInvoice(get, seller, number);
      if (!inv) throw new Error(`invariant broken: index of ${org} names invoice ${number} of ${seller}, which has no record`);
      out.push(inv);
    }
  }
  return { total, offset, invoices: out };
}

/** What the public listing of a business's invoices shows of each: no buyer, amount or document. */
export function publicSummary(inv: Invoice): { seller: string; number: string; date: string; status: Invoice['status']; issuedAt: number; changedAt: number } {
  return { seller: inv.seller, number: inv.number, date: inv.date, status: inv.status, issuedAt: inv.events[0]!.height, changedAt: inv.events.at(-1)!.height };
}
