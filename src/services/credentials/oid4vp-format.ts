/**
 * The node-free half of OpenID4VP as Polity reads it (spec/services/credentials.md §11):
 * the ask and its DCQL query, the request object's payload, the link, and
 * the direct_post response's fields. Shared by the node, the CLI wallet and
 * the web wallet (which cannot load node:crypto); oid4vp.ts adds signing and
 * signature checks.
 */
import { TYPE_NAME_PATTERN } from './registry.js';
import { decodeDidKey, multikeyEncode } from '../../crypto/multikey.js';

/** Limits of what is asked and recorded (the usage-log entry holds them, usage-log.ts). */
export const PURPOSE_CHARS_MAX = 128;
export const CLAIMS_MAX = 12;
export const CLAIM_NAME_CHARS_MAX = 32;

/** What the wallet hands a verifier with one presentation (usage-log.ts). */
export interface UsageTicket {
  /** 64 hex: the entry's address on the chain. */
  tag: string;
  /** base64url of the 32-byte X25519 public key to seal the entry to. */
  key: string;
}

/** What is wrong with a ticket received from a holder (untrusted), or undefined. */
export function ticketProblem(t: unknown): string | undefined {
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return 'usage ticket: expected an object {tag, key}';
  const { tag, key } = t as Record<string, unknown>;
  if (typeof tag !== 'string' || !/^[0-9a-f]{64}$/.test(tag)) return 'usage ticket: tag must be 64 lowercase hex';
  if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(key)) return 'usage ticket: key must be a base64url X25519 public key (43 characters)';
  if (Object.keys(t).length !== 2) return 'usage ticket: only tag and key';
  return undefined;
}

export const REQUEST_OBJECT_TYP = 'oauth-authz-req+jwt';
export const CLIENT_ID_PREFIX = 'decentralized_identifier:';
/** The `aud` of a request object for a wallet found by its scheme (OpenID4VP 1.0 §5.8, static discovery). */
export const SELF_ISSUED_AUD = 'https://self-issued.me/v2';
/** The DCQL credential query id Polity's verifiers use. */
export const CREDENTIAL_QUERY_ID = 'credential';
/** The formats a Polity verifier asks for: SD-JWT VC (selective disclosure), or a W3C VC as vc+jwt inside a vp+jwt. */
export const VP_FORMATS = ['dc+sd-jwt', 'jwt_vc_json'] as const;
export type VpFormat = (typeof VP_FORMATS)[number];
/** Longest a request may stay open. */
export const REQUEST_TTL_S_MAX = 900;
/** Most characters of a request object, a request link, and a direct_post body's fields. */
export const REQUEST_OBJECT_CHARS_MAX = 8192;
export const LINK_CHARS_MAX = 2048;
/** The wallet's usage-log ticket, a Polity extension of the response (usage-log.ts). */
export const USAGE_PARAM = 'polity_usage';
export const PURPOSE_PARAM = 'polity_purpose';
export const NONCE_PATTERN = '^[A-Za-z0-9_-]{22,128}$';
const CLAIM_NAME_RE = new RegExp(`^[A-Za-z_][A-Za-z0-9_]{0,${CLAIM_NAME_CHARS_MAX - 1}}$`);
const NONCE_RE = new RegExp(NONCE_PATTERN);

/** What a verifier asks for: one credential of a type, some of its claims, for a purpose. */
export interface PresentationAsk {
  credentialType: string;
  claims: string[];
  purpose: string;
  format: VpFormat;
}

export interface DcqlQuery {
  credentials: { id: string; format: VpFormat; meta: Record<string, unknown>; claims: { path: string[] }[] }[];
}

