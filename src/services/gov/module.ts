/**
 * Consortium governance: the member organisations decide together
 * (spec/identity.md §5; DESIGN.md decision 7, "no single administrator").
 *
 * An admin of a member organisation proposes a change; admins vote for their
 * organisations. An organisation's vote counts once its own threshold of
 * admins (m of n) voted the same way. The proposal executes in the block of
 * the vote that brings the approving organisations to the configured share
 * of the active organisations (genesis `governance`, by default at least two
 * thirds); it is rejected once that share can no longer be reached; it
 * expires, with no effect, when its voting period ends first.
 *
 * The voting period is time, not blocks: a proposal's deadline is the block
 * time (BFT time, the same on every node) of the block that made it plus
 * `votingSeconds`, and a vote counts in a block whose time is at most the
 * deadline. Blocks are cut as work arrives, so a count of them would say
 * nothing about how long members had to vote. Chains made before this keep
 * `votingBlocks` in gov/params (the genesis still writes it); it is ignored,
 * and such a chain votes for VOTING_SECONDS_DEFAULT (a week) until governance
 * sets `votingSeconds`. A proposal stored before (a height in `expiresAt`, no
 * `expiresAtMs`) still expires by its height.
 *
 * State:
 *   gov/params            -> { approvalNumerator, approvalDenominator, votingSeconds?, votingBlocks? (ignored) }
 *   gov/proposal/<id>     -> Proposal, with its sequence number (kept for ever: the history is queryable)
 *   gov/count             -> how many proposals were ever made
 *   gov/seq/<n>           -> the id of the n-th proposal (1-based): the history, paged by a cursor
 *   gov/open/<org>        -> [id, …] the open proposals an organisation made (at most OPEN_PROPOSALS_PER_ORG_MAX)
 *
 * Why open proposals are limited per organisation, and history is not
 * limited at all: a single list of every proposal, capped at 100,000, let
 * one admin key fill it with proposals in minutes and so end governance for
 * every organisation, for good. Now the only shared thing is a counter;
 * what is limited is what costs the others attention, the proposals still
 * open, and each organisation has its own allowance, so no member can use
 * up another's. A proposal leaves its organisation's open list when it
 * executes, fails or is rejected; an expired one (no transaction closes it)
 * leaves when the organisation next proposes. Sixteen open proposals is far
 * above what a department puts to the consortium at once, and keeps the
 * open list every admin is asked to vote on readable (500 organisations at
 * most: 8,000 open proposals in all).
 *
 * Changes a proposal can make:
 *   addOrganisation {organisation}      a new member, its admins, nodes, permissions
 *   removeOrganisation {id}             a member leaves (its validators must leave first)
 *   setValidators {validators}          the validator set or a validator's power;
 *                                       signs from two blocks after execution
 *   grantPermission / revokePermission {org, module}
 *   setParameter {name, value}          a governance parameter
 *   serviceDecision {module, decision}  a decision for a service's own registry
 *                                       (e.g. credential types and accreditations);
 *                                       executing records it, and the service
 *                                       enacts it with its own action and checks
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Json } from '../../crypto/canonical-json.js';
import { PolityError } from '../../ledger/errors.js';
import type { GovernanceParams } from '../../ledger/genesis.js';
import { canonicalJson } from '../../crypto/canonical-json.js';
import { defineAction, type ActionContext, type ModuleDefinition } from '../../runtime/module.js';
import { activeOrgs, ADMINS_MAX, getOrg, GOV_PARAMS_KEY, NODES_MAX, memberKey, ORG_INDEX_KEY, ORGS_MAX, organisationError, orgKey, type Member, type Organisation } from '../../runtime/membership.js';
import { checkSet, latestSet, scheduleSet } from '../validators/module.js';
import { beforeDeadline, deadlineText } from '../deadline.js';
import { reservationLive, reservedKey, type Reservation } from '../org/module.js';
import { Hex32, OrgId, ValidatorSchema } from '../schemas.js';
import { VALIDATORS_MAX, VALIDATORS_MIN } from '../validators/limits.js';
import { VOTING_SECONDS_DEFAULT, VOTING_SECONDS_MAX, VOTING_SECONDS_MIN } from './limits.js';
import { isoTime } from '../iso-time.js';
import { RULES_KEY, RULES_VERSION_CURRENT, RULES_VERSION_FIRST, rulesAllow, type RulesRecord } from '../../runtime/rules.js';
import { SetParameterChangeV1, VOTING_BLOCKS_MAX, VOTING_BLOCKS_MIN } from './rules-v1.js';

export const proposalKey = (id: string): string => `gov/proposal/${id}`;
export const GOV_COUNT_KEY = 'gov/count';
export const seqKey = (n: number): string => `gov/seq/${n}`;
export const openKey = (org: string): string => `gov/open/${org}`;
/** Open proposals one organisation may have at once (see the module header for why 16). */
export const OPEN_PROPOSALS_PER_ORG_MAX = 16;
/** Bounds on a proposal's voting period, in seconds of block time (limits.ts, which the web pages and the CLI read too). */
export { VOTING_SECONDS_DEFAULT, VOTING_SECONDS_MAX, VOTING_SECONDS_MIN };
/** Governance parameters a proposal may set; `votingBlocks` is kept only so that old proposals that set it read back, and is refused. */
export const GOV_PARAMETERS = ['approvalNumerator', 'approvalDenominator', 'votingSeconds'] as const;

