/**
 * A deadline as the services keep it: a block time (ms since the epoch),
 * or, on records stored under rules version 1, a height. Judged by a block
 * (its height and time) or by a reader's view of the head, never by a
 * node's clock, so every node reaches the same verdict. Pending
 * organisation operations, key reservations, governance proposals and
 * validator-set changes all use it.
 */
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
