/**
 * The holder's web wallet (/wallet, spec/services/credentials.md §11): a
 * holder key made in this browser, credentials received over OpenID4VCI
 * (paste an offer link), kept in this browser's storage; answering a
 * verifier's OpenID4VP request after seeing who asks, why and what; and
 * the usage log — where and when each credential was used, read from the
 * chain and opened here (spec/services/credentials-usage-log.md).
 *
 * Everything secret stays in this browser: the holder key (an Ed25519 JWK),
 * the credentials and the usage-log secret are in localStorage under one
 * item, and leave it only as presentations the holder approves. Crypto is
 * WebCrypto (Ed25519, X25519, HKDF, AES-GCM) and @noble/hashes (HMAC): the
 * same scheme as the CLI wallet (usage-log.ts), so either can be checked
 * against the other. The page talks only to this node (its Content
 * Security Policy allows no other): issuers and verifiers on other nodes
 * are reached with `polity wallet`.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { mountPage } from '../../../web/app.js';
import { errorText } from '../../../web/lib/api.js';
import { formatTime } from '../../../web/lib/format.js';
import { ed25519Verify, hasWebCrypto, INSECURE_CONTEXT } from '../../../web/lib/webcrypto.js';
import { Badge, Fields, Notice, Panel, PrivacyNote } from '../../../web/components/ui.js';
import { didKeyFromPublicKey, multikeyEncode } from '../../crypto/multikey.js';
import { directPostFields, fromBase64url, parseRequestLink, readRequestObjectUnsigned, type ReadRequest, type UsageTicket } from './oid4vp-format.js';

const STORE = 'polity-wallet-v1';
const GAP = 20;
const TAGS_PER_READ = 64;
const SEALED_BYTES = 32 + 12 + 1024 + 16;
const PRE_AUTHORIZED_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

interface Held {
  id: string;
  format: 'ldp_vc' | 'jwt_vc_json';
  credentialType: string;
  issuer: string;
  text: string;
  receivedAt: number;
}

interface Stored {
  /** The holder key, an Ed25519 private JWK. */
  key: JsonWebKey;
  publicKey: string;
  did: string;
  credentials: Held[];
  usage: { secret: string; next: number };
}

// --- bytes ------------------------------------------------------------------------------------

const enc = new TextEncoder();
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const b64url = (b: Uint8Array | string): string => btoa(String.fromCharCode(...(typeof b === 'string' ? enc.encode(b) : b))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
};
const buf = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;

// --- storage ----------------------------------------------------------------------------------

const load = (): Stored | undefined => {
  const text = localStorage.getItem(STORE);
  return text ? (JSON.parse(text) as Stored) : undefined;
};
const save = (s: Stored): void => localStorage.setItem(STORE, JSON.stringify(s));

async function createWallet(): Promise<Stored> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const key = await crypto.subtle.exportKey('jwk', pair.privateKey);
  const publicKey = hex(fromBase64url(key.x!)!);
  const s: Stored = { key, publicKey, did: didKeyFromPublicKey(publicKey), credentials: [], usage: { secret: hex(crypto.getRandomValues(new Uint8Array(32))), next: 0 } };
  save(s);
  return s;
}

async function signJws(s: Stored, header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  const key = await crypto.subtle.importKey('jwk', s.key, { name: 'Ed25519' }, false, ['sign']);
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, enc.encode(input))))}`;
}

const kidOf = (s: Stored): string => `${s.did}#${multikeyEncode(s.publicKey)}`;

// --- the usage log: the scheme of usage-log.ts, with WebCrypto ---------------------------------

const X25519_PKCS8_PREFIX = unhex('302e020100300506032b656e04220420');
const derive = (secret: string, domain: string, i: number): Uint8Array => hmac(sha256, unhex(secret), enc.encode(domain + String(i)));
const tagOf = (secret: string, i: number): string => hex(derive(secret, 'polity-usage:v1:tag:', i));

