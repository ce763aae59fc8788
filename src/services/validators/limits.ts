/**
 * Bounds on a validator set the chain changes to (validators.propose and
 * governance's setValidators), and when a new set starts signing. In a file
 * of their own, free of the argument schemas, so the web pages check a set
 * against the same numbers before anything is signed, and say the same.
 */

/** A set of one runs solo consensus (a pilot's genesis): a changed set has at least two validators, so a pilot can grow into a BFT network but a network never shrinks back to solo. */
export const VALIDATORS_MIN = 2;
/** Most validators a set may hold. */
export const VALIDATORS_MAX = 100;
/** Blocks between the approval that completes a change and the first block the new set signs. */
export const SET_CHANGE_DELAY = 2;
