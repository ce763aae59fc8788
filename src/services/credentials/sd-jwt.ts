/**
 * The third form of a Polity credential: an SD-JWT VC (RFC 9901 "Selective
 * Disclosure for JWTs", and the IETF draft "SD-JWT-based Verifiable
 * Credentials", media type `application/dc+sd-jwt`). Why a third form: it is
 * the one that lets a holder show some claims and hide the rest — "over 18"
 * without the birth date — and the one EU wallets read.
 *
 *   <issuer-signed JWT>~<disclosure>~<disclosure>~…~[<KB-JWT>]
 *
 * The issuer-signed JWT (header {alg: EdDSA, typ: dc+sd-jwt, kid}) carries
 * what every verifier must see — `iss`, `vct`, `iat`, `nbf`, `exp`, `cnf`
 * (the holder's key), `status` — and, in `_sd`, only the SHA-256 digests of
 * the claims. Each claim travels beside it as a disclosure,
 * BASE64URL(JSON [salt, name, value]); the holder drops the disclosures it
 * does not want to show, and adds a key-binding JWT (`typ: kb+jwt`, `aud`,
 * `nonce`, `iat`, `sd_hash`) signed with the `cnf` key, so that a
 * presentation cannot be replayed by someone who copied it.
 *
 * Status: the draft registers `status` for the IETF Token Status List; Polity's
 * lists are W3C Bitstring Status Lists (status-list.ts), so the entries ride
 * in `status.bitstring_status_list` — the same two BitstringStatusListEntry
 * objects as a VC 2.0 credential. A verifier that knows only `status_list`
 * ignores an unknown mechanism, as the draft says.
 *
 * The chain records SHA-256 of the issuer-signed JWT only (vc-jwt.ts's
 * hash, on the part before the first "~"): it is what the issuer signed,
 * the same for every presentation the holder makes, and it covers no claim
 * beyond its salted digests.
 *
 * This file checks the SD-JWT layer — header, signature inputs, disclosures
 * against their digests, the key-binding JWT — and hands the issuer's
 * payload and the disclosed claims to verify.ts. Only top-level claims are
 * disclosable; a nested `_sd` or an array-element disclosure is refused.
 * Pure: the salts come in as an argument; never throws on bad input.
 */
import { sha256 } from '../../crypto/sha256.js';
import { fromHex, toHex, utf8Encode } from '../../crypto/bytes.js';
import { signRaw, verifyBytes } from '../../crypto/ed25519.js';
import type { Json } from '../../crypto/canonical-json.js';
import type { JsonObject } from './data-integrity.js';
import { VC_JWT_CHARS_MAX } from './vc-jwt.js';

export const SD_JWT_TYP = 'dc+sd-jwt';
/** The media type an earlier draft used; still read, never written. */
const SD_JWT_TYP_LEGACY = 'vc+sd-jwt';
export const SD_JWT_MEDIA_TYPE = 'application/dc+sd-jwt';
export const KB_JWT_TYP = 'kb+jwt';
export const SD_ALG = 'sha-256';
/** The most disclosures one SD-JWT carries (a credential type's claims are top-level properties; 256 is far above any template). */
export const DISCLOSURES_MAX = 256;
/** The most characters of an SD-JWT with its disclosures and KB-JWT: a vc+jwt's limit (the claims, base64url-grown) plus ~128 characters of salt, digest and separators per disclosure. */
export const SD_JWT_CHARS_MAX = VC_JWT_CHARS_MAX + DISCLOSURES_MAX * 128;
/** Salts of 128 bits (RFC 9901 §9.3 asks for at least 128). */
export const SALT_BYTES = 16;
const PART_CHARS_MAX = 4096;
const ED25519_ALGS = ['EdDSA', 'Ed25519'];
const B64URL_RE = /^[A-Za-z0-9_-]*$/;
/** Claims the issuer-signed payload keeps in the clear: a disclosure may not carry one (RFC 9901 §9.7, and the draft's list). */
const RESERVED = new Set(['_sd', '_sd_alg', '...', 'iss', 'iat', 'nbf', 'exp', 'cnf', 'vct', 'vct#integrity', 'status']);

const b64url = (bytes: Uint8Array | string): string => Buffer.from(typeof bytes === 'string' ? utf8Encode(bytes) : bytes).toString('base64url');
const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The digest of a disclosure as it appears in `_sd`: BASE64URL(SHA-256(ASCII(disclosure))). */
export const disclosureDigest = (disclosure: string): string => b64url(sha256(utf8Encode(disclosure)));

