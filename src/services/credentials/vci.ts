/**
 * OpenID for Verifiable Credential Issuance 1.0, pre-authorised code flow
 * (spec/services/credentials.md §9): what both sides compute — the
 * issuer's offers, codes, access tokens and nonces, its metadata, and the
 * holder's proof of possession (`openid4vci-proof+jwt`) — without I/O.
 *
 * The issuer side is one bounded in-memory store. Why in memory: an offer
 * carries the holder's personal claims until the holder redeems it, and
 * those claims must never reach the chain, a log or a disk; a node restart
 * simply voids open offers (the official makes a new one). Every table is
 * bounded in number and in time:
 *
 * - offers: at most `offersMax` open, each for `offerTtlMs`; the offer's
 *   id (in the link) and its pre-authorised code are separate 256-bit
 *   random values, so the link a holder scans is not itself the grant;
 * - a pre-authorised code is single use; a used code is remembered (not
 *   its claims) until it would have expired, to say "used" rather than
 *   "unknown"; a transaction code allows `txCodeAttemptsMax` wrong tries,
 *   then the offer is void;
 * - an access token is good for one credential, for `tokenTtlMs`; the
 *   claims are dropped as soon as the credential is issued;
 * - nonces: at most `noncesMax` open, each single use, for `nonceTtlMs`.
 *
 * Time and randomness come in (`now`, `random`), as the layering asks.
 */
import { decodeDidKey, didKeyFromPublicKey, multikeyEncode } from '../../crypto/multikey.js';
import { signRaw, verifyBytes } from '../../crypto/ed25519.js';
import { utf8Encode } from '../../crypto/bytes.js';
import { PolityError } from '../../ledger/errors.js';
import { VC_CONTEXT_V2 } from './credential.js';
import type { JsonObject } from './data-integrity.js';

export const PRE_AUTHORIZED_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
export const PROOF_JWT_TYP = 'openid4vci-proof+jwt';
export const OFFER_SCHEME = 'openid-credential-offer://';

/** Paths on the issuing node (the credential issuer identifier is the node's origin). */
export const VCI_PATHS = {
  issuerMetadata: '/.well-known/openid-credential-issuer',
  authorizationServerMetadata: '/.well-known/oauth-authorization-server',
  offers: '/v1/credentials/offers',
  token: '/v1/credentials/token',
  nonce: '/v1/credentials/nonce',
  credential: '/v1/credentials/credential',
} as const;

export interface VciFormat {
  /** The desk format (securer) that makes it. */
  desk: string;
  /** The configuration id's suffix. */
  suffix: string;
  /** The format-specific members of its credential configuration (credential_definition, or vct for SD-JWT VC). */
  definition(credentialType: string): JsonObject;
  /** Its credential_signing_alg_values_supported. */
  algs: string[];
}

/**
 * The OpenID4VCI formats Polity answers, and the desk format each maps to.
 * `dc+sd-jwt` (SD-JWT VC) joins this table when the SD-JWT form lands: one
 * entry here (`definition` answering `{vct}`) and a securer for the desk
 * (DeskOptions.securers) that binds the holder key (SecureInput.holder).
 */
export const VCI_FORMATS: Readonly<Record<string, VciFormat>> = {
  jwt_vc_json: { desk: 'jwt', suffix: 'jwt_vc_json', algs: ['EdDSA'], definition: (t) => ({ credential_definition: { type: ['VerifiableCredential', t] } }) },
  ldp_vc: { desk: 'data-integrity', suffix: 'ldp_vc', algs: ['eddsa-jcs-2022'], definition: (t) => ({ credential_definition: { '@context': [VC_CONTEXT_V2], type: ['VerifiableCredential', t] } }) },
};

/** A credential configuration id: `<Type>_<format>`, e.g. `UniversityDiploma_jwt_vc_json`. */
export const configurationId = (credentialType: string, format: string): string => `${credentialType}_${VCI_FORMATS[format]?.suffix ?? format}`;

export function parseConfigurationId(id: string): { credentialType: string; format: string } | undefined {
  for (const [format, f] of Object.entries(VCI_FORMATS)) {
    if (id.endsWith(`_${f.suffix}`)) return { credentialType: id.slice(0, -(f.suffix.length + 1)), format };
  }
  return undefined;
}

