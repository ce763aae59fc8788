/**
 * The citizen's erasure on "Who used my data" (/sharing): ask, in plain
 * words and after a confirmation, that a holder erase what it keeps under
 * this pseudonym, and follow the request on the chain until every holder
 * has confirmed its purge (spec/services/sharing.md §8, §10).
 *
 * The request is the same `polity-sharing-erasure` document that `polity
 * sharing request-erasure` signs, built here and signed with WebCrypto by
 * the pseudonym's key (consent-format.ts holds the bytes signed), so the
 * page and the CLI cannot disagree. Erasure cannot be undone: nothing is
 * signed before the citizen confirms, and the confirmation says what is
 * destroyed and what stays.
 */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { fetchAnswer } from '../../../web/lib/api.js';
import { formatTime } from '../../../web/lib/format.js';
import { Field } from '../../../web/components/form.js';
import { invalidOutcome, type Outcome } from '../../../web/components/signed-write.js';
import { Badge, Panel } from '../../../web/components/ui.js';
import { toHex } from '../../crypto/bytes.js';
import type { ErasureDoc } from './consent-format.js';
import type { DirectoryViewT, ErasureStatusViewT } from './schemas.js';

const HEX32_RE = /^[0-9a-f]{64}$/;

/** Where a request stands, from the chain: no record erased for it yet, erasing on some holders, purged on all. */
export type ErasureStage = 'requested' | 'erasing' | 'purged';

export function erasureStage(e: ErasureStatusViewT): ErasureStage {
  if (e.records.length === 0) return 'requested';
  return e.records.every((r) => r.status === 'purged') && e.recordsTotal === e.records.length ? 'purged' : 'erasing';
}

/** The holders that confirmed a purge for this request, with the last block that did. */
function purgedBy(e: ErasureStatusViewT): { holders: string[]; height: number } {
  const holders = new Set<string>();
  let height = 0;
  for (const r of e.records) {
    for (const [h, at] of Object.entries(r.purged ?? {})) {
      holders.add(h);
      height = Math.max(height, at);
    }
  }
  return { holders: [...holders].sort(), height };
}

