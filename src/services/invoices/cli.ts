/**
 * `polity invoice`: e-invoices from the command line.
 *
 *   polity invoice issue --number N --buyer ORG|DID --amount MINOR --currency EUR --date YYYY-MM-DD --document FILE|--hash HEX
 *   polity invoice acknowledge SELLER NUMBER          the buyer (an official of the buying organisation, or the DID's key)
 *   polity invoice void SELLER NUMBER --reason R      an invoicer of the seller
 *   polity invoice reimburse SELLER NUMBER [--reference HEX]   a reimburser of a designated organisation
 *   polity invoice show SELLER NUMBER                 the lifecycle
 *   polity invoice list ORG [--side seller|buyer] [--offset N] [--limit N] [--tax]
 *   polity invoice propose designate|withdraw --org ID --function reimburser|tax-authority
 *   polity invoice enact PROPOSAL
 *
 * The document itself never leaves this machine: --document hashes the file
 * here and only its SHA-256 is sent. Amounts are integers in minor units
 * (cents), so no rounding happens anywhere. `list --tax` is the tax
 * authority's view: the request is signed with --key.
 */
import { hashFile } from '../../cli/hash-file.js';
import { COMMON_OPTIONS, NODE_TARGET_OPTIONS, type Command } from '../../cli/command.js';
import { apiUrl, parsePositiveInt, UsageError, type Io } from '../../cli/io.js';
import { loadUserKey } from '../../cli/keys.js';
import { submitSigned } from '../../cli/submit.js';
import { isHex } from '../../crypto/bytes.js';
import { ORG_ID_RE } from '../../runtime/membership.js';
import { createClient, type Client } from '../../sdk/client.js';
import { AMOUNT_MAX, FUNCTIONS, NUMBER_CHARS_MAX, NUMBER_RE, VOID_REASONS, type Functions } from './module.js';
import { LIST_LIMIT_MAX } from './queries.js';
import type { InvoiceViewT, LifecycleT, PublicListT, TaxListT } from './schemas.js';

const orgArg = (what: string, v: unknown): string => {
  if (typeof v !== 'string' || !ORG_ID_RE.test(v)) throw new UsageError(`${what}: expected an organisation id, got ${JSON.stringify(v ?? null)}`);
  return v;
};
const numberArg = (v: unknown): string => {
  if (typeof v !== 'string' || !NUMBER_RE.test(v) || v.length > NUMBER_CHARS_MAX) throw new UsageError(`number: expected 1-${NUMBER_CHARS_MAX} letters, digits, ".", "_" or "-", got ${JSON.stringify(v ?? null)}`);
  return v;
};

/** An amount in minor units, as an integer string. */
function amountArg(v: unknown): number {
  if (typeof v !== 'string' || !/^[1-9][0-9]{0,15}$/.test(v) || Number(v) > AMOUNT_MAX) throw new UsageError(`--amount: expected a whole number of minor units (cents) from 1 to ${AMOUNT_MAX}, got ${JSON.stringify(v ?? null)}`);
  return Number(v);
}

/** An invoice's lifecycle in words. */
export function describeInvoice(inv: InvoiceViewT): string[] {
  const out = [`invoice ${inv.number} of ${inv.seller}: ${inv.status}`, `  buyer ${inv.buyer}, ${inv.amount} minor units of ${inv.currency}, dated ${inv.date}`, `  document sha256 ${inv.documentHash}`];
  for (const e of inv.events) out.push(`  ${e.type.padEnd(12)} block ${e.height} tx ${e.txId.slice(0, 16)}… ${new Date(e.time).toISOString()}${e.org ? ` by ${e.org}` : ''}${e.reason ? ` (${e.reason})` : ''}${e.reference ? ` ref ${e.reference.slice(0, 16)}…` : ''}`);
  return out;
}

