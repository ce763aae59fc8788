/**
 * The damage marker, `<data>/chain-damaged.json` (spec/storage.md §8.3-8.4):
 * what a running node leaves when it finds its block store damaged after
 * start (the background scan, or a read LevelDB could not serve).
 *
 * Why: the start-up check reads the headers, the head and the state, not
 * every body, so damage the scan found in an old block passes it, and
 * without a record the next start would go on as if nothing had been
 * found. With the marker the next start treats the store as the start-up
 * check refusing it: a BFT validator (repair on) moves it aside and
 * resyncs, then deletes the marker; a solo node, or `--no-repair`, refuses
 * with a message that names the marker.
 *
 * Written once per run (the first damage found), atomically
 * (atomic-file.ts); it names the store and what is damaged (a kind and a
 * height, never a key). A marker that cannot be parsed still counts: it is
 * evidence of damage either way.
 */
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFile, syncDir } from '../storage/atomic-file.js';

export const DAMAGE_MARKER_FILE = 'chain-damaged.json';
/** Longest `detail` kept: one damage sentence, not a log. */
const DETAIL_CHARS_MAX = 1000;
/** Largest marker read back: anything bigger is not one this node wrote. */
const MARKER_BYTES_MAX = 16 * 1024;

export interface DamageMarker {
  v: 1;
  kind: 'polity/chain-damaged';
  /** The store found damaged. */
  store: string;
  /** The first damage found, as logged in `store.damaged`. */
  detail: string;
  /** When, as an ISO 8601 UTC time. */
  foundAt: string;
}

export const damageMarkerPath = (dataDir: string): string => join(dataDir, DAMAGE_MARKER_FILE);

export async function saveDamageMarker(dataDir: string, store: string, detail: string, nowMs: number): Promise<void> {
  const marker: DamageMarker = { v: 1, kind: 'polity/chain-damaged', store, detail: detail.slice(0, DETAIL_CHARS_MAX), foundAt: new Date(nowMs).toISOString() };
  await replaceFile(damageMarkerPath(dataDir), JSON.stringify(marker) + '\n');
}

/** The marker, if there is one; one that is not readable JSON is reported as such, never ignored. */
export async function loadDamageMarker(dataDir: string): Promise<{ detail: string; foundAt: string } | undefined> {
  let text: string;
  try {
    text = await readFile(damageMarkerPath(dataDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    if (text.length > MARKER_BYTES_MAX) throw new Error('too large');
    const parsed = JSON.parse(text) as Partial<DamageMarker>;
    return { detail: String(parsed.detail ?? 'no detail recorded').slice(0, DETAIL_CHARS_MAX), foundAt: String(parsed.foundAt ?? 'an unknown time').slice(0, 40) };
  } catch {
    return { detail: 'the marker itself is unreadable', foundAt: 'an unknown time' };
  }
}

/** Remove the marker durably (the store it named was moved aside, or is gone). */
export async function clearDamageMarker(dataDir: string): Promise<void> {
  await unlink(damageMarkerPath(dataDir)).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  await syncDir(dataDir);
}
