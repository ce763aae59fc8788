/**
 * Verifiable credentials on the chain (spec/services/credentials.md): the
 * registry of credential types and trusted issuers (registry.ts), the
 * issuance record of each credential — its hash, never its claims — and its
 * status in a Bitstring Status List (status-list.ts).
 *
 * The credential itself (a W3C VC 2.0 with an eddsa-jcs-2022 proof,
 * data-integrity.ts) is made and signed off the chain by the issuing
 * official and handed to the holder. The chain learns only the SHA-256 of
 * the signed credential's canonical JSON — which cannot be guessed from the
 * claims, since it covers the issuer's signature — the type, the issuing
 * organisation and key, and the status index.
 *
 * State (all under credentials/):
 *   credentials/type/<name>               -> CredentialType
 *   credentials/types                     -> [name, …]  (bounded by TYPES_MAX)
 *   credentials/acc/<type>/<org>          -> [Accreditation, …] history (bounded by HISTORY_MAX)
 *   credentials/accorgs/<type>            -> [org, …] organisations with a record for the type
 *   credentials/enacted/<proposal>        -> height the governance decision was enacted
 *   credentials/kinds/<org>               -> [{kinds, from}, …] the organisation's kinds over time (bounded by HISTORY_MAX)
 *   credentials/cred/<hash>               -> IssuanceRecord
 *   credentials/lists/<org>               -> { counts: [n, …] } credentials per list, last = current
 *   credentials/used/<org>/<list>/<page>  -> taken indexes (hex page of 4,096 bits)
 *   credentials/bits/<org>/<list>/<purpose>/<page> -> status bits (revocation, suspension)
 *   credentials/use/<tag>                 -> UsageRecord: one sealed entry of a holder's usage log (usage-log.ts)
 *
 * Actions:
 *   enact {proposal}                          anyone: apply an executed governance decision
 *   accredit {org, credentialType}            an accreditor's admin accredits an issuer
 *   withdraw {org, credentialType}            …and withdraws it
 *   issue {credentialType, hash, issuer, list, probe}   an official with the role issuer
 *   openList {entries}                        an organisation's admin opens a status list of 2^17 to 2^20 entries
 *   setStatus {hash, status, reason?}         an issuer of the issuing organisation
 *   logUse {tag, sealed}                      a node or an official of a verifying organisation
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { canonicalJson, type Json } from '../../crypto/canonical-json.js';
import { PolityError } from '../../ledger/errors.js';
import { defineAction, type ActionContext, type ModuleDefinition } from '../../runtime/module.js';
import { accountKey } from '../../runtime/executor.js';
import { getOrg, ORG_INDEX_KEY } from '../../runtime/membership.js';
import { firstSchemaError } from '../../runtime/registry.js';
import { Hex32, OrgId } from '../schemas.js';
import { proposalKey, type Proposal } from '../gov/module.js';
import { currentDidKey } from '../did/module.js';
import { didKeyFromPublicKey } from '../../crypto/multikey.js';
import { POLITY_DID_RE } from '../did/method.js';
import {
  accreditationKey,
  accreditations,
  accreditedIndexKey,
  getType,
  inForce,
  issuerTrustAt,
  SCHEMA_BYTES_MAX,
  TYPE_NAME_PATTERN,
  typeKey,
  TYPES_INDEX_KEY,
  TYPES_MAX,
  HISTORY_MAX,
  KIND_PATTERN,
  KINDS_MAX,
  kindHistory,
  kindProblem,
  kindsKey,
  type Accreditation,
  type AccreditationRole,
  type CredentialType,
  type Get,
  type Position,
} from './registry.js';
import { bitOf, capacityOf, LIST_ENTRIES, LIST_SIZES, LISTS_MAX, locate, PROBES_MAX, statusIndexOf, withBit, type StatusPurpose } from './status-list.js';
import { SEALED_CHARS } from './usage-log.js';

export const CREDENTIALS_MODULE = 'credentials';
export const credentialKey = (hash: string): string => `credentials/cred/${hash}`;
export const enactedKey = (proposal: string): string => `credentials/enacted/${proposal}`;
export const listsKey = (org: string): string => `credentials/lists/${org}`;
export const usedKey = (org: string, list: number, page: number): string => `credentials/used/${org}/${list}/${page}`;
export const bitsKey = (org: string, list: number, purpose: StatusPurpose, page: number): string => `credentials/bits/${org}/${list}/${purpose}/${page}`;
export const usageKey = (tag: string): string => `credentials/use/${tag}`;
/** Status changes kept in a record (suspensions and reinstatements, then at most a revocation). */
const CHANGES_MAX = 32;

