/** A block: its header, its transactions, and its commit certificate checked in the browser. */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { hasQuorum } from '../../../src/ledger/block.js';
import { getJson, notFoundAs } from '../../lib/api.js';
import type { BlockResponse } from '../../lib/api-types.js';
import { formatAgo, formatNumber, formatTime, shortHex } from '../../lib/format.js';
import { useLoad } from '../../lib/hooks.js';
import { useStatus } from '../../lib/status.js';
import { DataTable } from '../../components/table.js';
import { Badge, CopyButton, Fields, Hash, Notice, Panel, Time } from '../../components/ui.js';
import { checkBlock, isHash, ResultBadge, ValidatorLabel, validatorName, type BlockCheck } from './chain.js';
import { Breadcrumbs, LoadFailed } from './parts.js';

/** Rows of a block's transaction table per page; a block may hold 20,000. */
const TXS_PAGE = 100;

export function BlockView(props: { blockRef: string; onLoaded: () => void }): JSX.Element {
  const status = useStatus();
  const loaded = useLoad(() => getJson<BlockResponse>(`/v1/blocks/${encodeURIComponent(props.blockRef)}`).catch(notFoundAs(null)), [props.blockRef]);
  const [check, setCheck] = useState<BlockCheck | null>(null);
  const block = loaded.data;

  useEffect(() => {
    setCheck(null);
    if (!block) return;
    let current = true;
    checkBlock(block).then(
      (c) => current && setCheck(c),
      (e: unknown) => current && setCheck({ error: `could not check the signatures here (${(e as Error).message})` }),
    );
    return () => void (current = false);
  }, [block]);

  useEffect(() => {
    if (!loaded.loading) {
      document.title = block ? `Block ${block.header.height} · Polity explorer` : 'Block not found · Polity explorer';
      props.onLoaded();
    }
  }, [loaded.loading, block]);

  if (loaded.loading) return <p class="loading">Loading…</p>;
  if (loaded.error) return <LoadFailed error={loaded.error} />;
  if (!block) {
    return (
      <div>
        <Breadcrumbs current="Block" />
        <h1 tabIndex={-1}>Block not found</h1>
        <Notice tone="warn" title={`This node has no block ${isHash(props.blockRef) ? `with hash ${shortHex(props.blockRef)}` : props.blockRef}.`}>
          <p>
            <a href="#/">See the latest blocks</a>
          </p>
        </Notice>
      </div>
    );
  }
  const hd = block.header;
  return (
    <div>
      <Breadcrumbs current={`Block ${hd.height}`} />
      <div class="title-row">
        <h1 tabIndex={-1}>Block {formatNumber(hd.height)}</h1>
        <nav class="pager" aria-label="Neighbouring blocks">
          {hd.height > 1 ? (
            <a href={`#/block/${hd.height - 1}`} rel="prev">
              ← Block {hd.height - 1}
            </a>
          ) : (
            <span />
          )}
          {status && hd.height < status.height ? (
            <a href={`#/block/${hd.height + 1}`} rel="next">
              Block {hd.height + 1} →
            </a>
          ) : (
            <span class="muted">Latest block</span>
          )}
        </nav>
      </div>
      <p class="lead">
        Committed <Time ms={hd.time} /> ({formatAgo(hd.time)}) · {hd.txCount} {hd.txCount === 1 ? 'transaction' : 'transactions'} · proposed by {validatorName(hd.proposer) ?? shortHex(hd.proposer)}
      </p>
      <Panel id="header-title" title="Header">
        <Fields
          rows={[
            {
              label: 'Block hash',
              help: 'SHA-256 of the canonical header',
              value: (
                <span class="with-action">
                  <Hash value={block.hash} />
                  <CopyButton text={block.hash} what="block hash" />
                </span>
              ),
            },
            { label: 'Height', value: formatNumber(hd.height) },
            { label: 'Time', value: <Time ms={hd.time} /> },
            { label: 'Chain', value: hd.chainId },
            {
              label: 'Previous block',
              value:
                hd.height > 1 ? (
                  <a href={`#/block/${hd.height - 1}`}>
                    <Hash value={hd.prevHash} />
                  </a>
                ) : (
                  <span>
                    <Hash value={hd.prevHash} />
                    <span class="muted block">the genesis hash (this is the first block)</span>
                  </span>
                ),
            },
            { label: 'Transactions', value: formatNumber(hd.txCount) },
            { label: 'Transactions root', help: 'Merkle root of the transaction ids', value: <Hash value={hd.txRoot} /> },
            { label: 'Results root', help: 'Merkle root of the transaction results', value: <Hash value={hd.resultsRoot} /> },
            { label: 'State root', help: 'Root of the state after this block', value: <Hash value={hd.stateRoot} /> },
            { label: 'History root', help: 'Merkle root of all earlier block hashes', value: <Hash value={hd.historyRoot} /> },
            { label: 'Validator set', help: 'Hash of the validators that sign this block', value: <Hash value={hd.validatorSetHash} /> },
            hd.nextValidatorSetHash ? { label: 'Next validator set', help: 'The last block this set signs: it hands the chain over to the set with this hash', value: <Hash value={hd.nextValidatorSetHash} /> } : null,
            hd.lastCommitHash
              ? { label: 'Previous certificate', help: "Hash of the commit certificate of the previous block, which this block carries; its median vote time is this block's time", value: <Hash value={hd.lastCommitHash} /> }
              : null,
            { label: 'Proposer', value: <ValidatorLabel pubKey={hd.proposer} /> },
            { label: 'Format version', value: String(hd.v) },
          ]}
        />
      </Panel>
      <Panel id="txs-title" title={`Transactions (${formatNumber(block.txs.length)})`}>
        {block.txs.length === 0 ? (
          <p class="muted">This block holds no transactions.</p>
        ) : (
          <DataTable
            id="txs-table"
            caption={`Transactions of block ${hd.height}, in order`}
            rows={block.txs}
            rowKey={(_tx, i) => i}
            pageSize={TXS_PAGE}
            empty="No transactions."
            columns={[
              { label: '#', class: 'num muted col-optional', cell: (_tx, i) => String(i) },
              {
                label: 'Transaction',
                cell: (_tx, i) => {
                  const id = block.results?.[i]?.txId;
                  return id ? (
                    <a href={`#/tx/${id}`}>
                      <Hash value={id} short />
                    </a>
                  ) : (
                    '—'
                  );
                },
              },
              { label: 'Action', cell: (tx) => <code class="action">{`${tx.body.module}.${tx.body.action}`}</code> },
              { label: 'Signer', class: 'col-optional', cell: (tx) => (validatorName(tx.body.signer) ? <ValidatorLabel pubKey={tx.body.signer} /> : <Hash value={tx.body.signer} short />) },
              { label: 'Result', cell: (_tx, i) => <ResultBadge code={block.results?.[i]?.code} /> },
            ]}
          />
        )}
      </Panel>
      <Panel id="certificate-title" title="Commit certificate">
        <div id="certificate">
          <Certificate block={block} check={check} />
        </div>
      </Panel>
    </div>
  );
}

