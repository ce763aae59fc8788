/**
 * "Resolve a DID" (/did): anyone looks up a DID on this node — the W3C DID
 * document (keys with their multibase, services), its metadata (created,
 * updated, deactivated, version) and, for did:polity, every version as a
 * table.
 *
 * Everything comes from this node's API (GET /v1/dids/{did}, …/history);
 * the DID syntax and the Multikey codec are the DID service's own
 * (method.ts, crypto/multikey.ts). The address keeps the question
 * (?did=…&height=… or &version=…), so a result can be linked to.
 *
 * Values from the chain are untrusted text, and service endpoints are shown
 * as text, not as links.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { multikeyEncode } from '../../crypto/multikey.js';
import { DID_LENGTH_MAX, DID_RE, POLITY_DID_PREFIX, type DeactivateReason, type DidOperation, type RecoverReason } from './method.js';
import { mountPage } from '../../../web/app.js';
import { fetchAnswer, getJson } from '../../../web/lib/api.js';
import type { DidHistoryResponse, DidResolutionResponse, DidVersion } from '../../../web/lib/api-types.js';
import { formatNumber, formatTime, sentence } from '../../../web/lib/format.js';
import { refreshStatus } from '../../../web/lib/status.js';
import { DataTable } from '../../../web/components/table.js';
import { Badge, CopyButton, Fields, Hash, Notice, Panel, PrivacyNote } from '../../../web/components/ui.js';

const HEIGHT_RE = /^[1-9][0-9]{0,14}$/;

const OPERATION: Record<DidOperation, string> = {
  create: 'Created',
  rotate: 'Key rotated',
  update: 'Services updated',
  deactivate: 'Deactivated by the holder',
  recover: 'Recovered by a registrar',
  registrarDeactivate: 'Deactivated by a registrar',
};
const REASON: Record<RecoverReason | DeactivateReason, string> = {
  'lost-key': 'Lost key',
  'compromised-key': 'Compromised key',
  'holder-request': "Holder's request",
  'court-order': 'Court order',
  'subject-ceased': 'Identity ended',
  duplicate: 'Duplicate',
};

interface Question {
  did: string;
  height?: string;
  version?: string;
}

type Answer = { kind: 'result'; question: Question; body: DidResolutionResponse; history?: DidHistoryResponse } | { kind: 'error'; question: Question; body: DidResolutionResponse | undefined };

/** What is wrong with the typed DID, said so a person can fix it, or undefined. */
function didProblem(text: string): string | undefined {
  if (text.length === 0) return 'Enter a DID, for example did:polity: followed by 32 characters.';
  if (text.length > DID_LENGTH_MAX) return `That is too long for a DID (${text.length} characters; at most ${DID_LENGTH_MAX}).`;
  if (!text.startsWith('did:')) return 'A DID starts with "did:", then the method (polity or key), a colon and the identifier.';
  if (!DID_RE.test(text)) return 'This is not a valid DID: after "did:" come a method name in lowercase, a colon and an identifier of letters, digits, ".", "-" or "_".';
  return undefined;
}

function questionFromAddress(): Question | null {
  const params = new URLSearchParams(location.search);
  const did = params.get('did');
  if (!did) return null;
  return { did, height: params.get('height') ?? undefined, version: params.get('version') ?? undefined };
}

async function resolve(q: Question): Promise<Answer> {
  const query = new URLSearchParams();
  if (q.height) query.set('height', q.height);
  else if (q.version) query.set('versionId', q.version);
  const path = `/v1/dids/${encodeURIComponent(q.did)}`;
  const [answer, history] = await Promise.all([
    fetchAnswer<DidResolutionResponse>(`${path}${query.size ? `?${query}` : ''}`),
    q.did.startsWith(POLITY_DID_PREFIX) ? fetchAnswer<DidHistoryResponse>(`${path}/history`) : Promise.resolve(undefined),
    refreshStatus(),
  ]);
  if ((answer.status === 200 || answer.status === 410) && answer.body) return { kind: 'result', question: q, body: answer.body, history: history?.status === 200 ? history.body : undefined };
  return { kind: 'error', question: q, body: answer.body };
}

