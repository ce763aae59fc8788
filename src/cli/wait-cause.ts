/**
 * Why something a command waited for has not committed, in words a person
 * can act on: the node does not answer; the node is not ready
 * (no quorum, stalled, catching up: its `GET /readyz` reasons); or the node
 * is ready and the transaction is simply still waiting for a block.
 */
import type { Client } from '../sdk/client.js';

/** How long the one look at /readyz may take. */
const PROBE_TIMEOUT_MS = 5_000;

export async function whyNotCommitted(client: Pick<Client, 'url'>): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${client.url}/readyz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  } catch {
    return `node unreachable: ${client.url} does not answer`;
  }
  const body = (await response.json().catch(() => undefined)) as { message?: string } | undefined;
  if (response.status === 503) return `the node is not ready: ${String(body?.message ?? 'see its /readyz').slice(0, 600)}`;
  if (response.status === 200) return 'still pending: the node is ready and the transaction waits for a block';
  return `still pending (the node's /readyz answered ${response.status})`;
}
