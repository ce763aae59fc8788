/**
 * Validators (/validators): the validator set in force, changes scheduled to
 * take effect, every handover from the genesis set to the set in force —
 * each handover's certificate checked in this browser — and the changes
 * still waiting: governance proposals to set the validators, and a change
 * the validators proposed themselves, looked up by its id.
 *
 * Reads GET /v1/validator-sets, /v1/genesis, /v1/orgs (which organisation
 * runs each node), /v1/gov/proposals and /v1/validators/changes/{id}; the handovers are
 * followed with the ledger's own code (set-history.ts) and their signatures
 * verified with WebCrypto.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Genesis, Validator } from '../../ledger/genesis.js';
import { followSets } from '../../ledger/set-history.js';
import { SET_CHANGE_DELAY } from './limits.js';
import { mountPage } from '../../../web/app.js';
import { errorText, getJson, notFoundAs } from '../../../web/lib/api.js';
import type { OrgsResponse, PendingChangeResponse, ProposalsResponse, ValidatorSetsResponse } from '../../../web/lib/api-types.js';
import { verifyHandovers } from '../../../web/lib/certificates.js';
import { formatNumber, formatTimeLong, isoTime, plural, sentence } from '../../../web/lib/format.js';
import { useLoad } from '../../../web/lib/hooks.js';
import { useTick } from '../../../web/lib/status.js';
import { hasWebCrypto } from '../../../web/lib/webcrypto.js';
import { Field, readKey, Validation } from '../../../web/components/form.js';
import { DataTable } from '../../../web/components/table.js';
import { Badge, Fields, Hash, Notice, Panel } from '../../../web/components/ui.js';

interface Facts {
  sets: ValidatorSetsResponse;
  genesis: Genesis;
  /** Node key → the organisation that lists it. */
  runBy: Map<string, string>;
  proposals: ProposalsResponse;
}

async function loadFacts(): Promise<Facts> {
  const [sets, genesis, orgs, proposals] = await Promise.all([
    getJson<ValidatorSetsResponse>('/v1/validator-sets'),
    getJson<Genesis>('/v1/genesis'),
    getJson<OrgsResponse>('/v1/orgs'),
    getJson<ProposalsResponse>('/v1/gov/proposals?status=open&limit=200'),
  ]);
  const runBy = new Map<string, string>();
  for (const o of orgs.organisations) for (const k of o.nodes) runBy.set(k, o.name);
  return { sets, genesis, runBy, proposals };
}

function ValidatorsPage(): JSX.Element {
  const facts = useLoad(loadFacts, []);
  useTick(facts.reload);
  const f = facts.data;
  return (
    <>
      <h1>Validator set</h1>
      <p class="lead">
        The validators sign every block. The set changes only when validators holding more than two thirds of its voting power approve a new set, or when the member organisations decide it by governance; a new set signs from {SET_CHANGE_DELAY} blocks after the change is decided, and the outgoing set signs the handover.
      </p>
      {facts.error && !f ? (
        <Notice tone="error" title="The validator sets could not be loaded">
          <p>{sentence(errorText(facts.error))}</p>
        </Notice>
      ) : !f ? (
        <p class="loading">Loading…</p>
      ) : (
        <>
          <Panel id="current-title" title={`The set in force, since block ${formatNumber(f.sets.current.since)}`}>
            <SetTable id="current-table" caption="Validators in force" validators={f.sets.current.validators} runBy={f.runBy} />
          </Panel>
          <Panel id="scheduled-title" title="Scheduled changes">
            {f.sets.scheduled.length === 0 ? (
              <p class="muted" id="scheduled-none">
                No change is scheduled.
              </p>
            ) : (
              f.sets.scheduled.map((s, i) => (
                <div key={s.since}>
                  <p>
                    <Badge tone="wait">Scheduled</Badge> This set signs from block {formatNumber(s.since)}.
                  </p>
                  <SetTable id={`scheduled-table-${i}`} caption={`Validators from block ${s.since}`} validators={s.validators} runBy={f.runBy} />
                </div>
              ))
            )}
          </Panel>
          <Handovers facts={f} />
          <PendingChanges facts={f} />
        </>
      )}
    </>
  );
}