/** The form: which dataset (and optionally which record), then a confirmation that names what is destroyed. */
export function ErasureForm(props: { keySubject: string; preferred: string[]; busy: boolean; setOutcome: (o: Outcome) => void; chainId: () => Promise<string>; onAsk: (e: ErasureDoc, title: string) => Promise<void> }): JSX.Element {
  const [dir, setDir] = useState<DirectoryViewT['datasets']>([]);
  const [dataset, setDataset] = useState('');
  const [recordId, setRecordId] = useState('');
  const [confirming, setConfirming] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const ask = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    void fetchAnswer<DirectoryViewT>('/v1/sharing/datasets').then((a) => {
      if (!a.body) return;
      const datasets = a.body.datasets;
      setDir(datasets);
      // The dataset of the citizen's consents under this pseudonym first: a pseudonym is for one holder's dataset.
      const first = props.preferred.find((p) => datasets.some((d) => `${d.org}/${d.name}` === p)) ?? (datasets[0] ? `${datasets[0].org}/${datasets[0].name}` : '');
      setDataset(first);
    });
  }, []);
  useEffect(() => {
    if (confirming) yes.current?.focus();
  }, [confirming]);
  const chosen = dir.find((d) => `${d.org}/${d.name}` === dataset);
  const title = chosen ? `${chosen.title} (${chosen.org})` : dataset;

  const check = (e: Event): void => {
    e.preventDefault();
    if (props.busy) return;
    const errors = [
      !chosen ? { id: 'erasure-dataset', label: 'Dataset', message: 'Choose the dataset this pseudonym is for.' } : null,
      recordId.trim() !== '' && !HEX32_RE.test(recordId.trim()) ? { id: 'erasure-record', label: 'Record id', message: 'A record id is 64 hexadecimal digits; leave it empty to ask for all your records in this dataset.' } : null,
    ].filter((x): x is { id: string; label: string; message: string } => x !== null);
    if (errors.length > 0) return props.setOutcome(invalidOutcome(errors));
    setConfirming(true);
  };
  const go = async (): Promise<void> => {
    setConfirming(false);
    if (!chosen) return;
    const chainId = await props.chainId();
    const rec = recordId.trim();
    await props.onAsk({ type: 'polity-sharing-erasure', v: 1, chainId, id: toHex(crypto.getRandomValues(new Uint8Array(32))), subject: props.keySubject, holder: chosen.org, dataset: chosen.name, ...(rec ? { recordId: rec } : {}) }, title);
    setRecordId('');
  };

  return (
    <Panel id="erasure-title" title="Ask for erasure">
      <p>You can ask the organisation that holds your data under this pseudonym to erase it. What happens:</p>
      <ul id="erasure-explained">
        <li>Your record, the key that encrypts it and the salt that ties it to you are destroyed on every node that holds it — at the organisation and at every organisation it was shared with.</li>
        <li>The chain keeps only a fingerprint of the record (its commitment). Without the salt, nobody can link it to you or to anything else.</li>
        <li>Each organisation's node writes a purge entry on the chain when it has destroyed its copy. You can follow this below.</li>
        <li>
          <strong>It cannot be undone.</strong> The organisation will not be able to give the data back.
        </li>
      </ul>
      <form id="erasure-form" noValidate onSubmit={check}>
        <Field id="erasure-dataset" label="Dataset this pseudonym is for" class="form-field-narrow">
          {(a) => (
            <select
              {...a}
              class="input"
              value={dataset}
              onChange={(e) => {
                setDataset((e.currentTarget as HTMLSelectElement).value);
                setConfirming(false);
              }}
            >
              {dir.map((d) => (
                <option key={`${d.org}/${d.name}`} value={`${d.org}/${d.name}`}>
                  {d.title} ({d.org})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="erasure-record" label="Record id (optional)" hint="Leave it empty to ask for every record the organisation keeps under this pseudonym in this dataset." class="form-field-narrow">
          {(a) => (
            <input
              {...a}
              class="input input-key"
              type="text"
              autocomplete="off"
              spellcheck={false}
              value={recordId}
              onInput={(e) => {
                setRecordId((e.currentTarget as HTMLInputElement).value);
                setConfirming(false);
              }}
            />
          )}
        </Field>
        <div class="form-actions">
          <button type="submit" class="button button-danger" id="erasure-ask" ref={ask} disabled={props.busy}>
            Ask for erasure…
          </button>
        </div>
      </form>
      <div class="confirm" id="erasure-confirm" role="group" aria-labelledby="erasure-confirm-text" hidden={!confirming}>
        <p id="erasure-confirm-text">
          <strong>Erase your data in {title}{recordId.trim() ? ` (record ${recordId.trim().slice(0, 12)}…)` : ''}?</strong> This cannot be undone: once sent, every organisation that holds it must destroy it.
        </p>
        <div class="form-actions">
          <button type="button" class="button button-danger-solid" id="erasure-yes" ref={yes} onClick={() => void go()}>
            Yes, erase it for good
          </button>
          <button
            type="button"
            class="button button-secondary"
            id="erasure-cancel"
            onClick={() => {
              setConfirming(false);
              ask.current?.focus();
            }}
          >
            Cancel
          </button>
        </div>
      </div>
    </Panel>
  );
}

const records = (n: number): string => (n === 1 ? '1 record' : `${n} records`);
const STAGE_TONE = { requested: 'wait', erasing: 'info', purged: 'ok' } as const;

/** The subject's erasure requests and where each stands on the chain. */
export function Erasures(props: { erasures: ErasureStatusViewT[] }): JSX.Element {
  return (
    <Panel id="erasures-title" title="Your erasure requests">
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Erasure requests">
        <table class="table" id="erasures-table">
          <caption class="visually-hidden">Erasure requests</caption>
          <thead>
            <tr>
              <th scope="col">Asked</th>
              <th scope="col">Data</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {props.erasures.map((e) => {
              const stage = erasureStage(e);
              const by = purgedBy(e);
              const d = e.request.erasure;
              return (
                <tr key={d.id} data-erasure={d.id} data-status={stage}>
                  <td>
                    {formatTime(e.request.time)}
                    <br />
                    <span class="muted">block {e.request.height}</span>
                  </td>
                  <td>
                    {d.holder}/{d.dataset}
                    {d.recordId ? `, record ${d.recordId.slice(0, 12)}…` : ', all your records'}
                  </td>
                  <td>
                    <Badge tone={STAGE_TONE[stage]}>{stage}</Badge>
                    <br />
                    <span class="muted">
                      {stage === 'requested'
                        ? `waiting for ${d.holder}'s node`
                        : stage === 'erasing'
                          ? `${records(e.recordsTotal)} being destroyed`
                          : `${records(e.recordsTotal)} destroyed everywhere`}
                    </span>
                    {by.holders.length > 0 ? (
                      <>
                        <br />
                        <span data-purged-by={by.holders.join(',')}>
                          purged by {by.holders.join(', ')} (block {by.height})
                        </span>
                      </>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}
