/**
 * Changing the validator set by the chain itself (spec/consensus.md §9).
 *
 * A validator proposes a whole new set; validators of the current set
 * approve it; once the approvers hold more than two thirds of the current
 * voting power, the new set is scheduled to take effect two blocks after the
 * block that completed the approval — never earlier, so that every node knows
 * the set of height h + 1 once block h - 1 is committed, before anyone votes
 * on h + 1. No single key can change the consortium. (Organisation-level
 * governance, which will propose and vote on such changes, comes with the
 * membership layer; it will call the same schedule.)
 *
 * State:
 *   consensus/sets           -> { sets: [{ since, validators }] }, sorted by `since`;
 *                               absent while the genesis set is in force
 *   consensus/change/<txId>  -> { validators, approvals, proposer, proposedAt, proposedAtMs, expiresAtMs }
 *                               (rules version 1: { …, proposedAt, expiresAt }, a height)
 *
 * A proposed change waits CHANGE_LIFETIME_SECONDS of block time (BFT time)
 * for approvals, not a number of blocks: blocks are cut as work arrives, so
 * on an idle chain 10,000 blocks may take months or never come, and on a
 * busy one they pass in hours. An approval counts in a block whose time is
 * at most `expiresAtMs`.
 * A week, as an organisation's operation (services/org) and a governance
 * vote: each approval is a department's operator acting on its own node, so
 * the wait must span a weekend and a day's absence; and a change nobody
 * completed should lapse rather than be scheduled months later, when the
 * set it names was reviewed against a consortium that has moved on. Changes
 * stored before (a height in `expiresAt`) still expire by their height.
 *
 * A one-validator pilot grows into a BFT network the same way: its
 * validator (all the power) proposes the new set, which is scheduled at
 * once. Its solo engine stops before the first height of the new set, and
 * from there the nodes run Tendermint (src/node/engine.ts); the solo blocks
 * before it stay valid, so the pilot's receipts still verify
 * (spec/operations.md, "Grow a pilot into a BFT network").
 */
import { ed25519PointProblem } from '../../crypto/ed25519-point.js';
import { Type } from '@sinclair/typebox';
import { PolityError } from '../../ledger/errors.js';
import { rulesAllow } from '../../runtime/rules.js';
import { isoTime } from '../iso-time.js';
import { beforeDeadline, deadlineText } from '../deadline.js';
import { TOTAL_POWER_MAX, type Validator } from '../../ledger/genesis.js';
import { defineAction, type ActionContext, type ModuleDefinition } from '../../runtime/module.js';
import { SETS_KEY, type ScheduledSet } from '../../runtime/validator-schedule.js';
import { Hex32, ValidatorSchema } from '../schemas.js';
import { SET_CHANGE_DELAY, VALIDATORS_MAX, VALIDATORS_MIN } from './limits.js';

export const changeKey = (id: string): string => `consensus/change/${id}`;
/** How long a proposed change may wait for approvals, in seconds of block time: a week (header). */
export const CHANGE_LIFETIME_SECONDS = 7 * 24 * 3600;
/** Rules version 1 (release 0.1.0): how many blocks a proposed change waited. */
export const CHANGE_LIFETIME_BLOCKS_V1 = 10_000;
/** Blocks between the approval that completes a change and the first block the new set signs (limits.ts). */
export { SET_CHANGE_DELAY };

export const ProposeArgs = Type.Object({ validators: Type.Array(ValidatorSchema, { minItems: VALIDATORS_MIN, maxItems: VALIDATORS_MAX }) }, { additionalProperties: false });
export const ApproveArgs = Type.Object({ id: Hex32 }, { additionalProperties: false });

export interface Change {
  validators: Validator[];
  approvals: string[];
  proposer: string;
  /** The height of the block that proposed it. */
  proposedAt: number;
  /** That block's time (ms since the epoch); absent on changes made under rules version 1. */
  proposedAtMs?: number;
  /** The deadline: the last block time (ms since the epoch) at which an approval counts. */
  expiresAtMs?: number;
  /** Changes made under rules version 1 only: the last height at which an approval counts. */
  expiresAt?: number;
}

/** Rules version 1 (runtime/rules.ts soloSetChange): a one-validator chain's set was fixed by its genesis. */
function refuseSoloV1(ctx: ActionContext): void {
  if (!rulesAllow(ctx.rulesVersion, 'soloSetChange') && ctx.validators.length < 2) {
    throw new PolityError('VALIDATORS_SOLO_CHAIN', 'a one-validator chain runs solo consensus; its validator set is fixed by its genesis');
  }
}

/** Can `validators` be a set of this chain? Checked when a set is proposed and again when it is scheduled. */
export function checkSet(ctx: ActionContext, validators: readonly Validator[]): void {
  refuseSoloV1(ctx);
  const keys = new Set(validators.map((v) => v.pubKey));
  if (validators.length < VALIDATORS_MIN || keys.size !== validators.length) throw new PolityError('VALIDATORS_INVALID_SET', 'a set needs at least two validators, each listed once');
  if (validators.reduce((s, v) => s + v.power, 0) > TOTAL_POWER_MAX) throw new PolityError('VALIDATORS_INVALID_SET', `total voting power over ${TOTAL_POWER_MAX}`);
  // A key no secret key makes could never sign: its power would count against every quorum.
  for (const v of rulesAllow(ctx.rulesVersion, 'ed25519PointChecks') ? validators : []) {
    const problem = ed25519PointProblem(v.pubKey);
    if (problem) throw new PolityError('VALIDATORS_INVALID_SET', `the node key of ${v.name.slice(0, 64)} is no Ed25519 public key: ${problem}`);
  }
}