const ModuleName = Type.String({ pattern: '^[a-z][a-zA-Z0-9]{0,31}$' });
/** The most canonical JSON a service decision may carry. */
export const DECISION_BYTES_MAX = 12 * 1024;

/** The change types every rules version shares, in their order (`setParameter` changed: see below). */
const SharedChanges = [
  Type.Object(
    {
      type: Type.Literal('addOrganisation'),
      organisation: Type.Object(
        {
          id: OrgId,
          name: Type.String({ minLength: 1, maxLength: 128 }),
          admins: Type.Array(Hex32, { minItems: 1, maxItems: ADMINS_MAX }),
          threshold: Type.Integer({ minimum: 1, maximum: ADMINS_MAX }),
          nodes: Type.Array(Hex32, { maxItems: NODES_MAX }),
          permissions: Type.Array(ModuleName, { maxItems: 64 }),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('removeOrganisation'), id: OrgId }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('setValidators'),
      validators: Type.Array(
        ValidatorSchema,
        { minItems: VALIDATORS_MIN, maxItems: VALIDATORS_MAX },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('grantPermission'), org: OrgId, module: ModuleName }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('revokePermission'), org: OrgId, module: ModuleName }, { additionalProperties: false }),
] as const;
const ServiceDecisionChange = Type.Object(
  { type: Type.Literal('serviceDecision'), module: ModuleName, decision: Type.Unsafe<{ [key: string]: Json }>(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32 })) },
  { additionalProperties: false },
);
/** Move the chain to a newer rules version (runtime/rules.ts), from the block after the one that executes it. */
const UpgradeRulesChange = Type.Object({ type: Type.Literal('upgradeRules'), version: Type.Integer({ minimum: RULES_VERSION_FIRST + 1, maximum: 1_000 }) }, { additionalProperties: false });

export const GovChange = Type.Union([
  ...SharedChanges,
  Type.Object(
    { type: Type.Literal('setParameter'), name: Type.Union([Type.Literal('approvalNumerator'), Type.Literal('approvalDenominator'), Type.Literal('votingSeconds'), Type.Literal('votingBlocks')]), value: Type.Integer({ minimum: 1, maximum: VOTING_SECONDS_MAX }) },
    { additionalProperties: false },
  ),
  ServiceDecisionChange,
  UpgradeRulesChange,
]);
/** Rules version 1 (release 0.1.0): `setParameter` names `votingBlocks`, not `votingSeconds`; `upgradeRules` is the way up. */
export const GovChangeV1 = Type.Union([...SharedChanges, SetParameterChangeV1, ServiceDecisionChange, UpgradeRulesChange]);
/** `propose` as rules version 1 checks it: a voting period in blocks. */
const ProposeArgsV1 = Type.Object({ change: GovChangeV1, votingBlocks: Type.Optional(Type.Integer({ minimum: VOTING_BLOCKS_MIN, maximum: VOTING_BLOCKS_MAX })) }, { additionalProperties: false });
export type GovChange = Static<typeof GovChange>;

export type ProposalStatus = 'open' | 'executed' | 'rejected' | 'failed' | 'expired';