/** SHA-256 of the issuer-signed JWT (the part before the first "~"), hex: what the chain records for an SD-JWT VC. */
export function sdJwtHash(text: string): string {
  return toHex(sha256(utf8Encode(text.trim().split('~')[0]!)));
}

/** Does a string look like an SD-JWT (a compact JWS, then "~")? For callers that must tell one from a vc+jwt or JSON. */
export const looksLikeSdJwt = (text: string): boolean => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*~[A-Za-z0-9_.~-]*$/.test(text);

/** The holder's Ed25519 key (hex) as the OKP JWK `cnf.jwk` carries (RFC 8037). */
export const jwkOfKey = (publicKey: string): JsonObject => ({ kty: 'OKP', crv: 'Ed25519', x: b64url(fromHex(publicKey)) });

/** The Ed25519 key (hex) of an OKP JWK, or undefined. */
export function keyOfJwk(jwk: unknown): string | undefined {
  if (!isObject(jwk) || jwk['kty'] !== 'OKP' || jwk['crv'] !== 'Ed25519' || typeof jwk['x'] !== 'string' || !B64URL_RE.test(jwk['x'])) return undefined;
  const x = Buffer.from(jwk['x'], 'base64url');
  return x.length === 32 ? toHex(x) : undefined;
}

function signJws(header: JsonObject, payload: JsonObject, secretKey: string): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(signRaw(secretKey, utf8Encode(input)))}`;
}

export interface IssueSdJwtInput {
  /** The claims every verifier sees: iss, vct, iat, nbf, exp, cnf, status. */
  payload: JsonObject;
  /** The claims made selectively disclosable, one disclosure each. */
  claims: JsonObject;
  kid: string;
  secretKey: string;
  /** SALT_BYTES random bytes for each disclosure (the caller's randomness). */
  randomBytes(n: number): Uint8Array;
}

/** Sign an SD-JWT VC: every claim of `claims` a salted disclosure, its digest in `_sd` (sorted, so the order reveals nothing). Returns `jwt~d1~…~dn~`. */
export function issueSdJwt(p: IssueSdJwtInput): string {
  const names = Object.keys(p.claims);
  if (names.length > DISCLOSURES_MAX) throw new RangeError(`at most ${DISCLOSURES_MAX} disclosable claims, got ${names.length}`);
  for (const n of names) if (RESERVED.has(n) || n === '__proto__') throw new TypeError(`the claim ${n} is reserved in an SD-JWT VC and cannot be disclosable`);
  for (const n of Object.keys(p.payload)) if (n === '_sd' || n === '_sd_alg') throw new TypeError(`the payload may not carry ${n}; issueSdJwt adds it`);
  const disclosures = names.map((n) => b64url(JSON.stringify([b64url(p.randomBytes(SALT_BYTES)), n, p.claims[n]])));
  const payload: JsonObject = { ...p.payload, _sd: disclosures.map(disclosureDigest).sort(), _sd_alg: SD_ALG };
  const jwt = signJws({ alg: 'EdDSA', typ: SD_JWT_TYP, kid: p.kid }, payload, p.secretKey);
  return `${jwt}~${disclosures.map((d) => `${d}~`).join('')}`;
}

export type SdJwtProblem = 'malformed' | 'type' | 'alg' | 'disclosure';

export interface ReadJws {
  header: JsonObject;
  payload: JsonObject;
  /** The bytes the signature covers, and the signature. */
  signingInput: Uint8Array;
  signature: Uint8Array;
}

export interface ReadSdJwt extends ReadJws {
  ok: true;
  kid: string;
  /** The issuer-signed JWT, as the chain hashes it. */
  issuerJwt: string;
  /** Claim name → value, for every disclosure present. */
  disclosed: JsonObject;
  /** The key-binding JWT, when the holder added one, and the text its sd_hash covers. */
  kb?: ReadJws & { sdHashInput: string };
}
export type SdJwtRead = ReadSdJwt | { ok: false; problem: SdJwtProblem; reason: string };

function decodeJson(part: string, what: string): unknown {
  if (!B64URL_RE.test(part)) return `${what}: expected base64url`;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    return `${what}: not base64url JSON`;
  }
}

/** A compact JWS split and decoded (no header checks): its header, payload and the signed bytes, or the reason it is not one. */
export function readJws(compact: string, what: string): ReadJws | string {
  const parts = compact.split('.');
  if (parts.length !== 3) return `${what}: expected a compact JWS (three base64url parts), got ${parts.length} part${parts.length === 1 ? '' : 's'}`;
  const [h, p, s] = parts as [string, string, string];
  if (h.length > PART_CHARS_MAX) return `${what}: the protected header is ${h.length} characters; at most ${PART_CHARS_MAX}`;
  const header = decodeJson(h, `${what}'s header`);
  if (!isObject(header)) return typeof header === 'string' ? header : `${what}'s header: expected a JSON object`;
  const payload = decodeJson(p, `${what}'s payload`);
  if (!isObject(payload)) return typeof payload === 'string' ? payload : `${what}'s payload: expected a JSON object`;
  if (!B64URL_RE.test(s)) return `${what}'s signature: expected base64url`;
  if (header['crit'] !== undefined) return `${what}: crit — Polity understands no JOSE header extensions`;
  return { header, payload, signingInput: utf8Encode(`${h}.${p}`), signature: Buffer.from(s, 'base64url') };
}

