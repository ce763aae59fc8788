/**
 * Verifying a credential against the chain: the four questions of the
 * issue — is the signature good, was the issuer trusted for this type when
 * it issued, what is its status, is it within its validity period — plus the
 * two the chain makes possible: was this exact credential issued (its hash
 * recorded), and do its claims match the type's schema.
 *
 * The checks run in a fixed order and stop at the first failure; the answer
 * lists every check, those not reached as `null`, and one code for the
 * failure (errors.ts), with a sentence a person understands. The sentences
 * name fields and organisations, never claim values.
 *
 * Pure: the time to judge expiry by (`nowMs`) and the claims checker come in
 * as arguments.
 */
import { multikeyDecode } from '../../crypto/multikey.js';
import { keyInForceAt, parseDateTime, POLITY_DID_RE, xmlDateTime } from '../did/method.js';
import { readVersions } from '../did/module.js';
import { verifyDocument, readProof } from './data-integrity.js';
import { credentialHash, readCredential, statusListPath, CREDENTIAL_BYTES_MAX, type ReadCredential } from './credential.js';
import { envelopedVcJwt, readVcJwt, verifyVcJwtSignature, vcJwtHash } from './vc-jwt.js';
import { keyOfJwk, readSdJwt, sdJwtHash, typeOfVct, verifyJwsSignature, SD_JWT_MEDIA_TYPE } from './sd-jwt.js';
import { VC_CONTEXT_V2 } from './credential.js';
import type { JsonObject } from './data-integrity.js';
import { getRecord, bitsKey, type IssuanceRecord } from './module.js';
import { getType, issuerTrustAt, type Get } from './registry.js';
import { bitOf, locate } from './status-list.js';
import type { CREDENTIALS_ERRORS } from './errors.js';

export const CHECKS = ['format', 'proof', 'issuance', 'trust', 'claims', 'status', 'validity'] as const;
export type CheckName = (typeof CHECKS)[number];
export type VerificationCode = Extract<
  keyof typeof CREDENTIALS_ERRORS,
  | 'CREDENTIALS_MALFORMED'
  | 'CREDENTIALS_JWT_ALG'
  | 'CREDENTIALS_JWT_TYPE'
  | 'CREDENTIALS_PROOF_INVALID'
  | 'CREDENTIALS_NOT_ISSUED'
  | 'CREDENTIALS_ISSUER_UNTRUSTED'
  | 'CREDENTIALS_CLAIMS_INVALID'
  | 'CREDENTIALS_REVOKED'
  | 'CREDENTIALS_SUSPENDED'
  | 'CREDENTIALS_EXPIRED'
  | 'CREDENTIALS_NOT_YET_VALID'
  | 'CREDENTIALS_DISCLOSURE_INVALID'
>;

export interface Check {
  check: CheckName;
  /** true: passed; false: failed; null: not reached. */
  ok: boolean | null;
  detail: string;
}

export interface Verification {
  verified: boolean;
  code?: VerificationCode;
  message?: string;
  checks: Check[];
  /** What the chain says about the credential, once its issuance is found. */
  issuance?: { hash: string; credentialType: string; org: string; issuer: string; height: number; time: number; status: IssuanceRecord['status']; list: number; index: number };
  /** For an SD-JWT VC: the names of the claims its holder disclosed (the only ones checked and shown). */
  disclosed?: string[];
}

export interface VerifyOptions {
  /** Time to judge validFrom/validUntil by, ms since the epoch. */
  nowMs: number;
  /** The claims checker (claims.ts): a problem sentence, or undefined. */
  claimsProblem(schema: object, claims: unknown): string | undefined;
  /** Bytes of the credential as received, when known (the API passes the body's length). */
  bytes?: number;
}

