/**
 * The holder's side of OpenID4VP over HTTP (spec §11), for `polity wallet
 * present`/`log` and scripts: fetch and check a request by reference, ask
 * the holder's own node which organisation the asking key belongs to, send
 * the direct_post response, and read the usage log back from the chain.
 *
 * Why the holder's own node for "who asks" and the log: the request's node
 * is the verifier's; the chain's answer is trusted from a node the holder
 * chose (`--api`). Reading the log by tag tells the node answering which
 * tags are asked together (spec/services/credentials-usage-log.md §4).
 */
import type { Client } from '../../sdk/client.js';
import { parseRequestLink, readRequestObject, type ReadRequest } from './oid4vp.js';
import { openUsageEntry, USAGE_GAP_MAX, usageTag, type UsageEntry } from './usage-log.js';
import { USAGE_TAGS_PER_READ_MAX } from './schemas-vp.js';
import type { UsageRecord } from './module.js';

export interface FetchedRequest {
  read: ReadRequest;
  requestUri: string;
}

/** Fetch the request object a link names and check it (signature, client_id, time, ask). Throws with a sentence when it does not hold. */
export async function fetchVerifierRequest(link: string, nowS: number, timeoutMs = 20_000): Promise<FetchedRequest> {
  const parsed = parseRequestLink(link);
  if (typeof parsed === 'string') throw new Error(parsed);
  let response: Response;
  try {
    response = await fetch(parsed.requestUri, { headers: { accept: 'application/oauth-authz-req+jwt' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    throw new Error(`cannot fetch the request from ${new URL(parsed.requestUri).origin}`);
  }
  const text = (await response.text()).trim();
  if (!response.ok) throw new Error(`the verifier's node answered ${response.status}: the request is closed, expired or unknown`);
  const read = readRequestObject(text, nowS);
  if (typeof read === 'string') throw new Error(read);
  if (read.payload.client_id !== parsed.clientId) throw new Error("the link's client_id is not the request's: refused");
  return { read, requestUri: parsed.requestUri };
}

/** The organisation (and roles) the chain lists for a key, as the holder's own node says. */
export async function whoIs(client: Client, publicKey: string): Promise<{ org?: string; roles?: string[] }> {
  return client.request<{ org?: string; roles?: string[] }>('GET', `/v1/members/${publicKey}`);
}

/** Send the direct_post response; the verifier's node answers 200 when the presentation held, or {code, message}. */
export async function sendResponse(responseUri: string, fields: Record<string, string>, timeoutMs = 20_000): Promise<{ ok: boolean; status: number; code?: string; message?: string }> {
  const response = await fetch(responseUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), signal: AbortSignal.timeout(timeoutMs) });
  const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
  return { ok: response.ok, status: response.status, ...(body.code ? { code: body.code } : {}), ...(body.message ? { message: body.message } : {}) };
}

export interface UsageLogLine {
  index: number;
  record: UsageRecord;
  /** Undefined when the sealed entry does not open (altered, or not sealed to this ticket). */
  entry?: UsageEntry;
  /** The sealed organisation differs from the one that signed the record. */
  mismatch: boolean;
}

/**
 * The holder's log: its tags 0…next-1 (and USAGE_GAP_MAX beyond, for a
 * wallet restored from its secret), asked in batches, each entry opened.
 */
export async function readUsageLog(client: Client, secretHex: string, next: number): Promise<UsageLogLine[]> {
  const secret = Buffer.from(secretHex, 'hex');
  const out: UsageLogLine[] = [];
  const end = next + USAGE_GAP_MAX;
  for (let from = 0; from < end; from += USAGE_TAGS_PER_READ_MAX) {
    const indexes = Array.from({ length: Math.min(USAGE_TAGS_PER_READ_MAX, end - from) }, (_, i) => from + i);
    const byTag = new Map(indexes.map((i) => [usageTag(secret, i), i]));
    const answer = await client.request<{ entries: UsageRecord[] }>('GET', `/v1/credentials/usage?tags=${[...byTag.keys()].join(',')}`);
    for (const record of answer.entries) {
      const index = byTag.get(record.tag);
      if (index === undefined) continue;
      const entry = openUsageEntry(record.sealed, secret, index);
      out.push({ index, record, ...(entry ? { entry } : {}), mismatch: entry !== undefined && entry.org !== record.org });
    }
  }
  return out.sort((a, b) => a.record.height - b.record.height || a.index - b.index);
}