async function submit(client: Client, values: Record<string, unknown>, io: Io, action: string, args: Record<string, unknown>, done: string): Promise<number> {
  const key = await loadUserKey(values);
  const s = await submitSigned(client, key, 'invoices', action, args);
  if (!s.ok) {
    io.err(`polity invoice ${action}: ${s.result ? `${s.result.code}: ${s.result.message ?? ''}` : s.status}`);
    return 1;
  }
  io.out(values.json ? JSON.stringify({ txId: s.id, height: s.height }) : `${done} at height ${s.height}`);
  return 0;
}

async function issue(client: Client, values: Record<string, unknown>, io: Io): Promise<number> {
  const number = numberArg(values.number);
  if (typeof values.buyer !== 'string' || values.buyer.length === 0 || values.buyer.length > 128) throw new UsageError('--buyer: a member organisation id, or a DID (did:polity:…, did:key:z6Mk…) for a person');
  const amount = amountArg(values.amount);
  if (typeof values.currency !== 'string' || !/^[A-Z]{3}$/.test(values.currency)) throw new UsageError('--currency: an ISO 4217 code such as EUR');
  if (typeof values.date !== 'string' || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(values.date)) throw new UsageError('--date: YYYY-MM-DD');
  let documentHash: string;
  if (typeof values.document === 'string') documentHash = await hashFile(values.document);
  else if (isHex(values.hash, 32)) documentHash = values.hash as string;
  else throw new UsageError('--document FILE (hashed here; the file is not sent) or --hash HEX (its SHA-256)');
  return submit(client, values, io, 'issue', { number, buyer: values.buyer, amount, currency: values.currency, date: values.date, documentHash }, `issued invoice ${number}`);
}

async function list(values: Record<string, unknown>, org: string, io: Io): Promise<number> {
  const side = values.side ?? 'seller';
  if (side !== 'seller' && side !== 'buyer') throw new UsageError('--side: seller or buyer');
  if (values.offset !== undefined && !/^[0-9]{1,9}$/.test(String(values.offset))) throw new UsageError('--offset: a whole number from 0');
  const offset = values.offset === undefined ? 0 : Number(values.offset);
  const limit = values.limit === undefined ? 20 : parsePositiveInt('limit', values.limit, LIST_LIMIT_MAX);
  const query = `?side=${side}&offset=${offset}&limit=${limit}`;
  if (values.tax) {
    const key = await loadUserKey(values);
    const client = createClient({ url: apiUrl(values), key });
    const l = await client.request<TaxListT>('GET', `/v1/tax/invoices/${org}${query}`, undefined, { signed: true });
    if (values.json) io.out(JSON.stringify(l, null, 2));
    else {
      io.out(`${l.total} invoice(s) of ${org} as ${side}, for ${l.taxAuthority}; from ${l.offset}:`);
      for (const inv of l.invoices) io.out(`  ${inv.seller}/${inv.number.padEnd(20)} ${inv.status.padEnd(12)} ${String(inv.amount).padStart(14)} ${inv.currency} ${inv.date} buyer ${inv.buyer}`);
    }
    return 0;
  }
  const l = await createClient({ url: apiUrl(values) }).request<PublicListT>('GET', `/v1/invoices/${org}${query}`);
  if (values.json) io.out(JSON.stringify(l, null, 2));
  else {
    io.out(`${l.total} invoice(s) of ${org} as ${side}; from ${l.offset}:`);
    for (const inv of l.invoices) io.out(`  ${inv.seller}/${inv.number.padEnd(20)} ${inv.status.padEnd(12)} ${inv.date} issued at block ${inv.issuedAt}`);
  }
  return 0;
}