export type Form = 'data-integrity' | 'jwt' | 'sd-jwt';
export type Secured =
  | {
      ok: true;
      form: Form;
      credential: ReadCredential;
      key: string;
      hash: string;
      /** SD-JWT only: the claims disclosed, and the holder key the issuer bound the credential to (cnf.jwk), if any. */
      disclosed?: string[];
      holderKey?: string;
    }
  | { ok: false; check: 'format' | 'proof'; code: VerificationCode; reason: string };

/** The Ed25519 key (hex) a verification method names: issuer#z6Mk…, and for a did:key its own key only. */
function keyOfMethod(issuer: string, vm: string, what: string): { ok: true; key: string } | { ok: false; reason: string } {
  if (!vm.startsWith(`${issuer}#`)) return { ok: false, reason: `${what}: expected a key of the issuer's DID (issuer#key)` };
  let key: string;
  try {
    key = multikeyDecode(vm.slice(issuer.length + 1));
  } catch {
    return { ok: false, reason: `${what}: the fragment is not an Ed25519 Multikey (z6Mk…)` };
  }
  if (issuer.startsWith('did:key:') && issuer !== `did:key:${vm.slice(issuer.length + 1)}`) return { ok: false, reason: `${what}: a did:key signs with its own key only` };
  return { ok: true, key };
}

/** Format and signature of the Data Integrity form (a JSON object with an eddsa-jcs-2022 proof). */
function readDataIntegrityForm(input: unknown, bytes: number | undefined): Secured {
  const malformed = (reason: string): Secured => ({ ok: false, check: 'format', code: 'CREDENTIALS_MALFORMED', reason });
  if (bytes !== undefined && bytes > CREDENTIAL_BYTES_MAX) return malformed(`the credential is ${bytes} bytes; at most ${CREDENTIAL_BYTES_MAX}`);
  const read = readCredential(input);
  if (!read.ok) return malformed(read.reason);
  const c = read.value;
  const proof = readProof(c.credential);
  if (!proof.ok) return malformed(proof.reason);
  const method = keyOfMethod(c.issuer, proof.proof.verificationMethod, 'proof.verificationMethod');
  if (!method.ok) return malformed(method.reason);
  if (proof.proof.proofPurpose !== 'assertionMethod') return malformed('proof.proofPurpose: expected "assertionMethod"');
  const signature = verifyDocument(c.credential, method.key);
  if (!signature.ok) return { ok: false, check: 'proof', code: signature.malformed ? 'CREDENTIALS_MALFORMED' : 'CREDENTIALS_PROOF_INVALID', reason: signature.reason };
  return { ok: true, form: 'data-integrity', credential: c, key: method.key, hash: credentialHash(c.credential) };
}

/** Format and signature of the vc+jwt form (a compact JWS whose payload is the credential). */
function readJwtForm(compact: string): Secured {
  const jwt = readVcJwt(compact);
  if (!jwt.ok) return { ok: false, check: 'format', code: jwt.problem === 'alg' ? 'CREDENTIALS_JWT_ALG' : jwt.problem === 'type' ? 'CREDENTIALS_JWT_TYPE' : 'CREDENTIALS_MALFORMED', reason: jwt.reason };
  const read = readCredential(jwt.payload);
  if (!read.ok) return { ok: false, check: 'format', code: 'CREDENTIALS_MALFORMED', reason: `the payload: ${read.reason}` };
  const method = keyOfMethod(read.value.issuer, jwt.kid, 'kid');
  if (!method.ok) return { ok: false, check: 'format', code: 'CREDENTIALS_MALFORMED', reason: method.reason };
  const signature = verifyVcJwtSignature(jwt, method.key);
  if (!signature.ok) return { ok: false, check: 'proof', code: 'CREDENTIALS_PROOF_INVALID', reason: signature.reason };
  return { ok: true, form: 'jwt', credential: read.value, key: method.key, hash: vcJwtHash(compact) };
}

