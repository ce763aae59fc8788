/**
 * What a running node knows of its block store's health, for
 * `GET /v1/status` (`storage`) and its log, and the move of a damaged store
 * aside (spec/storage.md §8).
 *
 * Damage is learnt two ways: the background scan after start
 * (store-check.ts) and any read that finds it (the store's `onDamage`, the
 * same reads that answer `503 STORE_CORRUPT`). Either way it is logged once,
 * as an error that names the store and what is damaged (a kind and a
 * height, never a key), and stays reported until the node restarts: the
 * node keeps answering what it can read. It is also recorded once in the
 * data directory (`record`: the damage marker, damage-marker.ts), so that
 * the next start does not take a store that passes its cheap check for an
 * intact one.
 *
 * Moving aside rather than deleting: the store may hold what exists nowhere
 * else (the leaves of the notary batches this node aggregated), so a
 * validator that repairs itself from its peers renames `<data>/chain` to
 * `<data>/chain.damaged-<UTC time>` and leaves it for the operator.
 */
import { rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDir } from '../storage/atomic-file.js';
import type { ChainStore } from '../storage/interface.js';
import type { Logger } from './log.js';
import { scanStore, type StoreScanOptions } from './store-check.js';

/** `storage` in GET /v1/status. */
export interface StorageStatus {
  /** checking: the scan since start has not finished; ok: it read everything back; damaged: see `detail`. */
  state: 'checking' | 'ok' | 'damaged';
  /** What is damaged (the first found), naming the store. */
  detail?: string;
  /** When the last full scan finished, ms since the epoch. */
  checkedAt?: number;
}

export interface StoreHealth {
  /** Report damage (from a read or the scan); logged the first time. */
  damaged(message: string): void;
  status(): StorageStatus;
  /** The full scan, in the background: resolves when it ends (never rejects). */
  scan(store: ChainStore, options: StoreScanOptions): Promise<void>;
  /** Resolves once the damage found so far is recorded (awaited when the node closes). */
  settled(): Promise<void>;
}

/** Records the first damage found where the next start sees it; may reject (logged, never thrown). */
export type DamageRecorder = (detail: string) => Promise<void>;

export function createStoreHealth(log: Logger, path: string, record?: DamageRecorder): StoreHealth {
  let state: StorageStatus['state'] = 'checking';
  let detail: string | undefined;
  let checkedAt: number | undefined;
  let recorded: Promise<void> = Promise.resolve();
  const damaged = (message: string): void => {
    if (state === 'damaged') return;
    state = 'damaged';
    detail = message;
    log.error('store.damaged', { path, detail: message, next: 'reads of the damaged data answer 503 STORE_CORRUPT; see spec/storage.md §8.4 to recover' });
    if (record) {
      recorded = record(message).catch((e: unknown) => log.error('store.damageNotRecorded', { path, error: String((e as Error).message ?? e).slice(0, 200) }));
    }
  };
  return {
    damaged,
    settled: () => recorded,
    status: () => ({ state, ...(detail ? { detail } : {}), ...(checkedAt ? { checkedAt } : {}) }),
    async scan(store, options) {
      try {
        const result = await scanStore(store, { ...options, onDamage: damaged });
        if (options.stopped?.()) return;
        checkedAt = Date.now();
        if (result.ok && state === 'checking') state = 'ok';
        log.info('store.checked', { path, ok: result.ok, entries: result.entries, blocks: result.blocks, megabytes: Math.round(result.bytes / 2 ** 20), ms: result.ms });
      } catch (e) {
        // The store closed under the scan (the node is stopping), or a bug: said, never thrown.
        if (!options.stopped?.()) log.error('store.checkFailed', { path, error: String((e as Error).message ?? e).slice(0, 200) });
      }
    },
  };
}

/** `20261105T230103Z`: a UTC time that sorts and has no colons (which some file systems refuse). */
const stamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');

/** Rename a damaged store to `<path>.damaged-<UTC time>` (with `-2`, `-3`… if taken); returns the new path. */
export async function moveStoreAside(path: string, nowMs: number): Promise<string> {
  const base = `${path}.damaged-${stamp(nowMs)}`;
  let target = base;
  for (let n = 2; await stat(target).then(() => true, () => false); n++) target = `${base}-${n}`;
  await rename(path, target);
  await syncDir(dirname(path));
  return target;
}
