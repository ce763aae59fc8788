/**
 * The second form of a Polity credential: VC-JOSE `vc+jwt` (W3C "Securing
 * Verifiable Credentials using JOSE and COSE", media type
 * `application/vc+jwt`). The JWT payload IS the unsigned credential JSON; the
 * compact JWS is
 *
 *   BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(Ed25519 signature)
 *
 * with the protected header {alg: "EdDSA", typ: "vc+jwt", cty: "vc",
 * kid: "<issuer DID>#<Multikey>"}. Wallets and verifiers outside Polity read
 * it with any JOSE library; the issuer's key is the kid's Multikey.
 *
 * The chain records SHA-256 of the compact string's ASCII bytes: the exact
 * token, signature included, so a token re-encoded in any way (another
 * header, other whitespace in the payload) is another hash the chain does
 * not know.
 *
 * This file checks the JOSE layer only — the header, the signature — and
 * hands the payload to the verifier (verify.ts), which reads it as a
 * credential like the Data Integrity form. Pure; never throws on bad input.
 */
import { sha256 } from '../../crypto/sha256.js';
import { toHex, utf8Encode } from '../../crypto/bytes.js';
import { signRaw, verifyBytes } from '../../crypto/ed25519.js';
import type { JsonObject } from './data-integrity.js';
import { CREDENTIAL_BYTES_MAX } from './credential.js';

export const VC_JWT_TYP = 'vc+jwt';
export const VC_JWT_CTY = 'vc';
export const VC_JWT_MEDIA_TYPE = 'application/vc+jwt';
/** The JOSE algorithms read as Ed25519: the JWA name and the fully-specified one (RFC 9864). */
const ED25519_ALGS = ['EdDSA', 'Ed25519'];
/** The most characters of a compact token: the credential's own limit, base64url-grown by 4/3, and room for the header and signature. */
export const VC_JWT_CHARS_MAX = Math.ceil((CREDENTIAL_BYTES_MAX * 4) / 3) + 2048;
const HEADER_CHARS_MAX = 2048;
const B64URL_RE = /^[A-Za-z0-9_-]*$/;

const b64url = (bytes: Uint8Array | string): string => Buffer.from(typeof bytes === 'string' ? utf8Encode(bytes) : bytes).toString('base64url');

/** SHA-256 of the compact token's ASCII bytes, hex: what the chain records for a vc+jwt. */
export function vcJwtHash(compact: string): string {
  return toHex(sha256(utf8Encode(compact)));
}

