/**
 * HTTP Message Signatures (RFC 9421) with Ed25519, and Content-Digest
 * (RFC 9530): how a node checks that a request comes from the holder of a
 * key and was not changed on the way (spec/api-auth.md).
 *
 * Why RFC 9421 rather than a home-made "sign the body" header: it says
 * exactly which parts of the request are signed (method, target URI, digest
 * of the body, content type), so a signature cannot be moved to another
 * route or another body; its parameters carry creation time, expiry, nonce,
 * key id and an application tag; and clients in any language can reuse a
 * standard library. We implement the small profile we need (a few hundred
 * lines, no dependency) rather than depend on a general library.
 *
 * The signature base and the component values are built by the same code
 * the SDK signs with (src/sdk/http-auth.ts). This file adds what only a
 * verifier needs: a strict RFC 8941 dictionary parser, the verification
 * procedure of RFC 9421 §3.2 with Polity's policy (§3.2.1: required
 * components, tag, age, skew), Content-Digest checking and a replay guard.
 *
 * Every refusal is `{ok: false, code, message}` with a stable AUTH_* code.
 * Messages name fields, parameters, components and limits; they never
 * repeat a key id (a DID identifies a person), a header value or the body.
 *
 * Replay guard, and why it never simply forgets: a signature is valid for
 * `maxAgeSeconds` after its `created` time, so the guard must remember every
 * accepted signature for that long. If it dropped old entries to make room,
 * an attacker who could fill it (any key holder: keys are free) could flush
 * a captured signature out and replay it. If it refused everyone when full,
 * ten keys could lock every other key out for the whole window (seen in
 * outside testing). So it keeps a floor instead: to make room it forgets the
 * oldest second's signatures and from then on refuses every signature
 * created in or before that second (AUTH_EXPIRED: sign again). Nothing it
 * forgot can be accepted again, and a fresh signature, the only kind an
 * honest client sends, still gets in. A per-key quota (`perKeyMax`) stops
 * one key from making the node forget at all.
 *
 * Replay across restarts: the guard is in memory, and the floor starts at
 * the node's start time (server.ts): a signature created before the node
 * started is refused, since the guard could not have seen it. Persisting
 * the guard instead would be lost to a kill -9, which is when a restart
 * is least planned. See spec/api-auth.md §4 for the one gap (a client clock
 * running ahead of the node's) and why it is accepted.
 *
 * Replay across nodes: `@target-uri` is checked against the node's own
 * public origin (authenticate.ts), never the Host header a client chose.
 * Only signatures that verified are recorded, so nobody without a key can
 * fill the guard, and entries leave as soon as their window has passed.
 */
import { createHash } from 'node:crypto';
import { PolityError } from '../ledger/errors.js';
import { CORE_ERRORS } from '../ledger/core-errors.js';
import { equalBytes, isHex } from '../crypto/bytes.js';
import { verifyBytes } from '../crypto/ed25519.js';
import {
  COMPONENTS_MAX,
  KEY_ID_CHARS_MAX,
  NONCE_CHARS_MAX,
  SIGNATURE_ALG,
  SIGNATURE_TAG,
  serializeSignatureParams,
  signatureBase,
  signatureBaseBytes,
  splitTarget,
  type HeaderMap,
  type SignatureParam,
} from '../sdk/http-auth.js';

export {
  signRequest,
  signatureBase,
  contentDigest,
  componentValue,
  serializeSignatureParams,
  type SignRequestParameters,
  type SignRequestReturnType,
  type HeaderMap,
} from '../sdk/http-auth.js';

// --- codes ---------------------------------------------------------------------------------

