/** A transaction, and the notary record of a document hash. */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { TxEvent } from '../../../src/ledger/block.js';
import { getJson, notFoundAs } from '../../lib/api.js';
import type { NotaryLookupResponse, TxResponse } from '../../lib/api-types.js';
import { memberInWords } from '../../lib/members.js';
import { formatNumber, formatTime, shortHex } from '../../lib/format.js';
import { useLoad } from '../../lib/hooks.js';
import { useTick } from '../../lib/status.js';
import { Badge, CopyButton, Fields, Hash, MetaList, Notice, Panel, Time } from '../../components/ui.js';
import { ResultBadge, validatorName } from './chain.js';
import { Breadcrumbs, LoadFailed } from './parts.js';

function Signer(props: { pubKey: string }): JSX.Element {
  const validator = validatorName(props.pubKey);
  const [who, setWho] = useState<{ name: string; height: number } | undefined>(undefined);
  useEffect(() => {
    if (validator) return;
    let live = true;
    memberInWords(props.pubKey).then(
      (w) => live && setWho(w),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [props.pubKey]);
  return (
    <span>
      {validator ? <span class="validator-name">{validator}</span> : null}
      {who ? (
        <span class="validator-name signer-name" title={`Who holds this key now (block ${who.height}); roles may have changed since it signed`}>
          {who.name}
        </span>
      ) : null}
      <Hash value={props.pubKey} />
    </span>
  );
}

export function TxView(props: { id: string; onLoaded: () => void }): JSX.Element {
  const loaded = useLoad(() => getJson<TxResponse>(`/v1/txs/${props.id}`).catch(notFoundAs(null)), [props.id]);
  const tx = loaded.data;
  useTick(tx?.status === 'pending' ? loaded.reload : null);
  useEffect(() => {
    if (loaded.loading) return;
    document.title = `Transaction ${shortHex(props.id)} · Polity explorer`;
    props.onLoaded();
  }, [loaded.loading]);
  if (loaded.loading) return <p class="loading">Loading…</p>;
  if (loaded.error) return <LoadFailed error={loaded.error} />;
  const head = (
    <>
      <Breadcrumbs current="Transaction" />
      <h1 tabIndex={-1}>Transaction</h1>
      <p class="lead with-action">
        <Hash value={props.id} />
        <CopyButton text={props.id} what="transaction id" />
      </p>
    </>
  );
  if (!tx)
    return (
      <div>
        {head}
        <Notice tone="warn" title="This node does not know this transaction.">
          <p>It may not have been submitted, or it expired before being included in a block.</p>
        </Notice>
      </div>
    );
  if (tx.status !== 'committed')
    return (
      <div>
        {head}
        <Notice tone="info" title="Waiting to be included in a block.">
          <p>This page updates by itself.</p>
        </Notice>
      </div>
    );
  const body = tx.tx?.body;
  const result = tx.result;
  const anchored = body?.module === 'notary' && body.action === 'anchor' && typeof body.args.hash === 'string' ? body.args.hash : null;
  return (
    <div>
      {head}
      <Panel id="summary-title" title="Summary">
        <Fields
          rows={[
            {
              label: 'Status',
              value: (
                <span>
                  <Badge tone="ok">Committed</Badge> {result.code === 'OK' ? 'and succeeded' : 'but failed'}
                </span>
              ),
            },
            {
              label: 'Block',
              value: (
                <a href={`#/block/${tx.height}`}>
                  Block {formatNumber(tx.height)}, position {tx.index}
                </a>
              ),
            },
            { label: 'Time', value: tx.time !== undefined ? <Time ms={tx.time} /> : null },
            { label: 'Action', value: body ? <code class="action">{`${body.module}.${body.action}`}</code> : null },
            { label: 'Signer', value: body ? <Signer pubKey={body.signer} /> : null },
            { label: 'Nonce', value: body ? String(body.nonce) : null },
            { label: 'Expires at', value: body?.expiresAt !== undefined ? `block ${body.expiresAt}` : null },
            {
              label: 'Result',
              value: (
                <span>
                  <ResultBadge code={result.code} />
                  {result.message ? <span class="result-message"> {result.message}</span> : null}
                </span>
              ),
            },
            { label: 'Events', value: result.events.length ? <Events events={result.events} /> : null },
            {
              label: 'Anchored document',
              value: anchored ? (
                <a href={`#/doc/${anchored}`}>
                  <Hash value={anchored} short />
                </a>
              ) : null,
            },
          ]}
        />
      </Panel>
      <Panel id="signed-title" title="Transaction as signed">
        <pre class="code" tabIndex={0} aria-label="Transaction JSON">
          {JSON.stringify(tx.tx, null, 2)}
        </pre>
      </Panel>
    </div>
  );
}

function Events(props: { events: TxEvent[] }): JSX.Element {
  return (
    <ul class="events">
      {props.events.map((event, i) => {
        const { type, ...rest } = event;
        const detail = Object.entries(rest).map(([k, v]) => `${k}: ${typeof v === 'string' && v.length > 24 ? shortHex(v) : JSON.stringify(v)}`);
        return (
          <li key={i}>
            <code>{type}</code>
            {detail.length ? <span class="muted"> {detail.join(' · ')}</span> : null}
          </li>
        );
      })}
    </ul>
  );
}

export function DocView(props: { hash: string; onLoaded: () => void }): JSX.Element {
  const loaded = useLoad(() => getJson<NotaryLookupResponse>(`/v1/notary/hashes/${props.hash}`), [props.hash]);
  const record = loaded.data;
  useTick(record?.status === 'pending' ? loaded.reload : null);
  useEffect(() => {
    if (loaded.loading) return;
    document.title = `Document ${shortHex(props.hash)} · Polity explorer`;
    props.onLoaded();
  }, [loaded.loading]);
  if (loaded.loading) return <p class="loading">Loading…</p>;
  if (loaded.error || !record) return <LoadFailed error={loaded.error} />;
  const head = (
    <>
      <Breadcrumbs current="Document" />
      <h1 tabIndex={-1}>Document</h1>
      <p class="lead with-action">
        <span>
          SHA-256 <Hash value={props.hash} />
        </span>
        <CopyButton text={props.hash} what="document hash" />
      </p>
    </>
  );
  if (record.status === 'pending')
    return (
      <div>
        {head}
        <Notice tone="info" title="Queued for anchoring.">
          <p>This hash is in the batch for the next block; its receipt is ready once that block commits. This page updates by itself.</p>
        </Notice>
      </div>
    );
  if (record.status !== 'anchored' || record.height === undefined || record.time === undefined)
    return (
      <div>
        {head}
        <Notice tone="warn" title="Not anchored on this chain.">
          <p>
            No document with this SHA-256 has been anchored. Check that the hash is of the right file (for example with the <a href="/verify">verify page</a>).
          </p>
        </Notice>
      </div>
    );
  const meta = record.meta && typeof record.meta === 'object' ? Object.entries(record.meta) : [];
  return (
    <div>
      {head}
      <div class="notice notice-ok" id="doc-status">
        <p class="notice-title">
          Anchored in block {formatNumber(record.height)} at {formatTime(record.time)}
        </p>
        <p>The ledger holds this fingerprint of the document, never the document itself.</p>
      </div>
      <Panel id="record-title" title="Record">
        <Fields
          rows={[
            { label: 'Block', value: <a href={`#/block/${record.height}`}>Block {formatNumber(record.height)}</a> },
            { label: 'Block hash', value: record.blockHash ? <Hash value={record.blockHash} /> : null },
            { label: 'Anchored by', value: record.mode === 'batch' ? 'Aggregated batch (one Merkle root for many documents)' : 'Signed transaction' },
            {
              label: 'Transaction',
              value: record.txId ? (
                <a href={`#/tx/${record.txId}`}>
                  <Hash value={record.txId} short />
                </a>
              ) : null,
            },
            { label: 'Signer', value: record.signer ? <Signer pubKey={record.signer} /> : null },
            { label: 'Metadata', value: meta.length ? <MetaList entries={meta} /> : null },
          ]}
        />
        <p class="actions">
          <a class="button" href={`/v1/notary/receipts/${props.hash}`} download={`${props.hash.slice(0, 16)}.receipt.json`}>
            Download the receipt
          </a>
          <a class="button button-secondary" href="/verify">
            Verify a file against it
          </a>
        </p>
      </Panel>
    </div>
  );
}
