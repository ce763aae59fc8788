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
import { proofSigningInput, readProof, SIGNATURE_REASON } from './data-integrity.js';
import { verifyBytes } from '../../crypto/ed25519.js';
import { credentialHash, readCredential, statusListPath, CREDENTIAL_BYTES_MAX, type ReadCredential } from './credential.js';
import { envelopedVcJwt, readVcJwt, vcJwtHash } from './vc-jwt.js';
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
  | 'CREDENTIALS_STATUS_STALE'
  | 'CREDENTIALS_RECEIPT_INVALID'
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
}

export interface VerifyOptions {
  /** Time to judge validFrom/validUntil by, ms since the epoch. */
  nowMs: number;
  /** The claims checker (claims.ts): a problem sentence, or undefined. */
  claimsProblem(schema: object, claims: unknown): string | undefined;
  /** Bytes of the credential as received, when known (the API passes the body's length). */
  bytes?: number;
  /**
   * When the state read is not live (an offline verifier's receipts): the
   * block time the status bits are proven at, and how old they may be. Older
   * is CREDENTIALS_STATUS_STALE.
   */
  statusAsOf?: { timeMs: number; maxAgeMs: number };
}

/** An Ed25519 signature still to check: `sig` by `key` (hex) over `message`. */
export interface SignatureToCheck {
  key: string;
  message: Uint8Array;
  sig: Uint8Array;
}

type Secured =
  | { ok: true; form: 'data-integrity' | 'jwt'; credential: ReadCredential; key: string; hash: string; signature: SignatureToCheck; formText: string }
  | { ok: false; check: 'format' | 'proof'; code: VerificationCode; reason: string; formText: string };

/**
 * Multikey fragments already decoded (base58 decoding is a fifth of a
 * verification's cost otherwise): a verifier sees the same issuers' keys
 * again and again. Bounded; cleared when full.
 */
const KEYS_CACHED_MAX = 4_096;
const decodedKeys = new Map<string, string>();
function decodeKey(fragment: string): string {
  let key = decodedKeys.get(fragment);
  if (key === undefined) {
    key = multikeyDecode(fragment);
    if (decodedKeys.size >= KEYS_CACHED_MAX) decodedKeys.clear();
    decodedKeys.set(fragment, key);
  }
  return key;
}

/** The Ed25519 key (hex) a verification method names: issuer#z6Mk…, and for a did:key its own key only. */
function keyOfMethod(issuer: string, vm: string, what: string): { ok: true; key: string } | { ok: false; reason: string } {
  if (!vm.startsWith(`${issuer}#`)) return { ok: false, reason: `${what}: expected a key of the issuer's DID (issuer#key)` };
  let key: string;
  try {
    key = decodeKey(vm.slice(issuer.length + 1));
  } catch {
    return { ok: false, reason: `${what}: the fragment is not an Ed25519 Multikey (z6Mk…)` };
  }
  if (issuer.startsWith('did:key:') && issuer !== `did:key:${vm.slice(issuer.length + 1)}`) return { ok: false, reason: `${what}: a did:key signs with its own key only` };
  return { ok: true, key };
}

/** Format and signature of the Data Integrity form (a JSON object with an eddsa-jcs-2022 proof). */
const DI_FORM = 'a VC 2.0 credential with one eddsa-jcs-2022 proof';
const JWT_FORM = 'a VC 2.0 credential secured as a compact vc+jwt (EdDSA)';

function readDataIntegrityForm(input: unknown, bytes: number | undefined): Secured {
  const formText = DI_FORM;
  const malformed = (reason: string): Secured => ({ ok: false, check: 'format', code: 'CREDENTIALS_MALFORMED', reason, formText });
  if (bytes !== undefined && bytes > CREDENTIAL_BYTES_MAX) return malformed(`the credential is ${bytes} bytes; at most ${CREDENTIAL_BYTES_MAX}`);
  const read = readCredential(input);
  if (!read.ok) return malformed(read.reason);
  const c = read.value;
  const proof = readProof(c.credential);
  if (!proof.ok) return malformed(proof.reason);
  const method = keyOfMethod(c.issuer, proof.proof.verificationMethod, 'proof.verificationMethod');
  if (!method.ok) return malformed(method.reason);
  if (proof.proof.proofPurpose !== 'assertionMethod') return malformed('proof.proofPurpose: expected "assertionMethod"');
  const input2 = proofSigningInput(c.credential);
  if (!input2.ok) return { ok: false, check: 'proof', code: input2.malformed ? 'CREDENTIALS_MALFORMED' : 'CREDENTIALS_PROOF_INVALID', reason: input2.reason, formText };
  return { ok: true, form: 'data-integrity', credential: c, key: method.key, hash: credentialHash(c.credential), signature: { key: method.key, message: input2.message, sig: input2.signature }, formText };
}

/** Format and signature of the vc+jwt form (a compact JWS whose payload is the credential). */
function readJwtForm(compact: string): Secured {
  const formText = JWT_FORM;
  const jwt = readVcJwt(compact);
  if (!jwt.ok) return { ok: false, check: 'format', code: jwt.problem === 'alg' ? 'CREDENTIALS_JWT_ALG' : jwt.problem === 'type' ? 'CREDENTIALS_JWT_TYPE' : 'CREDENTIALS_MALFORMED', reason: jwt.reason, formText };
  const read = readCredential(jwt.payload);
  if (!read.ok) return { ok: false, check: 'format', code: 'CREDENTIALS_MALFORMED', reason: `the payload: ${read.reason}`, formText };
  const method = keyOfMethod(read.value.issuer, jwt.kid, 'kid');
  if (!method.ok) return { ok: false, check: 'format', code: 'CREDENTIALS_MALFORMED', reason: method.reason, formText };
  if (jwt.signature.length !== 64) return { ok: false, check: 'proof', code: 'CREDENTIALS_PROOF_INVALID', reason: `the signature: expected 64 bytes, got ${jwt.signature.length}`, formText };
  return { ok: true, form: 'jwt', credential: read.value, key: method.key, hash: vcJwtHash(compact), signature: { key: method.key, message: jwt.signingInput, sig: jwt.signature }, formText };
}