function Certificate(props: { block: BlockResponse; check: BlockCheck | null }): JSX.Element {
  const status = useStatus();
  const { block, check } = props;
  const cert = block.certificate;
  const verdict = check && !('error' in check) ? check : null;
  const validators = verdict?.validators ?? status?.validators ?? [];
  const powerOf = new Map(validators.map((v) => [v.pubKey, v.power]));
  const totalPower = verdict?.totalPower ?? validators.reduce((sum, v) => sum + v.power, 0);
  const claimedPower = cert.signatures.reduce((sum, s) => sum + (powerOf.get(s.validator) ?? 0), 0);
  const signedPower = verdict ? verdict.signedPower : claimedPower;
  const quorum = hasQuorum(signedPower, totalPower);
  const valid = new Map(verdict?.signatures.map((s) => [s.pubKey, s.valid]) ?? []);

  let line: JSX.Element;
  if (!check)
    line = (
      <p class="check check-pending" role="status">
        Checking the signatures in your browser…
      </p>
    );
  else if ('error' in check)
    line = (
      <p class="check check-warn" role="status">
        Not checked in your browser: {check.error}.
      </p>
    );
  else if (check.quorum && check.signatures.every((s) => s.valid))
    line = (
      <p class="check check-ok" role="status">
        <span aria-hidden="true">✓ </span>Checked in your browser: the header hashes to the block hash, and every signature is valid.
        {check.handovers
          ? ` The signing set was followed from the genesis set through ${check.handovers} validator-set ${check.handovers === 1 ? 'change' : 'changes'}, each signed by the outgoing validators.`
          : ''}
      </p>
    );
  else
    line = (
      <p class="check check-error" role="status">
        <span aria-hidden="true">✗ </span>The certificate does not hold: some signatures are invalid or the signers lack a two-thirds majority.
      </p>
    );

  return (
    <>
      <div class={`quorum ${quorum ? 'quorum-ok' : 'quorum-bad'}`}>
        <p class="quorum-figure" id="quorum">
          <strong>
            {formatNumber(signedPower)} of {formatNumber(totalPower)}
          </strong>{' '}
          voting power signed
        </p>
        <p class="quorum-text">
          {quorum ? 'Final: more than two thirds of the voting power signed this block.' : 'Not final: more than two thirds of the voting power must sign.'} Round {cert.round} · {cert.signatures.length} of{' '}
          {validators.length || '?'} validators.
        </p>
      </div>
      {line}
      <DataTable
        id="signatures-table"
        caption="Validator signatures of the commit certificate"
        rows={cert.signatures}
        rowKey={(s) => s.validator}
        empty="No signature."
        columns={[
          { label: 'Validator', cell: (s) => <ValidatorLabel pubKey={s.validator} /> },
          { label: 'Power', class: 'num col-optional', cell: (s) => formatNumber(powerOf.get(s.validator) ?? 0) },
          { label: 'Signed at', cell: (s) => <time dateTime={new Date(s.time).toISOString()}>{formatTime(s.time)}</time> },
          { label: 'Signature', class: 'col-optional', cell: (s) => <Hash value={s.sig} short /> },
          {
            label: 'Check',
            cell: (s) => {
              const ok = valid.get(s.validator);
              return ok === undefined ? <span class="muted">—</span> : ok ? <Badge tone="ok">Valid</Badge> : <Badge tone="error">Invalid</Badge>;
            },
          },
        ]}
      />
    </>
  );
}
