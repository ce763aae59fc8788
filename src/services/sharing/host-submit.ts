/**
 * Transactions the sharing host has its node sign, and the wait for their
 * result: the access entry a read needs before the store decrypts, a
 * record's commitment, a release, a purge confirmation.
 *
 * Why the node signs (service-host.ts `contribute`): the node key is listed
 * by its organisation, so the chain records the organisation (and the
 * official the entry names), and no official has to be online to sign the
 * entry a transfer needs. A node contributes only to blocks it proposes;
 * on a BFT network each validator proposes in turn, so a wait lasts a few
 * blocks. A contribution abandoned (its block lost the round, or no room)
 * is offered again, up to `TRIES_MAX` times.
 *
 * Limits: `PENDING_MAX` waiting transactions (a submit past it is refused
 * at once), `PER_BLOCK_MAX` in one block, and each caller's own wait.
 */
import type { Json } from '../../crypto/canonical-json.js';
import type { Contribution, ContributionOutcome, BlockSpace } from '../../node/service-host.js';
import { SHARING_MODULE } from './module.js';

export const PENDING_MAX = 10_000;
const PER_BLOCK_MAX = 256;
const TRIES_MAX = 20;

/** The result of a submitted transaction: its code (OK, a SHARING_* refusal), or why it never made it into a block. */
export interface Submitted {
  code: string;
  message?: string;
  txId?: string;
  height?: number;
  /** Events the transaction emitted (their `entry` names an access entry). */
  events?: readonly Json[];
}

interface Job {
  action: string;
  args: { [key: string]: Json };
  tries: number;
  inFlight: boolean;
  done(result: Submitted): void;
}

export interface SubmitQueue {
  /** Queue a `sharing.<action>` for the node to sign into a block it proposes; resolves with its result (never rejects). */
  submit(action: string, args: { [key: string]: Json }, timeoutMs: number): Promise<Submitted>;
  pendingWork(): number;
  contribute(space: BlockSpace): Contribution[];
  /** Give up every waiting transaction (the node is closing). */
  close(): void;
}

export function createSubmitQueue(workAvailable: () => void): SubmitQueue {
  const jobs = new Set<Job>();
  const settle = (job: Job, outcome: ContributionOutcome): void => {
    job.inFlight = false;
    if (outcome.status === 'abandoned') {
      if (++job.tries < TRIES_MAX) return void workAvailable();
      jobs.delete(job);
      return job.done({ code: 'SHARING_ACCESS_NOT_RECORDED', message: `not recorded after ${TRIES_MAX} blocks: ${outcome.reason}` });
    }
    jobs.delete(job);
    const r = outcome.result as { code: string; message?: string; events?: Json[] };
    job.done({ code: r.code, ...(r.message ? { message: r.message } : {}), txId: outcome.txId, height: outcome.height, ...(r.events ? { events: r.events } : {}) });
  };
  return {
    submit(action, args, timeoutMs) {
      if (jobs.size >= PENDING_MAX) return Promise.resolve({ code: 'SHARING_ACCESS_NOT_RECORDED', message: `${PENDING_MAX} transactions wait for a block already` });
      return new Promise<Submitted>((resolve) => {
        let finished = false;
        const timer = setTimeout(() => {
          if (finished) return;
          finished = true;
          // It may still commit later: the chain then has an entry for a read that did not happen, never the reverse.
          resolve({ code: 'SHARING_ACCESS_NOT_RECORDED', message: `no block recorded it within ${timeoutMs} ms` });
        }, timeoutMs);
        const job: Job = {
          action,
          args,
          tries: 0,
          inFlight: false,
          done: (result) => {
            clearTimeout(timer);
            if (finished) return;
            finished = true;
            resolve(result);
          },
        };
        jobs.add(job);
        workAvailable();
      });
    },
    pendingWork: () => [...jobs].filter((j) => !j.inFlight).length,
    contribute(space) {
      const out: Contribution[] = [];
      for (const job of jobs) {
        if (out.length >= Math.min(PER_BLOCK_MAX, space.txsMax)) break;
        if (job.inFlight) continue;
        job.inFlight = true;
        out.push({ body: { module: SHARING_MODULE, action: job.action, args: job.args }, settled: (outcome) => settle(job, outcome) });
      }
      return out;
    },
    close() {
      for (const job of jobs) job.done({ code: 'SHARING_ACCESS_NOT_RECORDED', message: 'the node is closing' });
      jobs.clear();
    },
  };
}