function powerOf(validators: readonly Validator[], keys: readonly string[]): number {
  return validators.filter((v) => keys.includes(v.pubKey)).reduce((s, v) => s + v.power, 0);
}

/** Schedule `change` if its approvers hold more than two thirds of the current power; true when scheduled. */
function maybeSchedule(ctx: ActionContext, id: string, change: Change): boolean {
  const total = ctx.validators.reduce((s, v) => s + v.power, 0);
  if (powerOf(ctx.validators, change.approvals) * 3 <= total * 2) {
    ctx.set(changeKey(id), change as never);
    return false;
  }
  ctx.delete(changeKey(id));
  scheduleSet(ctx, change.validators, id);
  return true;
}

/** The latest set the schedule holds (in force, or scheduled to be). */
export function latestSet(ctx: ActionContext): readonly Validator[] {
  const sets = (ctx.get(SETS_KEY) as unknown as { sets: ScheduledSet[] } | undefined)?.sets ?? [];
  return sets.length > 0 ? sets[sets.length - 1]!.validators : ctx.validators; // no change yet: the genesis set signs
}

/**
 * Schedule `validators` to sign from height + SET_CHANGE_DELAY: the one way
 * the set changes, whether two thirds of the validators approved it here or
 * the organisations decided it by governance (services/gov).
 */
export function scheduleSet(ctx: ActionContext, validators: Validator[], id: string): number {
  checkSet(ctx, validators);
  const since = ctx.height + SET_CHANGE_DELAY;
  const schedule = (ctx.get(SETS_KEY) as unknown as { sets: ScheduledSet[] } | undefined) ?? { sets: [] };
  const sets = schedule.sets.filter((s) => s.since !== since);
  sets.push({ since, validators });
  sets.sort((a, b) => a.since - b.since);
  ctx.set(SETS_KEY, { sets } as never);
  ctx.emit({ type: 'validators.scheduled', id, since, validators: validators.length });
  return since;
}

export const validatorsModule: ModuleDefinition = {
  name: 'validators',
  description: 'Change the validator set: a validator proposes a new set, validators with more than two thirds of the power approve it, it takes effect two blocks later.',
  state: { owns: ['consensus/'] },
  actions: {
    propose: defineAction({
      access: 'validator',
      args: ProposeArgs,
      description: 'Propose a new validator set (the whole set); counts as the proposer’s approval. Its id is this transaction’s id.',
      execute(ctx, args) {
        checkSet(ctx, args.validators);
        const made = { validators: args.validators, approvals: [ctx.signer], proposer: ctx.signer, proposedAt: ctx.height };
        // Rules version 1 (runtime/rules.ts timeDeadlines): the change waits CHANGE_LIFETIME_BLOCKS_V1 blocks.
        const change: Change = rulesAllow(ctx.rulesVersion, 'timeDeadlines')
          ? { ...made, proposedAtMs: ctx.time, expiresAtMs: ctx.time + CHANGE_LIFETIME_SECONDS * 1000 }
          : { ...made, expiresAt: ctx.height + CHANGE_LIFETIME_BLOCKS_V1 };
        ctx.emit({ type: 'validators.proposed', id: ctx.txId, validators: args.validators.length });
        maybeSchedule(ctx, ctx.txId, change);
      },
    }),
    approve: defineAction({
      access: 'validator',
      args: ApproveArgs,
      description: 'Approve a proposed validator set; the last approval needed schedules it.',
      execute(ctx, args) {
        refuseSoloV1(ctx);
        const change = ctx.get(changeKey(args.id)) as unknown as Change | undefined;
        if (!change) throw new PolityError('VALIDATORS_CHANGE_UNKNOWN', 'no pending change of the validator set has this id');
        // Judged by this block's height and time alone: no node's clock reaches a transition.
        if (!beforeDeadline(change, { height: ctx.height, timeMs: ctx.time })) {
          // Rules version 1 (runtime/rules.ts timeDeadlines) said it in its own words (a result's message is part of the results root).
          if (!rulesAllow(ctx.rulesVersion, 'timeDeadlines')) throw new PolityError('VALIDATORS_CHANGE_EXPIRED', `the change expired at height ${change.expiresAt}`);
          throw new PolityError('VALIDATORS_CHANGE_EXPIRED', `the change expired at ${deadlineText(change)}${change.expiresAtMs !== undefined ? `; this block's time is ${isoTime(ctx.time)}` : ''}`);
        }
        if (change.approvals.includes(ctx.signer)) throw new PolityError('VALIDATORS_ALREADY_APPROVED', 'this validator already approved the change');
        maybeSchedule(ctx, args.id, { ...change, approvals: [...change.approvals, ctx.signer] });
      },
    }),
  },
};