/** What is wrong with an ask, or undefined. A request from another verifier may give no purpose (`purposeOptional`); a Polity verifier must. */
export function askProblem(a: PresentationAsk, options: { purposeOptional?: boolean } = {}): string | undefined {
  if (!new RegExp(TYPE_NAME_PATTERN).test(a.credentialType)) return 'credentialType: expected a credential type name';
  if (!Array.isArray(a.claims) || a.claims.length === 0 || a.claims.length > CLAIMS_MAX) return `claims: expected 1 to ${CLAIMS_MAX} claim names`;
  if (!a.claims.every((c) => typeof c === 'string' && CLAIM_NAME_RE.test(c)) || new Set(a.claims).size !== a.claims.length) return `claims: expected distinct names of at most ${CLAIM_NAME_CHARS_MAX} letters, digits and _`;
  if (typeof a.purpose !== 'string' || (a.purpose.length === 0 && !options.purposeOptional) || a.purpose.length > PURPOSE_CHARS_MAX) return `purpose: expected 1 to ${PURPOSE_CHARS_MAX} characters`;
  if (!VP_FORMATS.includes(a.format)) return `format: expected one of ${VP_FORMATS.join(', ')}`;
  return undefined;
}

/** The DCQL query (OpenID4VP 1.0 §6) of an ask: one credential, the named claims of its subject. */
export function dcqlQueryOf(a: PresentationAsk): DcqlQuery {
  const sd = a.format === 'dc+sd-jwt';
  return {
    credentials: [
      {
        id: CREDENTIAL_QUERY_ID,
        format: a.format,
        meta: sd ? { vct_values: [a.credentialType] } : { type_values: [['VerifiableCredential', a.credentialType]] },
        claims: a.claims.map((c) => ({ path: sd ? [c] : ['credentialSubject', c] })),
      },
    ],
  };
}

/** The ask a DCQL query makes, when it is one Polity reads (one credential, a type, top-level subject claims), or a reason. */
export function askOfDcql(q: unknown, purpose: unknown): PresentationAsk | string {
  if (typeof q !== 'object' || q === null) return 'dcql_query: expected an object';
  const creds = (q as DcqlQuery).credentials;
  if (!Array.isArray(creds) || creds.length !== 1) return 'dcql_query: expected exactly one credential query';
  const c = creds[0]!;
  if (c.id !== CREDENTIAL_QUERY_ID) return `dcql_query: the credential query id must be "${CREDENTIAL_QUERY_ID}"`;
  const format = c.format;
  let credentialType: unknown;
  if (format === 'dc+sd-jwt') {
    const v = (c.meta as { vct_values?: unknown })?.vct_values;
    credentialType = Array.isArray(v) && v.length === 1 ? typeOfVctValue(v[0]) : undefined;
  } else if (format === 'jwt_vc_json') {
    const t = (c.meta as { type_values?: unknown })?.type_values;
    credentialType = Array.isArray(t) && t.length === 1 && Array.isArray(t[0]) && t[0].length === 2 && t[0][0] === 'VerifiableCredential' ? t[0][1] : undefined;
  } else return `dcql_query: format must be one of ${VP_FORMATS.join(', ')}`;
  if (typeof credentialType !== 'string') return 'dcql_query: meta must name one credential type';
  if (!Array.isArray(c.claims)) return 'dcql_query: claims: expected a list';
  const claims: string[] = [];
  for (const cl of c.claims) {
    const path = (cl as { path?: unknown })?.path;
    const want = format === 'dc+sd-jwt' ? 1 : 2;
    if (!Array.isArray(path) || path.length !== want || (want === 2 && path[0] !== 'credentialSubject')) return 'dcql_query: each claim path names one claim of the subject';
    claims.push(String(path[want - 1]));
  }
  const ask = { credentialType, claims, purpose: typeof purpose === 'string' ? purpose : '', format };
  return askProblem(ask, { purposeOptional: true }) ?? ask;
}

