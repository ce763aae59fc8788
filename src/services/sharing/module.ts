/**
 * Data sharing between departments (spec/services/sharing.md): the chain
 * half of a "consortium chain + private store" hybrid. Personal data stays
 * in the private stores of the organisations allowed to hold it (store.ts,
 * on the node); the chain holds only what everyone must agree on:
 *
 *   - the directory: each organisation's dataset descriptors (fields,
 *     sensitivity, the legal basis for holding, the sharing terms), every
 *     version anchored by its hash in a change log — the data's provenance;
 *   - record commitments: HMAC-SHA256 of a record under a 32-byte salt the
 *     holders keep, filed under a random record id, with the holders and
 *     the retention date — nothing that names the subject;
 *   - requests (A asks B for named fields of a subject's records, with a
 *     purpose and a consent or a legal basis), consents (signed by the
 *     subject's DID, revocable), and releases, which check the consent or
 *     the published legal basis *at the block that releases*;
 *   - the access log: one entry for every read, granted or refused, naming
 *     the reading organisation and official, the dataset and fields, the
 *     subject under a pseudonym only the subject can link (§2), the
 *     purpose, the basis and the time; the subject exports any entry as a
 *     state receipt and checks it offline;
 *   - erasure: an order, then each holder's purge confirmation.
 *
 * Why a refused release succeeds as a transaction: a failed transaction
 * keeps none of its writes, and a refusal must leave an entry in the log.
 * So `release` records the refusal (status, code, refused entry) and emits
 * `sharing.refused`; requests and consents that are bad on arrival fail
 * outright with their own code.
 *
 * Timing: a consent is effective from the block after the one that records
 * it, and a revocation from the block after the one that records it, so
 * the order of transactions within a block never decides a release.
 *
 * State (all under sharing/; <s> is the hex SHA-256 of a subject DID):
 *   sharing/ds/<org>/<dataset>               -> Dataset (the current version)
 *   sharing/ds/<org>/<dataset>/v/<n>         -> DatasetVersion (the change log, n = 1, 2, …)
 *   sharing/ds-of/<org>                      -> [dataset, …] (≤ DATASETS_PER_ORG_MAX)
 *   sharing/rec/<recordId>                   -> RecordCommitment
 *   sharing/rec-count/<org>                  -> records the organisation committed
 *   sharing/consent/<id>                     -> ConsentRecord
 *   sharing/subject/<s>/consents             -> [consent id, …] (≤ CONSENTS_PER_SUBJECT_MAX)
 *   sharing/req/<id>                         -> SharingRequest
 *   sharing/queue/<holder>                   -> count of requests to the holder
 *   sharing/queue/<holder>/<page>            -> [request id, …] (PAGE_SIZE a page)
 *   sharing/access/<entryId>                 -> AccessEntry (entryId: the id of the transaction that wrote it)
 *   sharing/subject/<s>/access               -> count of the subject's entries
 *   sharing/subject/<s>/access/<page>        -> [entryId, …] (PAGE_SIZE a page)
 *   sharing/erasure/<id>                     -> ErasureRequest (the subject's, signed)
 *   sharing/erasure-of/<holder>/<dataset>/<s> -> [erasure id, …] (≤ ERASURES_PER_SUBJECT_MAX)
 *   sharing/transfer-refused/<request>       -> entryId of the recipient's refusal of a released transfer
 *
 * Actions (access: see each action; "holder side" = an official of the
 * organisation with the role data-steward, or one of its node keys):
 *   defineDataset {name, title, fields, sensitivity, legalBasis, terms, …}  data-steward
 *   commit {recordId, dataset, commitment, holders, retentionUntil}        holder side
 *   grantConsent {consent, signature}                                     anyone, signed by the subject's DID
 *   revokeConsent {id, signature}                                         anyone, signed by the subject's DID
 *   request {id, holder, dataset, fields, subject, purpose, consent?|legalBasis?}   data-requester
 *   release {request}                                                      holder side of the request's holder
 *   decline {request, reason}                                              data-steward of the holder
 *   logAccess {dataset, fields, subject, purpose, consent?|legalBasis?, official?, channel, refused?}   holder side
 *   erase {recordId, reason, erasure?}                                     holder side of the record's owner
 *   requestErasure {erasure, signature}                                    anyone, signed by the subject's pseudonym
 *   purge {recordId}                                                       holder side of a holder
 *   refuseTransfer {request, code}                                         a node (or data-requester) of the request's recipient
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Json } from '../../crypto/canonical-json.js';
import { canonicalHash } from '../../crypto/canonical-json.js';
import { toHex, utf8Encode } from '../../crypto/bytes.js';
import { sha256 } from '../../crypto/sha256.js';
import { decodeDidKey } from '../../crypto/multikey.js';
import { PolityError, type ErrorCode } from '../../ledger/errors.js';
import { defineAction, type ActionContext, type ModuleDefinition } from '../../runtime/module.js';
import { callerOf, getOrg, ORG_ID_RE, ORG_INDEX_KEY } from '../../runtime/membership.js';
import { firstSchemaError } from '../../runtime/registry.js';
import { Hex32, OrgId } from '../schemas.js';
import { currentDidKey } from '../did/module.js';
import { Consent, consentMessage, erasureMessage, ErasureDocSchema, type ErasureDoc, DatasetName, FieldName, Fields, Purpose, revokeMessage, Signature, Subject, DATASET_NAME_RE, FIELDS_MAX } from './consent.js';
import { signedBy } from './consent-sign.js';

export const SHARING_MODULE = 'sharing';
export type Get = (key: string) => Json | undefined;

/** Datasets one organisation may publish. */
export const DATASETS_PER_ORG_MAX = 256;
/** Versions of one dataset (its change log's length). */
export const DATASET_VERSIONS_MAX = 1_000;
/** Sharing terms of one dataset. */
export const TERMS_MAX = 32;
/** Organisations that may hold one record. */
export const HOLDERS_MAX = 16;
/** Records one organisation may commit. */
export const RECORDS_PER_ORG_MAX = 100_000_000;
/** Consents one subject may have on the chain (granted, revoked and expired together). */
export const CONSENTS_PER_SUBJECT_MAX = 1_000;
/** Entries and requests an index page holds. */
export const PAGE_SIZE = 1_000;
/** Requests one holder may receive, and entries one subject may have. */
export const INDEX_MAX = 10_000_000;
/** Longest legal basis (a citation such as "GDPR art. 6(1)(c); Banking Act §12"), title and description. */
export const LEGAL_BASIS_CHARS_MAX = 256;
export const TITLE_CHARS_MAX = 128;
export const DESCRIPTION_CHARS_MAX = 1_024;
/** Longest retention a record may be given: 100 years. */
export const RETENTION_MS_MAX = 100 * 366 * 24 * 3600 * 1000;

