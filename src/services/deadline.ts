/**
 * A deadline as the services keep it: a block time (ms since the epoch),
 * or, on records stored under rules version 1, a height. Judged by a block
 * (its height and time) or by a reader's view of the head, never by a
 * node's clock, so every node reaches the same verdict. Pending
 * organisation operations, key reservations, governance proposals and
 * validator-set changes all use it.
 */
import { Type } from '@sinclair/typebox';
import { Height, TimeIso, TimeMs } from '../schemas/common.js';
import { isoTime } from './iso-time.js';

/** A deadline (a time, or on records stored before, a height) as it stands for a block or a reader. */
export interface Deadline {
  expiresAtMs?: number;
  expiresAt?: number;
}

/** Is a deadline still ahead of (or at) the block `at` (its height and time, ms)? */
export function beforeDeadline(d: Deadline, at: { height: number; timeMs: number }): boolean {
  return d.expiresAtMs !== undefined ? at.timeMs <= d.expiresAtMs : at.height <= (d.expiresAt ?? 0);
}

/** A deadline in words for messages: an ISO 8601 time, or a block on old records. */
export const deadlineText = (d: Deadline): string => (d.expiresAtMs !== undefined ? isoTime(d.expiresAtMs) : `block ${d.expiresAt}`);

/**
 * The members a pending item answers with for its proposal and deadline:
 * when it was proposed (height, ms and ISO 8601) and its deadline (ms and
 * ISO 8601, or on older records a height). `counts` is what the deadline
 * bounds ("a vote"); `older` names the records that carry a height.
 */
export function deadlineFields(counts: string, older: string) {
  return {
    proposedAt: Height,
    proposedAtMs: Type.Optional(TimeMs),
    proposedAtIso: Type.Optional(TimeIso),
    expiresAtMs: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: `the deadline, ms since the epoch: the last block time at which ${counts} counts` })),
    expiresAtIso: Type.Optional(TimeIso),
    expiresAt: Type.Optional(Type.Integer({ minimum: 0, description: `${older}: the last height at which ${counts} counts` })),
  };
}