/** Format and the signature still to check, from untrusted input. Never throws. */
function readSecured(input: unknown, options: Pick<VerifyOptions, 'bytes'>): Secured {
  const compact = typeof input === 'string' ? input.trim() : envelopedVcJwt(input);
  return compact !== undefined ? readJwtForm(compact) : readDataIntegrityForm(input, options.bytes);
}

/** Verify a credential from untrusted input — a JSON object with a Data Integrity proof, a compact vc+jwt string, or an EnvelopedVerifiableCredential carrying one — against the state `get` reads. Never throws on bad input. */
export function verifyCredential(get: Get, input: unknown, options: VerifyOptions): Verification {
  const secured = readSecured(input, options);
  return judge(get, secured, secured.ok && verifyBytes(secured.signature.key, secured.signature.message, secured.signature.sig), options);
}

/**
 * The same verdict as `verifyCredential`, with the Ed25519 check done by
 * `checkSignature` (the node's verification workers): the API's thread
 * does the rest. The state is read after the signature is checked.
 */
export async function verifyCredentialWith(get: Get, input: unknown, options: VerifyOptions, checkSignature: (s: SignatureToCheck) => Promise<boolean>): Promise<Verification> {
  const secured = readSecured(input, options);
  const signatureOk = secured.ok ? await checkSignature(secured.signature) : false;
  return judge(get, secured, signatureOk, options);
}

function judge(get: Get, secured: Secured, signatureOk: boolean, options: VerifyOptions): Verification {
  const checks: Check[] = [];
  const pass = (check: CheckName, detail: string): void => void checks.push({ check, ok: true, detail });
  const fail = (check: CheckName, code: VerificationCode, message: string, issuance?: Verification['issuance']): Verification => {
    checks.push({ check, ok: false, detail: message });
    for (const c of CHECKS.slice(checks.length)) checks.push({ check: c, ok: null, detail: 'not checked' });
    return { verified: false, code, message, checks, ...(issuance ? { issuance } : {}) };
  };

  if (!secured.ok) {
    if (secured.check === 'proof') pass('format', secured.formText);
    return fail(secured.check, secured.code, secured.reason);
  }
  const { credential: c, key, hash } = secured;
  pass('format', secured.formText);
  if (!signatureOk) return fail('proof', 'CREDENTIALS_PROOF_INVALID', secured.form === 'jwt' ? 'the JWS signature does not verify with the key the kid names' : SIGNATURE_REASON);
  pass('proof', secured.form === 'jwt' ? 'the JWS signature verifies with the key named by the kid' : 'the signature verifies with the key named by the verification method');

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
  const claims = options.claimsProblem(type.schema, c.subject);
  if (claims) return fail('claims', 'CREDENTIALS_CLAIMS_INVALID', `the claims do not match the ${rec.credentialType} schema at ${claims}`, issuance);
  pass('claims', `the claims match the ${rec.credentialType} schema`);

  for (const purpose of ['revocation', 'suspension'] as const) {
    const entry = c.status.find((s) => s.purpose === purpose);
    if (!entry || entry.index !== String(rec.index) || !entry.list.endsWith(statusListPath(rec.org, rec.list, purpose))) {
      return fail('status', 'CREDENTIALS_MALFORMED', `credentialStatus: the ${purpose} entry does not name the credential's status entry on the chain`, issuance);
    }
  }
  // The bits alone say the status (setStatus keeps them and the record's status together), so an
  // offline verifier may prove fresher pages than its record.
  const asOf = options.statusAsOf;
  if (asOf && options.nowMs - asOf.timeMs > asOf.maxAgeMs) {
    return fail('status', 'CREDENTIALS_STATUS_STALE', `the status is proven as of ${xmlDateTime(asOf.timeMs)}, older than the ${Math.round(asOf.maxAgeMs / 1000)} s this verifier accepts`, issuance);
  }
  const page = locate(rec.index).page;
  if (bitOf(get(bitsKey(rec.org, rec.list, 'revocation', page)), rec.index)) return fail('status', 'CREDENTIALS_REVOKED', `${rec.org} revoked the credential`, issuance);
  if (bitOf(get(bitsKey(rec.org, rec.list, 'suspension', page)), rec.index)) return fail('status', 'CREDENTIALS_SUSPENDED', `${rec.org} suspended the credential`, issuance);
  pass('status', asOf ? `neither revoked nor suspended as of ${xmlDateTime(asOf.timeMs)}` : 'neither revoked nor suspended');

  const from = c.validFrom === undefined ? undefined : parseDateTime(c.validFrom);
  const until = c.validUntil === undefined ? undefined : parseDateTime(c.validUntil);
  if ((c.validFrom !== undefined && from === undefined) || (c.validUntil !== undefined && until === undefined)) return fail('validity', 'CREDENTIALS_MALFORMED', 'validFrom/validUntil: expected XML Schema date-times with a zone', issuance);
  if (from !== undefined && options.nowMs < from) return fail('validity', 'CREDENTIALS_NOT_YET_VALID', `valid only from ${c.validFrom}`, issuance);
  if (until !== undefined && options.nowMs > until) return fail('validity', 'CREDENTIALS_EXPIRED', `expired at ${c.validUntil}`, issuance);
  pass('validity', until !== undefined ? `valid until ${c.validUntil}` : 'no expiry');
  return { verified: true, checks, issuance };
}