const FORM_WORDS: Record<Form, string> = {
  'data-integrity': 'a VC 2.0 credential with one eddsa-jcs-2022 proof',
  jwt: 'a VC 2.0 credential secured as a compact vc+jwt (EdDSA)',
  'sd-jwt': 'an SD-JWT VC (dc+sd-jwt, EdDSA) with its disclosures',
};

/** A time in seconds since the epoch (a JWT NumericDate) as an XML date-time, or undefined when it is not one. */
const dateOfSeconds = (v: unknown): string | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < 253_402_300_800 ? xmlDateTime(v * 1000) : undefined);

/** The SD-JWT VC form (spec §2b): issuer JWT header and disclosures (sd-jwt.ts), then its claims read as a VC 2.0 credential with only the disclosed claims in credentialSubject. */
function readSdJwtForm(text: string): Secured {
  const malformed = (reason: string): Secured => ({ ok: false, check: 'format', code: 'CREDENTIALS_MALFORMED', reason });
  const sd = readSdJwt(text);
  if (!sd.ok) {
    const code = sd.problem === 'alg' ? 'CREDENTIALS_JWT_ALG' : sd.problem === 'type' ? 'CREDENTIALS_JWT_TYPE' : sd.problem === 'disclosure' ? 'CREDENTIALS_DISCLOSURE_INVALID' : 'CREDENTIALS_MALFORMED';
    return { ok: false, check: sd.problem === 'disclosure' ? 'proof' : 'format', code, reason: sd.reason };
  }
  const p = sd.payload;
  if (typeof p['iss'] !== 'string') return malformed('iss: expected the issuer DID');
  const type = typeOfVct(p['vct']);
  if (!type) return malformed('vct: expected a credential type name, or its URL …/v1/credentials/types/<Name>');
  const status = p['status'];
  const entries = status !== null && typeof status === 'object' && !Array.isArray(status) ? (status as JsonObject)['bitstring_status_list'] : undefined;
  for (const f of ['nbf', 'exp', 'iat'] as const) if (p[f] !== undefined && dateOfSeconds(p[f]) === undefined) return malformed(`${f}: expected seconds since 1970`);
  const cnf = p['cnf'];
  let holderKey: string | undefined;
  if (cnf !== undefined) {
    holderKey = cnf !== null && typeof cnf === 'object' && !Array.isArray(cnf) ? keyOfJwk((cnf as JsonObject)['jwk']) : undefined;
    if (!holderKey) return malformed('cnf: expected {jwk} with an Ed25519 OKP key');
  }
  const { sub, ...claims } = sd.disclosed;
  const from = dateOfSeconds(p['nbf']);
  const until = dateOfSeconds(p['exp']);
  const read = readCredential({
    '@context': [VC_CONTEXT_V2],
    type: ['VerifiableCredential', type],
    issuer: p['iss'],
    ...(from !== undefined ? { validFrom: from } : {}),
    ...(until !== undefined ? { validUntil: until } : {}),
    credentialSubject: { ...(sub !== undefined ? { id: sub } : {}), ...claims },
    ...(entries !== undefined ? { credentialStatus: entries } : {}),
  });
  if (!read.ok) return malformed(read.reason);
  const method = keyOfMethod(read.value.issuer, sd.kid, 'kid');
  if (!method.ok) return malformed(method.reason);
  if (!verifyJwsSignature(sd, method.key)) return { ok: false, check: 'proof', code: 'CREDENTIALS_PROOF_INVALID', reason: "the issuer-signed JWT's signature does not verify with the key the kid names" };
  return { ok: true, form: 'sd-jwt', credential: read.value, key: method.key, hash: sdJwtHash(sd.issuerJwt), disclosed: Object.keys(sd.disclosed), ...(holderKey ? { holderKey } : {}) };
}