/** The codes of refused authentication (spec/api-auth.md §6); their statuses live in the core's error table (ledger/core-errors.ts). */
const AUTH_CODES = ['AUTH_REQUIRED', 'AUTH_MALFORMED', 'AUTH_EXPIRED', 'AUTH_BAD_SIGNATURE', 'AUTH_WRONG_ORIGIN', 'AUTH_UNKNOWN_KEY', 'AUTH_DIGEST_MISMATCH', 'AUTH_REPLAYED', 'AUTH_FORBIDDEN'] as const;
export type AuthErrorCode = (typeof AUTH_CODES)[number];

/**
 * HTTP status of each AUTH_* code, taken from the core's error table.
 * 401 means "authenticate (again)": RFC 9110 §15.5.2. A body that does not
 * match its signed digest is a broken request, not a missing credential:
 * 400. Authenticated but not allowed: 403.
 */
export const AUTH_ERROR_STATUS = Object.fromEntries(AUTH_CODES.map((code) => [code, CORE_ERRORS[code].status])) as Record<AuthErrorCode, number>;

/** A PolityError with an AUTH_* code (or RATE_LIMITED when the replay guard or session table is full). */
export function authError(code: AuthErrorCode | 'RATE_LIMITED', message: string): PolityError {
  return new PolityError(code, message);
}

// --- Structured Field parsing (RFC 8941 §4.2) ------------------------------------------------

export type BareItem =
  | { type: 'integer' | 'decimal'; value: number }
  | { type: 'string' | 'token'; value: string }
  | { type: 'bytes'; value: Uint8Array }
  | { type: 'boolean'; value: boolean };
export type SfParams = Map<string, BareItem>;
export interface SfItem {
  kind: 'item';
  value: BareItem;
  params: SfParams;
}
export interface SfInnerList {
  kind: 'inner-list';
  items: SfItem[];
  params: SfParams;
}
export type SfDictionary = Map<string, SfItem | SfInnerList>;

export class StructuredFieldError extends Error {
  override name = 'StructuredFieldError';
}

