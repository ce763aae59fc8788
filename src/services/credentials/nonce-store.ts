/**
 * The verifier's nonces (spec §4a): a node hands one out
 * (`POST /v1/credentials/nonces`), the holder signs it into a presentation,
 * and the node takes it back once when it verifies that presentation. Why:
 * a presentation copied on its way (or kept by a verifier) must not be
 * shown again as if the holder had just made it.
 *
 * Limits: at most `max` nonces live at once (10,000 by default), each for
 * `ttlMs` (5 minutes); a used nonce stays until it expires, so that a replay
 * is told "used" rather than "unknown". When every place is taken by an
 * unexpired nonce the store refuses to hand out more
 * (CREDENTIALS_NONCES_EXHAUSTED) rather than forget a nonce a holder may be
 * signing. Nonces live in this node's memory only: a presentation is
 * verified on the node that handed out its nonce, and a restart forgets
 * them (their presentations are then refused as replayed).
 *
 * Pure: the time and the random bytes come in as arguments. The TTL is the
 * same for every nonce, so the Map's insertion order is expiry order and
 * pruning reads from the front only.
 */

export const NONCES_MAX = 10_000;
export const NONCE_TTL_MS = 5 * 60_000;
/** 16 random bytes: 128 bits, unguessable. */
export const NONCE_BYTES = 16;

export type NonceOutcome = 'ok' | 'unknown' | 'used' | 'expired';

export interface NonceStore {
  /**
   * A fresh nonce (lowercase hex of the random bytes: never starts with "-", so it can follow
   * `--nonce` on a command line as it is) and when it expires, or undefined when `max` unexpired
   * nonces are held.
   */
  issue(nowMs: number, random: Uint8Array): { nonce: string; expiresAtMs: number } | undefined;
  /** Take a nonce back, once. */
  take(nonce: string, nowMs: number): NonceOutcome;
  size(): number;
}

export function createNonceStore(options: { max?: number; ttlMs?: number } = {}): NonceStore {
  const max = options.max ?? NONCES_MAX;
  const ttlMs = options.ttlMs ?? NONCE_TTL_MS;
  const live = new Map<string, { expiresAtMs: number; used: boolean }>();
  const prune = (nowMs: number): void => {
    for (const [nonce, n] of live) {
      if (n.expiresAtMs >= nowMs) break;
      live.delete(nonce);
    }
  };
  return {
    issue(nowMs, random) {
      if (random.length < NONCE_BYTES) throw new RangeError(`expected ${NONCE_BYTES} random bytes, got ${random.length}`);
      prune(nowMs);
      if (live.size >= max) return undefined;
      const nonce = Buffer.from(random.subarray(0, NONCE_BYTES)).toString('hex');
      const expiresAtMs = nowMs + ttlMs;
      live.set(nonce, { expiresAtMs, used: false });
      return { nonce, expiresAtMs };
    },
    take(nonce, nowMs) {
      const n = live.get(nonce);
      if (!n) return 'unknown';
      if (n.expiresAtMs < nowMs) return 'expired';
      if (n.used) return 'used';
      n.used = true;
      return 'ok';
    },
    size: () => live.size,
  };
}
