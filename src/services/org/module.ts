/**
 * An organisation manages itself: its admins register officials and give them
 * roles, rotate their own admin keys and their nodes' keys (spec/identity.md §3).
 *
 * Every change is an *operation* that an admin proposes and that runs once
 * the organisation's threshold of admins (m of n) has approved it; with a
 * threshold of 1 it runs at once. No single key of a department can act for
 * it when the department has said it needs two.
 *
 * State (beside runtime/membership.ts):
 *   org-op/<orgId>/<opId> -> { op, approvals, proposer, proposedAt, proposedAtMs, expiresAtMs }
 *   org-ops/<orgId>       -> [opId, …] pending operations (bounded by PENDING_MAX)
 *   org-officials/<orgId> -> [pubKey, …] the organisation's officials (bounded by OFFICIALS_MAX)
 *   org-log/<orgId>       -> [{ height, txId, op }]   applied operations (bounded, newest last)
 *
 *   org-reserved/<key>    -> { org, op, expiresAtMs }  a key a pending operation binds
 *
 * A pending operation waits OP_LIFETIME_SECONDS of block time (BFT time) for
 * the other admins, not a number of blocks: blocks are cut as work arrives,
 * so a count of them says nothing about how long admins had. An approval
 * counts in a block whose time is at most `expiresAtMs`. Operations and
 * reservations stored before (a height in `expiresAt`) still expire by it.
 *
 * Operations:
 *   registerOfficial {key, roles, consent}    a key becomes an official of the organisation
 *   setRoles {key, roles}                     an official's roles change
 *   removeOfficial {key}                      the key stops acting for the organisation
 *   setAdmins {admins, threshold, consents?}  the admin keys and m of n rotate (no stop)
 *   rotateNode {from, to, consent}            a node key rotates; a validator's new key
 *                                             signs from two blocks later, same power
 *
 * A key has one use: an admin's, an official's or a node's, in one
 * organisation. Binding a key to a use needs its holder's consent, a
 * signature by that key over a statement naming the chain, the organisation
 * and the use (consent.ts), checked when the operation is proposed. A key
 * that a pending operation binds is reserved until the operation runs or
 * expires: nobody else can take it meanwhile. Without these, another
 * organisation registered as its officials the keys a department was
 * rotating to, so the department's rotation failed, and could register a
 * validator's node key as an official.
 */
import { Type, type Static } from '@sinclair/typebox';
import { PolityError } from '../../ledger/errors.js';
import type { Json } from '../../crypto/canonical-json.js';
import { defineAction, type ActionContext, type ModuleDefinition } from '../../runtime/module.js';
import { ADMINS_MAX, getOrg, listOrgs, memberKey, orgKey, type Member, type Organisation } from '../../runtime/membership.js';
import type { ConsentUse } from './consent.js';
import { checkConsent } from './consent-sign.js';
import { latestSet, scheduleSet } from '../validators/module.js';
import { Hex32, OrgId } from '../schemas.js';
import { isoTime } from '../iso-time.js';
import { beforeDeadline, deadlineText, type Deadline } from '../deadline.js';
import { rulesAllow } from '../../runtime/rules.js';

export const opKey = (org: string, id: string): string => `org-op/${org}/${id}`;
export const orgLogKey = (org: string): string => `org-log/${org}`;
export const pendingOpsKey = (org: string): string => `org-ops/${org}`;
export const officialsKey = (org: string): string => `org-officials/${org}`;
export const reservedKey = (key: string): string => `org-reserved/${key}`;
const PENDING_MAX = 200;
const OFFICIALS_MAX = 10_000;
/** How long an operation may wait for the other admins' approvals, in seconds of block time: a week, as a governance vote. */
export const OP_LIFETIME_SECONDS = 7 * 24 * 3600;
/** Rules version 1 (release 0.1.0): how many blocks an operation waited. */
export const OP_LIFETIME_BLOCKS_V1 = 10_000;
const LOG_MAX = 1_000;
const ROLES_MAX = 16;