function SetTable(props: { id: string; caption: string; validators: readonly Validator[]; runBy: Map<string, string> }): JSX.Element {
  const total = props.validators.reduce((s, v) => s + v.power, 0);
  return (
    <DataTable
      id={props.id}
      caption={props.caption}
      rows={props.validators}
      rowKey={(v) => v.pubKey}
      rowProps={(v) => ({ 'data-key': v.pubKey })}
      pageSize={50}
      empty="No validator."
      columns={[
        { label: 'Validator', cell: (v) => <span class="strong">{v.name}</span> },
        { label: 'Run by', class: 'col-optional', cell: (v) => props.runBy.get(v.pubKey) ?? <span class="muted">no member organisation</span> },
        { label: 'Node key', class: 'col-hash', cell: (v) => <Hash value={v.pubKey} short /> },
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
  );
}

/** Every handover from the genesis set, each certificate checked here. */
function Handovers(props: { facts: Facts }): JSX.Element {
  const { sets, genesis } = props.facts;
  const [verdict, setVerdict] = useState<{ checked: Map<string, boolean>; error?: string } | null>(null);
  useEffect(() => {
    let current = true;
    void (async () => {
      const followed = followSets(genesis.chainId, genesis.validators, sets.handovers, Number.MAX_SAFE_INTEGER);
      if (!followed.ok) return current && setVerdict({ checked: new Map(), error: followed.reason });
      if (!hasWebCrypto()) return current && setVerdict({ checked: new Map(), error: 'this page is not in a secure context (HTTPS or localhost), so the browser cannot check signatures' });
      const checked = new Map<string, boolean>();
      const broken = await verifyHandovers(genesis.chainId, followed.handovers, checked);
      if (current) setVerdict({ checked, ...(broken ? { error: `the handover at block ${broken.height} does not hold` } : {}) });
    })();
    return () => void (current = false);
  }, [sets.handovers.length, genesis]);

  let line: JSX.Element;
  if (sets.handovers.length === 0) line = <p class="muted">The genesis set has signed every block so far: there has been no handover.</p>;
  else if (!verdict)
    line = (
      <p class="check check-pending" role="status">
        Checking the handovers in your browser…
      </p>
    );
  else if (verdict.error)
    line = (
      <p class="check check-error" role="status">
        <span aria-hidden="true">✗ </span>
        {sentence(verdict.error)}
      </p>
    );
  else
    line = (
      <p class="check check-ok" role="status" id="handovers-checked">
        <span aria-hidden="true">✓ </span>Checked in your browser: from the genesis set, each of the {plural(sets.handovers.length, 'handover')} was signed by more than two thirds of the outgoing set, and leads to the set in force.
      </p>
    );
  return (
    <Panel id="handovers-title" title="Handovers">
      {line}
      {sets.handovers.length ? (
        <DataTable
          id="handovers-table"
          caption="Validator-set handovers, oldest first"
          rows={sets.handovers}
          rowKey={(h) => h.since}
          pageSize={20}
          empty="No handover."
          columns={[
            { label: 'New set from block', class: 'num', cell: (h) => formatNumber(h.since) },
            {
              label: 'Signed in block',
              class: 'num',
              cell: (h) => <a href={`/explorer#/block/${h.header.height}`}>{formatNumber(h.header.height)}</a>,
            },
            { label: 'New set', cell: (h) => h.validators.map((v) => `${v.name} (${formatNumber(v.power)})`).join(', ') },
            {
              label: 'Certificate',
              cell: (h) => {
                const ok = verdict?.checked.get(h.certificate.blockHash);
                return ok === undefined ? <span class="muted">—</span> : ok ? <Badge tone="ok">Valid</Badge> : <Badge tone="error">Invalid</Badge>;
              },
            },
          ]}
        />
      ) : null}
    </Panel>
  );
}

/** Governance proposals to set the validators, and a validators' own change looked up by id. */
function PendingChanges(props: { facts: Facts }): JSX.Element {
  const { facts } = props;
  const proposals = facts.proposals.proposals.filter((p) => p.change.type === 'setValidators');
  const [id, setId] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [found, setFound] = useState<{ id: string; change: PendingChangeResponse | null } | null>(null);
  const lookUp = async (event: Event) => {
    event.preventDefault();
    const c = new Validation();
    const key = c.take('change-id', 'Change id', readKey(id, 'the id of the change (the id of the transaction that proposed it)'));
    setError(c.byField()['change-id']);
    if (!key) return document.getElementById('change-id')?.focus();
    try {
      setFound({ id: key, change: await getJson<PendingChangeResponse>(`/v1/validators/changes/${key}`).catch(notFoundAs(null)) });
    } catch (e) {
      setError(sentence(errorText(e)));
    }
  };
  return (
    <Panel id="pending-title" title="Changes waiting">
      <h3>Proposed by governance</h3>
      {proposals.length === 0 ? (
        <p class="muted" id="pending-none">
          No open governance proposal changes the validator set.
        </p>
      ) : (
        <DataTable
          id="pending-proposals"
          caption="Open governance proposals that set the validators"
          rows={proposals}
          rowKey={(p) => p.id}
          empty="None."
          columns={[
            { label: 'Proposal', cell: (p) => <a href="/governance">{`${p.id.slice(0, 8)}…`}</a> },
            { label: 'New set', cell: (p) => (p.change.type === 'setValidators' ? p.change.validators.map((v) => `${v.name} (${formatNumber(v.power)})`).join(', ') : '') },
            { label: 'Organisations for', class: 'num', cell: (p) => String(Object.values(p.decided).filter((d) => d === 'yes').length) },
            { label: 'Open until', cell: (p) => (p.expiresAtMs !== undefined ? <time dateTime={isoTime(p.expiresAtMs)}>{formatTimeLong(p.expiresAtMs)}</time> : `block ${formatNumber(p.expiresAt ?? 0)}`) },
          ]}
        />
      )}
      <h3>Proposed by the validators</h3>
      <p class="muted">A validator proposes a whole new set (validators.propose); it is scheduled once validators holding more than two thirds of the power approve it. Its id is the id of the transaction that proposed it.</p>
      <form class="lookup-form" id="change-form" noValidate onSubmit={lookUp}>
        <Field id="change-id" label="Change id" hint="64 hex digits" error={error}>
          {(a) => <input {...a} class="input input-key" type="text" autocomplete="off" spellcheck={false} value={id} onInput={(e) => setId((e.currentTarget as HTMLInputElement).value)} />}
        </Field>
        <div class="form-actions">
          <button type="submit" class="button button-secondary">
            Look it up
          </button>
        </div>
      </form>
      <div id="change-result" role="status" aria-live="polite">
        {found === null ? null : found.change === null ? (
          <p class="muted">No change with this id is waiting: it was never proposed, it was scheduled already, or it expired.</p>
        ) : (
          <Fields
            rows={[
              { label: 'Change', value: <Hash value={found.id} short /> },
              { label: 'New set', value: found.change.validators.map((v) => `${v.name} (${formatNumber(v.power)})`).join(', ') },
              {
                label: 'Approved by',
                value: `${plural(found.change.approvals.length, 'validator')}, holding ${formatNumber(found.change.approvedPower)} of ${formatNumber(found.change.totalPower)} voting power; more than two thirds schedule it`,
              },
              { label: 'Proposed at block', value: formatNumber(found.change.proposedAt) },
              // A deadline in block time; a change made under rules version 1 waits until a height.
              found.change.expiresAtMs !== undefined
                ? { label: 'Open until', value: <time dateTime={isoTime(found.change.expiresAtMs)}>{formatTimeLong(found.change.expiresAtMs)}</time> }
                : { label: 'Waits until block', value: formatNumber(found.change.expiresAt ?? 0) },
            ]}
          />
        )}
      </div>
    </Panel>
  );
}

mountPage(<ValidatorsPage />);