export type CredentialStatus = 'active' | 'suspended' | 'revoked';
export const REASONS = ['issued-in-error', 'superseded', 'holder-request', 'no-longer-eligible', 'under-review', 'court-order', 'review-complete'] as const;

export interface IssuanceRecord {
  hash: string;
  credentialType: string;
  org: string;
  /** The issuer DID written in the credential, and the key that signed both it and this transaction. */
  issuer: string;
  key: string;
  height: number;
  txIndex: number;
  txId: string;
  /** Block time, ms since the epoch. */
  time: number;
  list: number;
  index: number;
  status: CredentialStatus;
  changes: { height: number; status: CredentialStatus; reason?: string; key: string }[];
}

export interface OrgLists {
  /** Credentials issued into each list; the last is the list taking new credentials. */
  counts: number[];
  /** Entries of each list, when any list was opened with a size other than LIST_ENTRIES (absent: all LIST_ENTRIES). */
  sizes?: number[];
}

/** The entries of an organisation's list (LIST_ENTRIES unless it was opened with another size). */
export const entriesOf = (lists: OrgLists, list: number): number => lists.sizes?.[list] ?? LIST_ENTRIES;
/**
 * One entry of a holder's usage log as the chain keeps it: the tag (an
 * address only the holder can recompute), the entry sealed to the holder,
 * and what the chain knows anyway — the verifying organisation that signed,
 * and when.
 */
export interface UsageRecord {
  tag: string;
  sealed: string;
  org: string;
  height: number;
  time: number;
  txId: string;
}

export const LogUseArgs = Type.Object(
  {
    /** HMAC-SHA256(k_log, "polity-usage:v1:tag:" ‖ i), from the holder's ticket. */
    tag: Hex32,
    /** The entry sealed to the ticket's key: fixed length, base64url (usage-log.ts). */
    sealed: Type.String({ minLength: SEALED_CHARS, maxLength: SEALED_CHARS, pattern: '^[A-Za-z0-9_-]+$' }),
  },
  { additionalProperties: false },
);
export type LogUseArgs = Static<typeof LogUseArgs>;

/** The organisation a signer acts for when it records a use: an official's, or the one that runs the node key. */
export function verifierOrgOf(ctx: Pick<ActionContext, 'caller' | 'get'>, signer: string): string | undefined {
  if (ctx.caller.org !== undefined) return ctx.caller.org;
  const ids = (ctx.get(ORG_INDEX_KEY) as string[] | undefined) ?? [];
  for (const id of ids) {
    const o = getOrg(ctx.get, id);
    if (o && o.status === 'active' && o.nodes.includes(signer)) return o.id;
  }
  return undefined;
}

function logUse(ctx: ActionContext, args: LogUseArgs): void {
  const org = verifierOrgOf(ctx, ctx.signer);
  const o = org === undefined ? undefined : getOrg(ctx.get, org);
  if (!o || !o.permissions.includes(CREDENTIALS_MODULE)) throw new PolityError('CREDENTIALS_NOT_VERIFIER', 'only a node or an official of an active member organisation with the credentials permission records a use');
  if (ctx.get(usageKey(args.tag)) !== undefined) throw new PolityError('CREDENTIALS_USE_EXISTS', 'an entry with this tag is recorded already (a tag is used once)');
  const rec: UsageRecord = { tag: args.tag, sealed: args.sealed, org: o.id, height: ctx.height, time: ctx.time, txId: ctx.txId };
  ctx.set(usageKey(args.tag), rec as unknown as Json);
  ctx.emit({ type: 'credentials.used', org: o.id });
}

