/** The explorer's home: the chain at a glance, the latest blocks (live), and who signs them. */
import type { JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorText, getJson } from '../../lib/api.js';
import type { BlocksResponse, EvidenceResponse, StatusResponse } from '../../lib/api-types.js';
import { formatAgo, formatNumber, plural, sentence } from '../../lib/format.js';
import { useStatus, useTick } from '../../lib/status.js';
import { DataTable } from '../../components/table.js';
import { Hash, Notice, Panel, Time } from '../../components/ui.js';
import { ValidatorLabel } from './chain.js';

export const BLOCKS_PAGE = 20;
export const REFRESH_MS = 3000;

type BlockRow = BlocksResponse['blocks'][number];

/** Whether the latest blocks update by themselves (kept while the person moves around the explorer). */
let live = true;

export function Home(props: { onLoaded: () => void }): JSX.Element {
  const status = useStatus();
  const [rows, setRows] = useState<Map<number, BlockRow> | null>(null);
  const [fresh, setFresh] = useState<Set<number>>(new Set());
  const [evidence, setEvidence] = useState<number | null>(null);
  const [isLive, setLive] = useState(live);
  const [failed, setFailed] = useState<string | null>(null);
  /** Rows to keep: a page, plus a page per "Show older blocks" (bounds memory on a page left open for days). */
  const wanted = useRef(BLOCKS_PAGE);
  const seenTop = useRef(0);

  useEffect(() => {
    void Promise.all([getJson<BlocksResponse>(`/v1/blocks?limit=${BLOCKS_PAGE}`), getJson<EvidenceResponse>('/v1/evidence?limit=1')]).then(([list, ev]) => {
      setRows(new Map(list.blocks.map((b) => [b.header.height, b])));
      seenTop.current = list.height;
      setEvidence(ev.total);
      props.onLoaded();
    }, (e: unknown) => setFailed(errorText(e)));
  }, []);

  const refresh = useCallback(async () => {
    if (!live || !rows) return;
    const latest = await getJson<BlocksResponse>(`/v1/blocks?limit=${BLOCKS_PAGE}`);
    const next = new Map(rows);
    const added = new Set<number>();
    for (const b of latest.blocks) {
      if (b.header.height > seenTop.current) added.add(b.header.height);
      next.set(b.header.height, b);
    }
    seenTop.current = Math.max(seenTop.current, latest.height);
    const heights = [...next.keys()].sort((a, b) => b - a);
    for (const h of heights.slice(wanted.current)) next.delete(h);
    setRows(next);
    setFresh(added);
  }, [rows]);
  useTick(isLive ? refresh : null);

  const older = async () => {
    if (!rows || rows.size === 0) return;
    const oldest = Math.min(...rows.keys());
    const list = await getJson<BlocksResponse>(`/v1/blocks?limit=${BLOCKS_PAGE}&before=${oldest}`);
    const next = new Map(rows);
    for (const b of list.blocks) next.set(b.header.height, b);
    wanted.current = next.size;
    setRows(next);
    setFresh(new Set());
  };

  const toggleLive = () => {
    live = !live;
    setLive(live);
    if (live) void refresh();
  };

  const sorted = rows ? [...rows.values()].sort((a, b) => b.header.height - a.header.height) : [];
  const oldest = sorted.length ? sorted[sorted.length - 1]!.header.height : 0;
  return (
    <div>
      <h1 tabIndex={-1}>Chain overview</h1>
      {status ? <Summary status={status} /> : null}
      <Panel
        id="latest-title"
        title="Latest blocks"
        head={
          <p class="live">
            <span class={`live-text ${isLive ? 'is-live' : ''}`} role="status">
              {isLive ? `Updates every ${REFRESH_MS / 1000} seconds` : 'Updates paused'}
            </span>
            <button type="button" class="button-link live-toggle" aria-pressed={isLive ? 'true' : 'false'} onClick={toggleLive}>
              {isLive ? 'Pause updates' : 'Resume updates'}
            </button>
          </p>
        }
      >
        {failed ? (
          <Notice tone="error" title="The latest blocks could not be loaded">
            <p>{sentence(failed)}</p>
          </Notice>
        ) : rows ? (
          <DataTable
            id="blocks-table"
            caption="Latest blocks, newest first"
            rows={sorted}
            rowKey={(b) => b.header.height}
            rowProps={(b) => ({ class: fresh.has(b.header.height) ? 'fresh' : undefined })}
            empty="No block has been committed yet."
            more={{ label: 'Show older blocks', done: sorted.length === 0 || oldest <= 1, onMore: older }}
            columns={[
              {
                label: 'Block',
                cell: (b) => (
                  <a href={`#/block/${b.header.height}`} class="strong" aria-label={`Block ${b.header.height}`}>
                    {formatNumber(b.header.height)}
                  </a>
                ),
              },
              {
                label: 'Time',
                cell: (b) => (
                  <>
                    <Time ms={b.header.time} />
                    <span class="muted block">{formatAgo(b.header.time)}</span>
                  </>
                ),
              },
              { label: 'Transactions', class: 'num', cell: (b) => formatNumber(b.header.txCount) },
              {
                label: 'Block hash',
                class: 'col-hash',
                cell: (b) => (
                  <a href={`#/block/${b.hash}`}>
                    <span class="visually-hidden">Block {b.header.height}, hash </span>
                    <Hash value={b.hash} short />
                  </a>
                ),
              },
              { label: 'Proposer', class: 'col-optional', cell: (b) => <ValidatorLabel pubKey={b.header.proposer} /> },
            ]}
          />
        ) : (
          <p class="loading">Loading…</p>
        )}
      </Panel>
      {status ? <ValidatorsPanel status={status} /> : null}
      <Panel id="evidence-title" title="Evidence of misbehaviour">
        <p class="muted" id="evidence-summary">
          {evidence === null
            ? 'Loading…'
            : evidence === 0
              ? 'No validator has been caught signing two conflicting votes.'
              : `${plural(evidence, 'equivocation')} recorded on the chain: validators that signed two conflicting consensus messages.`}{' '}
          <a href="/evidence">See the evidence</a>.
        </p>
      </Panel>
    </div>
  );
}

