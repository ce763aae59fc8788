/**
 * "Who used my data" (/sharing): a citizen enters one of their pseudonyms
 * (or loads its key file, which `polity sharing pseudonym --key-out` writes)
 * and sees every consent they gave — granted, revoked, expired — and every
 * read of their data by an organisation, granted or refused, with the
 * purpose and basis; each entry's receipt downloads as a file anyone can
 * check offline (`polity sharing verify-receipt`).
 *
 * With the key loaded, the page grants and revokes consents: the consent is
 * signed here with WebCrypto Ed25519 by the pseudonym's key and sent in a
 * transaction signed by the same key. The key stays in this browser tab.
 *
 * With the key loaded, the citizen may also ask for erasure (erasure-panel.tsx):
 * the same signed request as `polity sharing request-erasure`, sent only
 * after a confirmation, then followed on the chain — requested, erasing,
 * purged by each holder — while it is not purged everywhere.
 *
 * The query string (?subject=did:key:…) makes a view a link; the node that
 * serves the page learns which pseudonym was asked for (spec §2).
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { mountPage } from '../../../web/app.js';
import { fetchAnswer } from '../../../web/lib/api.js';
import { formatTime } from '../../../web/lib/format.js';
import { KeyPanel, useSigningKeys } from '../../../web/components/key-panel.js';
import { invalidOutcome, OutcomeRegion, useWriter, type Outcome } from '../../../web/components/signed-write.js';
import { Badge, Hash, Notice, Panel, PrivacyNote } from '../../../web/components/ui.js';
import { toHex } from '../../crypto/bytes.js';
import { didKeyFromPublicKey } from '../../crypto/multikey.js';
import { consentMessage, erasureMessage, revokeMessage, FIELD_NAME_PATTERN, SUBJECT_PATTERN, type Consent, type ErasureDoc } from './consent-format.js';
import { SHARING_ERRORS } from './errors.js';
import { ErasureForm, Erasures, erasureStage } from './erasure-panel.js';
import type { AccessAnswerT, ConsentsAnswerT, ConsentViewT, DirectoryViewT, EntryViewT, ErasuresAnswerT, ErasureStatusViewT } from './schemas.js';

const SUBJECT_RE = new RegExp(SUBJECT_PATTERN);
const FIELD_RE = new RegExp(FIELD_NAME_PATTERN);
const ORG_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const LABELS: Record<string, string> = { 'grant-dataset': 'Dataset', 'grant-fields': 'Fields', 'grant-recipient': 'Recipient organisation', 'grant-purpose': 'Purpose', 'grant-days': 'Valid for (days)' };
const STATE_TONE = { effective: 'ok', pending: 'info', revoked: 'muted', expired: 'muted' } as const;
/** While an erasure request is not purged everywhere, its status is read again this often, at most this many times. */
const ERASURE_POLL_MS = 2_000;
const ERASURE_POLLS_MAX = 300;

interface View {
  consents: ConsentViewT[];
  entries: EntryViewT[];
  total: number;
  erasures: ErasureStatusViewT[];
}

async function sign(privateKey: CryptoKey, message: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.sign('Ed25519', privateKey, message as BufferSource)));
}

async function chainIdOf(): Promise<string> {
  const a = await fetchAnswer<{ chainId: string }>('/v1/genesis');
  if (a.status !== 200 || !a.body) throw new Error('the node did not answer');
  return a.body.chainId;
}

