/**
 * Virtual time for the simulator: an agenda of events ordered by (time,
 * sequence), and timers on it with the node's `Timers` interface, so the
 * node's own parts run on it unchanged. Nothing here reads a real clock.
 */
import type { Timer, Timers } from '../node/clock.js';

interface Event {
  at: number;
  seq: number;
  run: () => void;
}

const before = (a: Event, b: Event): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** Min-heap of events by (time, sequence): events at the same time run in the order they were scheduled. */
export class Agenda {
  private heap: Event[] = [];
  private seq = 0;
  /** Virtual milliseconds since the run began. */
  now = 0;

  get size(): number {
    return this.heap.length;
  }

  at(at: number, run: () => void): void {
    const e = { at, seq: this.seq++, run };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (before(h[p]!, e)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    if (!top) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mv = last;
        if (l < h.length && before(h[l]!, mv)) {
          m = l;
          mv = h[l]!;
        }
        if (r < h.length && before(h[r]!, mv)) m = r;
        if (m === i) break;
        h[i] = h[m]!;
        i = m;
      }
      h[i] = last;
    }
    this.now = top.at;
    return top;
  }
}

/** Timers on the agenda that fire only while `alive()` holds (a crashed node's timers die with it). */
export function virtualTimers(agenda: Agenda, alive: () => boolean): Timers {
  return {
    after(delayMs, run): Timer {
      let armed = true;
      agenda.at(agenda.now + delayMs, () => {
        if (!armed || !alive()) return;
        armed = false;
        run();
      });
      return { cancel: () => void (armed = false) };
    },
    every(intervalMs, run): Timer {
      let armed = true;
      const tick = (): void => {
        if (!armed || !alive()) return;
        run();
        agenda.at(agenda.now + intervalMs, tick);
      };
      agenda.at(agenda.now + intervalMs, tick);
      return { cancel: () => void (armed = false) };
    },
  };
}