/** An SD-JWT inside a VC 2.0 EnvelopedVerifiableCredential ({id: "data:application/dc+sd-jwt,<sd-jwt>"}), or undefined. */
function envelopedSdJwt(input: unknown): string | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const id = (input as JsonObject)['id'];
  const prefix = `data:${SD_JWT_MEDIA_TYPE},`;
  return typeof id === 'string' && id.startsWith(prefix) ? id.slice(prefix.length) : undefined;
}

/** Format and signature of a credential of any form, from untrusted input: an SD-JWT VC string (it has "~"), a compact vc+jwt, an envelope carrying either, or a Data Integrity JSON object. */
export function readSecured(input: unknown, bytes?: number): Secured {
  const sd = typeof input === 'string' && input.includes('~') ? input.trim() : envelopedSdJwt(input);
  if (sd !== undefined) return readSdJwtForm(sd);
  const compact = typeof input === 'string' ? input.trim() : envelopedVcJwt(input);
  return compact !== undefined ? readJwtForm(compact) : readDataIntegrityForm(input, bytes);
}

/** The form an input claims to be, for the format check's words. */
const formOf = (input: unknown): Form => (typeof input === 'string' ? (input.includes('~') ? 'sd-jwt' : 'jwt') : envelopedSdJwt(input) !== undefined ? 'sd-jwt' : envelopedVcJwt(input) !== undefined ? 'jwt' : 'data-integrity');

/** The type's schema with no top-level `required`: an SD-JWT's holder may leave any claim undisclosed, and every disclosed one must still match. */
function disclosedSchema(schema: object): object {
  const { required: _required, ...rest } = schema as { required?: unknown };
  return rest;
}

/** Verify a credential from untrusted input — a JSON object with a Data Integrity proof, a compact vc+jwt string, or an EnvelopedVerifiableCredential carrying one — against the state `get` reads. Never throws on bad input. */
export function verifyCredential(get: Get, input: unknown, options: VerifyOptions): Verification {
  return checkSecured(get, readSecured(input, options.bytes), formOf(input), options);
}