const subjectHash = (subject: string): string => toHex(sha256(utf8Encode(subject)));
export const datasetKey = (org: string, name: string): string => `sharing/ds/${org}/${name}`;
export const datasetVersionKey = (org: string, name: string, version: number): string => `sharing/ds/${org}/${name}/v/${version}`;
export const datasetsOfKey = (org: string): string => `sharing/ds-of/${org}`;
export const recordKey = (recordId: string): string => `sharing/rec/${recordId}`;
export const recordCountKey = (org: string): string => `sharing/rec-count/${org}`;
export const consentKey = (id: string): string => `sharing/consent/${id}`;
export const subjectConsentsKey = (subject: string): string => `sharing/subject/${subjectHash(subject)}/consents`;
export const requestKey = (id: string): string => `sharing/req/${id}`;
export const queueCountKey = (holder: string): string => `sharing/queue/${holder}`;
export const queuePageKey = (holder: string, page: number): string => `sharing/queue/${holder}/${page}`;
export const accessKey = (entryId: string): string => `sharing/access/${entryId}`;
export const subjectAccessCountKey = (subject: string): string => `sharing/subject/${subjectHash(subject)}/access`;
export const transferRefusedKey = (request: string): string => `sharing/transfer-refused/${request}`;
export const erasureKey = (id: string): string => `sharing/erasure/${id}`;
export const erasuresOfKey = (holder: string, dataset: string, subject: string): string => `sharing/erasure-of/${holder}/${dataset}/${subjectHash(subject)}`;
export const subjectAccessPageKey = (subject: string, page: number): string => `sharing/subject/${subjectHash(subject)}/access/${page}`;

export const SENSITIVITIES = ['public', 'internal', 'personal', 'special'] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];
const SensitivitySchema = Type.Union(SENSITIVITIES.map((s) => Type.Literal(s)));
const LegalBasis = Type.String({ minLength: 1, maxLength: LEGAL_BASIS_CHARS_MAX });
export const CHANNELS = ['transfer', 'api', 'console'] as const;
export type Channel = (typeof CHANNELS)[number];
export const DECLINE_REASONS = ['no-record', 'not-proportionate', 'basis-insufficient', 'other'] as const;
export const ERASE_REASONS = ['subject-request', 'retention', 'court-order', 'error'] as const;

/** One sharing term: who may receive which fields on which legal basis, and whether the holder releases by hand. */
export const Term = Type.Object(
  {
    /** A member organisation, or "*" for any active member. */
    recipient: Type.Union([OrgId, Type.Literal('*')]),
    legalBasis: LegalBasis,
    fields: Fields,
    /** auto: the holder's node releases on its own (a published policy); manual: an official of the holder decides. */
    approval: Type.Union([Type.Literal('auto'), Type.Literal('manual')]),
  },
  { additionalProperties: false },
);
export type Term = Static<typeof Term>;

export const DefineDatasetArgs = Type.Object(
  {
    name: DatasetName,
    title: Type.String({ minLength: 1, maxLength: TITLE_CHARS_MAX }),
    description: Type.Optional(Type.String({ maxLength: DESCRIPTION_CHARS_MAX })),
    fields: Type.Array(Type.Object({ name: FieldName, sensitivity: SensitivitySchema }, { additionalProperties: false }), { minItems: 1, maxItems: FIELDS_MAX }),
    /** The dataset's highest sensitivity class. */
    sensitivity: SensitivitySchema,
    /** The legal basis on which the organisation holds the data. */
    legalBasis: LegalBasis,
    terms: Type.Array(Term, { maxItems: TERMS_MAX }),
    /** Longest retention of a record, days. */
    retentionDays: Type.Integer({ minimum: 1, maximum: 36_600 }),
  },
  { additionalProperties: false },
);
export type DefineDatasetArgs = Static<typeof DefineDatasetArgs>;
/** What a dataset version's hash covers: the descriptor as defined (RFC 8785 JSON, SHA-256). */
export type Descriptor = DefineDatasetArgs;

export interface Dataset extends Descriptor {
  org: string;
  version: number;
  /** hex SHA-256 of the RFC 8785 JSON of the descriptor (name to retentionDays). */
  hash: string;
  definedAt: number;
  changedAt: number;
}

/** One entry of a dataset's change log. */
export interface DatasetVersion {
  version: number;
  hash: string;
  descriptor: Descriptor;
  /** The hash of the version before (absent for version 1): the log is a chain. */
  previous?: string;
  height: number;
  time: number;
  txId: string;
  /** The key that signed the change. */
  key: string;
}

/** Erasure requests one subject pseudonym may make (one holder's dataset). */
export const ERASURES_PER_SUBJECT_MAX = 100;
/** Records one erasure request may carry out (the subject's records in one dataset). */
export const RECORDS_PER_ERASURE_MAX = 1_000;

