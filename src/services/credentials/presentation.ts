/**
 * Presentations (spec §4a): a holder shows credentials to one verifier, at
 * one moment, and proves it is the holder. Two forms:
 *
 *  - an SD-JWT VC with a key-binding JWT (sd-jwt.ts): the disclosures the
 *    holder chose, and a KB-JWT signed with the key the issuer bound the
 *    credential to (`cnf.jwk`), over the verifier's `aud` and `nonce`;
 *  - a VC-JOSE `vp+jwt`: a compact JWS, signed by the holder (`kid` =
 *    `<holder DID>#<Multikey>`), whose payload is a VC 2.0
 *    VerifiablePresentation with `holder`, `aud`, `nonce` and one or more
 *    credentials (Data Integrity objects, or vc+jwt in
 *    EnvelopedVerifiableCredentials).
 *
 * `verifyPresentation` runs these checks in order and stops at the first
 * failure: format, holder (the presenter is each credential's subject, or
 * the credential is bound to a key), signature (the holder's), audience,
 * nonce (taken from the verifier's store only now, so that a forged or
 * misdirected presentation cannot burn a holder's nonce), then each
 * credential's full verification (verify.ts). The answer carries the claims
 * of each verified credential — for an SD-JWT, the disclosed ones only: the
 * verifier learns nothing the holder did not choose to show.
 *
 * Pure: the time, the claims checker and the nonce store come in.
 */
import { multikeyDecode, multikeyEncode } from '../../crypto/multikey.js';
import { publicKeyOf } from '../../crypto/ed25519.js';
import { utf8Encode } from '../../crypto/bytes.js';
import { signRaw } from '../../crypto/ed25519.js';
import { keyInForceAt, POLITY_DID_RE } from '../did/method.js';
import { readVersions } from '../did/module.js';
import { VC_CONTEXT_V2 } from './credential.js';
import type { JsonObject } from './data-integrity.js';
import type { CREDENTIALS_ERRORS } from './errors.js';
import type { Get } from './registry.js';
import { keyOfJwk, readJws, readKeyBinding, verifyJwsSignature, SD_JWT_CHARS_MAX, SD_JWT_MEDIA_TYPE, type ReadJws } from './sd-jwt.js';
import { envelopeVcJwt } from './vc-jwt.js';
import { checkSecured, readSecured, type Verification, type VerifyOptions } from './verify.js';
import type { NonceOutcome } from './nonce-store.js';

export const PRESENTATION_CHECKS = ['format', 'holder', 'signature', 'audience', 'nonce', 'credentials'] as const;
export type PresentationCheckName = (typeof PRESENTATION_CHECKS)[number];
export const VP_JWT_TYP = 'vp+jwt';
export const VP_JWT_MEDIA_TYPE = 'application/vp+jwt';
/** The most credentials one vp+jwt carries. */
export const PRESENTATION_CREDENTIALS_MAX = 16;
/** The most characters of a presentation: four SD-JWTs' worth (a vp+jwt re-encodes its credentials in base64url). */
export const PRESENTATION_CHARS_MAX = 4 * SD_JWT_CHARS_MAX;
/** Audiences and nonces: at most this many characters. */
export const EXPECT_CHARS_MAX = 512;

export type PresentationCode = Extract<
  keyof typeof CREDENTIALS_ERRORS,
  'CREDENTIALS_PRESENTATION_MALFORMED' | 'CREDENTIALS_PRESENTATION_PROOF_INVALID' | 'CREDENTIALS_PRESENTATION_AUDIENCE' | 'CREDENTIALS_PRESENTATION_REPLAYED' | 'CREDENTIALS_HOLDER_MISMATCH'
>;

export interface PresentedCredential extends Verification {
  /** The claims of a verified credential: for an SD-JWT the disclosed ones only; absent when it did not verify. */
  claims?: JsonObject;
}

export interface PresentationVerification {
  verified: boolean;
  /** The first failure: a presentation code, or the code of the first credential that did not verify. */
  code?: PresentationCode | NonNullable<Verification['code']>;
  message?: string;
  checks: { check: PresentationCheckName; ok: boolean | null; detail: string }[];
  form?: 'sd-jwt+kb' | 'vp+jwt';
  /** The presenter's DID (vp+jwt). */
  holder?: string;
  credentials: PresentedCredential[];
}