export async function runInvoice(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const client = createClient({ url: apiUrl(values) });
  const [sub, a, b] = positionals;
  switch (sub) {
    case 'issue':
      return issue(client, values, io);
    case 'acknowledge':
      return submit(client, values, io, 'acknowledge', { seller: orgArg('seller', a), number: numberArg(b) }, `acknowledged invoice ${b} of ${a}`);
    case 'void': {
      if (!(VOID_REASONS as readonly unknown[]).includes(values.reason)) throw new UsageError(`--reason: one of ${VOID_REASONS.join(', ')}`);
      return submit(client, values, io, 'void', { seller: orgArg('seller', a), number: numberArg(b), reason: values.reason }, `voided invoice ${b} of ${a}`);
    }
    case 'reimburse': {
      if (values.reference !== undefined && !isHex(values.reference, 32)) throw new UsageError('--reference: the SHA-256 (64 hex digits) of your own claim record');
      return submit(client, values, io, 'reimburse', { seller: orgArg('seller', a), number: numberArg(b), ...(values.reference ? { reference: values.reference } : {}) }, `reimbursed invoice ${b} of ${a}`);
    }
    case 'show': {
      const l = await client.request<LifecycleT>('GET', `/v1/invoices/${orgArg('seller', a)}/${numberArg(b)}`);
      io.out(values.json ? JSON.stringify(l, null, 2) : describeInvoice(l.invoice).join('\n'));
      return 0;
    }
    case 'list':
      return list(values, orgArg('org', a), io);
    case 'propose': {
      if (a !== 'designate' && a !== 'withdraw') throw new UsageError('expected: propose designate|withdraw --org ID --function reimburser|tax-authority');
      if (!(FUNCTIONS as readonly unknown[]).includes(values.function)) throw new UsageError(`--function: ${FUNCTIONS.join(' or ')}`);
      const decision = { type: a, org: orgArg('--org', values.org), function: values.function as Functions };
      const key = await loadUserKey(values);
      const s = await submitSigned(client, key, 'gov', 'propose', { change: { type: 'serviceDecision', module: 'invoices', decision } });
      if (!s.ok) {
        io.err(`polity invoice propose: ${s.result ? `${s.result.code}: ${s.result.message ?? ''}` : s.status}`);
        return 1;
      }
      const executed = s.result?.events.some((e) => e.type === 'gov.executed');
      io.out(`proposal ${s.id} ${executed ? 'executed; enact it with: polity invoice enact ' + s.id : 'open; organisations vote with polity gov vote ' + s.id}`);
      return 0;
    }
    case 'enact':
      if (!isHex(a, 32)) throw new UsageError('expected: enact PROPOSAL (a 64-hex-digit proposal id)');
      return submit(client, values, io, 'enact', { proposal: a }, `enacted ${a.slice(0, 16)}…`);
    default:
      throw new UsageError(`unknown subcommand ${JSON.stringify(sub ?? '')}`);
  }
}

export const invoiceCommands: Record<string, Command> = {
  invoice: {
    summary: 'e-invoices: issue, acknowledge, void, reimburse (signed with --key); show a lifecycle; list a business’s invoices (--tax: the tax authority’s view)',
    usage:
      'polity invoice issue --number N --buyer ORG|DID --amount MINOR --currency CUR --date YYYY-MM-DD --document FILE|--hash HEX [--key FILE]\n       polity invoice acknowledge|reimburse SELLER NUMBER [--reference HEX] [--key FILE]\n       polity invoice void SELLER NUMBER --reason R [--key FILE]\n       polity invoice show SELLER NUMBER\n       polity invoice list ORG [--side seller|buyer] [--offset N] [--limit N] [--tax --key FILE]\n       polity invoice propose designate|withdraw --org ID --function reimburser|tax-authority\n       polity invoice enact PROPOSAL',
    options: {
      ...COMMON_OPTIONS,
      ...NODE_TARGET_OPTIONS,
      key: { type: 'string' },
      number: { type: 'string' },
      buyer: { type: 'string' },
      amount: { type: 'string' },
      currency: { type: 'string' },
      date: { type: 'string' },
      document: { type: 'string' },
      hash: { type: 'string' },
      reason: { type: 'string' },
      reference: { type: 'string' },
      side: { type: 'string' },
      offset: { type: 'string' },
      limit: { type: 'string' },
      tax: { type: 'boolean', default: false },
      org: { type: 'string' },
      function: { type: 'string' },
    },
    positionals: { min: 1, max: 3 },
    run: (values, positionals, io) => runInvoice(values, positionals, io),
  },
};