const TypeName = Type.String({ pattern: TYPE_NAME_PATTERN });
const Kind = Type.String({ pattern: KIND_PATTERN });
const Role = Type.Union([Type.Literal('accreditor'), Type.Literal('issuer')]);

/** What governance may decide for this service (the `decision` of a gov `serviceDecision`). */
export const Decision = Type.Union([
  Type.Object(
    {
      type: Type.Literal('defineType'),
      name: TypeName,
      title: Type.String({ minLength: 1, maxLength: 128 }),
      schema: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32 }),
      issuerKinds: Type.Optional(Type.Array(Kind, { minItems: 1, maxItems: KINDS_MAX, uniqueItems: true })),
      template: Type.Optional(Type.String({ pattern: '^[a-z][a-z-]{1,31}$' })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('classify'), org: OrgId, kinds: Type.Array(Kind, { maxItems: KINDS_MAX, uniqueItems: true }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('retireType'), name: TypeName }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('accredit'), org: OrgId, credentialType: TypeName, role: Role }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('withdraw'), org: OrgId, credentialType: TypeName, role: Role }, { additionalProperties: false }),
]);
export type Decision = Static<typeof Decision>;
const decisionCheck = TypeCompiler.Compile(Decision);

export const IssueArgs = Type.Object(
  {
    credentialType: TypeName,
    /** SHA-256 of the RFC 8785 JSON of the signed credential (proof included). */
    hash: Hex32,
    /** The credential's issuer: did:polity whose key in force is the signer, or the signer's did:key. */
    issuer: Type.String({ minLength: 1, maxLength: 128 }),
    list: Type.Integer({ minimum: 0, maximum: LISTS_MAX - 1 }),
    probe: Type.Integer({ minimum: 0, maximum: PROBES_MAX - 1 }),
  },
  { additionalProperties: false },
);
export type IssueArgs = Static<typeof IssueArgs>;

const pos = (ctx: ActionContext): Position => ({ height: ctx.height, txIndex: ctx.txIndex });

export function getRecord(get: Get, hash: string): IssuanceRecord | undefined {
  return get(credentialKey(hash)) as unknown as IssuanceRecord | undefined;
}

export function orgLists(get: Get, org: string): OrgLists {
  return (get(listsKey(org)) as unknown as OrgLists | undefined) ?? { counts: [0] };
}

/** What is wrong with a claims schema for the chain (size and shape; the full JSON Schema check is the verifier's, claims.ts), or undefined. */
export function claimsSchemaError(schema: Record<string, unknown>): string | undefined {
  let bytes: number;
  try {
    bytes = canonicalJson(schema).length;
  } catch {
    return 'schema: expected plain JSON';
  }
  if (bytes > SCHEMA_BYTES_MAX) return `schema: at most ${SCHEMA_BYTES_MAX} bytes of canonical JSON, got ${bytes}`;
  if (schema['type'] !== 'object') return 'schema: the claims are an object (credentialSubject), so the schema must say "type": "object"';
  return undefined;
}

function record(ctx: ActionContext, type: string, org: string, entry: Accreditation): void {
  const history = accreditations(ctx.get, type, org);
  if (history.length >= HISTORY_MAX) throw new PolityError('CREDENTIALS_INVALID', `at most ${HISTORY_MAX} accreditation records per type and organisation`);
  ctx.set(accreditationKey(type, org), [...history, entry] as unknown as Json);
  const index = (ctx.get(accreditedIndexKey(type)) as string[] | undefined) ?? [];
  if (!index.includes(org)) ctx.set(accreditedIndexKey(type), [...index, org]);
}

