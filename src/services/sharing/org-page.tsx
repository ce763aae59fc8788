/**
 * An organisation's data sharing (/data-sharing): the datasets it publishes
 * in the directory — fields, sensitivity, the legal basis it holds them on,
 * its sharing terms, the current version and its hash — and the queue of
 * requests other organisations made to it, each with its purpose, basis
 * and decision. Officials release or decline with `polity sharing
 * release|decline` (or their node releases on a consent or an automatic
 * term); this page shows where each request stands.
 *
 * Everything shown is chain state that any reader can get: subjects appear
 * only as pseudonyms. The query string (?org=…) makes a view a link.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { mountPage } from '../../../web/app.js';
import { fetchAnswer } from '../../../web/lib/api.js';
import { formatTime } from '../../../web/lib/format.js';
import { Badge, Hash, Notice, Panel, PrivacyNote } from '../../../web/components/ui.js';
import type { DatasetViewT, DirectoryViewT, QueueAnswerT, RequestViewT } from './schemas.js';

const ORG_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const STATUS_TONE = { pending: 'wait', released: 'ok', refused: 'error', declined: 'muted' } as const;

function OrgSharingPage(): JSX.Element {
  const params = new URLSearchParams(location.search);
  const [org, setOrg] = useState(params.get('org') ?? '');
  const [datasets, setDatasets] = useState<DatasetViewT[] | null>(null);
  const [queue, setQueue] = useState<QueueAnswerT | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const load = async (o: string): Promise<void> => {
    setProblem(null);
    setDatasets(null);
    setQueue(null);
    if (!ORG_RE.test(o)) return setProblem('An organisation id is lowercase letters, digits and dashes.');
    const [d, q] = await Promise.all([fetchAnswer<DirectoryViewT>(`/v1/sharing/datasets/${o}`), fetchAnswer<QueueAnswerT>(`/v1/sharing/queue/${o}?limit=100`)]);
    if (d.status === 404) return setProblem(`There is no member organisation ${o} on this chain.`);
    if (d.status !== 200 || q.status !== 200 || !d.body || !q.body) return setProblem('The node could not answer. Try again in a moment.');
    setDatasets(d.body.datasets);
    setQueue(q.body);
  };

  useEffect(() => {
    if (org) void load(org.trim());
  }, []);

  const submit = (e: Event): void => {
    e.preventDefault();
    history.replaceState(null, '', `${location.pathname}?${new URLSearchParams({ org: org.trim() })}`);
    void load(org.trim());
  };

  return (
    <>
      <Panel id="org-title" title="An organisation's data sharing">
        <p>Enter an organisation to see the datasets it publishes and the requests other organisations made to it.</p>
        <form id="org-form" class="invoice-form" noValidate onSubmit={submit}>
          <div class="invoice-field">
            <label for="org-input">Organisation id</label>
            <input id="org-input" type="text" autocomplete="off" spellcheck={false} value={org} onInput={(e) => setOrg((e.currentTarget as HTMLInputElement).value)} />
          </div>
          <button type="submit" class="button" id="show-org">
            Show
          </button>
        </form>
      </Panel>
      {problem ? (
        <Notice tone="error" id="org-problem" title="Cannot show this organisation">
          <p>{problem}</p>
        </Notice>
      ) : null}
      {datasets ? <Datasets datasets={datasets} /> : null}
      {queue ? <Queue queue={queue} /> : null}
    </>
  );
}

function Datasets(props: { datasets: DatasetViewT[] }): JSX.Element {
  return (
    <Panel id="datasets-title" title="Datasets">
      {props.datasets.length === 0 ? (
        <p id="no-datasets">This organisation publishes no dataset.</p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Datasets">
          <table class="table" id="datasets-table">
            <caption class="visually-hidden">Datasets</caption>
            <thead>
              <tr>
                <th scope="col">Dataset</th>
                <th scope="col">Fields</th>
                <th scope="col">Held on</th>
                <th scope="col">Shared with</th>
                <th scope="col">Version</th>
              </tr>
            </thead>
            <tbody>
              {props.datasets.map((d) => (
                <tr key={d.name} data-dataset={d.name}>
                  <td>
                    {d.title} <span class="muted">({d.name})</span> <Badge tone={d.sensitivity === 'special' ? 'warn' : 'info'}>{d.sensitivity}</Badge>
                  </td>
                  <td>{d.fields.map((f) => f.name).join(', ')}</td>
                  <td>{d.legalBasis}</td>
                  <td>
                    {d.terms.length === 0
                      ? 'only with the subject’s consent'
                      : d.terms.map((t, i) => (
                          <span key={i} class="block">
                            {t.recipient === '*' ? 'any member' : t.recipient}: {t.fields.join(', ')} on {t.legalBasis} ({t.approval === 'auto' ? 'automatic' : 'decided by hand'})
                          </span>
                        ))}
                  </td>
                  <td>
                    v{d.version} <Hash value={d.hash} short />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

function Queue(props: { queue: QueueAnswerT }): JSX.Element {
  const { queue } = props;
  return (
    <Panel id="queue-title" title={`Requests to ${queue.org}`}>
      {queue.requests.length === 0 ? (
        <p id="no-requests">No organisation has asked this one for data.</p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Request queue">
          <table class="table" id="queue-table">
            <caption class="visually-hidden">Request queue ({queue.total})</caption>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">From</th>
                <th scope="col">Data</th>
                <th scope="col">Purpose</th>
                <th scope="col">Basis</th>
                <th scope="col">Asked</th>
              </tr>
            </thead>
            <tbody>
              {queue.requests.map((r: RequestViewT) => (
                <tr key={r.id} data-request={r.id}>
                  <td>
                    <Badge tone={STATUS_TONE[r.status]}>{r.status}</Badge>
                    {r.decided?.code ? <span class="muted"> {r.decided.code}</span> : null}
                  </td>
                  <td>{r.org}</td>
                  <td>
                    {r.dataset}: {r.fields.join(', ')}
                  </td>
                  <td>{r.purpose}</td>
                  <td>{r.consent ? 'the subject’s consent' : `${r.legalBasis ?? ''} (${r.approval === 'auto' ? 'automatic' : 'by hand'})`}</td>
                  <td>{formatTime(r.time)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PrivacyNote>Requests name the person only by a pseudonym that is different for each organisation and dataset; the data itself never goes on the chain.</PrivacyNote>
    </Panel>
  );
}

mountPage(<OrgSharingPage />);
