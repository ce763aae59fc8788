/**
 * Client side of authenticated requests to a Polity node (spec/api-auth.md):
 * `signedFetch` signs a request with HTTP Message Signatures (RFC 9421, alg
 * `ed25519`) and a `Content-Digest` (RFC 9530, `sha-256`); `openSession`
 * proves possession of a key once by challenge-response and returns a
 * bearer token.
 *
 * This file also holds the half of RFC 9421 that signer and verifier share:
 * deriving component values (§2.1, §2.2), serialising the signature
 * parameters as a Structured Field inner list (§2.3, RFC 8941 §4.1) and
 * building the signature base (§2.5). The node's verifier
 * (src/api/http-signatures.ts) imports it from here, so both ends build the
 * base with one implementation: a signature base that differs by one byte
 * between client and server is the classic bug of this protocol. It lives in
 * the SDK, not the API, because the layer table (test/layers.test.ts) lets
 * the API import the SDK but not the reverse.
 *
 * Our profile, stricter than RFC 9421 allows, so that there is one way to
 * say each thing (parser differentials are how signature schemes break):
 * - derived components @method, @target-uri, @authority, @scheme,
 *   @request-target, @path and @query, and lowercase HTTP field names; no
 *   component parameters (`sf`, `key`, `bs`, `req`, `name`);
 * - signature parameters created, expires, nonce, keyid, alg and tag only;
 * - component values are derived from the request target exactly as sent,
 *   never normalised (a normalised path could match a signature for another
 *   route): the signer normalises the URL once, the way `fetch` will send
 *   it, before signing.
 */
import { randomBytes } from 'node:crypto';
import { signRaw } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/sha256.js';
import { PolityApiError } from './errors.js';

/** Node's `IncomingHttpHeaders` shape: lowercase names, repeated lines as arrays. */
export type HeaderMap = Record<string, string | string[] | undefined>;

/** The parts of a request that a signature can cover. `url` is absolute. */
export interface RequestParts {
  method: string;
  url: string;
  headers: HeaderMap;
}

/** The label, tag and algorithm of Polity's profile (spec/api-auth.md §3). */
export const SIGNATURE_LABEL = 'sig1';
export const SIGNATURE_TAG = 'polity';
export const SIGNATURE_ALG = 'ed25519';
/** Covered components when there is no body, and when there is one. */
export const DEFAULT_COMPONENTS: readonly string[] = ['@method', '@target-uri'];
export const DEFAULT_BODY_COMPONENTS: readonly string[] = ['@method', '@target-uri', 'content-digest', 'content-type'];

/** Limits shared by signer and verifier ("put a limit on everything"). */
export const COMPONENTS_MAX = 32;
export const KEY_ID_CHARS_MAX = 256;
export const NONCE_CHARS_MAX = 128;

const DERIVED = new Set(['@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query']);
/** A field name as RFC 9421 §2.1 names it: the lowercased token of RFC 9110 §5.1. */
const FIELD_NAME_RE = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
/** scheme "://" authority path ["?" query]: split by hand so nothing is normalised. */
const TARGET_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/;

// --- Structured Field serialisation (RFC 8941 §4.1), the subset we emit ----------

