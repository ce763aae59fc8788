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
 *
 * The console read (spec/services/sharing.md §13): an official of the
 * organisation that runs this node loads their key file; the page opens a
 * session (the challenge is signed here with WebCrypto, the key stays in
 * the tab), lists the records the node holds (ids and datasets), and opens
 * one with the fields, the purpose and the basis the official states. The
 * node records the access entry on the chain — channel "console", naming
 * the official — before it decrypts, and refuses the read when the chain
 * refuses the entry: the page shows fields only with the entry's id.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { mountPage } from '../../../web/app.js';
import { fetchAnswer } from '../../../web/lib/api.js';
import { formatTime } from '../../../web/lib/format.js';
import { Badge, Hash, Notice, Panel, PrivacyNote } from '../../../web/components/ui.js';
import { KeyPanel, useSigningKeys } from '../../../web/components/key-panel.js';
import { toHex } from '../../crypto/bytes.js';
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
      <ConsoleRead />
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

// ------------------------------------------------------------------ the console read

const HEX64_RE = /^[0-9a-f]{64}$/;
const FIELD_LIST_RE = /^[a-z][a-zA-Z0-9_]{0,31}(\s*,\s*[a-z][a-zA-Z0-9_]{0,31}){0,63}$/;

interface Held {
  recordId: string;
  dataset: string;
}
type ReadResult =
  | { outcome: 'granted'; recordId: string; entry: string; fields: Record<string, unknown> }
  | { outcome: 'fetched'; entry: string; records: { recordId: string; fields: Record<string, unknown> }[] }
  | { outcome: 'refused'; code: string; message: string };