/** An SD-JWT read from untrusted input: the issuer JWT's header checked, every disclosure matched to a digest the issuer signed, the KB-JWT (if any) decoded; no signature check. */
export function readSdJwt(text: string): SdJwtRead {
  const bad = (problem: SdJwtProblem, reason: string): SdJwtRead => ({ ok: false, problem, reason });
  if (text.length > SD_JWT_CHARS_MAX) return bad('malformed', `the SD-JWT is ${text.length} characters; at most ${SD_JWT_CHARS_MAX}`);
  const parts = text.split('~');
  if (parts.length < 2) return bad('malformed', 'expected an SD-JWT: the issuer-signed JWT, then "~", then the disclosures each followed by "~"');
  if (parts.length - 2 > DISCLOSURES_MAX) return bad('malformed', `at most ${DISCLOSURES_MAX} disclosures, got ${parts.length - 2}`);
  const issuerJwt = parts[0]!;
  const jws = readJws(issuerJwt, 'the issuer-signed JWT');
  if (typeof jws === 'string') return bad('malformed', jws);
  const { header, payload } = jws;
  const alg = header['alg'];
  if (typeof alg !== 'string' || !ED25519_ALGS.includes(alg)) return bad('alg', `alg: expected "EdDSA" (Ed25519), got ${JSON.stringify(alg ?? null).slice(0, 40)}`);
  const typ = header['typ'];
  if (typ !== SD_JWT_TYP && typ !== SD_JWT_TYP_LEGACY && typ !== SD_JWT_MEDIA_TYPE) return bad('type', `typ: expected "${SD_JWT_TYP}", got ${JSON.stringify(typ ?? null).slice(0, 40)}`);
  const kid = header['kid'];
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) return bad('malformed', "kid: expected the verification method's DID URL (issuer#key)");
  const sdAlg = payload['_sd_alg'] ?? SD_ALG;
  if (sdAlg !== SD_ALG) return bad('malformed', `_sd_alg: expected "${SD_ALG}"`);
  const sd = payload['_sd'] ?? [];
  if (!Array.isArray(sd) || sd.length > 4 * DISCLOSURES_MAX || !sd.every((d) => typeof d === 'string')) return bad('malformed', '_sd: expected a list of digests');
  const digests = new Set(sd as string[]);
  const disclosed: JsonObject = {};
  const seen = new Set<string>();
  for (const d of parts.slice(1, -1)) {
    if (d.length === 0 || d.length > SD_JWT_CHARS_MAX) return bad('malformed', 'a disclosure is empty or too long');
    const digest = disclosureDigest(d);
    if (seen.has(digest)) return bad('malformed', 'a disclosure appears twice');
    seen.add(digest);
    const value = decodeJson(d, 'a disclosure');
    if (typeof value === 'string') return bad('malformed', value);
    if (!Array.isArray(value) || value.length !== 3 || typeof value[0] !== 'string' || typeof value[1] !== 'string') {
      return bad('malformed', 'a disclosure: expected [salt, claim name, value] (Polity discloses top-level claims only)');
    }
    const name = value[1];
    if (!digests.has(digest)) return bad('disclosure', `the disclosure of ${name.slice(0, 64)} matches no digest the issuer signed: it was altered, or comes from another credential`);
    // Own properties only, and never __proto__: a claim name must not reach an object's prototype.
    if (RESERVED.has(name) || name === '__proto__' || Object.hasOwn(payload, name) || Object.hasOwn(disclosed, name)) return bad('malformed', `a disclosure names ${name.slice(0, 64)}, a claim the payload holds already or reserves`);
    if (JSON.stringify(value[2]).includes('"_sd"')) return bad('malformed', `the claim ${name.slice(0, 64)} holds nested selective disclosures; Polity reads top-level ones only`);
    disclosed[name] = value[2] as Json;
  }
  const read: ReadSdJwt = { ok: true, ...jws, kid, issuerJwt, disclosed };
  const last = parts[parts.length - 1]!;
  if (last === '') return read;
  const kb = readJws(last, 'the key-binding JWT');
  if (typeof kb === 'string') return bad('malformed', kb);
  return { ...read, kb: { ...kb, sdHashInput: text.slice(0, text.length - last.length) } };
}