async function usageKey(secret: string, i: number): Promise<{ privateKey: CryptoKey; publicKey: Uint8Array }> {
  const privateKey = await crypto.subtle.importKey('pkcs8', buf(cat(X25519_PKCS8_PREFIX, derive(secret, 'polity-usage:v1:key:', i))), { name: 'X25519' }, true, ['deriveBits']);
  const jwk = await crypto.subtle.exportKey('jwk', privateKey);
  return { privateKey, publicKey: fromBase64url(jwk.x!)! };
}

async function ticketOf(secret: string, i: number): Promise<UsageTicket> {
  return { tag: tagOf(secret, i), key: b64url((await usageKey(secret, i)).publicKey) };
}

interface UsageEntry {
  org: string;
  credential: string;
  credentialType: string;
  purpose: string;
  claims: string[];
  time: number;
}

async function openEntry(sealed: string, secret: string, i: number): Promise<UsageEntry | undefined> {
  const bytes = fromBase64url(sealed);
  if (!bytes || bytes.length !== SEALED_BYTES) return undefined;
  const tag = tagOf(secret, i);
  const mine = await usageKey(secret, i);
  const ephemeral = bytes.slice(0, 32);
  try {
    const theirs = await crypto.subtle.importKey('raw', buf(ephemeral), { name: 'X25519' }, false, []);
    const z = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: theirs }, mine.privateKey, 256));
    const ikm = await crypto.subtle.importKey('raw', buf(z), 'HKDF', false, ['deriveBits']);
    const k = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: buf(unhex(tag)), info: buf(cat(enc.encode('polity-usage:v1:seal'), ephemeral, mine.publicKey)) }, ikm, 256);
    const aes = await crypto.subtle.importKey('raw', k, 'AES-GCM', false, ['decrypt']);
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(bytes.slice(32, 44)), additionalData: buf(enc.encode(`polity-usage:v1:aad:${tag}`)) }, aes, buf(bytes.slice(44)));
    return JSON.parse(new TextDecoder().decode(plain).trimEnd()) as UsageEntry;
  } catch {
    return undefined;
  }
}

interface LogLine {
  org: string;
  height: number;
  time: number;
  entry?: UsageEntry;
}

async function readLog(s: Stored): Promise<LogLine[]> {
  const out: LogLine[] = [];
  const end = s.usage.next + GAP;
  for (let from = 0; from < end; from += TAGS_PER_READ) {
    const byTag = new Map<string, number>();
    for (let i = from; i < Math.min(end, from + TAGS_PER_READ); i++) byTag.set(tagOf(s.usage.secret, i), i);
    const r = await fetch(`/v1/credentials/usage?tags=${[...byTag.keys()].join(',')}`);
    if (!r.ok) throw new Error(`the node answered ${r.status}`);
    const { entries } = (await r.json()) as { entries: { tag: string; sealed: string; org: string; height: number; time: number }[] };
    for (const e of entries) {
      const entry = await openEntry(e.sealed, s.usage.secret, byTag.get(e.tag)!);
      out.push({ org: e.org, height: e.height, time: e.time, ...(entry ? { entry } : {}) });
    }
  }
  return out.sort((a, b) => a.height - b.height);
}

// --- receiving over OpenID4VCI (pre-authorised code), from this node -----------------------------

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

async function json(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const r = await fetch(url, { redirect: 'error', ...init });
  const body = obj(await r.json().catch(() => ({})));
  if (!r.ok) throw new Error(String(body['message'] ?? body['error_description'] ?? `the issuer answered ${r.status}`));
  return body;
}

function describe(credential: unknown): { credentialType: string; issuer: string } {
  const vc = typeof credential === 'string' ? obj(JSON.parse(new TextDecoder().decode(fromBase64url(credential.split('.')[1] ?? '')))) : obj(credential);
  const types = Array.isArray(vc['type']) ? (vc['type'] as unknown[]) : [];
  const iss = vc['issuer'];
  return { credentialType: String(types.find((t) => t !== 'VerifiableCredential') ?? 'VerifiableCredential').slice(0, 64), issuer: String(typeof iss === 'object' && iss !== null ? obj(iss)['id'] : iss).slice(0, 256) };
}