/** A vct value as a type name: the bare name, or a URL ending in /v1/credentials/types/<Name>. */
function typeOfVctValue(vct: unknown): string | undefined {
  if (typeof vct !== 'string' || vct.length > 512) return undefined;
  return /(?:^|\/v1\/credentials\/types\/)([A-Z][A-Za-z0-9]{2,63})$/.exec(vct)?.[1];
}

export interface RequestObjectPayload {
  iss?: string;
  aud: string;
  client_id: string;
  response_type: 'vp_token';
  response_mode: 'direct_post';
  response_uri: string;
  nonce: string;
  state: string;
  dcql_query: DcqlQuery;
  client_metadata: Record<string, unknown>;
  [PURPOSE_PARAM]: string;
  iat: number;
  exp: number;
}

export interface ReadRequest {
  payload: RequestObjectPayload;
  ask: PresentationAsk;
  /** The signing official's key (hex). */
  publicKey: string;
  did: string;
}

/** base64url to bytes with atob (a browser and Node alike), or undefined. */
export function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

const jsonOf = (part: string): unknown => JSON.parse(new TextDecoder().decode(fromBase64url(part)));

/**
 * Read and check a request object, all but its signature (the caller checks
 * that, with node:crypto or WebCrypto): an EdDSA JWS of typ
 * oauth-authz-req+jwt whose `decentralized_identifier:did:key` client_id
 * names the key, for a direct_post response, open at `nowS`, asking what
 * Polity reads.
 */
export function readRequestObjectUnsigned(jwt: unknown, nowS: number): (ReadRequest & { signingInput: string; signature: Uint8Array }) | string {
  if (typeof jwt !== 'string' || jwt.length > REQUEST_OBJECT_CHARS_MAX) return `request object: expected a compact JWS of at most ${REQUEST_OBJECT_CHARS_MAX} characters`;
  const parts = jwt.split('.');
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) return 'request object: expected three base64url parts';
  let header: Record<string, unknown>;
  let payload: RequestObjectPayload;
  try {
    header = jsonOf(parts[0]!) as Record<string, unknown>;
    payload = jsonOf(parts[1]!) as RequestObjectPayload;
  } catch {
    return 'request object: header and payload must be JSON';
  }
  if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null) return 'request object: header and payload must be JSON objects';
  if (header['alg'] !== 'EdDSA' && header['alg'] !== 'Ed25519') return 'request object: alg must be EdDSA';
  if (header['typ'] !== REQUEST_OBJECT_TYP) return `request object: typ must be ${REQUEST_OBJECT_TYP}`;
  if (header['crit'] !== undefined) return 'request object: no crit';
  const clientId = payload.client_id;
  if (typeof clientId !== 'string' || !clientId.startsWith(CLIENT_ID_PREFIX + 'did:key:')) return `request object: client_id must be ${CLIENT_ID_PREFIX}did:key:…`;
  const did = clientId.slice(CLIENT_ID_PREFIX.length);
  let publicKey: string;
  try {
    publicKey = decodeDidKey(did);
  } catch {
    return 'request object: client_id names no Ed25519 did:key';
  }
  if (header['kid'] !== undefined && header['kid'] !== `${did}#${multikeyEncode(publicKey)}`) return "request object: kid must be the client_id's key";
  const signature = fromBase64url(parts[2]!);
  if (!signature || signature.length !== 64) return 'request object: the signature must be 64 bytes';
  if (payload.iss !== undefined && payload.iss !== clientId && payload.iss !== did) return 'request object: iss, when given, must be the client_id or its DID';
  if (payload.response_type !== 'vp_token') return 'request object: response_type must be vp_token';
  if (payload.response_mode !== 'direct_post') return 'request object: response_mode must be direct_post';
  if (typeof payload.response_uri !== 'string' || !/^https?:\/\/[^\s]{1,300}$/.test(payload.response_uri)) return 'request object: response_uri must be an http(s) URL';
  if (typeof payload.nonce !== 'string' || !NONCE_RE.test(payload.nonce)) return 'request object: nonce must be 22 to 128 base64url characters';
  if (typeof payload.state !== 'string' || !NONCE_RE.test(payload.state)) return 'request object: state must be 22 to 128 base64url characters';
  if (!Number.isInteger(payload.iat) || !Number.isInteger(payload.exp) || payload.exp <= payload.iat || payload.exp - payload.iat > REQUEST_TTL_S_MAX) return `request object: iat and exp must span at most ${REQUEST_TTL_S_MAX} s`;
  if (nowS >= payload.exp) return 'request object: expired';
  if (payload.iat > nowS + 60) return 'request object: issued in the future';
  const ask = askOfDcql(payload.dcql_query, payload[PURPOSE_PARAM]);
  if (typeof ask === 'string') return `request object: ${ask}`;
  return { payload, ask, publicKey, did, signingInput: `${parts[0]}.${parts[1]}`, signature };
}