/** One credential configuration of the issuer metadata. */
export function configurationOf(credentialType: string, format: string, title: string): JsonObject {
  const f = VCI_FORMATS[format]!;
  return {
    format,
    scope: credentialType,
    cryptographic_binding_methods_supported: ['did:key'],
    credential_signing_alg_values_supported: f.algs,
    proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['EdDSA'] } },
    // 1.0 puts display under credential_metadata; earlier drafts read it at the top.
    credential_metadata: { display: [{ name: title, locale: 'en' }] },
    display: [{ name: title, locale: 'en' }],
    ...f.definition(credentialType),
  };
}

/** The credential issuer metadata for `origin`, listing `types` (name, title) in every format. */
export function issuerMetadata(origin: string, issuerName: string, types: readonly { name: string; title: string }[]): JsonObject {
  const configurations: JsonObject = {};
  for (const t of types) for (const format of Object.keys(VCI_FORMATS)) configurations[configurationId(t.name, format)] = configurationOf(t.name, format, t.title);
  return {
    credential_issuer: origin,
    credential_endpoint: origin + VCI_PATHS.credential,
    nonce_endpoint: origin + VCI_PATHS.nonce,
    display: [{ name: issuerName, locale: 'en' }],
    credential_configurations_supported: configurations,
  };
}

/** The OAuth 2.0 authorization server metadata (RFC 8414) the pre-authorised code flow needs: the node is its own authorization server. */
export function authorizationServerMetadata(origin: string): JsonObject {
  return {
    issuer: origin,
    token_endpoint: origin + VCI_PATHS.token,
    grant_types_supported: [PRE_AUTHORIZED_GRANT],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['none'],
    'pre-authorized_grant_anonymous_access_supported': true,
  };
}

/** The link a wallet opens (or a QR code carries): the offer by reference. */
export const offerLink = (offerUri: string): string => `${OFFER_SCHEME}?credential_offer_uri=${encodeURIComponent(offerUri)}`;

// --- the issuer's store -------------------------------------------------------------------

export interface VciLimits {
  offersMax: number;
  offerTtlMs: number;
  tokenTtlMs: number;
  noncesMax: number;
  nonceTtlMs: number;
  txCodeAttemptsMax: number;
}

export const DEFAULT_VCI_LIMITS: VciLimits = {
  offersMax: 1_000,
  offerTtlMs: 10 * 60_000,
  tokenTtlMs: 5 * 60_000,
  noncesMax: 10_000,
  nonceTtlMs: 5 * 60_000,
  txCodeAttemptsMax: 3,
};

export interface OfferInput {
  credentialType: string;
  claims: JsonObject;
  validUntil?: string;
  txCode?: string;
}

interface Offer extends OfferInput {
  id: string;
  code: string;
  expiresAtMs: number;
  wrongTxCodes: number;
}

export interface VciStore {
  createOffer(input: OfferInput): { id: string; preAuthorizedCode: string; expiresAtMs: number };
  /** The offer behind a link's id (no claims), or CREDENTIALS_VCI_OFFER_UNKNOWN. */
  offer(id: string): { credentialType: string; preAuthorizedCode: string; txCode?: { length: number }; expiresAtMs: number };
  /** Redeem a pre-authorised code (once) for an access token. */
  redeem(code: string, txCode: string | undefined): { accessToken: string; expiresInS: number };
  /** The offer an access token grants, without using it up (CREDENTIALS_VCI_TOKEN when unknown, expired or used). */
  granted(accessToken: string): Readonly<OfferInput>;
  /** Use the access token up: its claims are dropped. */
  consume(accessToken: string): void;
  newNonce(): { nonce: string; expiresInS: number };
  /** Use a nonce (once): true when it was open. */
  useNonce(nonce: string): boolean;
  sizes(): { offers: number; codes: number; tokens: number; nonces: number };
}