async function receive(s: Stored, link: string, txCode: string): Promise<Held> {
  const q = link.trim().indexOf('?');
  const params = new URLSearchParams(q >= 0 ? link.trim().slice(q + 1) : '');
  const offerUri = params.get('credential_offer_uri');
  const offer = offerUri ? await json(offerUri) : obj(JSON.parse(params.get('credential_offer') ?? 'null'));
  const issuer = String(offer['credential_issuer'] ?? '').replace(/\/$/, '');
  if (new URL(issuer).origin !== location.origin) throw new Error('this page receives only from the node that serves it; use polity wallet receive for other issuers');
  const grant = obj(obj(offer['grants'])[PRE_AUTHORIZED_GRANT]);
  if (typeof grant['pre-authorized_code'] !== 'string') throw new Error('the offer has no pre-authorised code');
  if (grant['tx_code'] !== undefined && !txCode) throw new Error('the offer asks for a transaction code: type the code the issuer gave you');
  const metadata = await json(`${issuer}/.well-known/openid-credential-issuer`);
  const configurations = obj(metadata['credential_configurations_supported']);
  const ids = (Array.isArray(offer['credential_configuration_ids']) ? offer['credential_configuration_ids'] : []) as string[];
  const configurationId = ids.find((id) => obj(configurations[id])['format'] === 'jwt_vc_json') ?? ids.find((id) => obj(configurations[id])['format'] === 'ldp_vc');
  if (!configurationId) throw new Error('the offer has no credential in a format this wallet keeps (jwt_vc_json, ldp_vc)');
  const format = obj(configurations[configurationId])['format'] as Held['format'];
  const as = await json(`${issuer}/.well-known/oauth-authorization-server`);
  const form = new URLSearchParams({ grant_type: PRE_AUTHORIZED_GRANT, 'pre-authorized_code': grant['pre-authorized_code'], ...(txCode ? { tx_code: txCode } : {}) });
  const token = await json(String(as['token_endpoint']), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  const nonce = await json(String(metadata['nonce_endpoint']), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const proof = await signJws(s, { alg: 'EdDSA', typ: 'openid4vci-proof+jwt', kid: kidOf(s) }, { aud: issuer, iat: Math.floor(Date.now() / 1000), nonce: nonce['c_nonce'] });
  const answer = await json(String(metadata['credential_endpoint']), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${String(token['access_token'])}` },
    body: JSON.stringify({ credential_configuration_id: configurationId, proofs: { jwt: [proof] } }),
  });
  const credential = obj((answer['credentials'] as unknown[] | undefined)?.[0])['credential'];
  if (credential === undefined) throw new Error('the issuer answered no credential');
  const text = typeof credential === 'string' ? credential : JSON.stringify(credential);
  const d = describe(credential);
  const held: Held = { id: `c${hex(sha256(enc.encode(text))).slice(0, 16)}`, format, ...d, text, receivedAt: Date.now() };
  if (!s.credentials.some((c) => c.id === held.id)) s.credentials.push(held);
  save(s);
  return held;
}

// --- presenting ---------------------------------------------------------------------------------

interface Asked {
  read: ReadRequest;
  org?: string;
  candidates: Held[];
}

async function fetchRequest(s: Stored, link: string): Promise<Asked> {
  const parsed = parseRequestLink(link);
  if (typeof parsed === 'string') throw new Error(parsed);
  if (new URL(parsed.requestUri).origin !== location.origin) throw new Error('this page answers only requests filed with the node that serves it; use polity wallet present for others');
  const r = await fetch(parsed.requestUri);
  if (!r.ok) throw new Error('the request is closed, expired or unknown');
  const read = readRequestObjectUnsigned((await r.text()).trim(), Math.floor(Date.now() / 1000));
  if (typeof read === 'string') throw new Error(read);
  if (!(await ed25519Verify(read.publicKey, enc.encode(read.signingInput), hex(read.signature)))) throw new Error("the request's signature does not verify with the asking key: refused");
  if (read.payload.client_id !== parsed.clientId) throw new Error("the link's client_id is not the request's: refused");
  const who = obj(await (await fetch(`/v1/members/${read.publicKey}`)).json().catch(() => ({})));
  // A W3C credential is shown whole (a vp+jwt); this wallet keeps no SD-JWT yet.
  const candidates = read.ask.format === 'jwt_vc_json' ? s.credentials.filter((c) => c.credentialType === read.ask.credentialType) : [];
  return { read, ...(typeof who['org'] === 'string' ? { org: who['org'] } : {}), candidates };
}

async function answer(s: Stored, asked: Asked, held: Held): Promise<{ ok: boolean; text: string }> {
  const { payload } = asked.read;
  const credential = held.format === 'ldp_vc' ? JSON.parse(held.text) : { '@context': ['https://www.w3.org/ns/credentials/v2'], type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${held.text}` };
  const vp = await signJws(s, { alg: 'EdDSA', typ: 'vp+jwt', cty: 'vp', kid: kidOf(s) }, { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], holder: s.did, verifiableCredential: [credential], aud: payload.client_id, nonce: payload.nonce });
  // The counter moves on before anything is sent: a ticket is never handed out twice.
  const index = s.usage.next;
  s.usage.next = index + 1;
  save(s);
  const fields = directPostFields(payload.state, vp, await ticketOf(s.usage.secret, index));
  const r = await fetch(payload.response_uri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const body = obj(await r.json().catch(() => ({})));
  return r.ok ? { ok: true, text: 'The verifier accepted it. The use will appear in your usage log within a block.' } : { ok: false, text: `The verifier refused it: ${String(body['message'] ?? r.status)} (${String(body['code'] ?? '')})` };
}

// --- the page -------------------------------------------------------------------------------------

function WalletPage(): JSX.Element {
  const [wallet, setWallet] = useState<Stored | undefined>(() => (typeof localStorage === 'undefined' ? undefined : load()));
  const [offer, setOffer] = useState('');
  const [txCode, setTxCode] = useState('');
  const [requestLink, setRequestLink] = useState('');
  const [asked, setAsked] = useState<Asked | undefined>(undefined);
  const [note, setNote] = useState<{ tone: 'ok' | 'error'; where: string; text: string } | undefined>(undefined);
  const [log, setLog] = useState<LogLine[] | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const act = async (where: string, fn: () => Promise<string | void>): Promise<void> => {
    setBusy(true);
    setNote(undefined);
    try {
      const text = await fn();
      if (text) setNote({ tone: 'ok', where, text });
    } catch (e) {
      setNote({ tone: 'error', where, text: errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  const noteFor = (where: string) =>
    note?.where === where ? (
      <Notice tone={note.tone} id={`${where}-note`}>
        <p>{note.text}</p>
      </Notice>
    ) : null;

  if (!hasWebCrypto()) return <Notice tone="error" title="The wallet cannot run here">{INSECURE_CONTEXT}</Notice>;
  if (!wallet)
    return (
      <Panel id="wallet-title" title="Your wallet">
        <p>This browser holds no wallet yet. A wallet is a key that only this browser knows, and the credentials issued to it.</p>
        <button type="button" class="button" id="create-wallet" disabled={busy} onClick={() => void act('wallet', async () => setWallet(await createWallet()))}>
          Create a wallet in this browser
        </button>
        <PrivacyNote>The key and your credentials are kept in this browser's storage and never sent anywhere; clearing the site's data deletes them.</PrivacyNote>
      </Panel>
    );

  return (
    <>
      <Panel id="wallet-title" title="Your wallet">
        <Fields rows={[{ label: 'You are', value: <code id="holder-did">{wallet.did}</code> }, { label: 'Credentials', value: String(wallet.credentials.length) }]} />
        <PrivacyNote>Your key and credentials stay in this browser. A verifier sees only what you approve below.</PrivacyNote>
      </Panel>

      <Panel id="receive-title" title="Receive a credential">
        <div class="wallet-form">
          <label for="offer-link">Offer link from the issuer</label>
          <input id="offer-link" type="text" spellcheck={false} value={offer} onInput={(e) => setOffer((e.currentTarget as HTMLInputElement).value)} />
          <label for="tx-code">Transaction code, if the issuer gave you one</label>
          <input id="tx-code" type="text" inputMode="numeric" value={txCode} onInput={(e) => setTxCode((e.currentTarget as HTMLInputElement).value)} />
          <button type="button" class="button" id="receive" disabled={busy} onClick={() => void act('receive', async () => {
            const held = await receive(wallet, offer, txCode.trim());
            setWallet({ ...wallet });
            setOffer('');
            return `Received your ${held.credentialType} from ${held.issuer}.`;
          })}>
            Receive
          </button>
        </div>
        {noteFor('receive')}
      </Panel>

      <Panel id="credentials-title" title="Your credentials">
        {wallet.credentials.length === 0 ? (
          <p class="muted">No credentials yet.</p>
        ) : (
          <ul id="credential-list">
            {wallet.credentials.map((c) => (
              <li key={c.id} data-id={c.id}>
                <strong>{c.credentialType}</strong> from <code>{c.issuer}</code>, received {formatTime(c.receivedAt)} <Badge tone="muted">{c.format}</Badge>
              </li>
            ))}
          </ul>
        )}
      </Panel>

      <Panel id="present-title" title="Answer a request">
        <div class="wallet-form">
          <label for="request-link">Request link from the verifier</label>
          <input id="request-link" type="text" spellcheck={false} value={requestLink} onInput={(e) => setRequestLink((e.currentTarget as HTMLInputElement).value)} />
          <button type="button" class="button" id="read-request" disabled={busy} onClick={() => void act('present', async () => setAsked(await fetchRequest(wallet, requestLink)))}>
            See what is asked
          </button>
        </div>
        {asked ? (
          <div id="approval">
            <Fields
              rows={[
                { label: 'Who asks', value: asked.org ? `${asked.org} (an official of it, as the chain says)` : 'a key no organisation lists: an unknown verifier' },
                { label: 'Why', value: asked.read.ask.purpose || '(no purpose given)' },
                { label: 'What', value: `your ${asked.read.ask.credentialType}: ${asked.read.ask.claims.join(', ')}` },
                { label: 'Shown', value: 'the whole credential (a W3C credential has no selective disclosure): every claim in it' },
              ]}
            />
            {asked.candidates.length === 0 ? (
              <Notice tone="warn" id="no-match">
                <p>No credential in this wallet answers this request.</p>
              </Notice>
            ) : (
              <p class="wallet-actions">
                <button type="button" class="button" id="approve" disabled={busy} onClick={() => void act('present', async () => {
                  const r = await answer(wallet, asked, asked.candidates[0]!);
                  setAsked(undefined);
                  if (!r.ok) throw new Error(r.text);
                  return r.text;
                })}>
                  Approve and show
                </button>{' '}
                <button type="button" class="button secondary" id="decline" disabled={busy} onClick={() => { setAsked(undefined); setNote({ tone: 'ok', where: 'present', text: 'Nothing was shown.' }); }}>
                  Decline
                </button>
              </p>
            )}
          </div>
        ) : null}
        {noteFor('present')}
      </Panel>

      <Panel id="log-title" title="Where your credentials were used">
        <p class="wallet-actions">
          <button type="button" class="button" id="read-log" disabled={busy} onClick={() => void act('log', async () => setLog(await readLog(wallet)))}>
            Read my usage log
          </button>
        </p>
        <PrivacyNote>Entries are found by tags only this wallet can compute, and opened here; the node learns which tags you asked for together.</PrivacyNote>
        {log ? (
          log.length === 0 ? (
            <p class="muted" id="log-empty">No uses recorded yet.</p>
          ) : (
            <ul id="usage-log">
              {log.map((l) => (
                <li key={`${l.height}-${l.time}`}>
                  {formatTime(l.time)}: <strong>{l.org}</strong>{' '}
                  {l.entry ? `checked your ${l.entry.credentialType} (${l.entry.claims.join(', ')}) for “${l.entry.purpose}”` : 'recorded an entry under your tag that does not open'}
                  {l.entry && l.entry.org !== l.org ? <Badge tone="warn">the entry names {l.entry.org}</Badge> : null}
                </li>
              ))}
            </ul>
          )
        ) : null}
        {noteFor('log')}
      </Panel>
    </>
  );
}

mountPage(<WalletPage />);