export interface Proposal {
  id: string;
  /** Its place in the history: the n-th proposal made on the chain (1-based). */
  seq: number;
  change: GovChange;
  proposer: { org: string; key: string };
  /** The height of the block that made it. */
  proposedAt: number;
  /** That block's time (ms since the epoch); absent on proposals stored before deadlines were times. */
  proposedAtMs?: number;
  /** The deadline: the last block time (ms since the epoch) at which a vote counts. */
  expiresAtMs?: number;
  /** Proposals stored before deadlines were times only: the last height at which a vote counts. */
  expiresAt?: number;
  /** Per organisation, the admin keys that voted yes and no. */
  votes: Record<string, { yes: string[]; no: string[] }>;
  /** Organisations whose vote is decided (their threshold of admins agreed). */
  decided: Record<string, 'yes' | 'no'>;
  status: Exclude<ProposalStatus, 'expired'>;
  closedAt?: number;
  /** Why execution failed (an error code and sentence), for status `failed`. */
  failure?: { code: string; message: string };
}

/** A block as a deadline is judged against: its height and its time (ms since the epoch). */
export interface BlockAt {
  height: number;
  timeMs: number;
}

/** The block a transition runs in, as a deadline is judged against. */
export const blockOf = (ctx: ActionContext): BlockAt => ({ height: ctx.height, timeMs: ctx.time });

/**
 * The status for a vote in block `at`: an open proposal past its deadline is
 * expired (no transaction closes it). Transitions pass their own block; a
 * reader passes the block a vote sent now would meet (queries.ts).
 */
export function statusAt(p: Proposal, at: BlockAt): ProposalStatus {
  if (p.status !== 'open') return p.status;
  return beforeDeadline(p, at) ? 'open' : 'expired';
}

/** gov/params: the genesis `governance` members, and `votingSeconds` once governance set it. */
export type GovParams = GovernanceParams & { votingSeconds?: number };

export function govParams(get: (key: string) => Json | undefined): GovParams {
  return get(GOV_PARAMS_KEY) as unknown as GovParams;
}

/** The consortium's voting period in seconds: `votingSeconds`, or the default on a chain that never set it. */
export function votingSecondsOf(params: GovParams): number {
  return params.votingSeconds ?? VOTING_SECONDS_DEFAULT;
}

