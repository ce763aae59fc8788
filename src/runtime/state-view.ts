/**
 * Layered key-value state for execution: a read-only base (the committed
 * state), a block overlay, and a transaction overlay on top. A transaction's
 * writes land in its own overlay and reach the block overlay only if it
 * succeeds, so a failed transaction changes nothing.
 *
 * Values are JSON; `null` in an overlay marks a deletion.
 */
import type { Json } from '../crypto/canonical-json.js';

export interface StateReader {
  get(key: string): Json | undefined;
}

export const STATE_KEY_MAX = 256;

export class Overlay implements StateReader {
  readonly writes = new Map<string, Json | null>();
  constructor(private readonly base: StateReader) {}
  get(key: string): Json | undefined {
    const w = this.writes.get(key);
    if (w !== undefined) return w === null ? undefined : w;
    return this.base.get(key);
  }
  set(key: string, value: Json): void {
    this.writes.set(key, value);
  }
  delete(key: string): void {
    this.writes.set(key, null);
  }
  /** Move this overlay's writes into `target`. */
  mergeInto(target: Overlay): void {
    for (const [k, v] of this.writes) target.writes.set(k, v);
  }
}
