/**
 * What each rules version changes (ledger/rules-version.ts says why versions
 * exist). A transition that behaves differently between versions asks
 * `rulesAllow(ctx.rulesVersion, 'timeDeadlines')` and keeps both branches;
 * each difference is named here once, with the version that brought it, so
 * a reader sees every change of behaviour the chain has been through.
 *
 * The version in force for a block is the state's `gov/rules` (written by a
 * gov `upgradeRules` change) as it stood after the previous block, or the
 * genesis `params.rulesVersion`: an upgrade executed in block h applies from
 * block h + 1, never within a block. It is read from state, not from a
 * node's configuration, so every node replays every block under the same
 * rules.
 */
import type { Json } from '../crypto/canonical-json.js';
import { genesisRulesVersion, RULES_VERSION_CURRENT, RULES_VERSION_FIRST } from '../ledger/rules-version.js';

export { RULES_VERSION_CURRENT, RULES_VERSION_FIRST };

/** State key of the version in force once governance moved the chain up: `{ version, fromHeight }`. */
export const RULES_KEY = 'gov/rules';

export interface RulesRecord {
  version: number;
  /** The first block executed under it (the block after the one that executed the upgrade). */
  fromHeight: number;
}

/** Each behaviour that changed, and the rules version it starts at; below it, release 0.1.0's behaviour. */
export const RULE_CHANGES = {
  /**
   * gov: a proposal's deadline is block time (`votingSeconds`, `expiresAtMs`, the `gov.proposed`
   * event carries `expiresAtMs`); `propose {votingBlocks}` and `setParameter votingBlocks` are
   * refused and `setParameter votingSeconds` is accepted. Version 1: blocks (`votingBlocks`,
   * `expiresAt` height, 2 to 1,000,000 blocks).
   * org: a pending operation waits 7 days of block time (`expiresAtMs`); version 1: OP_LIFETIME
   * = 10,000 blocks (`expiresAt` height), and an expired approval says "expired at height N".
   * validators: a proposed set change waits 7 days of block time (`proposedAtMs`, `expiresAtMs`);
   * version 1: 10,000 blocks (`expiresAt` height), "the change expired at height N".
   */
  timeDeadlines: 2,
  /**
   * validators (and gov setValidators): a one-validator chain may change its set (a pilot grows
   * into a BFT network). Version 1: refused with VALIDATORS_SOLO_CHAIN.
   */
  soloSetChange: 2,
  /**
   * did (rotate, recover) and validators (a proposed set): a public key must be a point of
   * Ed25519 that is not of small order (DID_INVALID, VALIDATORS_INVALID_SET). Version 1 took any
   * 64 hex digits.
   */
  ed25519PointChecks: 2,
} as const satisfies Record<string, number>;

export type RuleChange = keyof typeof RULE_CHANGES;

/**
 * Actions a rules version added (`module.action` -> version). Below it a chain refuses them as the
 * release before did: `TX_UNKNOWN_ACTION`, "no action module.action".
 * - sharing.requestErasure (2): a subject's signed erasure request.
 */
export const ACTIONS_ADDED: Readonly<Record<string, number>> = { 'sharing.requestErasure': 2 };

/**
 * Optional arguments a rules version added to an existing action (`module.action` -> argument ->
 * version). Below it the action's schema is checked without them, so the argument is refused as
 * the release before refused it (`TX_ARGS_INVALID`, "/name: Unexpected property").
 * - sharing.erase {erasure} (2): the erasure request an erasure carries out.
 */
export const ARGS_ADDED: Readonly<Record<string, Readonly<Record<string, number>>>> = { 'sharing.erase': { erasure: 2 } };

/** Does the behaviour `change` apply under rules version `version`? */
export function rulesAllow(version: number, change: RuleChange): boolean {
  return version >= RULE_CHANGES[change];
}

/** The rules version of the block after the state `get` reads (the state after the previous block). */
export function rulesVersionAt(get: (key: string) => Json | undefined, params: { rulesVersion?: number }): number {
  const record = get(RULES_KEY) as unknown as RulesRecord | undefined;
  return record?.version ?? genesisRulesVersion(params);
}
