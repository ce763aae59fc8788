/**
 * The chain's status (GET /v1/status), read once per tick for the whole page:
 * the header shows the chain and its height, and pages that follow the chain
 * (the explorer's latest blocks, the console's organisations) refresh on the
 * same tick instead of each running its own timer.
 */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api.js';
import type { StatusResponse } from './api-types.js';

type Listener = (status: StatusResponse | undefined) => void;

let current: StatusResponse | undefined;
let failed = false;
const listeners = new Set<Listener>();
let inFlight: Promise<StatusResponse | undefined> | undefined;

/** The latest status read, if any. */
export const latestStatus = (): StatusResponse | undefined => current;
/** True when the last read failed (the node is offline or unreachable). */
export const statusFailed = (): boolean => failed;

/** Read the status now (one request at a time) and tell every listener. */
export function refreshStatus(): Promise<StatusResponse | undefined> {
  inFlight ??= getJson<StatusResponse>('/v1/status')
    .then(
      (s) => {
        current = s;
        failed = false;
        return s;
      },
      () => {
        failed = true;
        return current;
      },
    )
    .finally(() => {
      inFlight = undefined;
      for (const listener of listeners) listener(current);
    });
  return inFlight;
}

/** Call `listener` after every read; returns the function that stops it. */
export function onStatus(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Read the status every `intervalMs` while the page is visible, then run
 * each tick task (a page's own refresh). A task is not started while its
 * previous run is still going; a failed task is retried on the next tick.
 */
export function startTicking(intervalMs: number): void {
  let ticking = false;
  setInterval(async () => {
    if (ticking || document.hidden) return;
    ticking = true;
    try {
      await refreshStatus();
      for (const task of [...tasks]) await task().catch(() => undefined);
    } finally {
      ticking = false;
    }
  }, intervalMs);
}

const tasks = new Set<() => Promise<unknown>>();

/** Run `task` on every tick while the calling component is mounted. */
export function useTick(task: (() => Promise<unknown>) | null): void {
  useEffect(() => {
    if (!task) return undefined;
    tasks.add(task);
    return () => void tasks.delete(task);
  }, [task]);
}

/** The latest status, re-rendering the component on every read. */
export function useStatus(): StatusResponse | undefined {
  const [status, setStatus] = useState(current);
  useEffect(() => onStatus(setStatus), []);
  return status;
}