/** Does a JWS's signature verify with the Ed25519 public key (hex)? */
export function verifyJwsSignature(jws: ReadJws, publicKey: string): boolean {
  return jws.signature.length === 64 && verifyBytes(publicKey, jws.signingInput, jws.signature);
}

/** The checks of a key-binding JWT (RFC 9901 §7.3): typ, alg, sd_hash over the presented SD-JWT, then aud, nonce and iat for the caller to judge; the signature with the cnf key. */
export function readKeyBinding(kb: NonNullable<ReadSdJwt['kb']>, holderKey: string): { ok: true; aud: string[]; nonce: string; iat: number } | { ok: false; problem: 'malformed' | 'signature'; reason: string } {
  const alg = kb.header['alg'];
  if (typeof alg !== 'string' || !ED25519_ALGS.includes(alg)) return { ok: false, problem: 'malformed', reason: 'the key-binding JWT: alg must be EdDSA (Ed25519)' };
  if (kb.header['typ'] !== KB_JWT_TYP) return { ok: false, problem: 'malformed', reason: `the key-binding JWT: typ must be "${KB_JWT_TYP}"` };
  const { aud, nonce, iat, sd_hash: sdHash } = kb.payload;
  const auds = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a) => typeof a === 'string') ? (aud as string[]) : undefined;
  if (!auds || typeof nonce !== 'string' || typeof iat !== 'number' || !Number.isSafeInteger(iat) || typeof sdHash !== 'string') {
    return { ok: false, problem: 'malformed', reason: 'the key-binding JWT: expected aud, nonce, iat (seconds) and sd_hash' };
  }
  if (!verifyJwsSignature(kb, holderKey)) return { ok: false, problem: 'signature', reason: "the key-binding JWT's signature does not verify with the holder key (cnf) the issuer bound the credential to" };
  if (sdHash !== b64url(sha256(utf8Encode(kb.sdHashInput)))) return { ok: false, problem: 'signature', reason: 'the key-binding JWT: sd_hash does not match the SD-JWT and disclosures presented with it' };
  return { ok: true, aud: auds, nonce, iat };
}

export interface PresentSdJwtInput {
  /** The claim names to keep; every other disclosure is dropped. */
  disclose: readonly string[];
  /** The holder's Ed25519 seed (hex): the key `cnf.jwk` names. */
  holderSecretKey: string;
  audience: string;
  nonce: string;
  /** Seconds since the epoch (the caller's clock). */
  iat: number;
}

/** What a holder's wallet does: keep only the chosen disclosures and add a KB-JWT bound to the verifier's audience and nonce. Throws on an SD-JWT it cannot read (the holder's own file). */
export function presentSdJwt(text: string, p: PresentSdJwtInput): string {
  const read = readSdJwt(text.trim());
  if (!read.ok) throw new TypeError(`not an SD-JWT Polity reads: ${read.reason}`);
  const parts = text.trim().split('~');
  const keep = parts.slice(1, -1).filter((d) => {
    const v = JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) as [string, string, unknown];
    return p.disclose.includes(v[1]);
  });
  const missing = p.disclose.filter((n) => !Object.hasOwn(read.disclosed, n));
  if (missing.length > 0) throw new TypeError(`the credential has no disclosable claim ${missing.join(', ')}`);
  const presented = `${read.issuerJwt}~${keep.map((d) => `${d}~`).join('')}`;
  const kb = signJws({ alg: 'EdDSA', typ: KB_JWT_TYP }, { iat: p.iat, aud: p.audience, nonce: p.nonce, sd_hash: b64url(sha256(utf8Encode(presented))) }, p.holderSecretKey);
  return `${presented}${kb}`;
}

/** The credential type's name from a `vct`: a bare type name, or a URL ending in /v1/credentials/types/<Name>. */
export function typeOfVct(vct: unknown): string | undefined {
  if (typeof vct !== 'string' || vct.length > 512) return undefined;
  const m = /(?:^|\/v1\/credentials\/types\/)([A-Z][A-Za-z0-9]{2,63})$/.exec(vct);
  return m?.[1];
}