function DidPage(): JSX.Element {
  const initial = questionFromAddress();
  const [did, setDid] = useState(initial?.did ?? '');
  const [height, setHeight] = useState(initial?.height ?? '');
  const [problem, setProblem] = useState<{ field: 'did-input' | 'height-input'; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const token = useRef(0);
  const focusAnswer = useRef(false);

  const ask = async (q: Question, focus: boolean) => {
    const mine = ++token.current;
    setBusy(q.did);
    try {
      const a = await resolve(q);
      if (mine !== token.current) return;
      focusAnswer.current = focus;
      setAnswer(a);
    } finally {
      if (mine === token.current) setBusy(null);
    }
  };

  useEffect(() => {
    if (initial) void ask(initial, false);
    const back = () => {
      const q = questionFromAddress();
      setDid(q?.did ?? '');
      setHeight(q?.height ?? '');
      setProblem(null);
      if (q) void ask(q, false);
      else setAnswer(null);
    };
    window.addEventListener('popstate', back);
    return () => window.removeEventListener('popstate', back);
  }, []);

  // Focus moves to the answer (its status or error notice), so a screen reader reads it; before the
  // browser paints (a layout effect), so nothing is read or typed in between.
  useLayoutEffect(() => {
    if (!answer || !focusAnswer.current) return;
    focusAnswer.current = false;
    document.getElementById(answer.kind === 'error' ? 'resolve-error' : 'did-status')?.focus();
  }, [answer]);

  useLayoutEffect(() => {
    if (problem) document.getElementById(problem.field)?.focus();
  }, [problem]);

  const submit = (event: Event) => {
    event.preventDefault();
    const text = did.trim();
    const h = height.trim();
    const wrong = didProblem(text);
    if (wrong) {
      setProblem({ field: 'did-input', text: wrong });
      setAnswer(null);
      return;
    }
    if (h && !HEIGHT_RE.test(h)) {
      setProblem({ field: 'height-input', text: 'The block is a whole number from 1 upwards. Leave it empty for the latest version.' });
      setAnswer(null);
      return;
    }
    setProblem(null);
    const query = new URLSearchParams({ did: text });
    if (h) query.set('height', h);
    history.pushState(null, '', `${location.pathname}?${query}`);
    void ask({ did: text, height: h || undefined }, true);
  };

  const message = problem?.text ?? (busy ? `Resolving ${busy.length > 60 ? `${busy.slice(0, 60)}…` : busy}…` : '');
  return (
    <>
      <h1>Resolve a DID</h1>
      <p class="lead">
        A DID — a decentralised identifier — lets a citizen or a business prove who they are with keys they hold. Look one up to see its public keys and service addresses, today or at an earlier block, and every change made to it.
      </p>
      <PrivacyNote>
        <strong>No personal data is kept on the ledger.</strong> A DID document holds public keys and the addresses of services only — never a name, a date of birth or a national number.
      </PrivacyNote>

      <form id="resolve-form" class="did-form" noValidate aria-labelledby="form-title" onSubmit={submit}>
        <h2 id="form-title" class="visually-hidden">
          Look up a DID
        </h2>
        <div class="did-form-row">
          <div class="did-field did-field-grow">
            <label for="did-input">DID</label>
            <p class="did-hint" id="did-hint">
              did:polity: followed by 32 characters, or a did:key starting with z6Mk
            </p>
            <input
              id="did-input"
              name="did"
              type="text"
              autocomplete="off"
              autocapitalize="off"
              spellcheck={false}
              required
              placeholder="did:polity:…"
              aria-describedby="did-hint form-message"
              aria-invalid={problem?.field === 'did-input' ? 'true' : 'false'}
              value={did}
              onInput={(e) => setDid((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
          <div class="did-field did-field-height">
            <label for="height-input">
              At block <span class="did-optional">(optional)</span>
            </label>
            <p class="did-hint" id="height-hint">
              Empty: the latest version
            </p>
            <input
              id="height-input"
              name="height"
              type="text"
              inputMode="numeric"
              autocomplete="off"
              placeholder="e.g. 120"
              aria-describedby="height-hint form-message"
              aria-invalid={problem?.field === 'height-input' ? 'true' : 'false'}
              value={height}
              onInput={(e) => setHeight((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
          <div class="did-field did-field-button">
            <button type="submit" class="button" id="resolve-button" disabled={busy !== null}>
              Resolve
            </button>
          </div>
        </div>
        <p id="form-message" class={`search-message ${problem ? 'search-message-error' : ''}`} role="status" aria-live="polite">
          {message}
        </p>
      </form>

      <div id="result" class="did-result">
        {answer?.kind === 'result' ? <Resolution answer={answer} /> : null}
        {answer?.kind === 'error' ? <ResolveError body={answer.body} height={answer.question.height} /> : null}
      </div>
      <p class="muted small did-footnote">
        DIDs are resolved by this node from the ledger’s state, following the W3C DID Core and DID Resolution specifications. Every version of a DID stays on the ledger: a signature is checked against the key that was valid at the block it was made in.
      </p>
    </>
  );
}

function ResolveError(props: { body: DidResolutionResponse | undefined; height: string | undefined }): JSX.Element {
  const error = props.body?.didResolutionMetadata?.error;
  const detail = props.body?.message ? <p>{sentence(props.body.message)}</p> : null;
  const notice = (title: string, ...more: ComponentChildren[]) => (
    <Notice tone="error" title={title} id="resolve-error" focusable>
      {detail}
      {more}
    </Notice>
  );
  if (error === 'invalidDid') return notice('This is not a valid DID', <p>A did:polity DID is "did:polity:" followed by 32 characters 0-9 and a-f. A did:key for an Ed25519 key starts with "did:key:z6Mk".</p>);
  if (error === 'notFound')
    return props.height
      ? notice(`This DID did not exist at block ${formatNumber(Number(props.height))}`)
      : notice('No such DID on this ledger', <p>Check the identifier, or ask its holder for it again. A DID created on another Polity chain is not known here.</p>);
  if (error === 'methodNotSupported') return notice('This kind of DID is not resolved here', <p>This ledger resolves its own did:polity DIDs, and did:key DIDs of Ed25519 keys. Other DIDs, such as did:web, are resolved by their own method.</p>);
  if (error === 'invalidOptions') return notice('The question cannot be answered as asked');
  return notice('The DID could not be resolved', detail ? null : <p>Try again in a moment.</p>);
}

const shortMultibase = (mb: string): string => (mb.length > 20 ? `${mb.slice(0, 12)}…${mb.slice(-6)}` : mb);
const blockLink = (height: number) => <a href={`/explorer#/block/${height}`}>{formatNumber(height)}</a>;

function Resolution(props: { answer: Extract<Answer, { kind: 'result' }> }): JSX.Element {
  const { question, body, history } = props.answer;
  const doc = body.didDocument ?? { id: question.did };
  const meta = body.didDocumentMetadata ?? {};
  const isKey = question.did.startsWith('did:key:');
  const deactivated = meta.deactivated === true;
  const atBlock = question.height ? ` at block ${formatNumber(Number(question.height))}` : '';

  let status: JSX.Element;
  if (isKey)
    status = (
      <Notice tone="info" title="did:key — derived from the key itself" id="did-status" focusable>
        <p>This DID is not recorded on the ledger: its document follows from the key in its name and never changes. Anyone holding the key can use it.</p>
      </Notice>
    );
  else if (deactivated)
    status = (
      <Notice tone="warn" title={`Deactivated${meta.versionHeight ? ` in block ${formatNumber(meta.versionHeight)}` : ''}${atBlock}`} id="did-status" focusable>
        <p>No key of this DID is valid any more, and it cannot be changed again. A signature made before the deactivation is still judged by the key that was valid at the block it was made in.</p>
      </Notice>
    );
  else {
    const when = meta.updated ?? meta.created;
    status = (
      <Notice tone="ok" title={`Active${atBlock} — version ${meta.versionId}`} id="did-status" focusable>
        <p>
          This version has been in force since block {formatNumber(meta.versionHeight ?? 0)}
          {when ? `, ${formatTime(Date.parse(when))}` : ''}.{meta.nextVersionId && meta.nextUpdate ? ` A newer version (${meta.nextVersionId}) was made on ${formatTime(Date.parse(meta.nextUpdate))}.` : ''}
        </p>
      </Notice>
    );
  }

  const d = doc as NonNullable<DidResolutionResponse['didDocument']>;
  const methods = d.verificationMethod ?? [];
  const uses = (id: string) =>
    [(d.authentication ?? []).includes(id) && 'authentication', (d.assertionMethod ?? []).includes(id) && 'signing statements', (d.capabilityInvocation ?? []).includes(id) && 'changing this DID'].filter(
      (u): u is string => Boolean(u),
    );
  const services = d.service ?? [];
  return (
    <>
      {status}
      <section class="panel" aria-labelledby="doc-title">
        <div class="did-title">
          <h2 id="doc-title" tabIndex={-1}>
            DID document
          </h2>
          <span class="with-action">
            <Hash value={d.id} />
            <CopyButton text={d.id} what="DID" />
          </span>
        </div>
        <h3>Keys</h3>
        {methods.length === 0 ? (
          <p class="muted" id="no-keys">
            {deactivated ? 'None: a deactivated DID has no valid key.' : 'None.'}
          </p>
        ) : (
          <DataTable
            id="keys-table"
            caption="Verification keys"
            rows={methods}
            rowKey={(vm) => vm.id}
            empty="None."
            columns={[
              { label: 'Key', class: 'col-optional', cell: (vm) => <Hash value={`#${vm.id.split('#')[1] ?? ''}`} short shorten={shortMultibase} /> },
              { label: 'Type', cell: (vm) => vm.type },
              {
                label: 'Public key (multibase)',
                cell: (vm) => (
                  <span class="with-action">
                    <Hash value={vm.publicKeyMultibase} />
                    <CopyButton text={vm.publicKeyMultibase} what="public key" />
                  </span>
                ),
              },
              {
                label: 'Used for',
                cell: (vm) => (
                  <ul class="did-uses">
                    {uses(vm.id).map((u) => (
                      <li key={u}>{u}</li>
                    ))}
                  </ul>
                ),
              },
            ]}
          />
        )}
        <h3>Services</h3>
        {services.length === 0 ? (
          <p class="muted" id="no-services">
            No services are listed.
          </p>
        ) : (
          <DataTable
            id="services-table"
            caption="Services"
            rows={services}
            rowKey={(s) => s.id}
            empty="None."
            columns={[
              { label: 'Service', cell: (s) => <code>{`#${String(s.id).split('#')[1] ?? s.id}`}</code> },
              { label: 'Type', cell: (s) => s.type },
              { label: 'Address', cell: (s) => <code class="hash-full">{String(s.serviceEndpoint)}</code> },
            ]}
          />
        )}
      </section>
      {isKey ? null : (
        <Panel id="meta-title" title="Metadata">
          <Fields
            id="metadata"
            rows={[
              { label: 'Status', value: deactivated ? <Badge tone="error">Deactivated</Badge> : <Badge tone="ok">Active</Badge> },
              { label: 'Created', value: meta.created ? formatTime(Date.parse(meta.created)) : null },
              { label: 'Updated', value: meta.updated ? formatTime(Date.parse(meta.updated)) : 'Never', help: 'When the version shown was made (never for the first)' },
              { label: 'Version', value: meta.versionId ? `${meta.versionId}${history ? ` of ${history.total}` : ''}` : null },
              { label: 'Made in block', value: meta.versionHeight ? blockLink(meta.versionHeight) : null },
              {
                label: 'Newer version',
                value: meta.nextVersionId ? (
                  <span>
                    {meta.nextVersionId}, made {meta.nextUpdate ? formatTime(Date.parse(meta.nextUpdate)) : ''} · <a href={`?did=${encodeURIComponent(question.did)}`}>See the latest</a>
                  </span>
                ) : null,
              },
              { label: 'Answered at chain height', value: typeof body.didResolutionMetadata?.height === 'number' ? formatNumber(body.didResolutionMetadata.height) : null },
            ]}
          />
        </Panel>
      )}
      {history ? <History did={question.did} first={history} currentVersion={meta.versionId} /> : null}
      <details class="explain did-raw">
        <summary>The resolution result as JSON</summary>
        <pre class="code">{JSON.stringify(withoutPolityFields(body), null, 2)}</pre>
      </details>
    </>
  );
}

/** The resolution result without Polity's {code, message} (present on 410). */
function withoutPolityFields(body: DidResolutionResponse): Omit<DidResolutionResponse, 'code' | 'message'> {
  const { code: _code, message: _message, ...rest } = body;
  return rest;
}

function History(props: { did: string; first: DidHistoryResponse; currentVersion: string | undefined }): JSX.Element {
  const [pages, setPages] = useState<DidHistoryResponse[]>([props.first]);
  useEffect(() => setPages([props.first]), [props.first]);
  const versions = pages.flatMap((p) => p.versions);
  const next = pages[pages.length - 1]!.next;
  const more = async () => {
    if (next == null) return;
    setPages([...pages, await getJson<DidHistoryResponse>(`/v1/dids/${encodeURIComponent(props.did)}/history?cursor=${encodeURIComponent(next)}`)]);
  };
  const isCurrent = (v: DidVersion) => String(v.version) === props.currentVersion;
  return (
    <Panel id="history-title" title="Version history">
      <p class="muted">Every change to this DID, oldest first. Each version is in force from its block until the next one.</p>
      <DataTable
        id="history-table"
        caption="Versions of the DID, oldest first"
        rows={versions}
        rowKey={(v) => v.version}
        rowProps={(v) => (isCurrent(v) ? { class: 'did-current', 'aria-current': 'true' } : {})}
        pageSize={50}
        empty="No version."
        more={{ label: `Show later versions (${formatNumber(props.first.total - versions.length)} more)`, done: next === undefined, onMore: more }}
        columns={[
          {
            label: 'Version',
            class: 'num',
            cell: (v) => (
              <a href={`?did=${encodeURIComponent(props.did)}&version=${v.version}`} aria-label={`Version ${v.version}${isCurrent(v) ? ' (shown above)' : ''}`}>
                {String(v.version)}
              </a>
            ),
          },
          { label: 'From block', class: 'num', cell: (v) => blockLink(v.height) },
          { label: 'Time', class: 'col-optional', cell: (v) => formatTime(v.time) },
          { label: 'Operation', cell: (v) => OPERATION[v.operation] ?? v.operation },
          { label: 'Key', cell: (v) => (v.deactivated ? <span class="muted">—</span> : <Hash value={multikeyEncode(v.key)} short shorten={shortMultibase} />) },
          {
            label: 'By',
            cell: (v) =>
              v.org ? (
                <span>
                  <span class="strong">Registrar</span>, {v.org} <Hash value={v.by} short />
                </span>
              ) : (
                <span>
                  Holder <Hash value={v.by} short />
                </span>
              ),
          },
          {
            label: 'Reason',
            cell: (v) =>
              v.reason ? (
                <span>
                  {REASON[v.reason as RecoverReason | DeactivateReason] ?? v.reason}
                  {v.caseRef ? (
                    <span class="muted block">
                      case <Hash value={v.caseRef} short />
                    </span>
                  ) : null}
                </span>
              ) : (
                <span class="muted">—</span>
              ),
          },
        ]}
      />
    </Panel>
  );
}

mountPage(<DidPage />);