export interface PresentationExpect {
  /** Who the verifier is: the presentation's `aud` must name it. */
  audience: string;
  /** The nonce the verifier handed out for this presentation. */
  nonce: string;
}

export interface PresentationOptions extends VerifyOptions {
  /** Take the nonce back from the verifier's store (nonce-store.ts), once. */
  takeNonce(nonce: string): NonceOutcome;
}

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
const b64url = (bytes: Uint8Array | string): string => Buffer.from(typeof bytes === 'string' ? utf8Encode(bytes) : bytes).toString('base64url');

/** What the presentation holds, once its format is read: who signs, over what, and the credentials to verify. */
interface Parsed {
  form: 'sd-jwt+kb' | 'vp+jwt';
  /** The JWS the holder signed (KB-JWT or vp+jwt). */
  signed: ReadJws;
  /** The key that must have signed it, or why there is none (a holder problem). */
  holderKey: string | { problem: 'holder' | 'signature'; reason: string };
  holder?: string;
  aud: string[];
  nonce: string;
  credentials: unknown[];
  /** SD-JWT only: the key-binding checks beyond the signature (sd_hash). */
  kb?: Parameters<typeof readKeyBinding>[0];
}

const ED25519_ALGS = ['EdDSA', 'Ed25519'];

function audiences(aud: unknown): string[] | undefined {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) && aud.length <= 16 && aud.every((a) => typeof a === 'string') ? (aud as string[]) : undefined;
}

/** An SD-JWT with its KB-JWT: the issuer JWT's cnf names the holder key. */
function parseSdJwtKb(text: string): Parsed | string {
  const parts = text.split('~');
  const kbText = parts[parts.length - 1]!;
  if (parts.length < 2 || kbText === '') return 'expected an SD-JWT with a key-binding JWT after the last "~" (an SD-JWT without one is a credential, not a presentation)';
  const issuer = readJws(parts[0]!, 'the issuer-signed JWT');
  if (typeof issuer === 'string') return issuer;
  const kb = readJws(kbText, 'the key-binding JWT');
  if (typeof kb === 'string') return kb;
  const aud = audiences(kb.payload['aud']);
  const nonce = kb.payload['nonce'];
  if (!aud || typeof nonce !== 'string') return 'the key-binding JWT: expected aud and nonce';
  const cnf = issuer.payload['cnf'];
  const key = isObject(cnf) ? keyOfJwk(cnf['jwk']) : undefined;
  return {
    form: 'sd-jwt+kb',
    signed: kb,
    holderKey: key ?? { problem: 'holder', reason: 'the credential is bound to no holder key (no cnf.jwk): nobody can prove to hold it' },
    aud,
    nonce,
    credentials: [text.slice(0, text.length - kbText.length)],
    kb: { ...kb, sdHashInput: text.slice(0, text.length - kbText.length) },
  };
}