/** Sign the unsigned credential as a compact vc+jwt with the Ed25519 seed (hex); `kid` is the verification method's DID URL. */
export function signVcJwt(credential: JsonObject, options: { kid: string; secretKey: string }): string {
  if (credential['proof'] !== undefined) throw new TypeError('a vc+jwt payload carries no embedded proof; sign the unsigned credential');
  const header = { alg: 'EdDSA', typ: VC_JWT_TYP, cty: VC_JWT_CTY, kid: options.kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(credential))}`;
  return `${input}.${b64url(signRaw(options.secretKey, utf8Encode(input)))}`;
}

export type JwtProblem = 'malformed' | 'type' | 'alg';
export interface ReadVcJwt {
  ok: true;
  header: JsonObject;
  kid: string;
  payload: JsonObject;
  /** The bytes the signature covers, and the signature. */
  signingInput: Uint8Array;
  signature: Uint8Array;
}
export type VcJwtRead = ReadVcJwt | { ok: false; problem: JwtProblem; reason: string };

/** Does a string look like a compact JWS (three base64url parts)? For callers that must tell a token from JSON. */
export const looksLikeCompactJws = (text: string): boolean => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(text);

function decodeJsonPart(part: string, what: string): JsonObject | string {
  if (!B64URL_RE.test(part)) return `${what}: expected base64url`;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return `${what}: not base64url JSON`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `${what}: expected a JSON object`;
  return value as JsonObject;
}

/** A compact vc+jwt read from untrusted input: its header checked (alg, typ, cty, kid, crit) and its payload decoded; no signature check. */
export function readVcJwt(compact: string): VcJwtRead {
  const bad = (problem: JwtProblem, reason: string): VcJwtRead => ({ ok: false, problem, reason });
  if (compact.length > VC_JWT_CHARS_MAX) return bad('malformed', `the token is ${compact.length} characters; at most ${VC_JWT_CHARS_MAX}`);
  const parts = compact.split('.');
  if (parts.length !== 3) return bad('malformed', `expected a compact JWS (three base64url parts separated by "."), got ${parts.length} part${parts.length === 1 ? '' : 's'}`);
  const [h, p, s] = parts as [string, string, string];
  if (h.length > HEADER_CHARS_MAX) return bad('malformed', `the protected header is ${h.length} characters; at most ${HEADER_CHARS_MAX}`);
  const header = decodeJsonPart(h, 'the protected header');
  if (typeof header === 'string') return bad('malformed', header);
  const alg = header['alg'];
  if (typeof alg !== 'string' || !ED25519_ALGS.includes(alg)) return bad('alg', `alg: expected "EdDSA" (Ed25519), got ${JSON.stringify(alg ?? null).slice(0, 40)}`);
  const typ = header['typ'];
  if (typ !== VC_JWT_TYP && typ !== VC_JWT_MEDIA_TYPE) return bad('type', `typ: expected "${VC_JWT_TYP}", got ${JSON.stringify(typ ?? null).slice(0, 40)}`);
  const cty = header['cty'];
  if (cty !== undefined && cty !== VC_JWT_CTY && cty !== 'application/vc') return bad('type', `cty: expected "${VC_JWT_CTY}", got ${JSON.stringify(cty).slice(0, 40)}`);
  if (header['crit'] !== undefined) return bad('malformed', 'crit: Polity understands no JOSE header extensions');
  const kid = header['kid'];
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) return bad('malformed', "kid: expected the verification method's DID URL (issuer#key)");
  const payload = decodeJsonPart(p, 'the payload');
  if (typeof payload === 'string') return bad('malformed', payload);
  if (payload['proof'] !== undefined) return bad('malformed', 'the payload carries an embedded proof; a vc+jwt is secured by its JWS alone');
  if (!B64URL_RE.test(s)) return bad('malformed', 'the signature: expected base64url');
  return { ok: true, header, kid, payload, signingInput: utf8Encode(`${h}.${p}`), signature: Buffer.from(s, 'base64url') };
}

/** Does the token's signature verify with the Ed25519 public key (hex)? */
export function verifyVcJwtSignature(read: ReadVcJwt, publicKey: string): { ok: true } | { ok: false; reason: string } {
  if (read.signature.length !== 64) return { ok: false, reason: `the signature: expected 64 bytes, got ${read.signature.length}` };
  if (!verifyBytes(publicKey, read.signingInput, read.signature)) return { ok: false, reason: 'the JWS signature does not verify with the key the kid names' };
  return { ok: true };
}

/** The compact token inside a VC 2.0 EnvelopedVerifiableCredential ({id: "data:application/vc+jwt,<token>"}), or undefined. */
export function envelopedVcJwt(input: unknown): string | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const o = input as JsonObject;
  const type = o['type'];
  const isEnveloped = type === 'EnvelopedVerifiableCredential' || (Array.isArray(type) && type.includes('EnvelopedVerifiableCredential'));
  const id = o['id'];
  const prefix = `data:${VC_JWT_MEDIA_TYPE},`;
  return isEnveloped && typeof id === 'string' && id.startsWith(prefix) ? id.slice(prefix.length) : undefined;
}

/** The VC 2.0 EnvelopedVerifiableCredential that carries a compact vc+jwt. */
export const envelopeVcJwt = (compact: string): JsonObject => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  id: `data:${VC_JWT_MEDIA_TYPE},${compact}`,
  type: 'EnvelopedVerifiableCredential',
});