/** sf-string (RFC 8941 §4.1.6): printable ASCII, with `"` and `\` escaped. */
export function serializeSfString(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new TypeError(`expected printable ASCII in a structured-field string, got character code ${c} at ${i}`);
  }
  return `"${value.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}

/** sf-integer (RFC 8941 §4.1.4): at most 15 digits. */
export function serializeSfInteger(value: number): string {
  if (!Number.isSafeInteger(value) || Math.abs(value) > 999_999_999_999_999) throw new TypeError(`expected an integer of at most 15 digits, got ${value}`);
  return String(value);
}

/** A signature parameter as it appears in Signature-Input, in order. */
export type SignatureParam = [name: 'created' | 'expires' | 'nonce' | 'keyid' | 'alg' | 'tag', value: string | number];

/**
 * The `@signature-params` value (RFC 9421 §2.3): the covered components as an
 * inner list of sf-strings, then the parameters in the order given. The same
 * text follows the label in Signature-Input (§4.1).
 */
export function serializeSignatureParams(components: readonly string[], params: readonly SignatureParam[]): string {
  let out = `(${components.map(serializeSfString).join(' ')})`;
  for (const [name, value] of params) out += `;${name}=${typeof value === 'number' ? serializeSfInteger(value) : serializeSfString(value)}`;
  return out;
}

// --- component values (RFC 9421 §2.1, §2.2) -----------------------------------------

export interface TargetParts {
  scheme: string;
  authority: string;
  path: string;
  query: string | undefined;
}

/**
 * Split an absolute URL into scheme, normalised authority (RFC 9421 §2.2.3:
 * lowercase, default port dropped), raw path and raw query. Undefined when it
 * is not an absolute http(s) URL without user info or fragment.
 */
export function splitTarget(url: string): TargetParts | undefined {
  const m = TARGET_RE.exec(url);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  let authority = m[2]!.toLowerCase();
  if (authority.length === 0 || authority.includes('@')) return undefined;
  if ((scheme === 'http' && authority.endsWith(':80')) || (scheme === 'https' && authority.endsWith(':443'))) {
    authority = authority.slice(0, authority.lastIndexOf(':'));
  }
  return { scheme, authority, path: m[3]!, query: m[4] };
}

/** True for a component name our profile can derive (§2.1 field names, §2.2 derived components). */
export function isSupportedComponent(name: string): boolean {
  return DERIVED.has(name) || FIELD_NAME_RE.test(name);
}

/** A header's value as RFC 9421 §2.1 canonicalises it: each line trimmed, lines joined with ", ". */
export function fieldValue(headers: HeaderMap, name: string): string | undefined {
  let raw = headers[name];
  if (raw === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === name) {
        raw = headers[key];
        break;
      }
    }
  }
  if (raw === undefined) return undefined;
  const lines = Array.isArray(raw) ? raw : [raw];
  return lines.map((line) => line.replace(/^[ \t]+|[ \t]+$/g, '')).join(', ');
}

/** The value of one covered component, or undefined when the request lacks it. */
export function componentValue(request: RequestParts, name: string): string | undefined {
  if (!name.startsWith('@')) return fieldValue(request.headers, name);
  const target = splitTarget(request.url);
  if (!target) return undefined;
  const path = target.path === '' ? '/' : target.path;
  switch (name) {
    case '@method':
      return request.method;
    case '@target-uri':
      return `${target.scheme}://${target.authority}${path}${target.query === undefined ? '' : `?${target.query}`}`;
    case '@authority':
      return target.authority;
    case '@scheme':
      return target.scheme;
    case '@request-target':
      return `${path}${target.query === undefined ? '' : `?${target.query}`}`;
    case '@path':
      return path;
    case '@query':
      return `?${target.query ?? ''}`;
    default:
      return undefined;
  }
}

export type SignatureBaseResult =
  | { ok: true; base: string }
  | { ok: false; reason: 'unsupported' | 'duplicate' | 'missing' | 'not-ascii'; component: string };

/** Printable ASCII and tab: what may appear in a line of the signature base. */
const BASE_VALUE_RE = /^[\t\x20-\x7e]*$/;

/**
 * The signature base (RFC 9421 §2.5): one line `"<name>": <value>` per covered
 * component, then `"@signature-params": <paramsLine>`, joined by "\n", no
 * trailing newline. Fails on a repeated or unsupported component, one the
 * request lacks, or a value that is not ASCII (§2.5 step 4) — which also
 * keeps a value from smuggling a newline into the base.
 */
export function signatureBase(request: RequestParts, components: readonly string[], paramsLine: string): SignatureBaseResult {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const name of components) {
    if (!isSupportedComponent(name)) return { ok: false, reason: 'unsupported', component: name };
    if (seen.has(name)) return { ok: false, reason: 'duplicate', component: name };
    seen.add(name);
    const value = componentValue(request, name);
    if (value === undefined) return { ok: false, reason: 'missing', component: name };
    if (!BASE_VALUE_RE.test(value)) return { ok: false, reason: 'not-ascii', component: name };
    lines.push(`"${name}": ${value}`);
  }
  lines.push(`"@signature-params": ${paramsLine}`);
  return { ok: true, base: lines.join('\n') };
}

/** The bytes that are signed: the base is ASCII, so one byte per character. */
export function signatureBaseBytes(base: string): Uint8Array {
  return Uint8Array.from(Buffer.from(base, 'latin1'));
}

// --- Content-Digest (RFC 9530 §2) -----------------------------------------------------