/** The link a holder opens (or scans as a QR code): the client_id and where to fetch the request object. */
export function requestLink(clientId: string, requestUri: string): string {
  return `openid4vp://?client_id=${encodeURIComponent(clientId)}&request_uri=${encodeURIComponent(requestUri)}`;
}

/** The client_id and request_uri of a link, or a reason. */
export function parseRequestLink(link: string): { clientId: string; requestUri: string } | string {
  if (typeof link !== 'string' || link.length > LINK_CHARS_MAX) return `request link: at most ${LINK_CHARS_MAX} characters`;
  const q = link.trim().indexOf('?');
  if (q < 0) return 'request link: expected openid4vp://?client_id=…&request_uri=…';
  const params = new URLSearchParams(link.trim().slice(q + 1));
  const clientId = params.get('client_id');
  const requestUri = params.get('request_uri');
  if (!clientId || !requestUri) return 'request link: client_id and request_uri are required (Polity reads requests by reference)';
  if (!/^https?:\/\//.test(requestUri)) return 'request link: request_uri must be an http(s) URL';
  return { clientId, requestUri };
}

/** The fields of a direct_post response (application/x-www-form-urlencoded), read from an untrusted body. */
export interface DirectPostResponse {
  state: string;
  /** The presentation for the one credential query. */
  presentation: string;
  ticket?: UsageTicket;
}

export function readDirectPost(fields: Record<string, unknown>): DirectPostResponse | string {
  const state = fields['state'];
  if (typeof state !== 'string' || !NONCE_RE.test(state)) return 'state: expected the request state';
  const raw = fields['vp_token'];
  if (typeof raw !== 'string') return 'vp_token: expected a JSON object {"credential": ["<presentation>"]}';
  let token: unknown;
  try {
    token = JSON.parse(raw);
  } catch {
    return 'vp_token: expected JSON';
  }
  const entry = (token as Record<string, unknown>)?.[CREDENTIAL_QUERY_ID];
  const list = Array.isArray(entry) ? entry : [entry];
  if (list.length !== 1 || typeof list[0] !== 'string') return `vp_token: expected one presentation for the query "${CREDENTIAL_QUERY_ID}"`;
  let ticket: UsageTicket | undefined;
  if (fields[USAGE_PARAM] !== undefined) {
    try {
      ticket = JSON.parse(String(fields[USAGE_PARAM])) as UsageTicket;
    } catch {
      return `${USAGE_PARAM}: expected JSON {tag, key}`;
    }
    const wrong = ticketProblem(ticket);
    if (wrong) return wrong;
  }
  return { state, presentation: list[0], ...(ticket ? { ticket } : {}) };
}

/** The form fields of a direct_post response. */
export function directPostFields(state: string, presentation: string, ticket?: UsageTicket): Record<string, string> {
  return { vp_token: JSON.stringify({ [CREDENTIAL_QUERY_ID]: [presentation] }), state, ...(ticket ? { [USAGE_PARAM]: JSON.stringify(ticket) } : {}) };
}