function end(ctx: ActionContext, type: string, org: string, role: AccreditationRole, by: Accreditation['by'], parent?: string): void {
  const history = accreditations(ctx.get, type, org);
  const i = history.findIndex((a) => a.role === role && a.until === undefined && (parent === undefined || a.parent === parent));
  if (i < 0) throw new PolityError('CREDENTIALS_NOT_ACCREDITED', `${org} holds no ${role} accreditation for ${type}${parent ? ` given by ${parent}` : ''}`);
  const next = history.map((a, j) => (j === i ? { ...a, until: pos(ctx), endedBy: by } : a));
  ctx.set(accreditationKey(type, org), next as unknown as Json);
}

function activeOrgOrThrow(get: Get, id: string): void {
  const o = getOrg(get, id);
  if (!o || o.status !== 'active') throw new PolityError('CREDENTIALS_INVALID', `no active member organisation ${id}`);
}

function enactDecision(ctx: ActionContext, d: Decision, proposal: string): void {
  const by = { proposal };
  switch (d.type) {
    case 'defineType': {
      const wrong = claimsSchemaError(d.schema);
      if (wrong) throw new PolityError('CREDENTIALS_INVALID', wrong);
      if (getType(ctx.get, d.name)) throw new PolityError('CREDENTIALS_TYPE_EXISTS', `a credential type ${d.name} exists (or existed: names are not reused)`);
      const index = (ctx.get(TYPES_INDEX_KEY) as string[] | undefined) ?? [];
      if (index.length >= TYPES_MAX) throw new PolityError('CREDENTIALS_INVALID', `at most ${TYPES_MAX} credential types`);
      const t: CredentialType = {
        name: d.name,
        title: d.title,
        schema: d.schema as CredentialType['schema'],
        definedAt: pos(ctx),
        proposal,
        ...(d.issuerKinds ? { issuerKinds: d.issuerKinds } : {}),
        ...(d.template ? { template: d.template } : {}),
      };
      ctx.set(typeKey(d.name), t as unknown as Json);
      ctx.set(TYPES_INDEX_KEY, [...index, d.name]);
      return;
    }
    case 'retireType': {
      const t = getType(ctx.get, d.name);
      if (!t || t.retiredAt) throw new PolityError('CREDENTIALS_TYPE_UNKNOWN', `no credential type ${d.name} in use`);
      ctx.set(typeKey(d.name), { ...t, retiredAt: pos(ctx) } as unknown as Json);
      return;
    }
    case 'accredit': {
      const t = getType(ctx.get, d.credentialType);
      if (!t || t.retiredAt) throw new PolityError('CREDENTIALS_TYPE_UNKNOWN', `no credential type ${d.credentialType} in use`);
      activeOrgOrThrow(ctx.get, d.org);
      if (d.role === 'issuer') kindOrThrow(ctx, t, d.org);
      if (inForce(accreditations(ctx.get, d.credentialType, d.org), d.role, pos(ctx))) throw new PolityError('CREDENTIALS_INVALID', `${d.org} is already accredited as ${d.role} for ${d.credentialType}`);
      record(ctx, d.credentialType, d.org, { role: d.role, from: pos(ctx), by });
      return;
    }
    case 'withdraw':
      end(ctx, d.credentialType, d.org, d.role, by);
      return;
    case 'classify': {
      activeOrgOrThrow(ctx.get, d.org);
      const history = kindHistory(ctx.get, d.org);
      if (history.length >= HISTORY_MAX) throw new PolityError('CREDENTIALS_INVALID', `at most ${HISTORY_MAX} classifications per organisation`);
      ctx.set(kindsKey(d.org), [...history, { kinds: [...d.kinds].sort(), from: pos(ctx) }] as unknown as Json);
      return;
    }
  }
}

/** An issuer of a type that asks a kind of organisation must be of that kind now. */
function kindOrThrow(ctx: ActionContext, t: CredentialType, org: string): void {
  const problem = kindProblem(ctx.get, t, org, pos(ctx));
  if (problem) throw new PolityError('CREDENTIALS_ORG_KIND', problem);
}

