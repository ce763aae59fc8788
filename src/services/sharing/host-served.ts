/**
 * Which released requests this holder node has answered
 * (spec/services/sharing.md §Transfer): each release is good for one
 * transfer, so a node that restarts must not forget what it sent, or a
 * released request could be answered twice. Kept in
 * `<data>/sharing/served.log`, one line `<request id> <release time ms>`,
 * appended and flushed *before* the answer leaves the node: a crash after
 * the flush loses at most an answer (the asker fetches again and is refused
 * with SHARING_TRANSFER_ANSWERED — fail closed), never allows a second one.
 *
 * Why not the chain: recording "answered" on the chain would cost a
 * transaction and a block's wait per transfer, for a fact only this
 * organisation's nodes need.
 *
 * Bounds: a release is answered only within `SERVED_WINDOW_MS` of its
 * block (older ones are refused with SHARING_RELEASE_STALE), so a line whose
 * release is older than the window can be dropped — a second ask would be
 * refused anyway. At open the file is compacted to the lines still inside
 * the window (written to a temporary file, flushed, renamed). At most
 * `SERVED_MAX` lines are kept; past that, answers are refused
 * (SHARING_STORE_FULL) until old ones age out. A torn last line (a crash
 * mid-append) is ignored: its answer was never sent.
 */
import { open as openFile, mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { PolityError } from '../../ledger/errors.js';
import './errors-store.js';

/** How long after its block a release is answered, ms (7 days). */
export const SERVED_WINDOW_MS = 7 * 24 * 3600 * 1000;
/** Answered requests remembered at most (each line ~80 bytes: 8 MB). */
export const SERVED_MAX = 100_000;
const LINE_RE = /^([0-9a-f]{64}) (\d{1,16})$/;

export interface ServedLog {
  /** Read the file back and compact it to what is inside the window at `now` (chain time, ms). */
  open(now: number): Promise<void>;
  /** Answered already, or being answered now. */
  has(requestId: string): boolean;
  /** Reserve a request while its answer is built (two asks at once: one wins); false when taken. */
  take(requestId: string): boolean;
  /** Give a reservation back (nothing was sent). */
  release(requestId: string): void;
  /** Make a reservation durable: appended and flushed; call before the answer is sent. */
  record(requestId: string, releasedAt: number): Promise<void>;
  readonly size: number;
}

/** `dataDir` undefined: remembered in memory only (benchmarks and unit tests of the transfer alone). */
export function createServedLog(dataDir: string | undefined, max = SERVED_MAX): ServedLog {
  const dir = join(dataDir ?? '.', 'sharing');
  const path = join(dir, 'served.log');
  /** Request id -> release time (ms). */
  const served = new Map<string, number>();
  const taken = new Set<string>();
  let appending: Promise<void> = Promise.resolve();

  const append = async (line: string): Promise<void> => {
    if (dataDir === undefined) return;
    const handle = await openFile(path, 'a', 0o600);
    try {
      await handle.write(line);
      await handle.sync();
    } finally {
      await handle.close();
    }
  };

  return {
    get size() {
      return served.size;
    },
    async open(now) {
      if (dataDir === undefined) return;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      let text = '';
      try {
        text = await readFile(path, 'utf8');
      } catch {
        text = '';
      }
      // Only lines ended by their newline count: what follows the last one is a torn append (or nothing).
      for (const line of text.split('\n').slice(0, -1)) {
        const m = LINE_RE.exec(line);
        if (m && Number(m[2]) + SERVED_WINDOW_MS > now) served.set(m[1]!, Number(m[2]));
      }
      const tmp = `${path}.${process.pid}.tmp`;
      const handle = await openFile(tmp, 'w', 0o600);
      try {
        await handle.writeFile([...served].map(([id, t]) => `${id} ${t}\n`).join(''));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, path);
    },
    has: (id) => served.has(id) || taken.has(id),
    take(id) {
      if (served.has(id) || taken.has(id)) return false;
      taken.add(id);
      return true;
    },
    release: (id) => void taken.delete(id),
    async record(id, releasedAt) {
      // Prefixed with its code: it travels back to the asking node as the remote error's message (host-transfer.ts `refusal`).
      if (served.size >= max) throw new PolityError('SHARING_STORE_FULL', `SHARING_STORE_FULL: this node remembers ${max} answered requests, its limit, until older releases age out`);
      const next = appending.then(() => append(`${id} ${Math.max(0, Math.floor(releasedAt))}\n`));
      appending = next.catch(() => {});
      await next;
      served.set(id, releasedAt);
      taken.delete(id);
    },
  };
}