const Roles = Type.Array(Type.String({ pattern: '^[a-z][a-z-]{1,31}$' }), { minItems: 1, maxItems: ROLES_MAX });
/** A consent: the key holder's Ed25519 signature of the statement of consent.ts, 128 hex. */
const Consent = Type.String({ pattern: '^[0-9a-f]{128}$', description: "the key holder's signature of polity-org-consent:v1:<chainId>:<org>:<use>:<key> (spec/services/org.md)" });

export const OrgOp = Type.Union([
  Type.Object({ type: Type.Literal('registerOfficial'), key: Hex32, roles: Roles, consent: Consent }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('setRoles'), key: Hex32, roles: Roles }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('removeOfficial'), key: Hex32 }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('setAdmins'),
      admins: Type.Array(Hex32, { minItems: 1, maxItems: ADMINS_MAX }),
      threshold: Type.Integer({ minimum: 1, maximum: ADMINS_MAX }),
      /** One consent (use `admin`) for each key that is not already an admin of the organisation. */
      consents: Type.Optional(Type.Array(Type.Object({ key: Hex32, signature: Consent }, { additionalProperties: false }), { maxItems: ADMINS_MAX })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('rotateNode'), from: Hex32, to: Hex32, consent: Consent }, { additionalProperties: false }),
]);
export type OrgOp = Static<typeof OrgOp>;

export interface PendingOp {
  op: OrgOp;
  approvals: string[];
  proposer: string;
  /** The height of the block that proposed it. */
  proposedAt: number;
  /** That block's time (ms since the epoch); absent on operations stored before deadlines were times. */
  proposedAtMs?: number;
  /** The deadline: the last block time (ms since the epoch) at which an approval counts. */
  expiresAtMs?: number;
  /** Operations stored before deadlines were times only: the last height at which an approval counts. */
  expiresAt?: number;
}


/** The signer must be an admin of this very organisation (object-level check). */
function adminOf(ctx: ActionContext, orgId: string): Organisation {
  const org = getOrg(ctx.get, orgId);
  if (!org) throw new PolityError('ORG_UNKNOWN', `no member organisation ${orgId}`);
  if (org.status !== 'active') throw new PolityError('ORG_INACTIVE', `organisation ${orgId} was removed at height ${org.removedAt}`);
  if (ctx.caller.org !== orgId || !ctx.caller.admin) throw new PolityError('AUTH_NOT_ORG_ADMIN', `only an admin of ${orgId} may act for it`);
  return org;
}

export interface Reservation extends Deadline {
  org: string;
  /** The pending operation that binds the key. */
  op: string;
}

/** Does a reservation still bind its key in the transition's block? */
export const reservationLive = (r: Reservation, ctx: ActionContext): boolean => beforeDeadline(r, { height: ctx.height, timeMs: ctx.time });

/** Is the key a node key anywhere: of any organisation (removed ones too), or of a validator now or scheduled? */
function isNodeKey(ctx: ActionContext, key: string): boolean {
  return listOrgs(ctx.get).some((o) => o.nodes.includes(key)) || ctx.validators.some((v) => v.pubKey === key) || latestSet(ctx).some((v) => v.pubKey === key);
}

/**
 * Is the key free to be bound in `orgId` by operation `opId`: no member
 * (admin or official) anywhere, no node key anywhere, and not reserved by
 * another pending operation?
 */
function keyFree(ctx: ActionContext, key: string, orgId: string, opId: string): void {
  const m = ctx.get(memberKey(key)) as unknown as Member | undefined;
  if (m) throw new PolityError('ORG_OFFICIAL_EXISTS', m.org === orgId ? `the key already acts for ${orgId}` : 'the key already acts for another organisation; a person who works for two uses two keys');
  if (isNodeKey(ctx, key)) throw new PolityError('ORG_OFFICIAL_EXISTS', 'the key is a node key (a key has one use)');
  const r = ctx.get(reservedKey(key)) as unknown as Reservation | undefined;
  if (r && r.op !== opId && reservationLive(r, ctx)) {
    throw new PolityError('ORG_KEY_RESERVED', `a pending operation ${r.org === orgId ? `of ${orgId}` : 'of another organisation'} binds the key until ${deadlineText(r)}; it is free once that operation runs or expires`);
  }
}