/** The signer's nonce for this transaction: the runtime advanced the account before the action ran. */
function txNonce(ctx: ActionContext): number {
  const account = ctx.get(accountKey(ctx.signer)) as { nonce: number } | undefined;
  if (!account) throw new Error('invariant broken: no account for the signer of a running transaction');
  return account.nonce - 1;
}

/** The issuer DID must be the signer's: its did:key, or a did:polity whose key in force is the signer. */
function checkIssuerDid(ctx: ActionContext, issuer: string): void {
  if (issuer.startsWith('did:key:')) {
    if (issuer !== didKeyFromPublicKey(ctx.signer)) throw new PolityError('CREDENTIALS_ISSUER_MISMATCH', 'the issuer did:key is not the key that signs this transaction');
    return;
  }
  if (!POLITY_DID_RE.test(issuer)) throw new PolityError('CREDENTIALS_ISSUER_MISMATCH', 'issuer: expected did:polity:… or did:key:z6Mk…');
  if (currentDidKey(ctx.get, issuer) !== ctx.signer) throw new PolityError('CREDENTIALS_ISSUER_MISMATCH', "the signer is not the issuer DID's key in force");
}

function issue(ctx: ActionContext, args: IssueArgs): void {
  const org = ctx.caller.org!;
  const trust = issuerTrustAt(ctx.get, args.credentialType, org, pos(ctx));
  if (!trust.trusted) throw new PolityError(!getType(ctx.get, args.credentialType) ? 'CREDENTIALS_TYPE_UNKNOWN' : trust.kind ? 'CREDENTIALS_ORG_KIND' : 'CREDENTIALS_ISSUER_UNTRUSTED', trust.reason);
  checkIssuerDid(ctx, args.issuer);
  if (getRecord(ctx.get, args.hash)) throw new PolityError('CREDENTIALS_EXISTS', 'a credential with this hash was issued already');
  const lists = orgLists(ctx.get, org);
  const count = lists.counts[args.list];
  if (count === undefined) throw new PolityError('CREDENTIALS_STATUS_SLOT', `list ${args.list} of ${org} does not exist; the current list is ${lists.counts.length - 1}`);
  const entries = entriesOf(lists, args.list);
  if (count >= capacityOf(entries)) throw new PolityError('CREDENTIALS_STATUS_SLOT', `list ${args.list} of ${org} is full; use list ${lists.counts.length - 1}`);
  const index = statusIndexOf(ctx.chainId, ctx.signer, txNonce(ctx), args.probe, entries);
  const page = locate(index).page;
  const used = ctx.get(usedKey(org, args.list, page));
  if (bitOf(used, index)) throw new PolityError('CREDENTIALS_STATUS_SLOT', `probe ${args.probe} gives a taken index; try the next probe`);
  ctx.set(usedKey(org, args.list, page), withBit(used, index, true));
  const counts = lists.counts.map((n, i) => (i === args.list ? n + 1 : n));
  // A list that fills opens the next one (bounded by LISTS_MAX).
  const sizes = lists.sizes ? [...lists.sizes] : undefined;
  if (counts[args.list]! >= capacityOf(entries) && args.list === counts.length - 1) {
    if (counts.length >= LISTS_MAX) throw new PolityError('CREDENTIALS_STATUS_SLOT', `${org} has used all ${LISTS_MAX} status lists`);
    counts.push(0);
    // The next list keeps the size of the one that filled.
    sizes?.push(entries);
  }
  ctx.set(listsKey(org), sizes ? { counts, sizes } : { counts });
  const rec: IssuanceRecord = {
    hash: args.hash,
    credentialType: args.credentialType,
    org,
    issuer: args.issuer,
    key: ctx.signer,
    height: ctx.height,
    txIndex: ctx.txIndex,
    txId: ctx.txId,
    time: ctx.time,
    list: args.list,
    index,
    status: 'active',
    changes: [],
  };
  ctx.set(credentialKey(args.hash), rec as unknown as Json);
  ctx.emit({ type: 'credentials.issued', hash: args.hash, credentialType: args.credentialType, org, list: args.list, index });
}

