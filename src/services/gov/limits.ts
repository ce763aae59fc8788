/**
 * Bounds on a governance proposal's voting period, in seconds of block time
 * (BFT time). In a file of their own, free of the argument schemas, so the
 * web pages and the CLI check a proposal against the same numbers before
 * anything is signed.
 *
 * Why time and not blocks: a chain that cuts no empty blocks makes blocks as
 * work arrives, so a count of blocks says nothing about how long members had
 * to vote. The floor, 10 s, is above a block's commit under load (a vote
 * sent at once still lands in time); the ceiling is a year and a day; the
 * default, a week, is what the consortium gets until it sets `votingSeconds`.
 */
export const VOTING_SECONDS_MIN = 10;
export const VOTING_SECONDS_MAX = 366 * 24 * 3600;
/** The voting period of a chain whose gov/params carry no `votingSeconds` (every chain until governance sets one). */
export const VOTING_SECONDS_DEFAULT = 7 * 24 * 3600;
