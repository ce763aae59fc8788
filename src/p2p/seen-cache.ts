/**
 * The bounded set of gossip digests a node has already seen, for dedup.
 *
 * Two generations: new digests go into `current`; when it holds half the
 * limit, it becomes `previous` and the old `previous` is forgotten. A digest
 * is remembered for at least `entriesMax / 2` further insertions and memory
 * never exceeds `entriesMax` entries. Unlike clearing one set when it is
 * full, this never forgets everything at once (which would let every message
 * still circulating be delivered and relayed a second time).
 */
export interface SeenCache {
  /** Record `digest`; true when it was not seen before. */
  add(digest: string): boolean;
  has(digest: string): boolean;
  readonly size: number;
}

export function createSeenCache(entriesMax: number): SeenCache {
  if (!Number.isInteger(entriesMax) || entriesMax < 2) throw new TypeError(`expected an entriesMax of at least 2, got ${entriesMax}`);
  const generationMax = Math.floor(entriesMax / 2);
  let current = new Set<string>();
  let previous = new Set<string>();
  const has = (digest: string): boolean => current.has(digest) || previous.has(digest);
  return {
    add(digest) {
      if (has(digest)) return false;
      if (current.size >= generationMax) {
        previous = current;
        current = new Set();
      }
      current.add(digest);
      return true;
    },
    has,
    get size() {
      return current.size + previous.size;
    },
  };
}