export function createVciStore(limits: Partial<VciLimits>, deps: { now(): number; random(): string }): VciStore {
  const l = { ...DEFAULT_VCI_LIMITS, ...limits };
  const offers = new Map<string, Offer>();
  const byCode = new Map<string, Offer>();
  /** Redeemed codes until they would have expired: code → expiry. */
  const used = new Map<string, number>();
  const tokens = new Map<string, { offer: Offer; expiresAtMs: number }>();
  const nonces = new Map<string, number>();

  /** Drop what has expired (each table iterates oldest first). */
  function sweep(): void {
    const now = deps.now();
    for (const [id, o] of offers) if (o.expiresAtMs <= now) drop(o);
    else break;
    // Redeemed in another order than made: scan them all (at most usedMax).
    for (const [code, exp] of used) if (exp <= now) used.delete(code);
    for (const [t, v] of tokens) if (v.expiresAtMs <= now) tokens.delete(t);
    else break;
    for (const [n, exp] of nonces) if (exp <= now) nonces.delete(n);
    else break;
  }
  function drop(o: Offer): void {
    offers.delete(o.id);
    byCode.delete(o.code);
  }

  return {
    createOffer(input) {
      sweep();
      if (offers.size >= l.offersMax) throw new PolityError('CREDENTIALS_VCI_OFFERS_FULL', `${l.offersMax} offers are open; wait until some are redeemed or expire`);
      const o: Offer = { ...input, id: deps.random(), code: deps.random(), expiresAtMs: deps.now() + l.offerTtlMs, wrongTxCodes: 0 };
      offers.set(o.id, o);
      byCode.set(o.code, o);
      return { id: o.id, preAuthorizedCode: o.code, expiresAtMs: o.expiresAtMs };
    },
    offer(id) {
      sweep();
      const o = offers.get(id);
      if (!o) throw new PolityError('CREDENTIALS_VCI_OFFER_UNKNOWN', 'no open credential offer with this id (redeemed, expired, or never made)');
      return { credentialType: o.credentialType, preAuthorizedCode: o.code, ...(o.txCode ? { txCode: { length: o.txCode.length } } : {}), expiresAtMs: o.expiresAtMs };
    },
    redeem(code, txCode) {
      sweep();
      if (used.has(code)) throw new PolityError('CREDENTIALS_VCI_GRANT_USED', 'this pre-authorised code was redeemed already; a code is good once');
      const o = byCode.get(code);
      if (!o) throw new PolityError('CREDENTIALS_VCI_GRANT_UNKNOWN', 'no open offer has this pre-authorised code (expired, or never made)');
      if (o.txCode !== undefined && txCode !== o.txCode) {
        o.wrongTxCodes++;
        if (o.wrongTxCodes >= l.txCodeAttemptsMax) drop(o);
        throw new PolityError('CREDENTIALS_VCI_TX_CODE', `the transaction code is missing or wrong (${Math.max(0, l.txCodeAttemptsMax - o.wrongTxCodes)} tries left before the offer is void)`);
      }
      drop(o);
      while (used.size >= l.offersMax * 4) used.delete(used.keys().next().value!);
      used.set(code, o.expiresAtMs);
      const accessToken = deps.random();
      tokens.set(accessToken, { offer: o, expiresAtMs: deps.now() + l.tokenTtlMs });
      return { accessToken, expiresInS: Math.floor(l.tokenTtlMs / 1000) };
    },
    granted(accessToken) {
      sweep();
      const t = tokens.get(accessToken);
      if (!t) throw new PolityError('CREDENTIALS_VCI_TOKEN', 'the access token is unknown, expired or used');
      return t.offer;
    },
    consume(accessToken) {
      tokens.delete(accessToken);
    },
    newNonce() {
      sweep();
      // The oldest nonce gives way: a flood of nonce requests cannot grow the table, only shorten a nonce's life.
      while (nonces.size >= l.noncesMax) nonces.delete(nonces.keys().next().value!);
      const nonce = deps.random();
      nonces.set(nonce, deps.now() + l.nonceTtlMs);
      return { nonce, expiresInS: Math.floor(l.nonceTtlMs / 1000) };
    },
    useNonce(nonce) {
      sweep();
      return nonces.delete(nonce);
    },
    sizes: () => ({ offers: offers.size, codes: byCode.size, tokens: tokens.size, nonces: nonces.size }),
  };
}

// --- the holder's proof of possession -----------------------------------------------------

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const PROOF_CHARS_MAX = 4_096;