/** The checks of §4 on a credential whose format and signature `readSecured` judged. */
export function checkSecured(get: Get, secured: Secured, claimed: Form, options: VerifyOptions): Verification {
  const checks: Check[] = [];
  const pass = (check: CheckName, detail: string): void => void checks.push({ check, ok: true, detail });
  const disclosed = secured.ok && secured.disclosed ? { disclosed: secured.disclosed } : {};
  const fail = (check: CheckName, code: VerificationCode, message: string, issuance?: Verification['issuance']): Verification => {
    checks.push({ check, ok: false, detail: message });
    for (const c of CHECKS.slice(checks.length)) checks.push({ check: c, ok: null, detail: 'not checked' });
    return { verified: false, code, message, checks, ...(issuance ? { issuance } : {}), ...disclosed };
  };
  const form = FORM_WORDS[secured.ok ? secured.form : claimed];
  if (!secured.ok) {
    if (secured.check === 'proof') pass('format', form);
    return fail(secured.check, secured.code, secured.reason);
  }
  const { credential: c, key, hash } = secured;
  pass('format', form);
  pass(
    'proof',
    secured.form === 'jwt'
      ? 'the JWS signature verifies with the key named by the kid'
      : secured.form === 'sd-jwt'
        ? `the issuer-signed JWT verifies with the key named by the kid, and each of the ${secured.disclosed!.length} disclosure${secured.disclosed!.length === 1 ? '' : 's'} matches a digest it signed`
        : 'the signature verifies with the key named by the verification method',
  );

  const rec = getRecord(get, hash);
  if (!rec) return fail('issuance', 'CREDENTIALS_NOT_ISSUED', 'the chain holds no issuance of this exact credential: it was changed after signing, or never recorded');
  const issuance = { hash, credentialType: rec.credentialType, org: rec.org, issuer: rec.issuer, height: rec.height, time: rec.time, status: rec.status, list: rec.list, index: rec.index };
  pass('issuance', `recorded at height ${rec.height} by ${rec.org}`);

  if (rec.issuer !== c.issuer || rec.key !== key) return fail('trust', 'CREDENTIALS_ISSUER_UNTRUSTED', 'the issuer or key in the credential is not the one that recorded it', issuance);
  if (POLITY_DID_RE.test(c.issuer) && keyInForceAt(readVersions(get, c.issuer.slice('did:polity:'.length)), rec.height, rec.txIndex) !== key) {
    return fail('trust', 'CREDENTIALS_ISSUER_UNTRUSTED', "the signing key was not the issuer DID's key in force when the credential was issued", issuance);
  }
  if (!c.types.includes(rec.credentialType)) return fail('trust', 'CREDENTIALS_ISSUER_UNTRUSTED', `the credential does not name its recorded type ${rec.credentialType}`, issuance);
  const trust = issuerTrustAt(get, rec.credentialType, rec.org, { height: rec.height, txIndex: rec.txIndex });
  if (!trust.trusted) return fail('trust', 'CREDENTIALS_ISSUER_UNTRUSTED', trust.reason, issuance);
  pass('trust', `${rec.org} was accredited to issue ${rec.credentialType} at height ${rec.height}${trust.accreditation.parent ? ` (by ${trust.accreditation.parent})` : ' (by the consortium)'}`);

  const type = getType(get, rec.credentialType)!;
  const claims = options.claimsProblem(secured.form === 'sd-jwt' ? disclosedSchema(type.schema) : type.schema, c.subject);
  if (claims) return fail('claims', 'CREDENTIALS_CLAIMS_INVALID', `the ${secured.form === 'sd-jwt' ? 'disclosed ' : ''}claims do not match the ${rec.credentialType} schema at ${claims}`, issuance);
  pass('claims', secured.form === 'sd-jwt' ? `the ${secured.disclosed!.length} disclosed claim${secured.disclosed!.length === 1 ? '' : 's'} match the ${rec.credentialType} schema` : `the claims match the ${rec.credentialType} schema`);

  for (const purpose of ['revocation', 'suspension'] as const) {
    const entry = c.status.find((s) => s.purpose === purpose);
    if (!entry || entry.index !== String(rec.index) || !entry.list.endsWith(statusListPath(rec.org, rec.list, purpose))) {
      return fail('status', 'CREDENTIALS_MALFORMED', `credentialStatus: the ${purpose} entry does not name the credential's status entry on the chain`, issuance);
    }
  }
  const page = locate(rec.index).page;
  if (rec.status === 'revoked' || bitOf(get(bitsKey(rec.org, rec.list, 'revocation', page)), rec.index)) return fail('status', 'CREDENTIALS_REVOKED', `${rec.org} revoked the credential`, issuance);
  if (rec.status === 'suspended' || bitOf(get(bitsKey(rec.org, rec.list, 'suspension', page)), rec.index)) return fail('status', 'CREDENTIALS_SUSPENDED', `${rec.org} suspended the credential`, issuance);
  pass('status', 'neither revoked nor suspended');

  const from = c.validFrom === undefined ? undefined : parseDateTime(c.validFrom);
  const until = c.validUntil === undefined ? undefined : parseDateTime(c.validUntil);
  if ((c.validFrom !== undefined && from === undefined) || (c.validUntil !== undefined && until === undefined)) return fail('validity', 'CREDENTIALS_MALFORMED', 'validFrom/validUntil: expected XML Schema date-times with a zone', issuance);
  if (from !== undefined && options.nowMs < from) return fail('validity', 'CREDENTIALS_NOT_YET_VALID', `valid only from ${c.validFrom}`, issuance);
  if (until !== undefined && options.nowMs > until) return fail('validity', 'CREDENTIALS_EXPIRED', `expired at ${c.validUntil}`, issuance);
  pass('validity', until !== undefined ? `valid until ${c.validUntil}` : 'no expiry');
  return { verified: true, checks, issuance, ...disclosed };
}
