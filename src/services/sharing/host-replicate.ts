/**
 * Retry replication (spec/services/sharing.md §11): a holder node that was
 * down (or unreachable) when a record was stored still gets its copy. The
 * storing node keeps, per record, the holder nodes that have not
 * acknowledged their copy, and offers it again — when the node is connected,
 * with a backoff after each failed try — until the node has it, the record
 * is erased (no longer `held` on the chain), or the node is no longer a
 * node of a holder organisation. The receiver checks the copy against the
 * commitment on arrival, as for the first offer (`acceptReplica`).
 *
 * The list survives a restart: `<data>/sharing/replicate.json`, rewritten
 * whole (temporary file, flush, rename) when it changed, at most once a
 * tick. It holds record ids and node keys only: no personal data.
 *
 * Limits: `PENDING_RECORDS_MAX` records waiting; `TRIES_MAX` failed tries
 * per node while it is connected (a node that is away is not tried, so it
 * is not given up on); backoff from 1 s doubling to `BACKOFF_MAX_MS`; at
 * most `SENDS_PER_TICK` offers a tick.
 */
import { mkdir, open as openFile, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostPeers } from '../../node/service-host.js';
import type { Logger } from '../../node/log.js';
import { getRecord, type Get } from './module.js';
import type { PrivateStore } from './host-store.js';
import { encodeMessage } from './host-transfer.js';

export const PENDING_RECORDS_MAX = 10_000;
export const TRIES_MAX = 12;
export const BACKOFF_MAX_MS = 60_000;
const BACKOFF_FIRST_MS = 1000;
export const TICK_MS = 1000;
const SENDS_PER_TICK = 16;
/** How long one offer waits for the holder's answer, ms. */
const OFFER_WAIT_MS = 25_000;

interface Waiting {
  /** Node key -> failed tries so far and the wall-clock time of the next try (ms). */
  nodes: Record<string, { tries: number; nextAt: number }>;
}

export interface Replicator {
  open(): Promise<void>;
  /** Remember that these holder nodes still need their copy of a record (resolves once that is on disk). */
  add(recordId: string, nodes: readonly string[]): Promise<void>;
  /** One round: offer each due copy to its connected node. */
  tick(): Promise<void>;
  /** Records waiting for at least one node. */
  readonly size: number;
  close(): Promise<void>;
}

export interface ReplicatorDeps {
  dataDir: string;
  get: Get;
  store: PrivateStore;
  peers: HostPeers;
  /** Is this node key a node of one of the record's holder organisations now? */
  mayHold(recordId: string, nodeKey: string): boolean;
  log: Logger;
  now?: () => number;
}

export function createReplicator(deps: ReplicatorDeps): Replicator {
  const path = join(deps.dataDir, 'sharing', 'replicate.json');
  const now = deps.now ?? Date.now;
  const waiting = new Map<string, Waiting>();
  let dirty = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const save = async (): Promise<void> => {
    if (!dirty) return;
    dirty = false;
    const tmp = `${path}.${process.pid}.tmp`;
    const handle = await openFile(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify({ v: 1, records: Object.fromEntries(waiting) }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  };

  const tick = async (): Promise<void> => {
    const connected = new Set(deps.peers.connectedPeers());
    let sends = 0;
    for (const [recordId, w] of waiting) {
      if (getRecord(deps.get, recordId)?.status !== 'held' || !deps.store.has(recordId)) {
        waiting.delete(recordId); // erased: nothing to hand over any more
        dirty = true;
        continue;
      }
      for (const [node, state] of Object.entries(w.nodes)) {
        if (!deps.mayHold(recordId, node)) {
          delete w.nodes[node];
          dirty = true;
          continue;
        }
        if (!connected.has(node) || state.nextAt > now() || sends >= SENDS_PER_TICK || closed) continue;
        sends++;
        const copy = await deps.store.copyOf(recordId);
        if (!copy) break;
        try {
          await deps.peers.request(node, encodeMessage({ type: 'replicate', recordId, dataset: copy.dataset, subject: copy.subject, envelope: copy.envelope }), OFFER_WAIT_MS);
          delete w.nodes[node];
          deps.log.info('sharing.replicated', { record: recordId.slice(0, 16), retry: state.tries + 1 });
        } catch (e) {
          state.tries++;
          state.nextAt = now() + Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** state.tries);
          if (state.tries >= TRIES_MAX) delete w.nodes[node];
          deps.log.warn('sharing.replicateFailed', { record: recordId.slice(0, 16), tries: state.tries, gaveUp: state.tries >= TRIES_MAX, error: (e as Error).message.slice(0, 200) });
        }
        dirty = true;
      }
      if (Object.keys(w.nodes).length === 0) waiting.delete(recordId);
    }
    await save();
  };

  return {
    get size() {
      return waiting.size;
    },
    async open() {
      await mkdir(join(deps.dataDir, 'sharing'), { recursive: true, mode: 0o700 });
      try {
        const file = JSON.parse(await readFile(path, 'utf8')) as { v?: number; records?: Record<string, Waiting> };
        for (const [id, w] of Object.entries(file.records ?? {}).slice(0, PENDING_RECORDS_MAX)) {
          if (/^[0-9a-f]{64}$/.test(id) && w && typeof w.nodes === 'object') waiting.set(id, { nodes: Object.fromEntries(Object.entries(w.nodes).map(([n, s]) => [n, { tries: Number(s?.tries) || 0, nextAt: 0 }])) });
        }
      } catch {
        // No file yet (or a torn one from before the rename: the old list is lost, the records stay).
      }
      timer = setInterval(() => {
        running = running.then(tick).catch((e: unknown) => deps.log.error('sharing.replicateTick', { error: (e as Error).message.slice(0, 200) }));
      }, TICK_MS);
      timer.unref();
    },
    async add(recordId, nodes) {
      if (nodes.length === 0) return;
      if (!waiting.has(recordId) && waiting.size >= PENDING_RECORDS_MAX) {
        deps.log.warn('sharing.replicateQueueFull', { record: recordId.slice(0, 16), limit: PENDING_RECORDS_MAX });
        return;
      }
      const w = waiting.get(recordId) ?? { nodes: {} };
      for (const n of nodes) w.nodes[n] ??= { tries: 0, nextAt: 0 };
      waiting.set(recordId, w);
      dirty = true;
      const saved = running.then(save);
      running = saved.catch(() => {});
      await saved;
    },
    tick: () => (running = running.then(tick)),
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await running.catch(() => {});
      await save().catch(() => {});
    },
  };
}