/** Can the change be made in the current state? Checked when proposed and again when it executes. */
function checkChange(ctx: ActionContext, change: GovChange, modules: readonly string[]): void {
  const get = ctx.get;
  switch (change.type) {
    case 'addOrganisation': {
      const o = change.organisation;
      const error = organisationError({ ...o, status: 'active', since: ctx.height }, modules);
      if (error) throw new PolityError('GOV_INVALID', `organisation ${error}`);
      if (getOrg(get, o.id)) throw new PolityError('ORG_EXISTS', `an organisation ${o.id} exists (or existed: ids are not reused)`);
      if (((get(ORG_INDEX_KEY) as string[] | undefined) ?? []).length >= ORGS_MAX) throw new PolityError('GOV_INVALID', `at most ${ORGS_MAX} organisations`);
      const all = [...o.admins, ...o.nodes];
      if (new Set(all).size !== all.length) throw new PolityError('GOV_INVALID', 'a key is listed twice (an admin key and a node key are different keys)');
      const used = new Set(activeOrgs(get).flatMap((x) => x.nodes));
      for (const k of all) if (get(memberKey(k)) !== undefined || used.has(k)) throw new PolityError('ORG_OFFICIAL_EXISTS', `the key ${k.slice(0, 16)}… already acts for a member organisation`);
      for (const k of all) {
        const r = get(reservedKey(k)) as unknown as Reservation | undefined;
        if (r && reservationLive(r, ctx)) throw new PolityError('ORG_KEY_RESERVED', `the key ${k.slice(0, 16)}… is bound by a pending operation of ${r.org} until ${deadlineText(r)}`);
      }
      return;
    }
    case 'removeOrganisation': {
      const org = getOrg(get, change.id);
      if (!org || org.status !== 'active') throw new PolityError('ORG_UNKNOWN', `no active organisation ${change.id}`);
      if (latestSet(ctx).some((v) => org.nodes.includes(v.pubKey))) throw new PolityError('ORG_HAS_VALIDATORS', `${change.id} runs validators; change the validator set first`);
      if (activeOrgs(get).length <= 1) throw new PolityError('GOV_INVALID', 'the last organisation cannot be removed');
      return;
    }
    case 'setValidators': {
      const nodes = new Set(activeOrgs(get).flatMap((o) => o.nodes));
      for (const v of change.validators) if (!nodes.has(v.pubKey)) throw new PolityError('GOV_INVALID', `validator ${JSON.stringify(v.name)} runs a node key no active organisation lists`);
      checkSet(ctx, change.validators);
      return;
    }
    case 'grantPermission':
    case 'revokePermission': {
      const org = getOrg(get, change.org);
      if (!org || org.status !== 'active') throw new PolityError('ORG_UNKNOWN', `no active organisation ${change.org}`);
      if (!modules.includes(change.module)) throw new PolityError('GOV_INVALID', `no module ${change.module}`);
      const has = org.permissions.includes(change.module);
      if (change.type === 'grantPermission' && has) throw new PolityError('GOV_INVALID', `${change.org} already holds the ${change.module} permission`);
      if (change.type === 'revokePermission' && !has) throw new PolityError('GOV_INVALID', `${change.org} does not hold the ${change.module} permission`);
      return;
    }
    case 'setParameter': {
      if (!rulesAllow(ctx.rulesVersion, 'timeDeadlines')) {
        // Rules version 1: voting periods in blocks.
        const next = { ...govParams(get), [change.name]: change.value };
        if (next.approvalNumerator > next.approvalDenominator) throw new PolityError('GOV_INVALID', 'the approval share cannot exceed 1');
        if (next.votingBlocks < VOTING_BLOCKS_MIN) throw new PolityError('GOV_INVALID', `votingBlocks: at least ${VOTING_BLOCKS_MIN}`);
        return;
      }
      if (change.name === 'votingBlocks') throw new PolityError('GOV_INVALID', 'votingBlocks is no longer used: voting periods are time; set votingSeconds');
      const next = { ...govParams(get), [change.name]: change.value };
      if (next.approvalNumerator > next.approvalDenominator) throw new PolityError('GOV_INVALID', 'the approval share cannot exceed 1');
      const seconds = votingSecondsOf(next);
      if (seconds < VOTING_SECONDS_MIN || seconds > VOTING_SECONDS_MAX) throw new PolityError('GOV_INVALID', `votingSeconds: from ${VOTING_SECONDS_MIN} to ${VOTING_SECONDS_MAX}, got ${seconds}`);
      return;
    }
    case 'upgradeRules': {
      // Against the version in force, or one an upgrade earlier in this block set (it applies from the next block).
      const current = (get(RULES_KEY) as unknown as RulesRecord | undefined)?.version ?? ctx.rulesVersion;
      if (change.version <= current) throw new PolityError('GOV_INVALID', `the chain is at rules version ${current} already; a chain only moves up`);
      if (change.version > RULES_VERSION_CURRENT) throw new PolityError('GOV_INVALID', `rules version ${change.version} is unknown to this release (it knows up to ${RULES_VERSION_CURRENT}); upgrade the nodes first`);
      return;
    }
    case 'serviceDecision': {
      // Gov only records the decision; the service checks its content when it enacts it.
      if (change.module === 'gov' || !modules.includes(change.module)) throw new PolityError('GOV_INVALID', `no service module ${change.module}`);
      let bytes: number;
      try {
        bytes = canonicalJson(change.decision).length;
      } catch {
        throw new PolityError('GOV_INVALID', 'decision: expected plain JSON');
      }
      if (bytes > DECISION_BYTES_MAX) throw new PolityError('GOV_INVALID', `decision: at most ${DECISION_BYTES_MAX} bytes of canonical JSON, got ${bytes}`);
      return;
    }
  }
}

