/**
 * Rules versions: which transition rules a chain's blocks were made under.
 *
 * A block is valid only if every node that replays it from genesis gets the
 * same results and state, so a release that changes what a transaction does
 * or refuses cannot simply change it: the blocks made before would replay
 * differently and a syncing node would halt. Such a release adds a rules
 * version; the old version's behaviour stays in the code, and a chain moves
 * up by governance (gov `upgradeRules`), from the block after the one that
 * executed it. What each version changes is listed in runtime/rules.ts.
 *
 * A genesis names its version in `params.rulesVersion`; absent means 1, the
 * rules of release 0.1.0, so genesis files written before keep their hash.
 */

/** Release 0.1.0's rules: the version of a genesis without `params.rulesVersion`. */
export const RULES_VERSION_FIRST = 1;
/** The newest version this release knows; new genesis files are written with it. */
export const RULES_VERSION_CURRENT = 2;

/** The version a genesis starts under. */
export function genesisRulesVersion(params: { rulesVersion?: number }): number {
  return params.rulesVersion ?? RULES_VERSION_FIRST;
}

/** Is `value` a rules version this release can run? */
export function isKnownRulesVersion(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= RULES_VERSION_FIRST && (value as number) <= RULES_VERSION_CURRENT;
}