function SharingPage(): JSX.Element {
  const params = new URLSearchParams(location.search);
  const [typed, setTyped] = useState(params.get('subject') ?? '');
  const [subject, setSubject] = useState<string | null>(null);
  const [view, setView] = useState<View | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [polls, setPolls] = useState(0);
  const keys = useSigningKeys();
  const writer = useWriter(SHARING_ERRORS);
  const key = keys.state.key;
  const keySubject = key ? didKeyFromPublicKey(key.publicKey) : null;

  const load = async (s: string): Promise<void> => {
    setProblem(null);
    if (!SUBJECT_RE.test(s)) {
      setView(null);
      return setProblem('A pseudonym is a did:key:z6Mk… (or did:polity:…) — the one `polity sharing pseudonym` prints.');
    }
    setSubject(s);
    const [c, a, e] = await Promise.all([fetchAnswer<ConsentsAnswerT>(`/v1/sharing/subjects/${s}/consents`), fetchAnswer<AccessAnswerT>(`/v1/sharing/subjects/${s}/access?limit=100`), fetchAnswer<ErasuresAnswerT>(`/v1/sharing/subjects/${s}/erasures`)]);
    if (c.status !== 200 || a.status !== 200 || e.status !== 200 || !c.body || !a.body || !e.body) return setProblem('The node could not read this log. Try again in a moment.');
    setView({ consents: c.body.consents, entries: a.body.entries, total: a.body.total, erasures: e.body.erasures });
  };

  // An erasure request moves on without the citizen: requested, then erasing, then purged by each holder.
  const pending = view?.erasures.some((x) => erasureStage(x) !== 'purged') ?? false;
  useEffect(() => {
    if (!pending || !subject || polls >= ERASURE_POLLS_MAX) return;
    const timer = setTimeout(() => {
      void fetchAnswer<ErasuresAnswerT>(`/v1/sharing/subjects/${subject}/erasures`).then((e) => {
        if (e.status === 200 && e.body) setView((v) => (v ? { ...v, erasures: e.body!.erasures } : v));
        setPolls((n) => n + 1);
      });
    }, ERASURE_POLL_MS);
    return () => clearTimeout(timer);
  }, [pending, subject, polls]);

  useEffect(() => {
    if (typed) void load(typed.trim());
  }, []);
  useEffect(() => {
    if (keySubject) {
      setTyped(keySubject);
      void load(keySubject);
    }
  }, [keySubject]);

  const submit = (e: Event): void => {
    e.preventDefault();
    history.replaceState(null, '', `${location.pathname}?${new URLSearchParams({ subject: typed.trim() })}`);
    void load(typed.trim());
  };

  const revoke = async (id: string): Promise<void> => {
    if (!key) return;
    const chainId = await chainIdOf();
    const signature = await sign(key.privateKey, revokeMessage(chainId, id));
    const done = await writer.send(setOutcome, key, 'sharing', 'revokeConsent', { id, signature });
    if (done) {
      setOutcome({ kind: 'done', tone: 'ok', title: 'Consent revoked', details: ['From the next block on, no organisation can read your data on it.'] });
      if (subject) void load(subject);
    }
  };

  const askErasure = async (erasure: ErasureDoc, title: string): Promise<void> => {
    if (!key) return;
    const signature = await sign(key.privateKey, erasureMessage(erasure));
    const done = await writer.send(setOutcome, key, 'sharing', 'requestErasure', { erasure: erasure as never, signature });
    if (done) {
      setOutcome({ kind: 'done', tone: 'ok', title: 'Erasure requested', details: [`Recorded on the chain at block ${done.height}. The nodes that hold your data in ${title} now destroy it; "Your erasure requests" below shows each purge as it is confirmed.`] });
      setPolls(0);
      if (subject) void load(subject);
    }
  };

  return (
    <>
      <Panel id="subject-title" title="Who used my data">
        <p>Enter your pseudonym for a dataset to see the consents you gave and every time an organisation read — or was refused — your data.</p>
        <form id="subject-form" class="invoice-form" noValidate onSubmit={submit}>
          <div class="invoice-field">
            <label for="subject-input">Your pseudonym (did:key)</label>
            <input id="subject-input" type="text" autocomplete="off" spellcheck={false} value={typed} onInput={(e) => setTyped((e.currentTarget as HTMLInputElement).value)} />
          </div>
          <button type="submit" class="button" id="show-log">
            Show
          </button>
        </form>
        <PrivacyNote>The chain never holds your name or your data: only a pseudonym that is different for each organisation and dataset, so nobody but you can link them. The node you ask learns which pseudonym you asked about.</PrivacyNote>
      </Panel>
      <KeyPanel
        keys={keys}
        title="Grant or revoke consent"
        label="Use my pseudonym's key"
        hint={
          <>
            The key file <code>polity sharing pseudonym --key-out FILE</code> writes
          </>
        }
        privacy={
          <>
            <strong>Your key never leaves this computer.</strong> It signs your consents here, in the browser, and is forgotten when you close or reload this page.
          </>
        }
        inUse={keySubject ? <p class="tight" id="key-subject">Signing as <Hash value={keySubject} short /></p> : undefined}
      />
      {problem ? (
        <Notice tone="error" id="sharing-problem" title="Cannot show this log">
          <p>{problem}</p>
        </Notice>
      ) : null}
      <OutcomeRegion id="sharing-outcome" outcome={outcome} />
      {key && keySubject ? <GrantForm keySubject={keySubject} onGrant={async (c) => {
        const signature = await sign(key.privateKey, consentMessage(c));
        const done = await writer.send(setOutcome, key, 'sharing', 'grantConsent', { consent: c as never, signature });
        if (done) {
          setOutcome({ kind: 'done', tone: 'ok', title: 'Consent granted', details: [`${c.recipient} may read ${c.fields.join(', ')} from the next block on, until you revoke it or it expires.`] });
          void load(keySubject);
        }
      }} busy={writer.busy} setOutcome={setOutcome} /> : null}
      {view && subject ? <Consents consents={view.consents} canRevoke={keySubject === subject} onRevoke={revoke} busy={writer.busy} /> : null}
      {view && subject ? <Access entries={view.entries} total={view.total} /> : null}
      {view && subject && view.erasures.length > 0 ? <Erasures erasures={view.erasures} /> : null}
      {key && keySubject && view && keySubject === subject ? (
        <ErasureForm
          keySubject={keySubject}
          preferred={view.consents.map((c) => `${c.consent.holder}/${c.consent.dataset}`)}
          busy={writer.busy}
          setOutcome={setOutcome}
          chainId={chainIdOf}
          onAsk={askErasure}
        />
      ) : null}
    </>
  );
}