export const CommitArgs = Type.Object(
  {
    /** 32 random bytes, hex: says nothing of the subject. */
    recordId: Hex32,
    dataset: DatasetName,
    /** HMAC-SHA256(salt, record bytes), hex; the 32-byte salt stays with the holders. */
    commitment: Hex32,
    /** The organisations allowed to hold the record (the committing one among them). */
    holders: Type.Array(OrgId, { minItems: 1, maxItems: HOLDERS_MAX, uniqueItems: true }),
    /** When the record must be erased, ms since the epoch. */
    retentionUntil: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type CommitArgs = Static<typeof CommitArgs>;

export interface RecordCommitment {
  recordId: string;
  /** The organisation that committed it (whose dataset it is in). */
  org: string;
  dataset: string;
  datasetVersion: number;
  commitment: string;
  holders: string[];
  retentionUntil: number;
  height: number;
  time: number;
  status: 'held' | 'erasing' | 'purged';
  erasure?: { reason: (typeof ERASE_REASONS)[number]; height: number; time: number; key: string };
  /** Holder → height of its purge confirmation. */
  purged?: Record<string, number>;
}

export const GrantConsentArgs = Type.Object({ consent: Consent, signature: Signature }, { additionalProperties: false });
export const RevokeConsentArgs = Type.Object({ id: Hex32, signature: Signature }, { additionalProperties: false });

export interface ConsentRecord {
  consent: Consent;
  signature: string;
  /** Height that recorded it; effective from grantedAt + 1. */
  grantedAt: number;
  grantedTime: number;
  txId: string;
  /** Height that recorded the revocation; effective from revokedAt + 1. */
  revokedAt?: number;
  revokedTime?: number;
  revocationSignature?: string;
}

const Basis = { consent: Type.Optional(Hex32), legalBasis: Type.Optional(LegalBasis) };
export const RequestArgs = Type.Object(
  { id: Hex32, holder: OrgId, dataset: DatasetName, fields: Fields, subject: Subject, purpose: Purpose, ...Basis },
  { additionalProperties: false },
);
export type RequestArgs = Static<typeof RequestArgs>;

export type RequestStatus = 'pending' | 'released' | 'refused' | 'declined';
export interface SharingRequest {
  id: string;
  /** The requesting organisation and the official who asked. */
  org: string;
  official: string;
  holder: string;
  dataset: string;
  fields: string[];
  subject: string;
  purpose: string;
  consent?: string;
  legalBasis?: string;
  /** Whether the holder must decide by hand (a manual term), or may release on its node. */
  approval: 'auto' | 'manual';
  status: RequestStatus;
  height: number;
  time: number;
  /** The release, refusal or decline. */
  decided?: { height: number; time: number; key: string; entry?: string; code?: string; reason?: (typeof DECLINE_REASONS)[number] };
}

export const ReleaseArgs = Type.Object({ request: Hex32 }, { additionalProperties: false });
export const DeclineArgs = Type.Object({ request: Hex32, reason: Type.Union(DECLINE_REASONS.map((r) => Type.Literal(r))) }, { additionalProperties: false });
export const LogAccessArgs = Type.Object(
  {
    dataset: DatasetName,
    fields: Fields,
    subject: Subject,
    purpose: Purpose,
    ...Basis,
    /** The official who read (hex key); when an official signs, the signer. */
    official: Type.Optional(Hex32),
    channel: Type.Union(CHANNELS.map((c) => Type.Literal(c))),
    /** A read the store refused: the code it refused with (the entry records the refusal). */
    refused: Type.Optional(Type.String({ pattern: '^SHARING_[A-Z_]{1,48}$' })),
  },
  { additionalProperties: false },
);
export type LogAccessArgs = Static<typeof LogAccessArgs>;
export const EraseArgs = Type.Object(
  {
    recordId: Hex32,
    reason: Type.Union(ERASE_REASONS.map((r) => Type.Literal(r))),
    /** The subject's erasure request this carries out (reason subject-request). */
    erasure: Type.Optional(Hex32),
  },
  { additionalProperties: false },
);
export const RequestErasureArgs = Type.Object({ erasure: ErasureDocSchema, signature: Signature }, { additionalProperties: false });

/** A subject's erasure request on the chain, and the records its holder erased for it. */
export interface ErasureRequest {
  erasure: ErasureDoc;
  signature: string;
  height: number;
  time: number;
  txId: string;
  /** Records the holder ordered erased for this request. */
  records: string[];
}
export const PurgeArgs = Type.Object({ recordId: Hex32 }, { additionalProperties: false });
export const RefuseTransferArgs = Type.Object({ request: Hex32, code: Type.String({ pattern: '^SHARING_[A-Z_]{1,48}$' }) }, { additionalProperties: false });

/** One entry of the access log. Its id is the id of the transaction that wrote it. */
export interface AccessEntry {
  id: string;
  outcome: 'granted' | 'refused';
  /** Why a refused read was refused (a SHARING_* code). */
  code?: string;
  /** The organisation that read (or tried to), and its official (hex key). */
  org: string;
  official: string;
  /** The organisation holding the data, the dataset and the fields. */
  holder: string;
  dataset: string;
  fields: string[];
  /** The subject's pseudonym (a pairwise DID, spec §2). */
  subject: string;
  purpose: string;
  consent?: string;
  legalBasis?: string;
  channel: Channel;
  request?: string;
  height: number;
  time: number;
}

// ---------------------------------------------------------------- reads

export function getDataset(get: Get, org: string, name: string): Dataset | undefined {
  if (!ORG_ID_RE.test(org) || !DATASET_NAME_RE.test(name)) return undefined;
  return get(datasetKey(org, name)) as unknown as Dataset | undefined;
}
export const getRecord = (get: Get, recordId: string): RecordCommitment | undefined => get(recordKey(recordId)) as unknown as RecordCommitment | undefined;
export const getConsent = (get: Get, id: string): ConsentRecord | undefined => get(consentKey(id)) as unknown as ConsentRecord | undefined;
export const getRequest = (get: Get, id: string): SharingRequest | undefined => get(requestKey(id)) as unknown as SharingRequest | undefined;
export const getErasureRequest = (get: Get, id: string): ErasureRequest | undefined => get(erasureKey(id)) as unknown as ErasureRequest | undefined;
/** The ids of a subject pseudonym's erasure requests for one holder's dataset, oldest first. */
export const erasuresOf = (get: Get, holder: string, dataset: string, subject: string): string[] => (get(erasuresOfKey(holder, dataset, subject)) as string[] | undefined) ?? [];
export const getAccessEntry = (get: Get, id: string): AccessEntry | undefined => get(accessKey(id)) as unknown as AccessEntry | undefined;

/** The key (hex) that signs for a subject DID now: a did:key's own key, a did:polity's key in force. */
export function subjectKey(get: Get, subject: string): string | undefined {
  if (subject.startsWith('did:key:')) {
    try {
      return decodeDidKey(subject);
    } catch {
      return undefined;
    }
  }
  return currentDidKey(get, subject);
}

/** What a read needs a basis for: who reads what of whom. */
export interface ReadScope {
  recipient: string;
  holder: string;
  dataset: string;
  fields: readonly string[];
  subject: string;
}

/**
 * Why the consent does not let `scope` be read at `height`/`time`, or
 * undefined when it does. A consent is effective from the block after the
 * one that recorded it, until its `until` (block time, exclusive), and
 * stops with the block after the one that recorded its revocation.
 */
export function consentProblem(get: Get, id: string, scope: ReadScope, height: number, time: number): ErrorCode | undefined {
  const rec = getConsent(get, id);
  if (!rec) return 'SHARING_CONSENT_UNKNOWN';
  const c = rec.consent;
  if (c.recipient !== scope.recipient) return 'SHARING_CONSENT_WRONG_RECIPIENT';
  if (c.subject !== scope.subject || c.holder !== scope.holder || c.dataset !== scope.dataset || !scope.fields.every((f) => c.fields.includes(f))) return 'SHARING_CONSENT_NOT_COVERING';
  if (rec.revokedAt !== undefined && height > rec.revokedAt) return 'SHARING_CONSENT_REVOKED';
  if (time >= c.until) return 'SHARING_CONSENT_EXPIRED';
  if (height <= rec.grantedAt) return 'SHARING_CONSENT_NOT_EFFECTIVE';
  return undefined;
}

/** The dataset's sharing term that lets `recipient` read `fields` on `legalBasis`, if any. */
export function termFor(dataset: Dataset, recipient: string, legalBasis: string, fields: readonly string[]): Term | undefined {
  return dataset.terms.find((t) => (t.recipient === '*' || t.recipient === recipient) && t.legalBasis === legalBasis && fields.every((f) => t.fields.includes(f)));
}

/**
 * Why a read of `scope` on this basis is refused at `height`/`time`, or
 * undefined when it is allowed: a valid consent, or a legal basis the
 * dataset publishes — as a sharing term for another organisation, or as
 * the basis on which the holder itself holds the data (its own reads).
 */
export function basisProblem(get: Get, basis: { consent?: string; legalBasis?: string }, scope: ReadScope, height: number, time: number): ErrorCode | undefined {
  const ds = getDataset(get, scope.holder, scope.dataset);
  if (!ds) return 'SHARING_DATASET_UNKNOWN';
  if (!scope.fields.every((f) => ds.fields.some((d) => d.name === f))) return 'SHARING_FIELD_UNKNOWN';
  if ((basis.consent === undefined) === (basis.legalBasis === undefined)) return 'SHARING_NO_BASIS';
  if (basis.consent !== undefined) return consentProblem(get, basis.consent, scope, height, time);
  if (scope.recipient === scope.holder) return basis.legalBasis === ds.legalBasis ? undefined : 'SHARING_NO_LEGAL_BASIS';
  return termFor(ds, scope.recipient, basis.legalBasis!, scope.fields) ? undefined : 'SHARING_NO_LEGAL_BASIS';
}

/** Why the request may not be released now (height/time of the releasing block), or undefined. */
export function releaseProblem(get: Get, requestId: string, height: number, time: number): ErrorCode | undefined {
  const r = getRequest(get, requestId);
  if (!r) return 'SHARING_REQUEST_UNKNOWN';
  if (r.status !== 'pending') return 'SHARING_REQUEST_CLOSED';
  if (getOrg(get, r.org)?.status !== 'active') return 'SHARING_NOT_MEMBER';
  return basisProblem(get, r, scopeOf(r), height, time);
}

const scopeOf = (r: SharingRequest): ReadScope => ({ recipient: r.org, holder: r.holder, dataset: r.dataset, fields: r.fields, subject: r.subject });

/** May `org` hold the record (listed as a holder, and the record not erased)? */
export function mayHold(get: Get, recordId: string, org: string): boolean {
  const rec = getRecord(get, recordId);
  return rec !== undefined && rec.status === 'held' && rec.holders.includes(org);
}

/** The active member organisation whose node key `signer` is, if any. */
export function nodeOrgOf(get: Get, signer: string): string | undefined {
  for (const id of (get(ORG_INDEX_KEY) as string[] | undefined) ?? []) {
    const o = getOrg(get, id);
    if (o && o.status === 'active' && o.nodes.includes(signer)) return o.id;
  }
  return undefined;
}

/** The organisation the signer acts for on the holder side: an official with a role, or a node key of an active member. */
function holderSideOrg(ctx: ActionContext): string | undefined {
  if (ctx.caller.org !== undefined) return ctx.caller.roles.includes('data-steward') || ctx.caller.admin ? ctx.caller.org : undefined;
  return nodeOrgOf(ctx.get, ctx.signer);
}

function requireHolderSide(ctx: ActionContext, org: string, what: string): void {
  if (holderSideOrg(ctx) !== org) throw new PolityError('SHARING_NOT_HOLDER', `only a data-steward or a node of ${org} ${what}`);
  if (!getOrg(ctx.get, org)?.permissions.includes(SHARING_MODULE)) throw new PolityError('SHARING_NOT_MEMBER', `${org} has no permission in the sharing service`);
}

function checkFieldsOf(ds: Dataset, fields: readonly string[]): void {
  const unknown = fields.find((f) => !ds.fields.some((d) => d.name === f));
  if (unknown !== undefined) throw new PolityError('SHARING_FIELD_UNKNOWN', `dataset ${ds.org}/${ds.name} has no field ${unknown}`);
}

function datasetOrThrow(get: Get, org: string, name: string): Dataset {
  const ds = getDataset(get, org, name);
  if (!ds) throw new PolityError('SHARING_DATASET_UNKNOWN', `${org} publishes no dataset ${name}`);
  return ds;
}

/** Append `id` to a paged index; `what` names it in the error when full. */
function appendPaged(ctx: ActionContext, countKey: string, pageKey: (page: number) => string, id: string, what: string): void {
  const count = (ctx.get(countKey) as number | undefined) ?? 0;
  if (count >= INDEX_MAX) throw new PolityError('SHARING_OVERSIZED', `${what} holds ${INDEX_MAX} entries, its limit`);
  const page = Math.floor(count / PAGE_SIZE);
  ctx.set(pageKey(page), [...((ctx.get(pageKey(page)) as string[] | undefined) ?? []), id]);
  ctx.set(countKey, count + 1);
}

function writeEntry(ctx: ActionContext, entry: Omit<AccessEntry, 'id' | 'height' | 'time'>): AccessEntry {
  const e: AccessEntry = { id: ctx.txId, ...entry, height: ctx.height, time: ctx.time };
  if (ctx.get(accessKey(e.id)) !== undefined) throw new Error('invariant broken: one access entry per transaction');
  ctx.set(accessKey(e.id), e as unknown as Json);
  appendPaged(ctx, subjectAccessCountKey(e.subject), (p) => subjectAccessPageKey(e.subject, p), e.id, "the subject's access log");
  ctx.emit({ type: e.outcome === 'granted' ? 'sharing.accessed' : 'sharing.refused', entry: e.id, org: e.org, holder: e.holder, dataset: e.dataset, ...(e.code ? { code: e.code } : {}) });
  return e;
}

// ---------------------------------------------------------------- transitions

function defineDataset(ctx: ActionContext, args: DefineDatasetArgs): void {
  const org = ctx.caller.org!;
  const names = new Set<string>();
  for (const f of args.fields) {
    if (names.has(f.name)) throw new PolityError('SHARING_INVALID', `field ${f.name} is listed twice`);
    names.add(f.name);
  }
  for (const t of args.terms) {
    const unknown = t.fields.find((f) => !names.has(f));
    if (unknown !== undefined) throw new PolityError('SHARING_FIELD_UNKNOWN', `a term names field ${unknown}, which the dataset does not have`);
    if (t.recipient !== '*' && (t.recipient === org || getOrg(ctx.get, t.recipient)?.status !== 'active')) throw new PolityError('SHARING_INVALID', `term recipient ${t.recipient}: expected another active member organisation or "*"`);
  }
  const cur = getDataset(ctx.get, org, args.name);
  const version = (cur?.version ?? 0) + 1;
  if (version > DATASET_VERSIONS_MAX) throw new PolityError('SHARING_OVERSIZED', `dataset ${args.name} has ${DATASET_VERSIONS_MAX} versions, its limit`);
  const descriptor: Descriptor = { ...args };
  const hash = toHex(canonicalHash(descriptor));
  if (cur && cur.hash === hash) throw new PolityError('SHARING_INVALID', `version ${cur.version} of ${args.name} is the same descriptor`);
  if (!cur) {
    const list = (ctx.get(datasetsOfKey(org)) as string[] | undefined) ?? [];
    if (list.length >= DATASETS_PER_ORG_MAX) throw new PolityError('SHARING_OVERSIZED', `${org} publishes ${DATASETS_PER_ORG_MAX} datasets, the limit`);
    ctx.set(datasetsOfKey(org), [...list, args.name]);
  }
  const ds: Dataset = { ...descriptor, org, version, hash, definedAt: cur?.definedAt ?? ctx.height, changedAt: ctx.height };
  ctx.set(datasetKey(org, args.name), ds as unknown as Json);
  const v: DatasetVersion = { version, hash, descriptor, ...(cur ? { previous: cur.hash } : {}), height: ctx.height, time: ctx.time, txId: ctx.txId, key: ctx.signer };
  ctx.set(datasetVersionKey(org, args.name, version), v as unknown as Json);
  ctx.emit({ type: 'sharing.datasetDefined', org, dataset: args.name, version, hash });
}

function commit(ctx: ActionContext, args: CommitArgs): void {
  const org = holderSideOrg(ctx);
  if (org === undefined) throw new PolityError('SHARING_NOT_HOLDER', 'only a data-steward or a node of a member organisation commits records');
  requireHolderSide(ctx, org, 'commits its records');
  const ds = datasetOrThrow(ctx.get, org, args.dataset);
  if (!args.holders.includes(org)) throw new PolityError('SHARING_INVALID', `holders: the committing organisation ${org} must be one of them`);
  for (const h of args.holders) if (getOrg(ctx.get, h)?.status !== 'active') throw new PolityError('SHARING_INVALID', `holder ${h}: not an active member organisation`);
  if (args.retentionUntil <= ctx.time) throw new PolityError('SHARING_INVALID', 'retentionUntil: expected a time after the block time');
  const longest = Math.min(RETENTION_MS_MAX, ds.retentionDays * 86_400_000);
  if (args.retentionUntil - ctx.time > longest) throw new PolityError('SHARING_OVERSIZED', `retentionUntil: at most ${ds.retentionDays} days ahead (the dataset's retention)`);
  if (ctx.get(recordKey(args.recordId)) !== undefined) throw new PolityError('SHARING_RECORD_EXISTS', 'a record with this id is committed already (ids are random and used once)');
  const count = (ctx.get(recordCountKey(org)) as number | undefined) ?? 0;
  if (count >= RECORDS_PER_ORG_MAX) throw new PolityError('SHARING_OVERSIZED', `${org} has committed ${RECORDS_PER_ORG_MAX} records, the limit`);
  const rec: RecordCommitment = { recordId: args.recordId, org, dataset: args.dataset, datasetVersion: ds.version, commitment: args.commitment, holders: args.holders, retentionUntil: args.retentionUntil, height: ctx.height, time: ctx.time, status: 'held' };
  ctx.set(recordKey(args.recordId), rec as unknown as Json);
  ctx.set(recordCountKey(org), count + 1);
  ctx.emit({ type: 'sharing.committed', recordId: args.recordId, org, dataset: args.dataset });
}

function grantConsent(ctx: ActionContext, args: Static<typeof GrantConsentArgs>): void {
  const c = args.consent;
  if (c.chainId !== ctx.chainId) throw new PolityError('SHARING_CONSENT_FORGED', `the consent is for chain ${c.chainId.slice(0, 64)}, not this one`);
  const key = subjectKey(ctx.get, c.subject);
  if (key === undefined) throw new PolityError('SHARING_CONSENT_FORGED', 'the subject DID has no key in force');
  if (!signedBy(key, consentMessage(c), args.signature)) throw new PolityError('SHARING_CONSENT_FORGED', "the signature is not the subject DID's signature of this consent");
  const ds = datasetOrThrow(ctx.get, c.holder, c.dataset);
  checkFieldsOf(ds, c.fields);
  if (getOrg(ctx.get, c.recipient)?.status !== 'active') throw new PolityError('SHARING_INVALID', `recipient ${c.recipient}: not an active member organisation`);
  if (c.until <= ctx.time) throw new PolityError('SHARING_CONSENT_EXPIRED', 'the consent expired before it was recorded');
  if (ctx.get(consentKey(c.id)) !== undefined) throw new PolityError('SHARING_CONSENT_EXISTS', 'a consent with this id is recorded already');
  const list = (ctx.get(subjectConsentsKey(c.subject)) as string[] | undefined) ?? [];
  if (list.length >= CONSENTS_PER_SUBJECT_MAX) throw new PolityError('SHARING_OVERSIZED', `the subject has ${CONSENTS_PER_SUBJECT_MAX} consents, the limit`);
  const rec: ConsentRecord = { consent: c, signature: args.signature, grantedAt: ctx.height, grantedTime: ctx.time, txId: ctx.txId };
  ctx.set(consentKey(c.id), rec as unknown as Json);
  ctx.set(subjectConsentsKey(c.subject), [...list, c.id]);
  ctx.emit({ type: 'sharing.consentGranted', consent: c.id, holder: c.holder, dataset: c.dataset, recipient: c.recipient });
}

function revokeConsent(ctx: ActionContext, args: Static<typeof RevokeConsentArgs>): void {
  const rec = getConsent(ctx.get, args.id);
  if (!rec) throw new PolityError('SHARING_CONSENT_UNKNOWN', 'no consent with this id');
  const key = subjectKey(ctx.get, rec.consent.subject);
  if (key === undefined || !signedBy(key, revokeMessage(ctx.chainId, args.id), args.signature)) throw new PolityError('SHARING_CONSENT_FORGED', "the signature is not the subject DID's revocation of this consent");
  if (rec.revokedAt !== undefined) throw new PolityError('SHARING_CONSENT_REVOKED', `the consent was revoked at height ${rec.revokedAt}`);
  ctx.set(consentKey(args.id), { ...rec, revokedAt: ctx.height, revokedTime: ctx.time, revocationSignature: args.signature } satisfies ConsentRecord as unknown as Json);
  ctx.emit({ type: 'sharing.consentRevoked', consent: args.id });
}

function request(ctx: ActionContext, args: RequestArgs): void {
  const org = ctx.caller.org!;
  if (ctx.get(requestKey(args.id)) !== undefined) throw new PolityError('SHARING_REQUEST_REPLAYED', 'a request with this id is recorded already (ids are random and used once)');
  if (args.holder === org) throw new PolityError('SHARING_INVALID', 'holder: an organisation reads its own data without a request (logAccess)');
  if (getOrg(ctx.get, args.holder)?.status !== 'active') throw new PolityError('SHARING_DATASET_UNKNOWN', `no active member organisation ${args.holder}`);
  const ds = datasetOrThrow(ctx.get, args.holder, args.dataset);
  checkFieldsOf(ds, args.fields);
  if ((args.consent === undefined) === (args.legalBasis === undefined)) throw new PolityError('SHARING_NO_BASIS', 'a request names exactly one basis: a consent or a legal basis');
  const scope: ReadScope = { recipient: org, holder: args.holder, dataset: args.dataset, fields: args.fields, subject: args.subject };
  // A consent recorded in this block is effective from the next: a request in the same block is still taken (its release cannot be).
  const problem = basisProblem(ctx.get, args, scope, ctx.height, ctx.time);
  if (problem !== undefined && problem !== 'SHARING_CONSENT_NOT_EFFECTIVE') throw new PolityError(problem, basisMessage(problem));
  const approval = args.consent !== undefined ? 'auto' : termFor(ds, org, args.legalBasis!, args.fields)!.approval;
  const r: SharingRequest = { id: args.id, org, official: ctx.signer, holder: args.holder, dataset: args.dataset, fields: args.fields, subject: args.subject, purpose: args.purpose, ...(args.consent ? { consent: args.consent } : { legalBasis: args.legalBasis! }), approval, status: 'pending', height: ctx.height, time: ctx.time };
  ctx.set(requestKey(args.id), r as unknown as Json);
  appendPaged(ctx, queueCountKey(args.holder), (p) => queuePageKey(args.holder, p), args.id, `the request queue of ${args.holder}`);
  ctx.emit({ type: 'sharing.requested', request: args.id, org, holder: args.holder, dataset: args.dataset });
}

/** A sentence for each basis refusal (never naming the subject). */
export function basisMessage(code: ErrorCode): string {
  switch (code) {
    case 'SHARING_CONSENT_UNKNOWN': return 'no consent with this id is recorded';
    case 'SHARING_CONSENT_WRONG_RECIPIENT': return 'the consent names another recipient organisation';
    case 'SHARING_CONSENT_NOT_COVERING': return 'the consent does not cover this subject, holder, dataset or these fields';
    case 'SHARING_CONSENT_REVOKED': return 'the subject revoked the consent';
    case 'SHARING_CONSENT_EXPIRED': return 'the consent expired';
    case 'SHARING_CONSENT_NOT_EFFECTIVE': return 'the consent takes effect from the block after the one that recorded it';
    case 'SHARING_NO_LEGAL_BASIS': return 'the dataset publishes no sharing term for this recipient, legal basis and fields';
    case 'SHARING_NO_BASIS': return 'a read names exactly one basis: a consent or a legal basis';
    case 'SHARING_DATASET_UNKNOWN': return 'no such dataset';
    case 'SHARING_FIELD_UNKNOWN': return 'the dataset has no such field';
    default: return code;
  }
}

function release(ctx: ActionContext, args: Static<typeof ReleaseArgs>): void {
  const r = getRequest(ctx.get, args.request);
  if (!r) throw new PolityError('SHARING_REQUEST_UNKNOWN', 'no request with this id');
  requireHolderSide(ctx, r.holder, 'releases its data');
  if (r.status !== 'pending') throw new PolityError('SHARING_REQUEST_CLOSED', `the request is ${r.status} already`);
  if (r.approval === 'manual' && ctx.caller.org === undefined) throw new PolityError('SHARING_MANUAL_APPROVAL', 'the sharing term needs an official of the holder to release, not a node');
  const problem = releaseProblem(ctx.get, args.request, ctx.height, ctx.time);
  const entry = writeEntry(ctx, {
    outcome: problem === undefined ? 'granted' : 'refused',
    ...(problem !== undefined ? { code: problem } : {}),
    org: r.org, official: r.official, holder: r.holder, dataset: r.dataset, fields: r.fields, subject: r.subject, purpose: r.purpose,
    ...(r.consent ? { consent: r.consent } : { legalBasis: r.legalBasis! }),
    channel: 'transfer', request: r.id,
  });
  const decided = { height: ctx.height, time: ctx.time, key: ctx.signer, entry: entry.id, ...(problem ? { code: problem } : {}) };
  ctx.set(requestKey(r.id), { ...r, status: problem === undefined ? 'released' : 'refused', decided } satisfies SharingRequest as unknown as Json);
}

function decline(ctx: ActionContext, args: Static<typeof DeclineArgs>): void {
  const r = getRequest(ctx.get, args.request);
  if (!r) throw new PolityError('SHARING_REQUEST_UNKNOWN', 'no request with this id');
  if (ctx.caller.org !== r.holder) throw new PolityError('SHARING_NOT_HOLDER', `only a data-steward of ${r.holder} declines its requests`);
  if (r.status !== 'pending') throw new PolityError('SHARING_REQUEST_CLOSED', `the request is ${r.status} already`);
  ctx.set(requestKey(r.id), { ...r, status: 'declined', decided: { height: ctx.height, time: ctx.time, key: ctx.signer, reason: args.reason } } satisfies SharingRequest as unknown as Json);
  ctx.emit({ type: 'sharing.declined', request: r.id, holder: r.holder });
}

function logAccess(ctx: ActionContext, args: LogAccessArgs): void {
  const org = holderSideOrg(ctx);
  if (org === undefined) throw new PolityError('SHARING_NOT_HOLDER', 'only a data-steward or a node of a member organisation logs reads of its data');
  requireHolderSide(ctx, org, 'logs reads of its data');
  datasetOrThrow(ctx.get, org, args.dataset);
  let official = ctx.signer;
  if (ctx.caller.org === undefined) {
    if (args.official === undefined) throw new PolityError('SHARING_INVALID', 'official: a node logs the read of a named official');
    official = args.official;
  } else if (args.official !== undefined && args.official !== ctx.signer) throw new PolityError('SHARING_INVALID', 'official: an official logs only their own reads');
  if (callerOf(ctx.get, official).org !== org) throw new PolityError('SHARING_INVALID', `official: not an official of ${org}`);
  const scope: ReadScope = { recipient: org, holder: org, dataset: args.dataset, fields: args.fields, subject: args.subject };
  const problem = args.refused !== undefined ? undefined : basisProblem(ctx.get, args, scope, ctx.height, ctx.time);
  // A granted read without a basis is never recorded as granted: the log says what the chain allows.
  if (problem !== undefined) throw new PolityError(problem, basisMessage(problem));
  if (args.refused === undefined && args.consent === undefined && args.legalBasis === undefined) throw new PolityError('SHARING_NO_BASIS', basisMessage('SHARING_NO_BASIS'));
  writeEntry(ctx, {
    outcome: args.refused === undefined ? 'granted' : 'refused',
    ...(args.refused !== undefined ? { code: args.refused } : {}),
    org, official, holder: org, dataset: args.dataset, fields: args.fields, subject: args.subject, purpose: args.purpose,
    ...(args.consent ? { consent: args.consent } : {}), ...(args.legalBasis ? { legalBasis: args.legalBasis } : {}),
    channel: args.channel,
  });
}

function recordOrThrow(get: Get, recordId: string): RecordCommitment {
  const rec = getRecord(get, recordId);
  if (!rec) throw new PolityError('SHARING_RECORD_UNKNOWN', 'no record with this id');
  return rec;
}

function erase(ctx: ActionContext, args: Static<typeof EraseArgs>): void {
  const rec = recordOrThrow(ctx.get, args.recordId);
  requireHolderSide(ctx, rec.org, 'orders the erasure of its records');
  if (rec.status !== 'held') throw new PolityError('SHARING_RECORD_ERASED', `the record is ${rec.status} already`);
  if (args.reason === 'retention' && ctx.time < rec.retentionUntil) throw new PolityError('SHARING_INVALID', 'reason retention: the retention period has not ended');
  if (args.erasure !== undefined) {
    const req = getErasureRequest(ctx.get, args.erasure);
    if (!req) throw new PolityError('SHARING_INVALID', 'erasure: no erasure request with this id');
    const e = req.erasure;
    if (args.reason !== 'subject-request' || e.holder !== rec.org || e.dataset !== rec.dataset || (e.recordId !== undefined && e.recordId !== rec.recordId)) throw new PolityError('SHARING_INVALID', "erasure: the request is for another holder, dataset or record, or the reason is not subject-request");
    if (req.records.length >= RECORDS_PER_ERASURE_MAX) throw new PolityError('SHARING_OVERSIZED', `the erasure request carried out ${RECORDS_PER_ERASURE_MAX} erasures, its limit`);
    ctx.set(erasureKey(args.erasure), { ...req, records: [...req.records, rec.recordId] } satisfies ErasureRequest as unknown as Json);
  }
  ctx.set(recordKey(rec.recordId), { ...rec, status: 'erasing', erasure: { reason: args.reason, height: ctx.height, time: ctx.time, key: ctx.signer }, purged: {} } satisfies RecordCommitment as unknown as Json);
  ctx.emit({ type: 'sharing.erasureOrdered', recordId: rec.recordId, org: rec.org });
}

/**
 * The subject asks for erasure, signed with the pseudonym key (as consents). The chain checks the
 * signature, the dataset, the record if one is named (exists, of this holder's dataset, held), and that
 * the id is new. Which records are the subject's only the holder knows (it files them under the
 * pseudonym; the chain never links a record to a subject), so the holder's node carries it out with
 * `erase {…, erasure}` for each of them (host.ts).
 */
function requestErasure(ctx: ActionContext, args: Static<typeof RequestErasureArgs>): void {
  const e = args.erasure;
  if (e.chainId !== ctx.chainId) throw new PolityError('SHARING_ERASURE_FORGED', `the erasure request is for chain ${e.chainId.slice(0, 64)}, not this one`);
  const key = subjectKey(ctx.get, e.subject);
  if (key === undefined || !signedBy(key, erasureMessage(e as ErasureDoc), args.signature)) throw new PolityError('SHARING_ERASURE_FORGED', "the signature is not the subject pseudonym's signature of this erasure request");
  datasetOrThrow(ctx.get, e.holder, e.dataset);
  if (e.recordId !== undefined) {
    const rec = recordOrThrow(ctx.get, e.recordId);
    if (rec.org !== e.holder || rec.dataset !== e.dataset) throw new PolityError('SHARING_RECORD_UNKNOWN', `no record with this id in ${e.holder}/${e.dataset}`);
    if (rec.status !== 'held') throw new PolityError('SHARING_RECORD_ERASED', `the record is ${rec.status} already`);
  }
  if (ctx.get(erasureKey(e.id)) !== undefined) throw new PolityError('SHARING_ERASURE_EXISTS', 'an erasure request with this id is recorded already');
  const list = erasuresOf(ctx.get, e.holder, e.dataset, e.subject);
  if (list.length >= ERASURES_PER_SUBJECT_MAX) throw new PolityError('SHARING_OVERSIZED', `the subject made ${ERASURES_PER_SUBJECT_MAX} erasure requests for this dataset, the limit`);
  const req: ErasureRequest = { erasure: e as ErasureDoc, signature: args.signature, height: ctx.height, time: ctx.time, txId: ctx.txId, records: [] };
  ctx.set(erasureKey(e.id), req as unknown as Json);
  ctx.set(erasuresOfKey(e.holder, e.dataset, e.subject), [...list, e.id]);
  ctx.emit({ type: 'sharing.erasureRequested', erasure: e.id, holder: e.holder, dataset: e.dataset });
}

function purge(ctx: ActionContext, args: Static<typeof PurgeArgs>): void {
  const rec = recordOrThrow(ctx.get, args.recordId);
  const org = holderSideOrg(ctx);
  if (org === undefined || !rec.holders.includes(org)) throw new PolityError('SHARING_NOT_HOLDER', 'only a holder of the record confirms its purge');
  // Past its retention a record is purged without an order: the first confirmation orders it.
  let cur = rec;
  if (rec.status === 'held') {
    if (ctx.time < rec.retentionUntil) throw new PolityError('SHARING_NOT_ERASING', 'no erasure was ordered and the retention period has not ended');
    cur = { ...rec, status: 'erasing', erasure: { reason: 'retention', height: ctx.height, time: ctx.time, key: ctx.signer }, purged: {} };
  }
  if (cur.purged?.[org] !== undefined) throw new PolityError('SHARING_RECORD_ERASED', `${org} confirmed the purge at height ${cur.purged[org]}`);
  const purged = { ...cur.purged, [org]: ctx.height };
  const done = cur.holders.every((h) => purged[h] !== undefined);
  ctx.set(recordKey(rec.recordId), { ...cur, purged, status: done ? 'purged' : 'erasing' } satisfies RecordCommitment as unknown as Json);
  ctx.emit({ type: 'sharing.purged', recordId: rec.recordId, holder: org, ...(done ? { complete: true } : {}) });
}

/**
 * The recipient's node refused the data a released request brought (it did
 * not match its commitment, or was not what was asked): the refusal goes in
 * the subject's log, once per request. No values: the code says why.
 */
function refuseTransfer(ctx: ActionContext, args: Static<typeof RefuseTransferArgs>): void {
  const r = getRequest(ctx.get, args.request);
  if (!r) throw new PolityError('SHARING_REQUEST_UNKNOWN', 'no request with this id');
  const org = ctx.caller.org ?? nodeOrgOf(ctx.get, ctx.signer);
  if (org !== r.org || (ctx.caller.org !== undefined && !ctx.caller.roles.includes('data-requester') && !ctx.caller.admin)) throw new PolityError('SHARING_NOT_HOLDER', `only a node or a data-requester of ${r.org} refuses what its request brought`);
  if (r.status !== 'released') throw new PolityError('SHARING_REQUEST_CLOSED', `the request is ${r.status}: only a released request brings a transfer`);
  if (ctx.get(transferRefusedKey(r.id)) !== undefined) throw new PolityError('SHARING_REQUEST_CLOSED', 'the transfer of this request was refused already');
  const e = writeEntry(ctx, {
    outcome: 'refused', code: args.code,
    org: r.org, official: r.official, holder: r.holder, dataset: r.dataset, fields: r.fields, subject: r.subject, purpose: r.purpose,
    ...(r.consent ? { consent: r.consent } : { legalBasis: r.legalBasis! }),
    channel: 'transfer', request: r.id,
  });
  ctx.set(transferRefusedKey(r.id), e.id);
}

const grantCheck = TypeCompiler.Compile(GrantConsentArgs);
/** The first schema problem of a grant's arguments (for the CLI and routes that check before sending). */
export const grantArgsProblem = (x: unknown): string | undefined => (grantCheck.Check(x) ? undefined : firstSchemaError(grantCheck, x));

export const sharingModule: ModuleDefinition = {
  name: SHARING_MODULE,
  description: "Data sharing between departments: a directory of datasets, salted commitments of records held off the chain, requests, the subject's consents, releases checked against a consent or a published legal basis, an access log the subject can read, and erasure.",
  roles: ['data-steward', 'data-requester'],
  state: { owns: ['sharing/'] },
  actions: {
    defineDataset: defineAction({
      access: { roles: ['data-steward'] },
      args: DefineDatasetArgs,
      description: "A data-steward publishes a dataset's descriptor, or its next version: fields and their sensitivity, the legal basis for holding it, the sharing terms and the retention. Each version's hash is anchored in the dataset's change log.",
      execute: defineDataset,
    }),
    commit: defineAction({
      access: 'anyone',
      args: CommitArgs,
      description: "A data-steward or a node of the organisation commits a record of one of its datasets: a random id, HMAC-SHA256 of the record under a salt the holders keep, the organisations allowed to hold it, and its retention (checked by the action).",
      execute: commit,
    }),
    grantConsent: defineAction({
      access: 'anyone',
      args: GrantConsentArgs,
      description: "Records a consent the subject signed with its DID's key (dataset and fields of a holder, one recipient, a purpose, an expiry); anyone may submit it. Effective from the next block.",
      execute: grantConsent,
    }),
    revokeConsent: defineAction({
      access: 'anyone',
      args: RevokeConsentArgs,
      description: "Records the subject's revocation of a consent, signed with the key of the consent's subject DID; anyone may submit it. Effective from the next block.",
      execute: revokeConsent,
    }),
    request: defineAction({
      access: { roles: ['data-requester'] },
      args: RequestArgs,
      description: "A data-requester asks another organisation for named fields of a subject's records in one dataset, for a purpose, on the subject's consent or a legal basis the dataset publishes. The id is random and used once.",
      execute: request,
    }),
    release: defineAction({
      access: 'anyone',
      args: ReleaseArgs,
      description: "The holder (a data-steward, or its node where the basis allows it) releases a pending request: the consent or legal basis is checked at this block; without one the release is refused and a refused-access entry recorded. Either way the access log gets the entry.",
      execute: release,
    }),
    decline: defineAction({
      access: { roles: ['data-steward'] },
      args: DeclineArgs,
      description: 'A data-steward of the holder declines a pending request, with a reason.',
      execute: decline,
    }),
    logAccess: defineAction({
      access: 'anyone',
      args: LogAccessArgs,
      description: "The holder's node (or a data-steward) records a read of its own data by one of its officials, through the API or the console, or a read its store refused; a granted read needs a valid basis.",
      execute: logAccess,
    }),
    erase: defineAction({
      access: 'anyone',
      args: EraseArgs,
      description: "The record's organisation (a data-steward or a node) orders its erasure on every holder: on the subject's request, at the end of retention, by court order or to correct an error.",
      execute: erase,
    }),
    requestErasure: defineAction({
      access: 'anyone',
      args: RequestErasureArgs,
      description: "Records the subject's erasure request, signed with the pseudonym's key (as consents): of one record, or of every record the holder files under the pseudonym in the dataset. Anyone may submit it; the holder's node carries it out with `erase`.",
      execute: requestErasure,
    }),
    refuseTransfer: defineAction({
      access: 'anyone',
      args: RefuseTransferArgs,
      description: "The recipient's node (or a data-requester) records that it refused the data a released request brought — it did not match its commitment, or was not what was asked — with the code: a refused entry in the subject's log, once per request.",
      execute: refuseTransfer,
    }),
    purge: defineAction({
      access: 'anyone',
      args: PurgeArgs,
      description: 'A holder (a data-steward or a node) confirms it destroyed the record, its keys and its salt; past the retention date the first confirmation needs no order. The commitment stays.',
      execute: purge,
    }),
  },
};
