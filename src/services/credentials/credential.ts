/**
 * A Polity credential in the W3C Verifiable Credentials Data Model 2.0: how
 * one is built for signing, read back from untrusted input, and hashed for
 * the chain.
 *
 *   {
 *     "@context": ["https://www.w3.org/ns/credentials/v2"],
 *     "id": "urn:uuid:…",
 *     "type": ["VerifiableCredential", "<CredentialType>"],
 *     "issuer": "did:polity:…" | "did:key:z6Mk…",
 *     "validFrom": "…Z", "validUntil": "…Z" (optional),
 *     "credentialSubject": { "id": "<holder DID>", …claims },
 *     name, description, credentialSchema, termsOfUse, evidence,
 *     refreshService, relatedResource (optional, as the issuing desk's
 *     caller gave them; with more @context entries, more types in any
 *     order, and `issuer` as {id, name, description}),
 *     "credentialStatus": [ BitstringStatusListEntry revocation, … suspension ],
 *     "proof": { DataIntegrityProof, eddsa-jcs-2022 }
 *   }
 *
 * The chain holds SHA-256 of the RFC 8785 JSON of the whole signed
 * credential: any change after signing, even of whitespace-insensitive
 * content, gives another hash, which the chain does not know.
 *
 * Pure.
 */
import { canonicalBytes, type Json } from '../../crypto/canonical-json.js';
import { toHex } from '../../crypto/bytes.js';
import { sha256 } from '../../crypto/sha256.js';
import { parseDateTime } from '../did/method.js';
import type { JsonObject } from './data-integrity.js';
import type { StatusPurpose } from './status-list.js';

export const VC_CONTEXT_V2 = 'https://www.w3.org/ns/credentials/v2';
/** The most bytes of JSON a credential may have, here and at every verifier. */
export const CREDENTIAL_BYTES_MAX = 64 * 1024;

export interface CredentialDraft {
  /** A fresh `urn:uuid:` (the holder's copy is the only one; the id makes its hash unguessable even before the signature). */
  id: string;
  credentialType: string;
  issuer: string;
  subject: JsonObject;
  validFrom: string;
  validUntil?: string;
  /** Where status lists are served: the node's base URL. */
  statusBaseUrl: string;
  org: string;
  list: number;
  index: number;
  /** The whole `type` list when the caller chose it (the issuing desk, §8a): it includes "VerifiableCredential" and `credentialType`. Default ["VerifiableCredential", credentialType]. */
  types?: string[];
  /** `@context` entries after the VC 2.0 one (URLs or context objects). */
  contexts?: Json[];
  /** The issuer's name and description: `issuer` is then the object form {id, name?, description?}. */
  issuerDetails?: { name?: Json; description?: Json };
  /** Optional VC 2.0 members signed in as given (name, description, credentialSchema, termsOfUse, evidence, refreshService, relatedResource). */
  members?: JsonObject;
}

/** The optional VC 2.0 members an issuing desk signs in as its caller gives them (VC 2.0 §§4.6, 4.11, 5.3-5.6). */
export const OPTIONAL_MEMBERS = ['name', 'description', 'credentialSchema', 'termsOfUse', 'evidence', 'refreshService', 'relatedResource'] as const;

export const statusListPath = (org: string, list: number, purpose: StatusPurpose): string => `/v1/credentials/status/${org}/${list}/${purpose}`;

function statusEntry(d: CredentialDraft, purpose: StatusPurpose): JsonObject {
  const url = `${d.statusBaseUrl.replace(/\/+$/, '')}${statusListPath(d.org, d.list, purpose)}`;
  return { id: `${url}#${d.index}`, type: 'BitstringStatusListEntry', statusPurpose: purpose, statusListIndex: String(d.index), statusListCredential: url };
}