function GrantForm(props: { keySubject: string; busy: boolean; onGrant: (c: Consent) => Promise<void>; setOutcome: (o: Outcome) => void }): JSX.Element {
  const [dir, setDir] = useState<DirectoryViewT['datasets']>([]);
  const [dataset, setDataset] = useState('');
  const [fields, setFields] = useState('');
  const [recipient, setRecipient] = useState('');
  const [purpose, setPurpose] = useState('');
  const [days, setDays] = useState('30');
  useEffect(() => {
    void fetchAnswer<DirectoryViewT>('/v1/sharing/datasets').then((a) => {
      if (a.body) {
        setDir(a.body.datasets);
        if (a.body.datasets[0]) setDataset(`${a.body.datasets[0].org}/${a.body.datasets[0].name}`);
      }
    });
  }, []);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const [holder, name] = dataset.split('/');
    const fieldList = fields.split(',').map((f) => f.trim()).filter(Boolean);
    const d = Number(days);
    const errors = [
      !holder || !name ? { id: 'grant-dataset', message: 'Choose the dataset.' } : null,
      fieldList.length === 0 || !fieldList.every((f) => FIELD_RE.test(f)) ? { id: 'grant-fields', message: 'Name the fields, separated by commas.' } : null,
      !ORG_RE.test(recipient.trim()) ? { id: 'grant-recipient', message: 'The recipient is an organisation id.' } : null,
      purpose.trim().length === 0 || purpose.length > 128 ? { id: 'grant-purpose', message: 'State the purpose in 1 to 128 characters.' } : null,
      !Number.isInteger(d) || d < 1 || d > 3660 ? { id: 'grant-days', message: 'Days: a whole number from 1 to 3660.' } : null,
    ].filter((x): x is { id: string; message: string } => x !== null);
    if (errors.length > 0) return props.setOutcome(invalidOutcome(errors.map((x) => ({ id: x.id, label: LABELS[x.id] ?? x.id, message: x.message }))));
    const chainId = await chainIdOf();
    const id = toHex(crypto.getRandomValues(new Uint8Array(32)));
    await props.onGrant({ type: 'polity-sharing-consent', v: 1, chainId, id, subject: props.keySubject, holder: holder!, dataset: name!, fields: fieldList, recipient: recipient.trim(), purpose: purpose.trim(), until: Date.now() + d * 86_400_000 });
  };
  return (
    <Panel id="grant-title" title="Grant a consent">
      <form id="grant-form" class="invoice-form" noValidate onSubmit={(e) => void submit(e)}>
        <div class="invoice-field">
          <label for="grant-dataset">Dataset</label>
          <select id="grant-dataset" value={dataset} onChange={(e) => setDataset((e.currentTarget as HTMLSelectElement).value)}>
            {dir.map((d) => (
              <option key={`${d.org}/${d.name}`} value={`${d.org}/${d.name}`}>
                {d.title} ({d.org})
              </option>
            ))}
          </select>
        </div>
        <div class="invoice-field">
          <label for="grant-fields">Fields (comma-separated)</label>
          <input id="grant-fields" type="text" autocomplete="off" value={fields} onInput={(e) => setFields((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="invoice-field">
          <label for="grant-recipient">Recipient organisation</label>
          <input id="grant-recipient" type="text" autocomplete="off" value={recipient} onInput={(e) => setRecipient((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="invoice-field">
          <label for="grant-purpose">Purpose</label>
          <input id="grant-purpose" type="text" autocomplete="off" maxLength={128} value={purpose} onInput={(e) => setPurpose((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="invoice-field">
          <label for="grant-days">Valid for (days)</label>
          <input id="grant-days" type="number" min={1} max={3660} value={days} onInput={(e) => setDays((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="button" id="grant" disabled={props.busy}>
          Sign and grant
        </button>
      </form>
    </Panel>
  );
}

function Consents(props: { consents: ConsentViewT[]; canRevoke: boolean; onRevoke: (id: string) => Promise<void>; busy: boolean }): JSX.Element {
  return (
    <Panel id="consents-title" title="Your consents">
      {props.consents.length === 0 ? (
        <p id="no-consents">You have given no consent under this pseudonym.</p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Consents">
          <table class="table" id="consents-table">
            <caption class="visually-hidden">Consents</caption>
            <thead>
              <tr>
                <th scope="col">State</th>
                <th scope="col">Recipient</th>
                <th scope="col">Data</th>
                <th scope="col">Purpose</th>
                <th scope="col">Until</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {props.consents.map((c) => (
                <tr key={c.consent.id} data-consent={c.consent.id}>
                  <td>
                    <Badge tone={STATE_TONE[c.state]}>{c.state}</Badge>
                  </td>
                  <td>{c.consent.recipient}</td>
                  <td>
                    {c.consent.holder}/{c.consent.dataset}: {c.consent.fields.join(', ')}
                  </td>
                  <td>{c.consent.purpose}</td>
                  <td>{formatTime(c.consent.until)}</td>
                  <td>
                    {props.canRevoke && (c.state === 'effective' || c.state === 'pending') ? (
                      <button type="button" class="button button-secondary" disabled={props.busy} onClick={() => void props.onRevoke(c.consent.id)} aria-label={`Revoke the consent for ${c.consent.recipient}`}>
                        Revoke
                      </button>
                    ) : c.revokedAt !== undefined ? (
                      <span class="muted">revoked at block {c.revokedAt}</span>
                    ) : (
                      <span class="muted">—</span>
                    )}
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

function Access(props: { entries: EntryViewT[]; total: number }): JSX.Element {
  return (
    <Panel id="access-title" title="Who read your data">
      {props.entries.length === 0 ? (
        <p id="no-access">No organisation has read your data under this pseudonym.</p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Access log">
          <table class="table" id="access-table">
            <caption class="visually-hidden">Access log ({props.total} entries)</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Organisation</th>
                <th scope="col">Data</th>
                <th scope="col">Purpose</th>
                <th scope="col">Basis</th>
                <th scope="col">Outcome</th>
                <th scope="col">Receipt</th>
              </tr>
            </thead>
            <tbody>
              {props.entries.map((e) => (
                <tr key={e.id} data-entry={e.id}>
                  <td>{formatTime(e.time)}</td>
                  <td>{e.org}</td>
                  <td>
                    {e.holder}/{e.dataset}: {e.fields.join(', ')}
                  </td>
                  <td>{e.purpose}</td>
                  <td>{e.consent ? 'your consent' : e.legalBasis}</td>
                  <td>
                    <Badge tone={e.outcome === 'granted' ? 'info' : 'error'}>{e.outcome === 'granted' ? 'read' : 'refused'}</Badge>
                    {e.code ? <span class="muted"> {e.code}</span> : null}
                  </td>
                  <td>
                    <a href={`/v1/sharing/access/${e.id}/receipt`} download={`access-receipt-${e.id.slice(0, 16)}.json`} aria-label={`Download the receipt of the ${formatTime(e.time)} entry`}>
                      Download
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PrivacyNote>Each receipt proves its entry with the validators' signatures: check it anywhere, without a node, with <code>polity sharing verify-receipt FILE --genesis GENESIS</code>.</PrivacyNote>
    </Panel>
  );
}

mountPage(<SharingPage />);