/** The keys an operation binds to a use, with the use their consent names. */
function keysBound(org: Organisation, op: OrgOp): { key: string; use: ConsentUse }[] {
  if (op.type === 'registerOfficial') return [{ key: op.key, use: 'official' }];
  if (op.type === 'setAdmins') return op.admins.filter((k) => !org.admins.includes(k)).map((key) => ({ key, use: 'admin' }));
  if (op.type === 'rotateNode') return [{ key: op.to, use: 'node' }];
  return [];
}

/** Every key the operation binds carries its holder's consent (checked once, when proposed). */
function checkConsents(ctx: ActionContext, org: Organisation, op: OrgOp): void {
  const given = op.type === 'setAdmins' ? (op.consents ?? []) : op.type === 'registerOfficial' || op.type === 'rotateNode' ? [{ key: op.type === 'rotateNode' ? op.to : op.key, signature: op.consent }] : [];
  for (const { key, use } of keysBound(org, op)) {
    const signature = given.find((c) => c.key === key)?.signature;
    if (signature === undefined || !checkConsent(ctx.chainId, org.id, use, key, signature)) {
      throw new PolityError('ORG_CONSENT_INVALID', `the key ${key.slice(0, 16)}… needs its holder's consent to be ${use === 'official' ? 'an official' : use === 'admin' ? 'an admin' : 'a node key'} of ${org.id}: a signature of polity-org-consent:v1:${ctx.chainId}:${org.id}:${use}:<key> by that key (polity org consent)`);
    }
  }
}

function checkRoles(roles: readonly string[], known: readonly string[]): void {
  for (const r of roles) {
    if (r === 'admin') throw new PolityError('ORG_ROLE_UNKNOWN', 'admins are set with setAdmins, not given as a role');
    if (!known.includes(r)) throw new PolityError('ORG_ROLE_UNKNOWN', `no role ${r}; roles are ${known.filter((k) => k !== 'admin').join(', ')}`);
  }
  if (new Set(roles).size !== roles.length) throw new PolityError('ORG_ROLE_UNKNOWN', 'a role is listed twice');
}

/** Check an operation against the current state without applying it (at proposal and again when it runs). */
function checkOp(ctx: ActionContext, org: Organisation, op: OrgOp, roles: readonly string[], opId: string): void {
  switch (op.type) {
    case 'registerOfficial':
      checkRoles(op.roles, roles);
      keyFree(ctx, op.key, org.id, opId);
      return;
    case 'setRoles':
    case 'removeOfficial': {
      if (op.type === 'setRoles') checkRoles(op.roles, roles);
      const m = ctx.get(memberKey(op.key)) as unknown as Member | undefined;
      if (!m || m.org !== org.id || m.admin) throw new PolityError('ORG_OFFICIAL_UNKNOWN', `the key is not an official of ${org.id}`);
      return;
    }
    case 'setAdmins':
      if (new Set(op.admins).size !== op.admins.length) throw new PolityError('ORG_INVALID', 'an admin key is listed twice');
      if (op.threshold > op.admins.length) throw new PolityError('ORG_INVALID', `threshold ${op.threshold} exceeds the ${op.admins.length} admins`);
      for (const k of op.admins) {
        if (org.admins.includes(k)) continue;
        if (org.nodes.includes(k)) throw new PolityError('ORG_INVALID', 'a node key cannot be an admin key');
        keyFree(ctx, k, org.id, opId);
      }
      return;
    case 'rotateNode':
      if (!org.nodes.includes(op.from)) throw new PolityError('ORG_NODE_UNKNOWN', `the node key is not one of ${org.id}'s`);
      if (org.nodes.includes(op.to)) throw new PolityError('ORG_INVALID', 'the new node key is already in use');
      keyFree(ctx, op.to, org.id, opId);
      return;
  }
}

