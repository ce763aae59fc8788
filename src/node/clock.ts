/**
 * Time, as the node's parts receive it: a clock and a timer scheduler,
 * handed in rather than read from the process, so the simulator can run
 * the same parts on virtual time (spec/consensus.md §12) and a seed
 * replays exactly.
 */

export interface Clock {
  /** Milliseconds since the epoch: what block times and engine inputs use. */
  now(): number;
  /** A monotonic millisecond counter, for durations in log lines only (never for state). */
  monotonic(): number;
}

/** An armed timer; `cancel` is safe to call after it fired. */
export interface Timer {
  cancel(): void;
}

export interface Timers {
  /** Run `run` once, `delayMs` from now. */
  after(delayMs: number, run: () => void): Timer;
  /** Run `run` every `intervalMs`, the first time `intervalMs` from now. */
  every(intervalMs: number, run: () => void): Timer;
  /** Run `run` as soon as this turn's work is done (after I/O already arrived); without it, `after(0, run)`. */
  soon?(run: () => void): Timer;
}

export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/**
 * Node's timers. A one-shot timer (a consensus timeout) keeps the process
 * alive while it is armed, as work in progress should; a periodic one (the
 * re-send of consensus messages) does not, so it never holds a process open
 * on its own.
 */
export const systemTimers: Timers = {
  after(delayMs, run) {
    const t = setTimeout(run, delayMs);
    return { cancel: () => clearTimeout(t) };
  },
  every(intervalMs, run) {
    const t = setInterval(run, intervalMs);
    t.unref();
    return { cancel: () => clearInterval(t) };
  },
  soon(run) {
    const t = setImmediate(run);
    return { cancel: () => clearImmediate(t) };
  },
};
