/**
 * Bounds on a governance proposal's voting period, in blocks. In a file of
 * their own, free of the argument schemas, so the web pages check a proposal
 * against the same numbers before anything is signed.
 */
export const VOTING_BLOCKS_MIN = 2;
export const VOTING_BLOCKS_MAX = 1_000_000;