/** `sha-256=:<base64>:`, the Content-Digest of `body` (RFC 9530 §2, algorithm from §5). */
export function contentDigest(body: Uint8Array): string {
  return `sha-256=:${Buffer.from(sha256(body)).toString('base64')}:`;
}

// --- signing (RFC 9421 §3.1) -------------------------------------------------------------

export interface SignRequestParameters {
  method: string;
  /** Absolute URL; normalised once with `new URL()` and stripped of any fragment: the form `fetch` sends. */
  url: string;
  headers: HeaderMap;
  /** The exact bytes that will be sent (a string is sent as UTF-8). */
  body?: Uint8Array | string;
  /** `keyid`: a 64-hex public key, `did:polity:…` or `did:key:…`. */
  keyId: string;
  /** 32-byte Ed25519 seed, hex (our key format, src/crypto/ed25519.ts). */
  secretKey: string;
  /** UNIX seconds; default now. */
  created?: number;
  /** UNIX seconds; omitted by default. */
  expires?: number;
  /** Default 16 random bytes, base64url: two identical requests in one second stay distinct to the replay guard. `null` omits it. */
  nonce?: string | null;
  /** Covered components; default `"@method" "@target-uri"`, plus `"content-digest" "content-type"` with a body. */
  components?: readonly string[];
  /** Default `sig1`. */
  label?: string;
  /** Default `polity`; `null` omits it. */
  tag?: string | null;
  /** Default `ed25519`; `null` omits it. */
  alg?: 'ed25519' | null;
}

/** Headers to add to the request (lowercase names). */
export interface SignRequestReturnType {
  'signature-input': string;
  signature: string;
  'content-digest'?: string;
}

export type SignRequestErrorType = TypeError;

const LABEL_RE = /^[a-z*][a-z0-9_.*-]*$/;
const NONCE_RE = /^[\x21-\x7e]+$/;

/** Sign a request (RFC 9421 §3.1) with Ed25519; throws a TypeError on input it cannot sign. */
export function signRequest(p: SignRequestParameters): SignRequestReturnType {
  const target = new URL(p.url);
  target.hash = ''; // fetch never sends a fragment
  const url = target.href;
  const label = p.label ?? SIGNATURE_LABEL;
  if (!LABEL_RE.test(label)) throw new TypeError('expected a label of lowercase letters, digits, "_", "-", "." or "*"');
  if (p.keyId.length === 0 || p.keyId.length > KEY_ID_CHARS_MAX) throw new TypeError(`expected a keyId of 1 to ${KEY_ID_CHARS_MAX} characters, got ${p.keyId.length}`);
  const body = p.body === undefined ? undefined : typeof p.body === 'string' ? new TextEncoder().encode(p.body) : p.body;
  const hasBody = body !== undefined && body.length > 0;

  const headers: HeaderMap = {};
  for (const [name, value] of Object.entries(p.headers)) headers[name.toLowerCase()] = value;
  const added: Partial<SignRequestReturnType> = {};
  if (hasBody) headers['content-digest'] = added['content-digest'] = contentDigest(body);

  const components = p.components ?? (hasBody ? DEFAULT_BODY_COMPONENTS : DEFAULT_COMPONENTS);
  if (components.length > COMPONENTS_MAX) throw new TypeError(`expected at most ${COMPONENTS_MAX} covered components, got ${components.length}`);
  const params: SignatureParam[] = [['created', p.created ?? Math.floor(Date.now() / 1000)]];
  if (p.expires !== undefined) params.push(['expires', p.expires]);
  const nonce = p.nonce === undefined ? randomBytes(16).toString('base64url') : p.nonce;
  if (nonce !== null) {
    if (nonce.length > NONCE_CHARS_MAX || !NONCE_RE.test(nonce)) throw new TypeError(`expected a nonce of 1 to ${NONCE_CHARS_MAX} visible ASCII characters`);
    params.push(['nonce', nonce]);
  }
  params.push(['keyid', p.keyId]);
  const alg = p.alg === undefined ? SIGNATURE_ALG : p.alg;
  if (alg !== null) params.push(['alg', alg]);
  const tag = p.tag === undefined ? SIGNATURE_TAG : p.tag;
  if (tag !== null) params.push(['tag', tag]);

  const paramsLine = serializeSignatureParams(components, params);
  const built = signatureBase({ method: p.method, url, headers }, components, paramsLine);
  if (!built.ok) throw new TypeError(`cannot sign: component ${JSON.stringify(built.component)} is ${built.reason === 'missing' ? 'not in the request' : built.reason}`);
  const signature = Buffer.from(signRaw(p.secretKey, signatureBaseBytes(built.base))).toString('base64');
  return { ...added, 'signature-input': `${label}=${paramsLine}`, signature: `${label}=:${signature}:` };
}