/** The unsigned credential. */
export function buildCredential(d: CredentialDraft): JsonObject {
  const details = d.issuerDetails;
  const hasDetails = details !== undefined && (details.name !== undefined || details.description !== undefined);
  return {
    ...d.members,
    '@context': [VC_CONTEXT_V2, ...(d.contexts ?? [])],
    id: d.id,
    type: d.types ?? ['VerifiableCredential', d.credentialType],
    issuer: hasDetails ? { id: d.issuer, ...(details.name !== undefined ? { name: details.name } : {}), ...(details.description !== undefined ? { description: details.description } : {}) } : d.issuer,
    validFrom: d.validFrom,
    ...(d.validUntil !== undefined ? { validUntil: d.validUntil } : {}),
    credentialSubject: d.subject,
    credentialStatus: [statusEntry(d, 'revocation'), statusEntry(d, 'suspension')],
  };
}

/** The hash the chain records: SHA-256 of the RFC 8785 JSON of the signed credential, hex. */
export function credentialHash(secured: JsonObject): string {
  return toHex(sha256(canonicalBytes(secured)));
}

export interface ReadCredential {
  credential: JsonObject;
  issuer: string;
  types: string[];
  subject: JsonObject;
  validFrom?: string;
  validUntil?: string;
  status: { purpose: string; index: string; list: string }[];
}

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The longest URL read in a credential's identifying fields. */
export const CREDENTIAL_URL_CHARS_MAX = 2048;
/**
 * A URL as VC 2.0 means it (an absolute URL: https:, did:, urn:, …): WHATWG
 * parses it, and it holds no whitespace or control characters, which the
 * parser would strip or escape (so "https ://x" or "fake-issuer" are not).
 */
export function isUrl(v: unknown): v is string {
  return typeof v === 'string' && v.length <= CREDENTIAL_URL_CHARS_MAX && !/[\u0000-\u0020\u007f]/.test(v) && URL.canParse(v);
}
/** VC 2.0 §4.6, §11.1: a name or description is a string, or one or more language value objects with a string `@value` and nothing but `@language` and `@direction` beside it. */
function isLanguageText(v: Json): boolean {
  if (typeof v === 'string') return true;
  const items = Array.isArray(v) ? v : [v];
  return (
    items.length > 0 &&
    items.every(
      (item) =>
        isObject(item) &&
        typeof item['@value'] === 'string' &&
        Object.keys(item).every((k) => k === '@value' || ((k === '@language' || k === '@direction') && typeof item[k] === 'string')),
    )
  );
}
/** VC 2.0 §5.3: relatedResource items are objects, each with a URL `id` unique among them and a `digestSRI` or `digestMultibase`. */
function relatedResourceProblem(value: Json | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ids = new Set<string>();
  for (const item of oneOrMany(value)) {
    if (!isObject(item) || !isUrl(item['id'])) return 'relatedResource: expected objects with an id that is one URL';
    if (ids.has(item['id'])) return 'relatedResource: expected each id once';
    ids.add(item['id']);
    if (typeof item['digestSRI'] !== 'string' && typeof item['digestMultibase'] !== 'string') return 'relatedResource: expected a digestSRI or a digestMultibase in each';
  }
  return undefined;
}
const isTypeValue = (v: unknown): boolean => (typeof v === 'string' && v.length > 0) || (Array.isArray(v) && v.length > 0 && v.every((t) => typeof t === 'string' && t.length > 0));
const oneOrMany = (v: Json): Json[] => (Array.isArray(v) ? v : [v]);

/**
 * The VC 2.0 rules on a credential's optional parts that plain JSON can
 * check (§4.3–§4.11 of the data model): the first thing wrong, or undefined.
 * Rules that need a JSON-LD processor (a term mapped by @context, a
 * protected term redefined) are not checked: Polity reads credentials as
 * JSON and recognises its own types by name.
 */
