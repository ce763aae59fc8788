/**
 * The trusted-issuer registry: credential types and who may issue them, as an
 * accreditation chain in the model of EBSI's Trusted Issuers Registry —
 * a root authority accredits accreditors (EBSI's "trusted accreditation
 * organisations"), which accredit issuers ("trusted issuers").
 *
 * On Polity the root authority is the consortium itself: its governance
 * defines types and accredits organisations, as accreditors or directly as
 * issuers (gov `serviceDecision`, enacted by `credentials.enact`). An
 * accreditor's admin accredits issuers for the types it is accredited for,
 * and withdraws them. An issuer's accreditation holds only while the
 * accreditation of the accreditor that gave it holds: withdrawing an
 * accreditor withdraws, from that block, the trust of every issuer it
 * accredited.
 *
 * Nothing is overwritten: each accreditation is an interval of positions
 * (height, transaction index) in a history, so "was this organisation
 * trusted to issue this type when it issued?" has one answer forever.
 *
 * A type may also ask for a kind of organisation (a diploma is issued by a
 * university): governance classifies organisations, and the kind is judged
 * like the accreditation, at the position of each issuance.
 *
 * Pure: reads state through `get`.
 */
import type { Json } from '../../crypto/canonical-json.js';

export type Get = (key: string) => Json | undefined;

/** A point in the chain's history: a block and a transaction's position in it. */
export interface Position {
  height: number;
  txIndex: number;
}
export const before = (a: Position, b: Position): boolean => a.height < b.height || (a.height === b.height && a.txIndex < b.txIndex);
/** Is `p` at or after `from` and before `until` (open when absent)? */
export const within = (p: Position, from: Position, until?: Position): boolean => !before(p, from) && (until === undefined || before(p, until));

export type AccreditationRole = 'accreditor' | 'issuer';

export interface Accreditation {
  role: AccreditationRole;
  from: Position;
  until?: Position;
  /** Who accredited: the consortium (a governance proposal) or an accreditor organisation (its admin's key). */
  by: { proposal: string } | { org: string; key: string };
  /** For an issuer accredited by an accreditor: that accreditor, whose own accreditation must hold too. */
  parent?: string;
  /** Who ended it, when it ended. */
  endedBy?: { proposal: string } | { org: string; key: string };
}

export interface CredentialType {
  name: string;
  title: string;
  /** JSON Schema (2020-12 subset that ajv reads) of the credential's `credentialSubject`. */
  schema: { [key: string]: Json };
  definedAt: Position;
  proposal: string;
  retiredAt?: Position;
  /** When set, only organisations of one of these kinds may be accredited for and issue the type (a diploma: a university). */
  issuerKinds?: string[];
  /** The template it was defined from (templates.ts), when it was. */
  template?: string;
}

/**
 * What kind of organisation a member is (a university, a municipality, …):
 * set by governance (`classify`), kept as a history like accreditations so
 * that "was it a university when it issued?" has one answer forever.
 */
export interface KindRecord {
  kinds: string[];
  from: Position;
}
export const KIND_PATTERN = '^[a-z][a-z0-9-]{1,31}$';
export const KINDS_MAX = 8;
export const kindsKey = (org: string): string => `credentials/kinds/${org}`;

export function kindHistory(get: Get, org: string): KindRecord[] {
  return (get(kindsKey(org)) as unknown as KindRecord[] | undefined) ?? [];
}

/** The kinds of an organisation at a position: the last classification at or before it. */
export function kindsAt(get: Get, org: string, at: Position): string[] {
  let out: string[] = [];
  for (const r of kindHistory(get, org)) if (!before(at, r.from)) out = r.kinds;
  return out;
}

/** Why `org` may not issue `type` for its kind at `at`, or undefined when the type asks no kind or the organisation has one. */
export function kindProblem(get: Get, type: CredentialType, org: string, at: Position): string | undefined {
  if (!type.issuerKinds || type.issuerKinds.length === 0) return undefined;
  const kinds = kindsAt(get, org, at);
  if (type.issuerKinds.some((k) => kinds.includes(k))) return undefined;
  return `${type.name} is issued only by an organisation of kind ${type.issuerKinds.join(' or ')}; ${org} was ${kinds.length ? `of kind ${kinds.join(', ')}` : 'of no kind'} at height ${at.height}`;
}

export const TYPE_NAME_PATTERN = '^[A-Z][A-Za-z0-9]{2,63}$';
export const TYPE_NAME_RE = new RegExp(TYPE_NAME_PATTERN);
export const TYPES_MAX = 256;
/** Accreditation records kept per (type, organisation): grants and withdrawals, oldest first. */
export const HISTORY_MAX = 64;
/** The most canonical JSON a claims schema may be. */
export const SCHEMA_BYTES_MAX = 8 * 1024;

export const typeKey = (name: string): string => `credentials/type/${name}`;
export const TYPES_INDEX_KEY = 'credentials/types';
export const accreditationKey = (type: string, org: string): string => `credentials/acc/${type}/${org}`;
/** Organisations with any accreditation record for a type, in order of their first (bounded by the number of organisations). */
export const accreditedIndexKey = (type: string): string => `credentials/accorgs/${type}`;

export function getType(get: Get, name: string): CredentialType | undefined {
  return get(typeKey(name)) as unknown as CredentialType | undefined;
}

export function listTypes(get: Get): CredentialType[] {
  return ((get(TYPES_INDEX_KEY) as string[] | undefined) ?? []).map((n) => getType(get, n)!).filter(Boolean);
}

export function accreditations(get: Get, type: string, org: string): Accreditation[] {
  return (get(accreditationKey(type, org)) as unknown as Accreditation[] | undefined) ?? [];
}

/** The accreditation in force for a role at a position, if any. */
export function inForce(history: readonly Accreditation[], role: AccreditationRole, at: Position): Accreditation | undefined {
  return history.find((a) => a.role === role && within(at, a.from, a.until));
}

export type Trust = { trusted: true; accreditation: Accreditation } | { trusted: false; reason: string; kind?: true };

/**
 * Was `org` trusted to issue `type` at `at`? The type must be defined and
 * not retired, the organisation accredited as issuer, and, when an
 * accreditor accredited it, the accreditor accredited at that point too.
 */
export function issuerTrustAt(get: Get, type: string, org: string, at: Position): Trust {
  const t = getType(get, type);
  if (!t || before(at, t.definedAt)) return { trusted: false, reason: `no credential type ${type} was defined at height ${at.height}` };
  if (t.retiredAt && !before(at, t.retiredAt)) return { trusted: false, reason: `the credential type ${type} was retired at height ${t.retiredAt.height}` };
  const own = inForce(accreditations(get, type, org), 'issuer', at);
  if (!own) return { trusted: false, reason: `${org} was not accredited to issue ${type} at height ${at.height}` };
  if (own.parent !== undefined && !inForce(accreditations(get, type, own.parent), 'accreditor', at)) {
    return { trusted: false, reason: `${org} was accredited by ${own.parent}, which was not itself accredited for ${type} at height ${at.height}` };
  }
  const kind = kindProblem(get, t, org, at);
  if (kind) return { trusted: false, reason: kind, kind: true };
  return { trusted: true, accreditation: own };
}