// --- fetch helpers ---------------------------------------------------------------------------

export interface SignedFetchKey {
  keyId: string;
  secretKey: string;
}

/**
 * `fetch` with RFC 9421 headers (and Content-Digest when there is a body).
 * The body must be a string or bytes: a stream could not be digested before
 * it is sent. A body without a content type is sent as `application/json`,
 * the only type the API accepts (fetch would otherwise label a string
 * `text/plain` after we signed).
 */
export async function signedFetch(url: string | URL, init: RequestInit = {}, key: SignedFetchKey): Promise<Response> {
  const target = new URL(url);
  target.hash = '';
  const href = target.href;
  const method = (init.method ?? 'GET').toUpperCase();
  const body = init.body ?? undefined;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new TypeError('signedFetch: expected the body as a string or a Uint8Array, so that it can be digested before sending');
  }
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  if (body !== undefined && body.length > 0 && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  const added = signRequest({ method, url: href, headers, body, keyId: key.keyId, secretKey: key.secretKey });
  return fetch(href, { ...init, method, headers: { ...headers, ...added }, ...(body === undefined ? {} : { body }) });
}

/** The UTF-8 message a session opener signs (spec/api-auth.md §5). `chainId` has no ":" (genesis.ts), the challenge is base64url: the fields cannot run into each other. */
export function sessionMessage(chainId: string, subject: string, challenge: string): Uint8Array {
  return new TextEncoder().encode(`polity-session:v1:${chainId}:${subject}:${challenge}`);
}

export interface OpenSessionParameters {
  /** A DID or a 64-hex public key. */
  subject: string;
  secretKey: string;
  publicKey: string;
  /**
   * The chain the client means to talk to, from its own configuration (a
   * genesis file it trusts), never asked of the node: a node of another chain
   * that relayed a challenge could then not get a signature usable on ours.
   */
  chainId: string;
  timeoutMs?: number;
}

export interface OpenSessionReturnType {
  token: string;
  expiresAt: number;
}

export type OpenSessionErrorType = PolityApiError;

/**
 * Open a session: `POST /v1/auth/challenge {subject}`, sign the message, then
 * `POST /v1/auth/session {subject, challenge, signature}`. Send the token as
 * `Authorization: Bearer <token>`. Failures are `PolityApiError`s with the
 * node's code (NODE_UNREACHABLE when no node answered).
 */
export async function openSession(apiBase: string, p: OpenSessionParameters): Promise<OpenSessionReturnType> {
  const base = apiBase.replace(/\/+$/, '');
  const { challenge } = await postJson<{ challenge: string; expiresAt: number }>(`${base}/v1/auth/challenge`, { subject: p.subject }, p.timeoutMs);
  if (typeof challenge !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
    throw new PolityApiError(200, 'BAD_RESPONSE', 'the node answered a challenge that is not 32 bytes of base64url');
  }
  const signature = Buffer.from(signRaw(p.secretKey, sessionMessage(p.chainId, p.subject, challenge))).toString('hex');
  return postJson<OpenSessionReturnType>(`${base}/v1/auth/session`, { subject: p.subject, challenge, signature }, p.timeoutMs);
}

async function postJson<T>(url: string, body: unknown, timeoutMs = 30_000): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const reason = (e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'connection failed';
    throw new PolityApiError(0, 'NODE_UNREACHABLE', `cannot reach the node (${reason})`);
  }
  const text = await response.text();
  let data: unknown;
  try {
    data = text.length ? JSON.parse(text) : undefined;
  } catch {
    throw new PolityApiError(response.status, 'BAD_RESPONSE', 'the node answered something that is not JSON');
  }
  if (response.status >= 400) {
    const err = (data ?? {}) as { code?: string; message?: string; details?: unknown };
    throw new PolityApiError(response.status, err.code ?? `HTTP_${response.status}`, err.message ?? response.statusText, err.details);
  }
  return data as T;
}