/** The holder's `openid4vci-proof+jwt`: signed by its Ed25519 key, `kid` its did:key URL, for this issuer and nonce. */
export function createProofJwt(options: { publicKey: string; secretKey: string; audience: string; nonce: string; issuedAtS: number }): string {
  const did = didKeyFromPublicKey(options.publicKey);
  const header = { alg: 'EdDSA', typ: PROOF_JWT_TYP, kid: `${did}#${multikeyEncode(options.publicKey)}` };
  const payload = { aud: options.audience, iat: options.issuedAtS, nonce: options.nonce };
  const input = `${b64url(utf8Encode(JSON.stringify(header)))}.${b64url(utf8Encode(JSON.stringify(payload)))}`;
  return `${input}.${b64url(signRaw(options.secretKey, utf8Encode(input)))}`;
}

/** An OKP Ed25519 JWK's public key, hex, or undefined. */
function jwkKey(jwk: unknown): string | undefined {
  if (!jwk || typeof jwk !== 'object') return undefined;
  const { kty, crv, x, d } = jwk as Record<string, unknown>;
  if (kty !== 'OKP' || crv !== 'Ed25519' || typeof x !== 'string' || d !== undefined) return undefined;
  const raw = Buffer.from(x, 'base64url');
  return raw.length === 32 ? raw.toString('hex') : undefined;
}

/**
 * Check a holder's proof JWT: typ, alg, the key (a did:key URL in `kid`, or
 * an Ed25519 `jwk`), the signature, `aud` the issuer. Answers the holder's
 * key and DID and the nonce it claims (the caller checks the nonce is open,
 * so that an unknown nonce has its own code). `iat` must be within
 * `skewS` of `nowS`.
 */
export function verifyProofJwt(jwt: string, options: { audience: string; nowS: number; skewS?: number }): { publicKey: string; did: string; nonce: string } {
  const bad = (why: string): never => {
    throw new PolityError('CREDENTIALS_VCI_PROOF', `the proof of possession is not valid: ${why}`);
  };
  if (typeof jwt !== 'string' || jwt.length > PROOF_CHARS_MAX) bad(`expected a compact JWT of at most ${PROOF_CHARS_MAX} characters`);
  const parts = jwt.split('.');
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) bad('expected three base64url parts');
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return bad('the header or payload is not JSON');
  }
  if (header === null || typeof header !== 'object' || payload === null || typeof payload !== 'object') bad('the header and payload must be JSON objects');
  if (header.typ !== PROOF_JWT_TYP) bad(`typ must be ${PROOF_JWT_TYP}`);
  if (header.alg !== 'EdDSA' && header.alg !== 'Ed25519') bad('alg must be EdDSA (Ed25519)');
  if (header.crit !== undefined) bad('no crit header is understood');
  let publicKey: string | undefined;
  if (typeof header.kid === 'string' && header.kid.startsWith('did:key:')) {
    const [did, fragment] = header.kid.split('#');
    try {
      publicKey = decodeDidKey(did!);
    } catch {
      bad('kid is not an Ed25519 did:key');
    }
    if (fragment !== undefined && fragment !== multikeyEncode(publicKey!)) bad("kid's fragment is not the did:key's key");
  } else if (header.jwk !== undefined) publicKey = jwkKey(header.jwk);
  if (!publicKey) return bad('name the key as a did:key URL in kid, or an Ed25519 jwk');
  if (!verifyBytes(publicKey, utf8Encode(`${parts[0]}.${parts[1]}`), Buffer.from(parts[2]!, 'base64url'))) bad('the signature does not verify with its key');
  const aud = payload.aud;
  if (aud !== options.audience && !(Array.isArray(aud) && aud.includes(options.audience))) bad('aud is not this credential issuer');
  const skew = options.skewS ?? 300;
  if (typeof payload.iat !== 'number' || Math.abs(payload.iat - options.nowS) > skew) bad(`iat must be within ${skew} s of the issuer's clock`);
  if (typeof payload.nonce !== 'string' || payload.nonce.length === 0 || payload.nonce.length > 256) {
    throw new PolityError('CREDENTIALS_VCI_NONCE', 'the proof carries no c_nonce; get one from the nonce endpoint');
  }
  return { publicKey, did: didKeyFromPublicKey(publicKey), nonce: payload.nonce };
}