function applyOp(ctx: ActionContext, org: Organisation, op: OrgOp, id: string): void {
  switch (op.type) {
    case 'registerOfficial': {
      const list = (ctx.get(officialsKey(org.id)) as string[] | undefined) ?? [];
      if (list.length >= OFFICIALS_MAX) throw new PolityError('ORG_INVALID', `at most ${OFFICIALS_MAX} officials per organisation`);
      ctx.set(memberKey(op.key), { org: org.id, roles: op.roles, since: ctx.height });
      ctx.set(officialsKey(org.id), [...list, op.key]);
      break;
    }
    case 'setRoles': {
      const m = ctx.get(memberKey(op.key)) as unknown as Member & { since: number };
      ctx.set(memberKey(op.key), { org: org.id, roles: op.roles, since: m.since });
      break;
    }
    case 'removeOfficial':
      ctx.delete(memberKey(op.key));
      ctx.set(officialsKey(org.id), ((ctx.get(officialsKey(org.id)) as string[] | undefined) ?? []).filter((k) => k !== op.key));
      break;
    case 'setAdmins':
      for (const k of org.admins) if (!op.admins.includes(k)) ctx.delete(memberKey(k));
      for (const k of op.admins) ctx.set(memberKey(k), { org: org.id, admin: true });
      ctx.set(orgKey(org.id), { ...org, admins: op.admins, threshold: op.threshold } as unknown as Json);
      break;
    case 'rotateNode': {
      ctx.set(orgKey(org.id), { ...org, nodes: org.nodes.map((k) => (k === op.from ? op.to : k)) } as unknown as Json);
      const set = latestSet(ctx);
      if (set.some((v) => v.pubKey === op.from)) {
        scheduleSet(ctx, set.map((v) => (v.pubKey === op.from ? { ...v, pubKey: op.to } : v)), id);
      }
      break;
    }
  }
  const log = (ctx.get(orgLogKey(org.id)) as unknown as { height: number; txId: string; op: Json }[] | undefined) ?? [];
  ctx.set(orgLogKey(org.id), [...log.slice(-(LOG_MAX - 1)), { height: ctx.height, txId: id, op: op as unknown as Json }] as unknown as Json);
  ctx.emit({ type: 'org.applied', org: org.id, op: op.type, id });
}

/** Run the operation if its approvals reach the organisation's threshold; otherwise keep it pending. */
function maybeApply(ctx: ActionContext, org: Organisation, id: string, pending: PendingOp, roles: readonly string[]): void {
  const approvals = pending.approvals.filter((k) => org.admins.includes(k));
  const pendingIds = (ctx.get(pendingOpsKey(org.id)) as string[] | undefined) ?? [];
  if (approvals.length < org.threshold) {
    if (!pendingIds.includes(id)) {
      // Expired operations leave the index as new ones arrive, and free the keys they reserved.
      const at = { height: ctx.height, timeMs: ctx.time };
      const live = pendingIds.filter((x) => {
        const op = ctx.get(opKey(org.id, x)) as unknown as PendingOp | undefined;
        return op !== undefined && beforeDeadline(op, at);
      });
      if (live.length >= PENDING_MAX) throw new PolityError('ORG_INVALID', `at most ${PENDING_MAX} operations may wait for approval; approve or let some expire`);
      for (const x of pendingIds) {
        if (live.includes(x)) continue;
        const expired = ctx.get(opKey(org.id, x)) as unknown as PendingOp | undefined;
        if (expired) release(ctx, org, expired.op, x);
        ctx.delete(opKey(org.id, x));
      }
      ctx.set(pendingOpsKey(org.id), [...live, id]);
      const deadline: Deadline = pending.expiresAtMs !== undefined ? { expiresAtMs: pending.expiresAtMs } : { expiresAt: pending.expiresAt! };
      for (const { key } of keysBound(org, pending.op)) ctx.set(reservedKey(key), { org: org.id, op: id, ...deadline } satisfies Reservation as unknown as Json);
    }
    ctx.set(opKey(org.id, id), pending as unknown as Json);
    ctx.emit({ type: 'org.pending', org: org.id, op: pending.op.type, id, approvals: approvals.length, threshold: org.threshold });
    return;
  }
  checkOp(ctx, org, pending.op, roles, id);
  ctx.delete(opKey(org.id, id));
  if (pendingIds.includes(id)) ctx.set(pendingOpsKey(org.id), pendingIds.filter((x) => x !== id));
  release(ctx, org, pending.op, id);
  applyOp(ctx, org, pending.op, id);
}