function execute(ctx: ActionContext, change: GovChange, id: string): void {
  const get = ctx.get;
  switch (change.type) {
    case 'addOrganisation': {
      const o = change.organisation;
      const org: Organisation = { ...o, status: 'active', since: ctx.height };
      ctx.set(orgKey(o.id), org as unknown as Json);
      ctx.set(ORG_INDEX_KEY, [...((get(ORG_INDEX_KEY) as string[] | undefined) ?? []), o.id]);
      for (const k of o.admins) ctx.set(memberKey(k), { org: o.id, admin: true } satisfies Member as unknown as Json);
      return;
    }
    case 'removeOrganisation': {
      const org = getOrg(get, change.id)!;
      ctx.set(orgKey(org.id), { ...org, status: 'removed', removedAt: ctx.height } as unknown as Json);
      return; // its admins and officials lose every right with it (membership.ts callerOf)
    }
    case 'setValidators':
      scheduleSet(ctx, change.validators, id);
      return;
    case 'grantPermission':
    case 'revokePermission': {
      const org = getOrg(get, change.org)!;
      const permissions = change.type === 'grantPermission' ? [...org.permissions, change.module] : org.permissions.filter((m) => m !== change.module);
      ctx.set(orgKey(org.id), { ...org, permissions } as unknown as Json);
      return;
    }
    case 'setParameter':
      ctx.set(GOV_PARAMS_KEY, { ...govParams(get), [change.name]: change.value } as unknown as Json);
      return;
    case 'upgradeRules':
      // Read by the chain core before each block: the next block runs under the new rules, this one does not.
      ctx.set(RULES_KEY, { version: change.version, fromHeight: ctx.height + 1 } satisfies RulesRecord as unknown as Json);
      return;
    case 'serviceDecision':
      return; // the executed proposal is the record the service enacts
  }
}

/** Record `key`'s vote and settle the proposal if the share is reached (or out of reach). */
function vote(ctx: ActionContext, p: Proposal, approve: boolean, modules: readonly string[]): Proposal {
  const orgId = ctx.caller.org!;
  const org = getOrg(ctx.get, orgId)!;
  const mine = p.votes[orgId] ?? { yes: [], no: [] };
  if (mine.yes.includes(ctx.signer) || mine.no.includes(ctx.signer)) throw new PolityError('GOV_ALREADY_VOTED', 'this admin already voted on the proposal');
  if (p.decided[orgId]) throw new PolityError('GOV_ALREADY_VOTED', `${orgId} has already decided (${p.decided[orgId]})`);
  const votes = { ...p.votes, [orgId]: approve ? { yes: [...mine.yes, ctx.signer], no: mine.no } : { yes: mine.yes, no: [...mine.no, ctx.signer] } };
  const decided = { ...p.decided };
  const counted = votes[orgId]!;
  if (counted.yes.filter((k) => org.admins.includes(k)).length >= org.threshold) decided[orgId] = 'yes';
  else if (counted.no.filter((k) => org.admins.includes(k)).length > org.admins.length - org.threshold) decided[orgId] = 'no';
  const next: Proposal = { ...p, votes, decided };

  const active = activeOrgs(ctx.get).map((o) => o.id);
  const { approvalNumerator: num, approvalDenominator: den } = govParams(ctx.get);
  const yes = active.filter((id) => decided[id] === 'yes').length;
  const notNo = active.filter((id) => decided[id] !== 'no').length;
  if (yes * den >= active.length * num) {
    try {
      checkChange(ctx, p.change, modules);
      execute(ctx, p.change, p.id);
      ctx.emit({ type: 'gov.executed', id: p.id, change: p.change.type });
      return { ...next, status: 'executed', closedAt: ctx.height };
    } catch (e) {
      if (!(e instanceof PolityError)) throw e;
      ctx.emit({ type: 'gov.failed', id: p.id, code: e.code });
      return { ...next, status: 'failed', closedAt: ctx.height, failure: { code: e.code, message: e.message } };
    }
  }
  if (notNo * den < active.length * num) {
    ctx.emit({ type: 'gov.rejected', id: p.id });
    return { ...next, status: 'rejected', closedAt: ctx.height };
  }
  return next;
}