function dataModelProblem(input: JsonObject): string | undefined {
  const ctx = input['@context'] as Json[];
  if (!ctx.slice(1).every((c) => isUrl(c) || isObject(c))) return '@context: expected URLs or context objects after the first';
  if (input['id'] !== undefined && !isUrl(input['id'])) return 'id: expected one URL';
  const issuer = input['issuer'];
  for (const [field, value] of [
    ['name', input['name']],
    ['description', input['description']],
    ['issuer.name', isObject(issuer) ? issuer['name'] : undefined],
    ['issuer.description', isObject(issuer) ? issuer['description'] : undefined],
  ] as const) {
    if (value !== undefined && !isLanguageText(value)) return `${field}: expected a string, or language value objects ({"@value", "@language"?, "@direction"?})`;
  }
  const related = relatedResourceProblem(input['relatedResource']);
  if (related) return related;
  for (const [field, needsId] of [['credentialSchema', true], ['termsOfUse', false], ['evidence', false], ['refreshService', false]] as const) {
    const value = input[field];
    if (value === undefined) continue;
    for (const item of oneOrMany(value)) {
      if (!isObject(item) || !isTypeValue(item['type'])) return `${field}: expected objects with a type`;
      if ((needsId || item['id'] !== undefined) && !isUrl(item['id'])) return `${field}: expected an id that is one URL`;
    }
  }
  return undefined;
}

/** A credential read from untrusted JSON: its shape only, or the first thing wrong with it. */
export function readCredential(input: unknown): { ok: true; value: ReadCredential } | { ok: false; reason: string } {
  if (!isObject(input)) return { ok: false, reason: 'expected a JSON object' };
  const ctx = input['@context'];
  if (!Array.isArray(ctx) || ctx[0] !== VC_CONTEXT_V2) return { ok: false, reason: `@context: expected a list starting with "${VC_CONTEXT_V2}" (VC Data Model 2.0)` };
  const type = input['type'];
  if (!Array.isArray(type) || !type.every((t) => typeof t === 'string') || !type.includes('VerifiableCredential')) return { ok: false, reason: 'type: expected a list including "VerifiableCredential"' };
  const issuerField = input['issuer'];
  const issuer = typeof issuerField === 'string' ? issuerField : isObject(issuerField) && typeof issuerField['id'] === 'string' ? issuerField['id'] : undefined;
  if (!issuer) return { ok: false, reason: 'issuer: expected a DID or an object with an id' };
  if (!isUrl(issuer)) return { ok: false, reason: 'issuer: expected a URL (a DID), alone or as the id of an object' };
  const subject = input['credentialSubject'];
  if (!isObject(subject)) return { ok: false, reason: 'credentialSubject: expected one object' };
  if (Object.keys(subject).length === 0) return { ok: false, reason: 'credentialSubject: expected at least one claim (an id or a property)' };
  if (subject['id'] !== undefined && !isUrl(subject['id'])) return { ok: false, reason: 'credentialSubject: expected an id that is one URL' };
  for (const f of ['validFrom', 'validUntil'] as const) {
    if (input[f] !== undefined && parseDateTime(input[f]) === undefined) return { ok: false, reason: `${f}: expected an XML Schema date-time with a zone (…Z or …±hh:mm)` };
  }
  // validUntil before validFrom is an issuer's error (VC 2.0 §4.9); read here, such a credential
  // is never valid — each instant is before validFrom or after validUntil — and verification says which.
  const problem = dataModelProblem(input);
  if (problem) return { ok: false, reason: problem };
  const rawStatus = input['credentialStatus'];
  const entries: Json[] = rawStatus === undefined ? [] : Array.isArray(rawStatus) ? rawStatus : [rawStatus];
  const status: ReadCredential['status'] = [];
  for (const e of entries) {
    if (!isObject(e) || e['type'] !== 'BitstringStatusListEntry' || typeof e['statusPurpose'] !== 'string' || typeof e['statusListIndex'] !== 'string' || typeof e['statusListCredential'] !== 'string') {
      return { ok: false, reason: 'credentialStatus: expected BitstringStatusListEntry objects with statusPurpose, statusListIndex and statusListCredential' };
    }
    status.push({ purpose: e['statusPurpose'], index: e['statusListIndex'], list: e['statusListCredential'] });
  }
  return {
    ok: true,
    value: {
      credential: input,
      issuer,
      types: type as string[],
      subject,
      ...(typeof input['validFrom'] === 'string' ? { validFrom: input['validFrom'] } : {}),
      ...(typeof input['validUntil'] === 'string' ? { validUntil: input['validUntil'] } : {}),
      status,
    },
  };
}