/** Drop the reservations operation `id` holds (it ran or expired). */
function release(ctx: ActionContext, org: Organisation, op: OrgOp, id: string): void {
  for (const { key } of keysBound(org, op)) {
    if ((ctx.get(reservedKey(key)) as unknown as Reservation | undefined)?.op === id) ctx.delete(reservedKey(key));
  }
}

/** The org module: roles come from the chain's registry (common roles plus every module's own, `ctx.roles`). */
export const orgModule: ModuleDefinition = {
    name: 'org',
    description: 'A member organisation manages its officials, roles, admin keys and node keys; each change needs the organisation’s threshold of admins.',
    // Rotating a validator's node key reschedules the validator set through the validators service.
    state: { owns: ['org/', 'org-index', 'member/', 'org-op/', 'org-ops/', 'org-log/', 'org-officials/', 'org-reserved/'], writesOf: ['validators'] },
    actions: {
      propose: defineAction({
        access: 'orgAdmin',
        args: Type.Object({ org: OrgId, op: OrgOp }, { additionalProperties: false }),
        description: 'An admin proposes an operation for its own organisation (counts as its approval); it runs once the threshold of admins approved. Its id is this transaction’s id.',
        execute(ctx, args) {
          const org = adminOf(ctx, args.org);
          checkConsents(ctx, org, args.op);
          checkOp(ctx, org, args.op, ctx.roles, ctx.txId);
          const made = { op: args.op, approvals: [ctx.signer], proposer: ctx.signer, proposedAt: ctx.height };
          // Rules version 1 (runtime/rules.ts timeDeadlines): the operation waits OP_LIFETIME_BLOCKS_V1 blocks.
          const pending: PendingOp = rulesAllow(ctx.rulesVersion, 'timeDeadlines')
            ? { ...made, proposedAtMs: ctx.time, expiresAtMs: ctx.time + OP_LIFETIME_SECONDS * 1000 }
            : { ...made, expiresAt: ctx.height + OP_LIFETIME_BLOCKS_V1 };
          maybeApply(ctx, org, ctx.txId, pending, ctx.roles);
        },
      }),
      approve: defineAction({
        access: 'orgAdmin',
        args: Type.Object({ org: OrgId, id: Hex32 }, { additionalProperties: false }),
        description: 'Another admin of the organisation approves a pending operation; the approval that reaches the threshold runs it.',
        execute(ctx, args) {
          const org = adminOf(ctx, args.org);
          const pending = ctx.get(opKey(org.id, args.id)) as unknown as PendingOp | undefined;
          if (!pending) throw new PolityError('ORG_OP_UNKNOWN', `no pending operation ${args.id.slice(0, 16)}… of ${org.id}`);
          // Judged by this block's time alone: no node's clock reaches a transition.
          if (!beforeDeadline(pending, { height: ctx.height, timeMs: ctx.time })) {
            // Rules version 1 said it in its own words (a result's message is part of the results root).
            if (!rulesAllow(ctx.rulesVersion, 'timeDeadlines')) throw new PolityError('ORG_OP_EXPIRED', `the operation expired at height ${pending.expiresAt}`);
            throw new PolityError('ORG_OP_EXPIRED', `the operation expired at ${deadlineText(pending)}${pending.expiresAtMs !== undefined ? `; this block's time is ${isoTime(ctx.time)}` : ''}`);
          }
          if (pending.approvals.includes(ctx.signer)) throw new PolityError('ORG_ALREADY_APPROVED', 'this admin already approved the operation');
          maybeApply(ctx, org, args.id, { ...pending, approvals: [...pending.approvals, ctx.signer] }, ctx.roles);
        },
      }),
    },
};