function setBit(ctx: ActionContext, rec: IssuanceRecord, purpose: StatusPurpose, value: boolean): void {
  const key = bitsKey(rec.org, rec.list, purpose, locate(rec.index).page);
  ctx.set(key, withBit(ctx.get(key), rec.index, value));
}

export const credentialsModule: ModuleDefinition = {
  name: CREDENTIALS_MODULE,
  description: 'Verifiable credentials: a registry of credential types and accredited issuers (changed by governance), the hash and status of each issued credential, and Bitstring Status Lists.',
  state: { owns: ['credentials/'] },
  actions: {
    enact: defineAction({
      access: 'anyone',
      args: Type.Object({ proposal: Hex32 }, { additionalProperties: false }),
      description: 'Apply an executed governance proposal of kind serviceDecision for this service (define or retire a type, accredit or withdraw an organisation); anyone may send it, once per proposal.',
      execute(ctx, args) {
        const p = ctx.get(proposalKey(args.proposal)) as unknown as Proposal | undefined;
        if (!p || p.change.type !== 'serviceDecision' || p.change.module !== CREDENTIALS_MODULE) throw new PolityError('CREDENTIALS_DECISION_UNKNOWN', `no governance decision ${args.proposal.slice(0, 16)}… for the credentials service`);
        if (p.status !== 'executed') throw new PolityError('CREDENTIALS_DECISION_UNKNOWN', `the proposal is ${p.status}, not executed`);
        if (ctx.get(enactedKey(args.proposal)) !== undefined) throw new PolityError('CREDENTIALS_DECISION_ENACTED', 'the decision was enacted already');
        const d = p.change.decision;
        if (!decisionCheck.Check(d)) throw new PolityError('CREDENTIALS_INVALID', `decision ${firstSchemaError(decisionCheck, d)}`);
        enactDecision(ctx, d, args.proposal);
        ctx.set(enactedKey(args.proposal), ctx.height);
        ctx.emit({ type: 'credentials.enacted', proposal: args.proposal, decision: d.type });
      },
    }),
    accredit: defineAction({
      access: 'orgAdmin',
      args: Type.Object({ org: OrgId, credentialType: TypeName }, { additionalProperties: false }),
      description: 'An admin of an organisation accredited as accreditor for a type accredits another organisation to issue it.',
      execute(ctx, args) {
        const me = ctx.caller.org!;
        if (!inForce(accreditations(ctx.get, args.credentialType, me), 'accreditor', pos(ctx))) throw new PolityError('CREDENTIALS_NOT_ACCREDITOR', `${me} is not accredited to accredit issuers of ${args.credentialType}`);
        if (args.org === me) throw new PolityError('CREDENTIALS_INVALID', 'an accreditor does not accredit itself; the consortium accredits it as issuer');
        activeOrgOrThrow(ctx.get, args.org);
        const t = getType(ctx.get, args.credentialType);
        if (t) kindOrThrow(ctx, t, args.org);
        if (inForce(accreditations(ctx.get, args.credentialType, args.org), 'issuer', pos(ctx))) throw new PolityError('CREDENTIALS_INVALID', `${args.org} is already accredited to issue ${args.credentialType}`);
        record(ctx, args.credentialType, args.org, { role: 'issuer', from: pos(ctx), by: { org: me, key: ctx.signer }, parent: me });
        ctx.emit({ type: 'credentials.accredited', org: args.org, credentialType: args.credentialType, by: me });
      },
    }),
    withdraw: defineAction({
      access: 'orgAdmin',
      args: Type.Object({ org: OrgId, credentialType: TypeName }, { additionalProperties: false }),
      description: 'The accreditor that accredited an issuer withdraws the accreditation, from this transaction on.',
      execute(ctx, args) {
        const me = ctx.caller.org!;
        end(ctx, args.credentialType, args.org, 'issuer', { org: me, key: ctx.signer }, me);
        ctx.emit({ type: 'credentials.withdrawn', org: args.org, credentialType: args.credentialType, by: me });
      },
    }),
    issue: defineAction({
      access: { roles: ['issuer'] },
      args: IssueArgs,
      description: 'An official with the role issuer records a credential it signed: its hash, type and issuer DID; the chain assigns its status index from the signer, its nonce and the probe, and checks that the organisation is accredited for the type now.',
      execute: issue,
    }),
    openList: defineAction({
      access: 'orgAdmin',
      args: Type.Object({ entries: Type.Union(LIST_SIZES.map((n) => Type.Literal(n))) }, { additionalProperties: false }),
      description: "An organisation's admin opens a new status list of the chosen size (131,072 to 1,048,576 entries); it takes the organisation's new credentials from then on.",
      execute(ctx, args) {
        const org = ctx.caller.org!;
        const lists = orgLists(ctx.get, org);
        // An untouched list 0 (nothing issued, never stored) is resized rather than skipped.
        const fresh = ctx.get(listsKey(org)) === undefined;
        if (!fresh && lists.counts.length >= LISTS_MAX) throw new PolityError('CREDENTIALS_STATUS_SLOT', `${org} has used all ${LISTS_MAX} status lists`);
        const sizes = lists.counts.map((_, i) => entriesOf(lists, i));
        const counts = fresh ? [0] : [...lists.counts, 0];
        if (fresh) sizes[0] = args.entries;
        else sizes.push(args.entries);
        ctx.set(listsKey(org), { counts, sizes });
        ctx.emit({ type: 'credentials.listOpened', org, list: counts.length - 1, entries: args.entries });
      },
    }),
    setStatus: defineAction({
      access: { roles: ['issuer'] },
      args: Type.Object(
        { hash: Hex32, status: Type.Union([Type.Literal('active'), Type.Literal('suspended'), Type.Literal('revoked')]), reason: Type.Optional(Type.Union(REASONS.map((r) => Type.Literal(r)))) },
        { additionalProperties: false },
      ),
      description: 'An issuer of the issuing organisation suspends, reinstates (status active) or revokes a credential; revocation is final.',
      execute(ctx, args) {
        const rec = getRecord(ctx.get, args.hash);
        if (!rec) throw new PolityError('CREDENTIALS_UNKNOWN', 'no credential with this hash was issued');
        if (rec.org !== ctx.caller.org) throw new PolityError('CREDENTIALS_NOT_ISSUER', `only an issuer of ${rec.org}, which issued it, changes its status`);
        if (rec.status === 'revoked') throw new PolityError('CREDENTIALS_REVOKED', 'the credential is revoked; revocation is final');
        if (rec.status === args.status) throw new PolityError('CREDENTIALS_INVALID', `the credential is ${rec.status} already`);
        if (rec.changes.length >= CHANGES_MAX) throw new PolityError('CREDENTIALS_INVALID', `at most ${CHANGES_MAX} status changes per credential; revoke it`);
        if (args.status === 'revoked') setBit(ctx, rec, 'revocation', true);
        if (rec.status === 'suspended') setBit(ctx, rec, 'suspension', false);
        if (args.status === 'suspended') setBit(ctx, rec, 'suspension', true);
        const change = { height: ctx.height, status: args.status, key: ctx.signer, ...(args.reason ? { reason: args.reason } : {}) };
        ctx.set(credentialKey(args.hash), { ...rec, status: args.status, changes: [...rec.changes, change] } as unknown as Json);
        ctx.emit({ type: 'credentials.status', hash: args.hash, status: args.status });
      },
    }),
    logUse: defineAction({
      access: 'anyone',
      args: LogUseArgs,
      description: "A verifying organisation (one of its nodes or officials, with the credentials permission) records one use of a credential in the holder's usage log: a one-time tag from the holder and the entry sealed to the holder. Nothing in it names the holder or the credential.",
      execute: logUse,
    }),
  },
};