/** The holder's key from a vp+jwt's kid: `<holder>#<Multikey>`, a did:key's own key, or a did:polity's key in force now. */
function holderKeyOf(get: Get, holder: string, kid: string): Parsed['holderKey'] {
  const bad = (reason: string): Parsed['holderKey'] => ({ problem: 'signature', reason });
  if (!kid.startsWith(`${holder}#`)) return bad("kid: expected a key of the holder's DID (holder#key)");
  let key: string;
  try {
    key = multikeyDecode(kid.slice(holder.length + 1));
  } catch {
    return bad('kid: the fragment is not an Ed25519 Multikey (z6Mk…)');
  }
  if (holder.startsWith('did:key:')) return holder === `did:key:${kid.slice(holder.length + 1)}` ? key : bad('kid: a did:key signs with its own key only');
  if (POLITY_DID_RE.test(holder)) {
    const now = keyInForceAt(readVersions(get, holder.slice('did:polity:'.length)), Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    return now === key ? key : bad("kid: the key is not the holder DID's key in force");
  }
  return bad('holder: expected a did:key or did:polity');
}

/** A VC-JOSE vp+jwt: a VerifiablePresentation signed by its holder. */
function parseVpJwt(get: Get, compact: string): Parsed | string {
  const jws = readJws(compact, 'the vp+jwt');
  if (typeof jws === 'string') return jws;
  const { header, payload } = jws;
  if (typeof header['alg'] !== 'string' || !ED25519_ALGS.includes(header['alg'])) return 'the vp+jwt: alg must be EdDSA (Ed25519)';
  if (header['typ'] !== VP_JWT_TYP && header['typ'] !== VP_JWT_MEDIA_TYPE) return `the vp+jwt: typ must be "${VP_JWT_TYP}"`;
  const kid = header['kid'];
  if (typeof kid !== 'string' || kid.length > 256) return "the vp+jwt: kid must name the holder's key (holder#key)";
  const ctx = payload['@context'];
  const type = payload['type'];
  if (!Array.isArray(ctx) || ctx[0] !== VC_CONTEXT_V2) return `@context: expected a list starting with "${VC_CONTEXT_V2}"`;
  if (!(type === 'VerifiablePresentation' || (Array.isArray(type) && type.includes('VerifiablePresentation')))) return 'type: expected "VerifiablePresentation"';
  const holderField = payload['holder'];
  const holder = typeof holderField === 'string' ? holderField : isObject(holderField) && typeof holderField['id'] === 'string' ? holderField['id'] : undefined;
  if (!holder || holder.length > 256) return 'holder: expected the DID of the presenter';
  const vc = payload['verifiableCredential'];
  const credentials = Array.isArray(vc) ? vc : vc === undefined ? [] : [vc];
  if (credentials.length === 0 || credentials.length > PRESENTATION_CREDENTIALS_MAX) return `verifiableCredential: expected 1 to ${PRESENTATION_CREDENTIALS_MAX} credentials`;
  const aud = audiences(payload['aud']);
  const nonce = payload['nonce'];
  if (!aud || typeof nonce !== 'string') return 'the vp+jwt: expected aud and nonce';
  return { form: 'vp+jwt', signed: jws, holderKey: holderKeyOf(get, holder, kid), holder, aud, nonce, credentials };
}

function envelopedPresentation(input: unknown): string | undefined {
  if (!isObject(input)) return undefined;
  const id = input['id'];
  if (typeof id !== 'string') return undefined;
  for (const media of [VP_JWT_MEDIA_TYPE, SD_JWT_MEDIA_TYPE]) if (id.startsWith(`data:${media},`)) return id.slice(media.length + 6);
  return undefined;
}

/** Verify a presentation from untrusted input (a string, or an EnvelopedVerifiablePresentation carrying one) for this verifier. Never throws on bad input. */
export function verifyPresentation(get: Get, input: unknown, expect: PresentationExpect, options: PresentationOptions): PresentationVerification {
  const checks: PresentationVerification['checks'] = [];
  const pass = (check: PresentationCheckName, detail: string): void => void checks.push({ check, ok: true, detail });
  let parsed: Parsed | undefined;
  const fail = (check: PresentationCheckName, code: PresentationVerification['code'], message: string, credentials: PresentedCredential[] = []): PresentationVerification => {
    checks.push({ check, ok: false, detail: message });
    for (const c of PRESENTATION_CHECKS.slice(checks.length)) checks.push({ check: c, ok: null, detail: 'not checked' });
    return { verified: false, code, message, checks, ...(parsed ? { form: parsed.form } : {}), ...(parsed?.holder ? { holder: parsed.holder } : {}), credentials };
  };

  const text = typeof input === 'string' ? input.trim() : envelopedPresentation(input);
  if (text === undefined || text.length === 0) return fail('format', 'CREDENTIALS_PRESENTATION_MALFORMED', 'expected a presentation: an SD-JWT with a key-binding JWT, or a compact vp+jwt');
  if (text.length > PRESENTATION_CHARS_MAX) return fail('format', 'CREDENTIALS_PRESENTATION_MALFORMED', `the presentation is ${text.length} characters; at most ${PRESENTATION_CHARS_MAX}`);
  const p = text.includes('~') ? parseSdJwtKb(text) : parseVpJwt(get, text);
  if (typeof p === 'string') return fail('format', 'CREDENTIALS_PRESENTATION_MALFORMED', p);
  parsed = p;
  pass('format', p.form === 'vp+jwt' ? `a vp+jwt presentation of ${p.credentials.length} credential${p.credentials.length === 1 ? '' : 's'}` : 'an SD-JWT VC with a key-binding JWT');

  // Holder: the presenter is each credential's subject (vp+jwt), or the credential names a key that must sign (SD-JWT).
  const secured = p.credentials.map((c) => readSecured(c));
  if (typeof p.holderKey !== 'string' && p.holderKey.problem === 'holder') return fail('holder', 'CREDENTIALS_HOLDER_MISMATCH', p.holderKey.reason);
  if (p.form === 'vp+jwt') {
    for (const [i, s] of secured.entries()) {
      if (s.ok && s.form === 'sd-jwt') return fail('format', 'CREDENTIALS_PRESENTATION_MALFORMED', 'an SD-JWT VC is presented with its own key-binding JWT, not inside a vp+jwt');
      if (s.ok && s.credential.subject['id'] !== p.holder) return fail('holder', 'CREDENTIALS_HOLDER_MISMATCH', `credential ${i + 1}: its subject is not the presentation's holder`);
    }
  }
  pass('holder', p.form === 'vp+jwt' ? 'the holder is the subject of every credential' : 'the issuer bound the credential to a holder key (cnf)');

  if (typeof p.holderKey !== 'string') return fail('signature', 'CREDENTIALS_PRESENTATION_PROOF_INVALID', p.holderKey.reason);
  if (p.kb) {
    const kb = readKeyBinding(p.kb, p.holderKey);
    if (!kb.ok) return fail(kb.problem === 'malformed' ? 'format' : 'signature', kb.problem === 'malformed' ? 'CREDENTIALS_PRESENTATION_MALFORMED' : 'CREDENTIALS_PRESENTATION_PROOF_INVALID', kb.reason);
  } else if (!verifyJwsSignature(p.signed, p.holderKey)) return fail('signature', 'CREDENTIALS_PRESENTATION_PROOF_INVALID', "the vp+jwt's signature does not verify with the holder key its kid names");
  pass('signature', p.kb ? 'the key-binding JWT verifies with the holder key, over exactly the disclosures presented' : "the vp+jwt verifies with the holder's key");

  if (!p.aud.includes(expect.audience)) return fail('audience', 'CREDENTIALS_PRESENTATION_AUDIENCE', 'the presentation was made for another verifier: its aud does not name this audience');
  pass('audience', 'made for this verifier');

  if (p.nonce !== expect.nonce) return fail('nonce', 'CREDENTIALS_PRESENTATION_REPLAYED', 'the presentation carries another nonce than the one this verifier handed out for it');
  const taken = options.takeNonce(expect.nonce);
  if (taken !== 'ok') return fail('nonce', 'CREDENTIALS_PRESENTATION_REPLAYED', taken === 'used' ? 'the nonce was used already: this presentation was shown before' : taken === 'expired' ? 'the nonce expired' : 'the nonce is not one this node handed out (or it was forgotten)');
  pass('nonce', 'handed out by this node, and used now for the first time');

  const credentials: PresentedCredential[] = secured.map((s, i) => {
    const v = checkSecured(get, s, s.ok ? s.form : 'data-integrity', options);
    return v.verified && s.ok ? { ...v, claims: s.credential.subject } : v;
  });
  const failed = credentials.findIndex((c) => !c.verified);
  if (failed >= 0) return fail('credentials', credentials[failed]!.code, `credential ${failed + 1}: ${credentials[failed]!.message}`, credentials);
  pass('credentials', `${credentials.length} credential${credentials.length === 1 ? '' : 's'} verified: issued, trusted, in status and validity`);
  return { verified: true, checks, form: p.form, ...(p.holder ? { holder: p.holder } : {}), credentials };
}

export interface SignVpJwtInput {
  /** Data Integrity credentials (objects) and compact vc+jwt strings. */
  credentials: readonly (JsonObject | string)[];
  holder: string;
  holderSecretKey: string;
  audience: string;
  nonce: string;
}

/** What a holder's wallet does for a vp+jwt: wrap the credentials in a VerifiablePresentation with aud and nonce, signed with the holder's key. */
export function signVpJwt(p: SignVpJwtInput): string {
  const header = { alg: 'EdDSA', typ: VP_JWT_TYP, cty: 'vp', kid: `${p.holder}#${multikeyEncode(publicKeyOf(p.holderSecretKey))}` };
  const payload = {
    '@context': [VC_CONTEXT_V2],
    type: ['VerifiablePresentation'],
    holder: p.holder,
    verifiableCredential: p.credentials.map((c) => (typeof c === 'string' ? envelopeVcJwt(c) : c)),
    aud: p.audience,
    nonce: p.nonce,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(signRaw(p.holderSecretKey, utf8Encode(input)))}`;
}