const KEY_START_RE = /[a-z*]/;
const KEY_CHAR_RE = /[a-z0-9_.*-]/;
const TOKEN_CHAR_RE = /[!#$%&'*+.^_`|~0-9A-Za-z:/-]/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Parse a Dictionary (RFC 8941 §4.2.2). Stricter than the RFC in one way, on
 * purpose: a repeated dictionary key or parameter is an error instead of
 * "last one wins", so that no two parsers can read the same field as two
 * different signatures.
 */
export function parseSfDictionary(input: string): SfDictionary {
  const p = { s: input, i: 0 };
  const out: SfDictionary = new Map();
  skipSp(p);
  if (p.i === p.s.length) return out;
  for (;;) {
    const key = parseKey(p);
    if (out.has(key)) fail(p, `repeated member "${key}"`);
    if (p.s[p.i] === '=') {
      p.i++;
      out.set(key, p.s[p.i] === '(' ? parseInnerList(p) : parseItem(p));
    } else {
      out.set(key, { kind: 'item', value: { type: 'boolean', value: true }, params: parseParams(p) });
    }
    skipOws(p);
    if (p.i === p.s.length) return out;
    if (p.s[p.i] !== ',') fail(p, 'expected "," between members');
    p.i++;
    skipOws(p);
    if (p.i === p.s.length) fail(p, 'trailing ","');
  }
}

interface Cursor {
  s: string;
  i: number;
}

function fail(p: Cursor, what: string): never {
  throw new StructuredFieldError(`${what} at character ${p.i}`);
}
function skipSp(p: Cursor): void {
  while (p.s[p.i] === ' ') p.i++;
}
function skipOws(p: Cursor): void {
  while (p.s[p.i] === ' ' || p.s[p.i] === '\t') p.i++;
}

function parseKey(p: Cursor): string {
  const start = p.i;
  if (!KEY_START_RE.test(p.s[p.i] ?? '')) fail(p, 'expected a key (lowercase letter or "*")');
  p.i++;
  while (p.i < p.s.length && KEY_CHAR_RE.test(p.s[p.i]!)) p.i++;
  return p.s.slice(start, p.i);
}

function parseInnerList(p: Cursor): SfInnerList {
  p.i++; // "("
  const items: SfItem[] = [];
  for (;;) {
    skipSp(p);
    if (p.i >= p.s.length) fail(p, 'unterminated inner list');
    if (p.s[p.i] === ')') {
      p.i++;
      return { kind: 'inner-list', items, params: parseParams(p) };
    }
    items.push(parseItem(p));
    if (p.s[p.i] !== ' ' && p.s[p.i] !== ')') fail(p, 'expected " " or ")" after an inner-list item');
  }
}

function parseItem(p: Cursor): SfItem {
  const value = parseBareItem(p);
  return { kind: 'item', value, params: parseParams(p) };
}

function parseParams(p: Cursor): SfParams {
  const params: SfParams = new Map();
  while (p.s[p.i] === ';') {
    p.i++;
    skipSp(p);
    const key = parseKey(p);
    if (params.has(key)) fail(p, `repeated parameter "${key}"`);
    if (p.s[p.i] === '=') {
      p.i++;
      params.set(key, parseBareItem(p));
    } else {
      params.set(key, { type: 'boolean', value: true });
    }
  }
  return params;
}

function parseBareItem(p: Cursor): BareItem {
  const c = p.s[p.i] ?? '';
  if (c === '-' || (c >= '0' && c <= '9')) return parseNumber(p);
  if (c === '"') return parseString(p);
  if (c === ':') return parseBytes(p);
  if (c === '?') return parseBoolean(p);
  if (c === '*' || /[A-Za-z]/.test(c)) return parseToken(p);
  return fail(p, 'expected an item');
}

function parseNumber(p: Cursor): BareItem {
  const m = /^-?(\d+)(\.(\d*))?/.exec(p.s.slice(p.i, p.i + 20));
  if (!m) return fail(p, 'expected a digit');
  const [text, int, dot, frac] = m;
  if (dot === undefined) {
    if (int!.length > 15) fail(p, 'integer longer than 15 digits');
    p.i += text.length;
    return { type: 'integer', value: Number(text) };
  }
  if (int!.length > 12 || frac!.length < 1 || frac!.length > 3) fail(p, 'malformed decimal');
  p.i += text.length;
  return { type: 'decimal', value: Number(text) };
}

function parseString(p: Cursor): BareItem {
  p.i++;
  let out = '';
  for (;;) {
    if (p.i >= p.s.length) fail(p, 'unterminated string');
    const c = p.s[p.i++]!;
    if (c === '"') return { type: 'string', value: out };
    if (c === '\\') {
      const next = p.s[p.i++];
      if (next !== '"' && next !== '\\') fail(p, 'bad escape in string');
      out += next;
      continue;
    }
    const code = c.charCodeAt(0);
    if (code < 0x20 || code > 0x7e) fail(p, 'non-printable character in string');
    out += c;
  }
}

function parseToken(p: Cursor): BareItem {
  const start = p.i;
  p.i++;
  while (p.i < p.s.length && TOKEN_CHAR_RE.test(p.s[p.i]!)) p.i++;
  return { type: 'token', value: p.s.slice(start, p.i) };
}

/** Byte sequence (§4.2.7), canonical base64 only: another spelling of the same bytes would be another replay-guard key. */
function parseBytes(p: Cursor): BareItem {
  const end = p.s.indexOf(':', p.i + 1);
  if (end < 0) fail(p, 'unterminated byte sequence');
  const text = p.s.slice(p.i + 1, end);
  if (!BASE64_RE.test(text) || text.length % 4 !== 0) fail(p, 'byte sequence is not padded base64');
  const value = Uint8Array.from(Buffer.from(text, 'base64'));
  if (Buffer.from(value).toString('base64') !== text) fail(p, 'byte sequence is not canonical base64');
  p.i = end + 1;
  return { type: 'bytes', value };
}

function parseBoolean(p: Cursor): BareItem {
  const c = p.s[p.i + 1];
  if (c !== '0' && c !== '1') fail(p, 'expected ?0 or ?1');
  p.i += 2;
  return { type: 'boolean', value: c === '1' };
}

// --- verification (RFC 9421 §3.2) ------------------------------------------------------------

export interface VerifyRequestParts {
  method: string;
  /** Absolute URL as the request reached the node: scheme://authority + the raw request target. */
  url: string;
  headers: HeaderMap;
  /** The raw body bytes, exactly as received. */
  body?: Uint8Array;
}

export interface VerifyRequestOptions {
  /** The Ed25519 public key (64 hex) currently valid for a keyid, or undefined. */
  resolveKey(keyId: string): Promise<string | undefined>;
  /** Current time, ms since the epoch. */
  now: number;
  /** How long after `created` a signature is accepted; default 300 s. */
  maxAgeSeconds?: number;
  /** How far in the future `created` may lie (client clock ahead); default 60 s. */
  clockSkewSeconds?: number;
  /** Components every signature must cover; default `@method` and `@target-uri`. */
  requiredComponents?: readonly string[];
  /** When true (default), a request with a body must cover content-digest, and the digest must match. */
  requireContentDigest?: boolean;
  /** The tag signatures must carry; default `polity`; null accepts any or none. */
  tag?: string | null;
  /** Verify the signature with this label (default: the one signature whose tag matches). */
  label?: string;
  /** Record verified signatures and refuse repeats. */
  replay?: ReplayGuard;
  /**
   * The URL as the request's Host header addressed it, when that differs
   * from `url` (the node's own origin). Used only to explain a signature
   * that fails: if it verifies for this URL instead, the request was signed
   * for another node or address, and the refusal says so (AUTH_WRONG_ORIGIN).
   */
  addressedUrl?: string;
}

export type VerifyRequestReturnType =
  | { ok: true; keyId: string; publicKey: string; created: number; nonce?: string; label: string; components: string[] }
  | { ok: false; code: AuthErrorCode | 'RATE_LIMITED'; message: string };

/** Size limits on the two fields: far above any honest signature, far below the header limit. */
export const SIGNATURE_FIELD_CHARS_MAX = 8192;
export const SIGNATURES_MAX = 8;
const DIGEST_FIELD_CHARS_MAX = 1024;

const KNOWN_PARAMS: Record<string, BareItem['type']> = { created: 'integer', expires: 'integer', nonce: 'string', alg: 'string', keyid: 'string', tag: 'string' };

const refuse = (code: AuthErrorCode | 'RATE_LIMITED', message: string): VerifyRequestReturnType => ({ ok: false, code, message });

function headerText(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : v;
}

/**
 * Verify one RFC 9421 signature on a request, with Polity's policy. Checks
 * run cheapest first: structure, coverage and time before the key is looked
 * up, the signature before the body is hashed, the replay guard last (so
 * that only valid signatures are remembered).
 */
export async function verifyRequest(request: VerifyRequestParts, options: VerifyRequestOptions): Promise<VerifyRequestReturnType> {
  const inputText = headerText(request.headers, 'signature-input');
  const signatureText = headerText(request.headers, 'signature');
  if (inputText === undefined && signatureText === undefined) return refuse('AUTH_REQUIRED', 'no Signature-Input and Signature headers (RFC 9421 §4)');
  if (inputText === undefined) return refuse('AUTH_MALFORMED', 'a Signature header without Signature-Input');
  if (signatureText === undefined) return refuse('AUTH_MALFORMED', 'a Signature-Input header without Signature');
  if (inputText.length > SIGNATURE_FIELD_CHARS_MAX || signatureText.length > SIGNATURE_FIELD_CHARS_MAX) {
    return refuse('AUTH_MALFORMED', `Signature-Input and Signature may each be at most ${SIGNATURE_FIELD_CHARS_MAX} characters`);
  }

  let inputs: SfDictionary;
  let signatures: SfDictionary;
  try {
    inputs = parseSfDictionary(inputText);
  } catch (e) {
    return refuse('AUTH_MALFORMED', `Signature-Input is not a structured-field dictionary (RFC 8941 §3.2): ${(e as Error).message}`);
  }
  try {
    signatures = parseSfDictionary(signatureText);
  } catch (e) {
    return refuse('AUTH_MALFORMED', `Signature is not a structured-field dictionary (RFC 8941 §3.2): ${(e as Error).message}`);
  }
  if (inputs.size === 0) return refuse('AUTH_MALFORMED', 'Signature-Input has no signature');
  if (inputs.size > SIGNATURES_MAX) return refuse('AUTH_MALFORMED', `at most ${SIGNATURES_MAX} signatures per request`);
  for (const label of inputs.keys()) if (!signatures.has(label)) return refuse('AUTH_MALFORMED', `Signature-Input label "${label}" has no Signature`);
  for (const label of signatures.keys()) if (!inputs.has(label)) return refuse('AUTH_MALFORMED', `Signature label "${label}" has no Signature-Input`);

  // Which signature to verify (RFC 9421 §3.2 leaves the choice to the verifier).
  const tag = options.tag === undefined ? SIGNATURE_TAG : options.tag;
  let candidates = [...inputs.keys()];
  if (options.label !== undefined) candidates = candidates.filter((l) => l === options.label);
  if (tag !== null) {
    candidates = candidates.filter((l) => {
      const t = (inputs.get(l) as SfInnerList).params?.get('tag');
      return t?.type === 'string' && t.value === tag;
    });
  }
  if (candidates.length === 0) return refuse('AUTH_MALFORMED', tag === null ? 'no signature with the expected label' : `no signature with tag="${tag}"`);
  if (candidates.length > 1) return refuse('AUTH_MALFORMED', 'several signatures qualify; send one');
  const label = candidates[0]!;
  const input = inputs.get(label)!;
  const sigMember = signatures.get(label)!;
  if (input.kind !== 'inner-list') return refuse('AUTH_MALFORMED', `Signature-Input "${label}" is not an inner list of components`);
  if (sigMember.kind !== 'item' || sigMember.value.type !== 'bytes') return refuse('AUTH_MALFORMED', `Signature "${label}" is not a byte sequence`);

  // Covered components: sf-strings without parameters, each once.
  if (input.items.length > COMPONENTS_MAX) return refuse('AUTH_MALFORMED', `at most ${COMPONENTS_MAX} covered components`);
  const components: string[] = [];
  for (const item of input.items) {
    if (item.value.type !== 'string') return refuse('AUTH_MALFORMED', 'covered components must be strings');
    if (item.params.size > 0) return refuse('AUTH_MALFORMED', 'component parameters (sf, key, bs, req, name) are not supported');
    if (components.includes(item.value.value)) return refuse('AUTH_MALFORMED', `component "${item.value.value}" is covered twice`);
    components.push(item.value.value);
  }

  // Signature parameters (RFC 9421 §2.3), in the order received.
  const params: SignatureParam[] = [];
  const values: Partial<Record<string, string | number>> = {};
  for (const [name, value] of input.params) {
    const type = KNOWN_PARAMS[name];
    if (type === undefined) return refuse('AUTH_MALFORMED', `unsupported signature parameter "${name}"`);
    if (value.type !== type) return refuse('AUTH_MALFORMED', `signature parameter "${name}" must be ${type === 'integer' ? 'an integer' : 'a string'}`);
    params.push([name as SignatureParam[0], value.value as string | number]);
    values[name] = value.value as string | number;
  }
  const keyId = values.keyid as string | undefined;
  const created = values.created as number | undefined;
  const expires = values.expires as number | undefined;
  const nonce = values.nonce as string | undefined;
  if (values.alg !== undefined && values.alg !== SIGNATURE_ALG) return refuse('AUTH_MALFORMED', `alg must be "${SIGNATURE_ALG}"`);
  if (keyId === undefined || keyId.length === 0) return refuse('AUTH_MALFORMED', 'the signature has no keyid parameter');
  if (keyId.length > KEY_ID_CHARS_MAX) return refuse('AUTH_MALFORMED', `keyid is longer than ${KEY_ID_CHARS_MAX} characters`);
  if (nonce !== undefined && (nonce.length === 0 || nonce.length > NONCE_CHARS_MAX)) return refuse('AUTH_MALFORMED', `nonce must be 1 to ${NONCE_CHARS_MAX} characters`);
  if (created === undefined) return refuse('AUTH_MALFORMED', 'the signature has no created parameter');

  // Coverage policy (§3.2.1): what the signature must protect.
  const required = [...(options.requiredComponents ?? ['@method', '@target-uri'])];
  const hasBody = request.body !== undefined && request.body.length > 0;
  if (hasBody && options.requireContentDigest !== false) required.push('content-digest');
  for (const name of required) {
    if (!components.includes(name)) return refuse('AUTH_MALFORMED', `the signature must cover "${name}"`);
  }

  // Time (§3.2.1, §7.2.2): created not in the future beyond the skew, not older than the max age; expires not passed.
  const nowSeconds = options.now / 1000;
  const maxAgeSeconds = options.maxAgeSeconds ?? 300;
  const skewSeconds = options.clockSkewSeconds ?? 60;
  if (created > nowSeconds + skewSeconds) return refuse('AUTH_EXPIRED', `created lies more than ${skewSeconds} s in the future; check the client's clock`);
  if (nowSeconds - created > maxAgeSeconds) return refuse('AUTH_EXPIRED', `the signature is older than ${maxAgeSeconds} s; sign the request again`);
  if (expires !== undefined && nowSeconds > expires) return refuse('AUTH_EXPIRED', 'the signature has expired (its expires parameter has passed)');

  // The signature base, rebuilt from the request as received.
  if (splitTarget(request.url) === undefined) return refuse('AUTH_MALFORMED', 'the request target is not an absolute http(s) URL');
  const built = signatureBase(request, components, serializeSignatureParams(components, params));
  if (!built.ok) {
    const why = { missing: 'is not in the request', unsupported: 'is not supported', duplicate: 'is covered twice', 'not-ascii': 'has a value that is not ASCII' }[built.reason];
    return refuse('AUTH_MALFORMED', `covered component "${built.component}" ${why}`);
  }

  const publicKey = await options.resolveKey(keyId);
  if (publicKey === undefined) return refuse('AUTH_UNKNOWN_KEY', 'no key is currently valid for this keyid');
  if (!isHex(publicKey, 32)) throw new TypeError('resolveKey returned something other than a 64-hex public key');

  const signature = sigMember.value.value;
  if (signature.length !== 64) return refuse('AUTH_BAD_SIGNATURE', `an Ed25519 signature is 64 bytes, got ${signature.length}`);
  if (!verifyBytes(publicKey, signatureBaseBytes(built.base), signature)) {
    if (options.addressedUrl !== undefined && splitTarget(options.addressedUrl) !== undefined) {
      const elsewhere = signatureBase({ ...request, url: options.addressedUrl }, components, serializeSignatureParams(components, params));
      if (elsewhere.ok && verifyBytes(publicKey, signatureBaseBytes(elsewhere.base), signature)) {
        return refuse('AUTH_WRONG_ORIGIN', "@target-uri names another origin than this node's: the request was signed for another node or address; sign it for this node's public URL");
      }
    }
    return refuse('AUTH_BAD_SIGNATURE', 'the signature does not verify with the key of this keyid');
  }

  if (components.includes('content-digest')) {
    const digestCheck = checkContentDigest(headerText(request.headers, 'content-digest')!, request.body ?? new Uint8Array(0));
    if (digestCheck) return digestCheck;
  }

  if (options.replay) {
    const seen = options.replay.check(keyId, signature, created, options.now);
    if (seen === 'replayed') return refuse('AUTH_REPLAYED', 'this signature was already used; sign each request afresh');
    if (seen === 'full') return refuse('RATE_LIMITED', 'too many signed requests from this key in the replay window; retry later');
    if (seen === 'stale') {
      return refuse('AUTH_EXPIRED', 'the signature was created before the earliest time this node can check for replays (it restarted, or forgot older signatures under load, since then); sign the request again');
    }
  }

  return { ok: true, keyId, publicKey, created, label, components, ...(nonce === undefined ? {} : { nonce }) };
}

const DIGEST_ALGORITHMS: Record<string, string> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

/**
 * Check Content-Digest (RFC 9530 §2) against the body. Every digest we can
 * compute (sha-256, sha-512: the "Active" algorithms of §5) must match: one
 * wrong digest is enough to refuse, or a sender could pair a right sha-256
 * with a wrong sha-512 for a recipient that checks only the latter. Digests
 * of other algorithms are ignored, as §2 allows, but at least one must be ours.
 */
export function checkContentDigest(field: string, body: Uint8Array): VerifyRequestReturnType | undefined {
  if (field.length > DIGEST_FIELD_CHARS_MAX) return refuse('AUTH_MALFORMED', `Content-Digest may be at most ${DIGEST_FIELD_CHARS_MAX} characters`);
  let dict: SfDictionary;
  try {
    dict = parseSfDictionary(field);
  } catch (e) {
    return refuse('AUTH_MALFORMED', `Content-Digest is not a structured-field dictionary (RFC 9530 §2): ${(e as Error).message}`);
  }
  let checked = 0;
  for (const [algorithm, member] of dict) {
    const nodeName = DIGEST_ALGORITHMS[algorithm];
    if (nodeName === undefined) continue;
    if (member.kind !== 'item' || member.value.type !== 'bytes') return refuse('AUTH_MALFORMED', `Content-Digest ${algorithm} is not a byte sequence`);
    const actual = createHash(nodeName).update(body).digest();
    if (!equalBytes(Uint8Array.from(actual), member.value.value)) return refuse('AUTH_DIGEST_MISMATCH', `the body does not match its Content-Digest (${algorithm})`);
    checked++;
  }
  if (checked === 0) return refuse('AUTH_MALFORMED', 'Content-Digest carries no sha-256 or sha-512 digest');
  return undefined;
}

// --- replay guard ----------------------------------------------------------------------------

/**
 * 'fresh' the first time; 'replayed' after; 'full' when the key holds its
 * quota; 'stale' when the signature was created before the guard's floor
 * (`notBeforeSeconds`), so the guard cannot say whether it saw it.
 */
export type ReplayCheck = 'fresh' | 'replayed' | 'full' | 'stale';

export interface ReplayGuard {
  /** Record a verified signature with its `created` parameter (UNIX seconds). */
  check(keyId: string, signature: Uint8Array, createdSeconds: number, nowMs: number): ReplayCheck;
  readonly size: number;
  /** Signatures created before this (UNIX seconds) are refused: the node started, or the guard forgot, after them. */
  readonly notBeforeSeconds: number;
}

export interface ReplayGuardOptions {
  /** Signatures remembered at most, all keys together; default 100,000 (~10 MB). */
  max?: number;
  /** Signatures remembered at most for one keyid; default 10,000. */
  perKeyMax?: number;
  /**
   * The first second whose signatures the guard can judge: the node's start
   * (server.ts passes it). Anything created earlier may have been accepted
   * by the node before a restart, so it is refused ('stale').
   */
  notBeforeSeconds?: number;
}

/**
 * Remember (keyid, signature) pairs until `windowSeconds` after their
 * `created` time. Pass at least the verifier's maxAgeSeconds: past that a
 * signature is refused for its age, and need not be remembered.
 *
 * Entries are grouped by their `created` second. When the guard is full and
 * a key under its quota brings a new signature, the guard forgets the
 * oldest second's signatures and raises its floor past it: from then on
 * every signature created in or before that second is refused as 'stale'
 * (AUTH_EXPIRED, sign again). Forgetting is therefore safe, since a
 * forgotten signature can never be accepted again, and fair, since a flood
 * costs honest clients nothing as long as their requests arrive sooner
 * after signing than the flood takes to fill the guard (100,000 signatures
 * at the node's verification rate: seconds, against a client's
 * milliseconds). A new signature older than everything remembered is
 * refused rather than let in by forgetting newer ones.
 */
export function createReplayGuard(windowSeconds: number, options: ReplayGuardOptions = {}): ReplayGuard {
  if (!(windowSeconds > 0)) throw new TypeError(`expected a positive window in seconds, got ${windowSeconds}`);
  const max = options.max ?? 100_000;
  const perKeyMax = options.perKeyMax ?? 10_000;
  let notBefore = options.notBeforeSeconds ?? Number.NEGATIVE_INFINITY;
  /** entry ("keyid\nsignature") -> its keyid. */
  const seen = new Map<string, string>();
  /** created second -> its entries. At most one per second of the accepted window. */
  const bySecond = new Map<number, string[]>();
  const perKey = new Map<string, number>();

  function forget(entry: string): void {
    const keyId = seen.get(entry);
    if (keyId === undefined) return;
    seen.delete(entry);
    const n = perKey.get(keyId)! - 1;
    if (n === 0) perKey.delete(keyId);
    else perKey.set(keyId, n);
  }

  function dropSecond(second: number): void {
    for (const entry of bySecond.get(second)!) forget(entry);
    bySecond.delete(second);
  }

  function oldestSecond(): number | undefined {
    let oldest: number | undefined;
    for (const second of bySecond.keys()) if (oldest === undefined || second < oldest) oldest = second;
    return oldest;
  }

  /** When the oldest remembered second leaves the window (recomputed when seconds are dropped). */
  let nextExpiryMs = Number.POSITIVE_INFINITY;
  function expire(nowMs: number): void {
    if (nowMs < nextExpiryMs) return;
    for (const second of [...bySecond.keys()]) if ((second + windowSeconds) * 1000 <= nowMs) dropSecond(second);
    const oldest = oldestSecond();
    nextExpiryMs = oldest === undefined ? Number.POSITIVE_INFINITY : (oldest + windowSeconds) * 1000;
  }

  return {
    check(keyId, signature, createdSeconds, nowMs) {
      expire(nowMs);
      if (createdSeconds < notBefore) return 'stale';
      const entry = `${keyId}\n${Buffer.from(signature).toString('base64')}`;
      if (seen.has(entry)) return 'replayed';
      const count = perKey.get(keyId) ?? 0;
      if (count >= perKeyMax) return 'full';
      while (seen.size >= max) {
        const oldest = oldestSecond()!;
        if (createdSeconds <= oldest) return 'stale';
        dropSecond(oldest);
        notBefore = Math.max(notBefore, oldest + 1);
      }
      seen.set(entry, keyId);
      const list = bySecond.get(createdSeconds);
      if (list) list.push(entry);
      else bySecond.set(createdSeconds, [entry]);
      nextExpiryMs = Math.min(nextExpiryMs, (createdSeconds + windowSeconds) * 1000);
      perKey.set(keyId, count + 1);
      return 'fresh';
    },
    get size() {
      return seen.size;
    },
    get notBeforeSeconds() {
      return notBefore;
    },
  };
}