/** The gov module: permissions name the modules the chain runs (`ctx.modules`). */
export const govModule: ModuleDefinition = {
    name: 'gov',
    description: 'Consortium governance: member organisations propose and vote on changes to the consortium; a change executes once the configured share of organisations approved it.',
    // A proposal that executes changes organisations and the validator set through their own functions.
    state: { owns: ['gov/'], writesOf: ['org', 'validators'] },
    actions: {
      propose: defineAction({
        access: 'orgAdmin',
        args: Type.Object(
          {
            change: GovChange,
            votingSeconds: Type.Optional(Type.Integer({ minimum: VOTING_SECONDS_MIN, maximum: VOTING_SECONDS_MAX, description: 'a voting period shorter than the consortium’s (gov/params votingSeconds); a longer one is cut to it' })),
          },
          { additionalProperties: false },
        ),
        argsByRules: { 1: ProposeArgsV1 },
        description: 'An organisation admin proposes a change; it counts as that admin’s yes vote. Its id is this transaction’s id; its deadline is this block’s time plus the voting period (under rules version 1: `votingBlocks`, a period in blocks).',
        execute(ctx, args) {
          checkChange(ctx, args.change, ctx.modules);
          const org = ctx.caller.org!;
          // The organisation's open proposals, without those that closed by expiry since.
          const open = ((ctx.get(openKey(org)) as string[] | undefined) ?? []).filter((id) => {
            const q = ctx.get(proposalKey(id)) as unknown as Proposal | undefined;
            return q !== undefined && statusAt(q, blockOf(ctx)) === 'open';
          });
          if (open.length >= OPEN_PROPOSALS_PER_ORG_MAX) {
            throw new PolityError('GOV_OPEN_LIMIT', `${org} has ${OPEN_PROPOSALS_PER_ORG_MAX} open proposals, as many as an organisation may; one must execute, be rejected or expire first`);
          }
          const params = govParams(ctx.get);
          const seq = ((ctx.get(GOV_COUNT_KEY) as number | undefined) ?? 0) + 1;
          const made = { id: ctx.txId, seq, change: args.change, proposer: { org: ctx.caller.org!, key: ctx.signer }, proposedAt: ctx.height };
          let p: Proposal;
          if (rulesAllow(ctx.rulesVersion, 'timeDeadlines')) {
            const periodSeconds = Math.min(args.votingSeconds ?? votingSecondsOf(params), votingSecondsOf(params));
            p = { ...made, proposedAtMs: ctx.time, expiresAtMs: ctx.time + periodSeconds * 1000, votes: {}, decided: {}, status: 'open' };
            ctx.emit({ type: 'gov.proposed', id: ctx.txId, change: args.change.type, expiresAtMs: p.expiresAtMs! });
          } else {
            // Rules version 1: a period in blocks (the arguments were checked against ProposeArgsV1).
            const votingBlocks = (args as { votingBlocks?: number }).votingBlocks;
            const period = Math.min(votingBlocks ?? params.votingBlocks, params.votingBlocks);
            p = { ...made, expiresAt: ctx.height + period, votes: {}, decided: {}, status: 'open' };
            ctx.emit({ type: 'gov.proposed', id: ctx.txId, change: args.change.type, expiresAt: p.expiresAt! });
          }
          const settled = vote(ctx, p, true, ctx.modules);
          ctx.set(proposalKey(ctx.txId), settled as unknown as Json);
          ctx.set(GOV_COUNT_KEY, seq);
          ctx.set(seqKey(seq), ctx.txId);
          ctx.set(openKey(org), settled.status === 'open' ? [...open, ctx.txId] : open);
        },
      }),
      vote: defineAction({
        access: 'orgAdmin',
        args: Type.Object({ id: Hex32, approve: Type.Boolean() }, { additionalProperties: false }),
        description: 'An organisation admin votes yes or no; the vote that reaches the share executes the change.',
        execute(ctx, args) {
          const p = ctx.get(proposalKey(args.id)) as unknown as Proposal | undefined;
          if (!p) throw new PolityError('GOV_PROPOSAL_UNKNOWN', `no proposal ${args.id.slice(0, 16)}…`);
          // The deadline is judged by this block's time alone: no node's clock reaches a transition.
          const status = statusAt(p, blockOf(ctx));
          if (status === 'expired') {
            const closed = p.expiresAtMs !== undefined ? `${isoTime(p.expiresAtMs)}; this block's time is ${isoTime(ctx.time)}` : `height ${p.expiresAt}`;
            throw new PolityError('GOV_PROPOSAL_EXPIRED', `voting closed at ${closed}; the proposal expired without effect`);
          }
          if (status !== 'open') throw new PolityError('GOV_PROPOSAL_CLOSED', `the proposal is ${status}`);
          const settled = vote(ctx, p, args.approve, ctx.modules);
          ctx.set(proposalKey(args.id), settled as unknown as Json);
          if (settled.status !== 'open') {
            // Closed: it frees its organisation's slot.
            const open = (ctx.get(openKey(p.proposer.org)) as string[] | undefined) ?? [];
            if (open.includes(p.id)) ctx.set(openKey(p.proposer.org), open.filter((id) => id !== p.id));
          }
        },
      }),
    },
};
