/**
 * "Look up an invoice" (/invoices): anyone with an invoice in hand — its
 * buyer, an agency asked to reimburse it, an auditor — enters the seller
 * and the number and reads where it stands: issued, acknowledged by the
 * buyer, voided, or reimbursed (once, and by whom), each step with its
 * block, transaction and time. A document's hash can be compared with the
 * file's, here in the browser: the file never leaves it.
 *
 * The query string (?seller=…&number=…) makes a lookup a link.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { mountPage } from '../../../web/app.js';
import { fetchAnswer } from '../../../web/lib/api.js';
import { formatTime } from '../../../web/lib/format.js';
import { Badge, Fields, Hash, Notice, Panel, PrivacyNote } from '../../../web/components/ui.js';
import type { InvoiceViewT, LifecycleT } from './schemas.js';

const SELLER_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const NUMBER_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const STATUS_WORDS: Record<InvoiceViewT['status'], string> = {
  issued: 'Issued; the buyer has not acknowledged it yet.',
  acknowledged: 'Acknowledged by the buyer; not reimbursed.',
  voided: 'Voided by the seller. It cannot be reimbursed.',
  reimbursed: 'Reimbursed. It cannot be reimbursed again.',
};
const STEP_WORDS: Record<string, string> = { issued: 'Issued by the seller', acknowledged: 'Acknowledged by the buyer', voided: 'Voided by the seller', reimbursed: 'Reimbursed' };
const tone = (s: InvoiceViewT['status']): 'ok' | 'error' | 'info' | 'muted' => (s === 'reimbursed' ? 'ok' : s === 'voided' ? 'error' : 'info');

type Result = { kind: 'answer'; body: LifecycleT } | { kind: 'problem'; text: string } | undefined;

function InvoicesPage(): JSX.Element {
  const params = new URLSearchParams(location.search);
  const [seller, setSeller] = useState(params.get('seller') ?? '');
  const [number, setNumber] = useState(params.get('number') ?? '');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result>(undefined);

  const look = async (s: string, n: string): Promise<void> => {
    setResult(undefined);
    if (!SELLER_RE.test(s)) return setResult({ kind: 'problem', text: 'The seller is the id of a member organisation: lowercase letters, digits and dashes.' });
    if (!NUMBER_RE.test(n)) return setResult({ kind: 'problem', text: 'An invoice number is 1 to 64 letters, digits, dots, underscores or dashes.' });
    setBusy(true);
    const answer = await fetchAnswer<LifecycleT>(`/v1/invoices/${s}/${encodeURIComponent(n)}`);
    setBusy(false);
    if (answer.status === 200 && answer.body) setResult({ kind: 'answer', body: answer.body });
    else if (answer.status === 404) setResult({ kind: 'problem', text: `${s} issued no invoice numbered ${n} on this chain.` });
    else setResult({ kind: 'problem', text: answer.status === 0 ? 'The node did not answer. Try again in a moment.' : 'The node could not look up this invoice.' });
  };

  useEffect(() => {
    if (seller && number) void look(seller, number);
  }, []);

  const submit = (e: Event): void => {
    e.preventDefault();
    history.replaceState(null, '', `${location.pathname}?${new URLSearchParams({ seller, number })}`);
    void look(seller.trim(), number.trim());
  };

  return (
    <>
      <Panel id="lookup-title" title="Look up an invoice">
        <p>Enter the seller and the invoice number to see whether the invoice was acknowledged, voided or already reimbursed.</p>
        <form id="lookup-form" class="invoice-form" noValidate onSubmit={submit}>
          <div class="invoice-field">
            <label for="seller-input">Seller (organisation id)</label>
            <input id="seller-input" type="text" autocomplete="off" spellcheck={false} value={seller} onInput={(e) => setSeller((e.currentTarget as HTMLInputElement).value)} />
          </div>
          <div class="invoice-field">
            <label for="number-input">Invoice number</label>
            <input id="number-input" type="text" autocomplete="off" spellcheck={false} value={number} onInput={(e) => setNumber((e.currentTarget as HTMLInputElement).value)} />
          </div>
          <button type="submit" class="button" id="lookup" disabled={busy}>
            {busy ? 'Looking up…' : 'Look up'}
          </button>
        </form>
        <PrivacyNote>The chain holds the invoice's hash, amount and parties — a person who buys appears only as a pseudonymous DID, never by name. The invoice itself, with its lines, stays with the seller and the buyer.</PrivacyNote>
      </Panel>
      {result?.kind === 'problem' ? (
        <Notice tone="error" id="invoice-result" title="Cannot show this invoice">
          <p>{result.text}</p>
        </Notice>
      ) : null}
      {result?.kind === 'answer' ? <Lifecycle inv={result.body.invoice} /> : null}
    </>
  );
}

function Lifecycle(props: { inv: InvoiceViewT }): JSX.Element {
  const { inv } = props;
  return (
    <Panel id="lifecycle-title" title={`Invoice ${inv.number} of ${inv.seller}`}>
      <Notice tone={inv.status === 'voided' ? 'warn' : inv.status === 'reimbursed' ? 'ok' : 'info'} id="invoice-result" title={inv.status}>
        <p data-status={inv.status}>{STATUS_WORDS[inv.status]}</p>
      </Notice>
      <Fields
        rows={[
          { label: 'Buyer', value: inv.buyer },
          { label: 'Amount', value: `${inv.amount} minor units of ${inv.currency}` },
          { label: 'Dated', value: inv.date },
          { label: 'Document hash (SHA-256)', value: <Hash value={inv.documentHash} short /> },
        ]}
      />
      <div class="table-wrap">
      <table class="table" id="lifecycle-table">
        <caption class="visually-hidden">Lifecycle</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Block</th>
            <th scope="col">Transaction</th>
            <th scope="col">Time</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {inv.events.map((e) => (
            <tr key={e.txId}>
              <td>
                <Badge tone={e.type === 'issued' || e.type === 'acknowledged' ? 'info' : tone(e.type)}>{e.type}</Badge> {STEP_WORDS[e.type]}
                {e.reason ? <span class="muted"> ({e.reason})</span> : null}
              </td>
              <td>
                <a href={`/explorer#/block/${e.height}`}>{e.height}</a>
              </td>
              <td>
                <a href={`/explorer#/tx/${e.txId}`}>
                  <Hash value={e.txId} short />
                </a>
              </td>
              <td>{formatTime(e.time)}</td>
              <td>{e.org ?? 'the buyer (by DID)'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </Panel>
  );
}

mountPage(<InvoicesPage />);