/** JSON from the node with the session's bearer token; any status. */
async function authed<T>(path: string, token: string, body?: unknown): Promise<{ status: number; body: T | undefined }> {
  try {
    const response = await fetch(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { accept: 'application/json', authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as T | undefined };
  } catch {
    return { status: 0, body: undefined };
  }
}

/** Open a session for the key (spec/api-auth.md §5): the node's challenge, signed here. */
async function openSession(publicKey: string, privateKey: CryptoKey): Promise<string> {
  const genesis = await fetchAnswer<{ chainId: string }>('/v1/genesis');
  const challenge = await fetchAnswer<{ challenge: string }>('/v1/auth/challenge', { method: 'POST', body: JSON.stringify({ subject: publicKey }) });
  if (!genesis.body || !challenge.body) throw new Error('the node did not answer');
  const message = new TextEncoder().encode(`polity-session:v1:${genesis.body.chainId}:${publicKey}:${challenge.body.challenge}`);
  const signature = toHex(new Uint8Array(await crypto.subtle.sign('Ed25519', privateKey, message as BufferSource)));
  const session = await fetchAnswer<{ token: string; message?: string }>('/v1/auth/session', { method: 'POST', body: JSON.stringify({ subject: publicKey, challenge: challenge.body.challenge, signature }) });
  if (session.status !== 200 || !session.body?.token) throw new Error(session.body?.message ?? 'the node did not open a session for this key');
  return session.body.token;
}

function ConsoleRead(): JSX.Element {
  const keys = useSigningKeys();
  const [token, setToken] = useState<string | null>(null);
  const [held, setHeld] = useState<Held[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [recordId, setRecordId] = useState('');
  const [fields, setFields] = useState('');
  const [purpose, setPurpose] = useState('');
  const [basis, setBasis] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ReadResult | null>(null);
  const [requestId, setRequestId] = useState('');
  const key = keys.state.key;

  useEffect(() => {
    setToken(null);
    setHeld(null);
    setResult(null);
    setProblem(null);
    if (!key) return;
    let live = true;
    void (async () => {
      try {
        const t = await openSession(key.publicKey, key.privateKey);
        const list = await authed<{ records: Held[]; message?: string }>('/v1/sharing/store/records', t);
        if (!live) return;
        if (list.status !== 200 || !list.body) return setProblem(list.body?.message ?? 'This node did not list its records for this key.');
        setToken(t);
        setHeld(list.body.records);
        if (list.body.records[0]) setRecordId(list.body.records[0].recordId);
      } catch (e) {
        if (live) setProblem((e as Error).message);
      }
    })();
    return () => {
      live = false;
    };
  }, [key]);

  const open = async (e: Event): Promise<void> => {
    e.preventDefault();
    setResult(null);
    if (!token) return;
    if (!HEX64_RE.test(recordId)) return setProblem('Choose a record.');
    if (!FIELD_LIST_RE.test(fields.trim())) return setProblem('Fields: names separated by commas, as the dataset lists them.');
    if (purpose.trim() === '' || basis.trim() === '') return setProblem('State the purpose and the basis (a legal basis, or a consent id).');
    setProblem(null);
    setBusy(true);
    const b = basis.trim();
    const body = { fields: fields.split(',').map((f) => f.trim()), purpose: purpose.trim(), channel: 'console', ...(HEX64_RE.test(b) ? { consent: b } : { legalBasis: b }) };
    const answer = await authed<{ recordId: string; entry: string; fields: Record<string, unknown>; code?: string; message?: string }>(`/v1/sharing/store/records/${recordId}/read`, token, body);
    setBusy(false);
    if (answer.status === 200 && answer.body) setResult({ outcome: 'granted', recordId, entry: answer.body.entry, fields: answer.body.fields });
    else setResult({ outcome: 'refused', code: answer.body?.code ?? `HTTP_${answer.status}`, message: answer.body?.message ?? 'the node did not answer' });
  };

  /** Data another organisation released to this one: the holder's node records the release's entry before it sends anything. */
  const fetchReleased = async (e: Event): Promise<void> => {
    e.preventDefault();
    setResult(null);
    if (!token) return;
    if (!HEX64_RE.test(requestId.trim())) return setProblem('A request id is 64 hexadecimal characters.');
    setProblem(null);
    setBusy(true);
    const answer = await authed<{ entry: string; records: { recordId: string; fields: Record<string, unknown> }[]; code?: string; message?: string }>('/v1/sharing/store/fetch', token, { request: requestId.trim() });
    setBusy(false);
    if (answer.status === 200 && answer.body) setResult({ outcome: 'fetched', entry: answer.body.entry, records: answer.body.records });
    else setResult({ outcome: 'refused', code: answer.body?.code ?? `HTTP_${answer.status}`, message: answer.body?.message ?? 'the node did not answer' });
  };

  return (
    <>
      <KeyPanel
        keys={keys}
        title="Read a record (officials of this node's organisation)"
        label="Use my official key"
        hint={<>The key file of an official of the organisation that runs this node</>}
        privacy={
          <>
            <strong>Your key never leaves this computer.</strong> It signs the node's session challenge here, in the browser, and is forgotten when you close or reload this page. Every read is recorded on the chain, naming you and your purpose, before anything is shown.
          </>
        }
        inUse={key ? <p class="tight" id="console-official">Reading as official <Hash value={key.publicKey} short /></p> : undefined}
      />
      {key ? (
        <Panel id="console-title" title="Open a record">
          {held === null && !problem ? <p class="muted">Opening a session with this node…</p> : null}
          {held && held.length === 0 ? <p id="console-none">This node holds no record.</p> : null}
          {held && held.length > 0 ? (
            <form id="console-form" class="invoice-form" noValidate onSubmit={(e) => void open(e)}>
              <div class="invoice-field">
                <label for="console-records">Record</label>
                <select id="console-records" value={recordId} onChange={(e) => setRecordId((e.currentTarget as HTMLSelectElement).value)}>
                  {held.map((r) => (
                    <option key={r.recordId} value={r.recordId}>
                      {r.dataset}: {r.recordId.slice(0, 16)}…
                    </option>
                  ))}
                </select>
              </div>
              <div class="invoice-field">
                <label for="console-fields">Fields</label>
                <input id="console-fields" type="text" autocomplete="off" spellcheck={false} value={fields} onInput={(e) => setFields((e.currentTarget as HTMLInputElement).value)} />
              </div>
              <div class="invoice-field">
                <label for="console-purpose">Purpose</label>
                <input id="console-purpose" type="text" autocomplete="off" maxLength={128} value={purpose} onInput={(e) => setPurpose((e.currentTarget as HTMLInputElement).value)} />
              </div>
              <div class="invoice-field">
                <label for="console-basis">Legal basis or consent id</label>
                <input id="console-basis" type="text" autocomplete="off" spellcheck={false} maxLength={256} value={basis} onInput={(e) => setBasis((e.currentTarget as HTMLInputElement).value)} />
              </div>
              <button type="submit" class="button" id="console-open" disabled={busy}>
                {busy ? 'Recording the access…' : 'Record the access and open'}
              </button>
            </form>
          ) : null}
          {token ? (
            <form id="console-fetch-form" class="invoice-form" noValidate onSubmit={(e) => void fetchReleased(e)}>
              <div class="invoice-field">
                <label for="console-request">Or fetch what a released request of this organisation names (request id)</label>
                <input id="console-request" type="text" autocomplete="off" spellcheck={false} value={requestId} onInput={(e) => setRequestId((e.currentTarget as HTMLInputElement).value)} />
              </div>
              <button type="submit" class="button" id="console-fetch" disabled={busy}>
                Fetch from the holder
              </button>
            </form>
          ) : null}
          {problem ? (
            <Notice tone="error" id="console-problem" title="Cannot open a record">
              <p>{problem}</p>
            </Notice>
          ) : null}
          <div id="console-result" data-outcome={result?.outcome ?? ''} role="status" aria-live="polite">
            {result?.outcome === 'granted' ? (
              <>
                <p id="console-entry" data-entry={result.entry}>
                  <Badge tone="ok">recorded</Badge> Access entry <Hash value={result.entry} short /> is on the chain, naming you and your purpose; the person can see it.
                </p>
                <div class="table-wrap" tabIndex={0} role="region" aria-label="Record fields">
                  <table class="table" id="console-fields-table">
                    <caption class="visually-hidden">Fields of record {result.recordId.slice(0, 16)}</caption>
                    <thead>
                      <tr>
                        <th scope="col">Field</th>
                        <th scope="col">Value</th>
                      </tr>
                    </thead>
                    <tbody>
                      {Object.entries(result.fields).map(([name, value]) => (
                        <tr key={name}>
                          <td>{name}</td>
                          <td>{typeof value === 'string' ? value : JSON.stringify(value)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            ) : null}
            {result?.outcome === 'fetched' ? (
              <>
                <p id="console-entry" data-entry={result.entry}>
                  <Badge tone="ok">recorded</Badge> The holder recorded the release's access entry <Hash value={result.entry} short /> on the chain before it sent these fields; the person can see it.
                </p>
                {result.records.map((r) => (
                  <div class="table-wrap" tabIndex={0} role="region" aria-label={`Fields of record ${r.recordId.slice(0, 16)}`} key={r.recordId}>
                    <table class="table">
                      <caption class="visually-hidden">Fields of record {r.recordId.slice(0, 16)}</caption>
                      <tbody>
                        {Object.entries(r.fields).map(([name, value]) => (
                          <tr key={name}>
                            <th scope="row">{name}</th>
                            <td>{typeof value === 'string' ? value : JSON.stringify(value)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                ))}
              </>
            ) : null}
            {result?.outcome === 'refused' ? (
              <Notice tone="error" title={`Refused: ${result.code}`}>
                <p>{result.message}. Nothing was decrypted; the refusal is recorded on the chain.</p>
              </Notice>
            ) : null}
          </div>
        </Panel>
      ) : null}
    </>
  );
}

mountPage(<OrgSharingPage />);