function Summary(props: { status: StatusResponse }): JSX.Element {
  const s = props.status;
  const totalPower = s.validators.reduce((sum, v) => sum + v.power, 0);
  const card = (label: string, value: JSX.Element | string, detail: JSX.Element | string) => (
    <div class="card">
      <p class="card-label">{label}</p>
      <p class="card-value">{value}</p>
      <p class="card-detail">{detail}</p>
    </div>
  );
  return (
    <div class="cards" id="summary">
      {card('Latest block', <a href={`#/block/${s.height}`}>{formatNumber(s.height)}</a>, s.height > 0 ? <Hash value={s.latestBlockHash} short /> : 'no block yet')}
      {card('Last block', s.height > 0 ? formatAgo(s.latestBlockTime) : '—', s.height > 0 ? <Time ms={s.latestBlockTime} /> : '')}
      {card('Validators', formatNumber(s.validators.length), `${s.consensus === 'solo' ? 'Single-node' : 'BFT'} consensus · voting power ${formatNumber(totalPower)}`)}
      {card(
        'Waiting',
        formatNumber(s.mempoolTxs),
        `${s.mempoolTxs === 1 ? 'transaction' : 'transactions'} for the next block · ${formatNumber(s.notaryPendingHashes)} document ${s.notaryPendingHashes === 1 ? 'hash' : 'hashes'} queued`,
      )}
    </div>
  );
}

/** Who signs the blocks: the validators of the latest status, with their voting power. */
function ValidatorsPanel(props: { status: StatusResponse }): JSX.Element {
  const s = props.status;
  const total = s.validators.reduce((sum, v) => sum + v.power, 0);
  return (
    <Panel id="validators-title" title="Validators">
      <p class="muted" id="consensus-kind">
        {s.consensus === 'bft'
          ? `Byzantine-fault-tolerant consensus (Tendermint) among ${s.validators.length} organisations: a block is final once validators holding more than two thirds of the voting power have signed it, so the record holds even if fewer than a third of them fail or lie. This node is linked to ${s.peers.length} of its peers.`
          : 'One organisation signs every block (solo consensus, for pilots). A block is final once its validator has signed it.'}{' '}
        <a href="/validators">Changes of the validator set</a>.
      </p>
      <DataTable
        id="validators-table"
        caption="Validators and their voting power"
        rows={s.validators}
        rowKey={(v) => v.pubKey}
        empty="No validator."
        columns={[
          { label: 'Organisation', cell: (v) => <span class="strong">{v.name}</span> },
          { label: 'Public key', class: 'col-hash', cell: (v) => <Hash value={v.pubKey} short /> },
          {
            label: 'Voting power',
            class: 'num',
            cell: (v) => (
              <>
                {formatNumber(v.power)} <span class="muted">({Math.round((v.power / total) * 100)}%)</span>
              </>
            ),
          },
        ]}
      />
    </Panel>
  );
}
