/**
 * Record transfer between nodes (spec/services/sharing.md §Transfer), over
 * the service request channel (service-host.ts `onPeerRequest`,
 * peer-protocol.ts `service/sharing`): the asking node is known by its node
 * key, proven in the Noise handshake, and the chain says which organisation
 * that key belongs to.
 *
 * Two messages, JSON:
 *
 * - `{type: "transfer", request}`: a node of the requesting organisation A
 *   asks a node of the holder B for what a request on the chain names. B
 *   answers only if the asker's organisation is the request's, and only
 *   once the release is on the chain (B contributes `sharing.release` if the
 *   request is pending and B's node may release it: the chain checks the
 *   consent or legal basis at that block and writes the access entry,
 *   granted or refused). Then B's store reads the record — the read path
 *   that needs the entry — and B sends a disclosure of the requested
 *   fields only, sealed to the asking node's key. `{recordId, envelope}`.
 * - `{type: "replicate", recordId, dataset, subject, envelope}`: the
 *   record's organisation hands a holder's copy to a node of another
 *   organisation the commitment lists as a holder; the receiver checks the
 *   commitment and keeps it.
 *
 * - `{type: "holdings", after?}` → `{ids, next?}` and `{type: "rewrap",
 *   recordIds}` → `{records: [{recordId, dataset, subject, envelope}]}`: a
 *   node added to a holder organisation after a record was sealed asks a
 *   node of its organisation which records it may hold, then for their keys
 *   wrapped for it alone (host.ts, at start and when a node of its
 *   organisation connects). The answering node checks the chain lists the
 *   asker's organisation as a holder, and opens only the key, never the
 *   record; the new node checks each against its commitment.
 *
 * The receiver of either checks what arrived against the commitment on the
 * chain before it accepts it, and refuses a mismatch (SHARING_COMMITMENT_MISMATCH).
 * Refusals travel back as the remote error's message: a code and a
 * sentence, never a value.
 */
import { PolityError, type ErrorCode } from '../../ledger/errors.js';
import type { Json } from '../../crypto/canonical-json.js';
import { utf8Encode } from '../../crypto/bytes.js';
import { getOrg } from '../../runtime/membership.js';
import { disclose, disclosureCommitment, envelopeProblem, open, recordCommitment, rewrap, sameCommitment, seal, type Disclosure, type Envelope, type PrivateRecord, type Random } from './envelope.js';
import { getRecord, getRequest, mayHold, type Get, type SharingRequest } from './module.js';
import type { PrivateStore } from './host-store.js';
import type { Submitted } from './host-submit.js';
import { SERVED_WINDOW_MS, type ServedLog } from './host-served.js';
import './errors-store.js';

/** Most records one transfer answer carries (a subject's records in one dataset). */
export const RECORDS_PER_TRANSFER_MAX = 16;

export type TransferMessage =
  | { type: 'transfer'; request: string }
  | { type: 'replicate'; recordId: string; dataset: string; subject: string; envelope: Envelope }
  | { type: 'holdings'; after?: string }
  | { type: 'rewrap'; recordIds: string[] };

/** Record ids one `holdings` answer lists. */
export const HOLDINGS_PAGE_MAX = 1_000;
/** Records one `rewrap` asks for. */
export const REWRAP_BATCH_MAX = 16;

/** A `holdings` answer: the ids (ascending) of held records the asker's organisation may hold; `next` to continue after. */
export interface HoldingsAnswer {
  ids: string[];
  next?: string;
}
/** A `rewrap` answer: each record's ciphertext with its key wrapped for the asking node alone, and its filing. */
export interface RewrapAnswer {
  records: { recordId: string; dataset: string; subject: string; envelope: Envelope }[];
}

export interface TransferAnswer {
  records: { recordId: string; envelope: Envelope }[];
}

const HEX32 = /^[0-9a-f]{64}$/;
const decoder = new TextDecoder();
export const encodeMessage = (m: TransferMessage | TransferAnswer | HoldingsAnswer | RewrapAnswer | { ok: true }): Uint8Array => utf8Encode(JSON.stringify(m));

/** A peer's message, checked for shape; throws a refusal naming what was expected. */
export function decodeMessage(bytes: Uint8Array): TransferMessage {
  let m: Partial<TransferMessage> & Record<string, unknown>;
  try {
    m = JSON.parse(decoder.decode(bytes)) as typeof m;
  } catch {
    throw refusal('SHARING_STORE_INVALID', 'expected a JSON sharing message');
  }
  if (m?.type === 'transfer' && typeof m.request === 'string' && HEX32.test(m.request)) return { type: 'transfer', request: m.request };
  if (m?.type === 'replicate' && typeof m.recordId === 'string' && HEX32.test(m.recordId) && typeof m.dataset === 'string' && m.dataset.length <= 64 && typeof m.subject === 'string' && m.subject.length <= 128) {
    const problem = envelopeProblem(m.envelope);
    if (problem) throw refusal('SHARING_STORE_INVALID', problem);
    return { type: 'replicate', recordId: m.recordId, dataset: m.dataset, subject: m.subject, envelope: m.envelope as Envelope };
  }
  if (m?.type === 'holdings' && (m.after === undefined || (typeof m.after === 'string' && HEX32.test(m.after)))) return { type: 'holdings', ...(m.after !== undefined ? { after: m.after } : {}) };
  if (m?.type === 'rewrap' && Array.isArray(m.recordIds) && m.recordIds.length >= 1 && m.recordIds.length <= REWRAP_BATCH_MAX && m.recordIds.every((id) => typeof id === 'string' && HEX32.test(id))) return { type: 'rewrap', recordIds: [...new Set(m.recordIds as string[])] };
  throw refusal('SHARING_STORE_INVALID', 'expected {type: "transfer", request}, {type: "replicate", recordId, dataset, subject, envelope}, {type: "holdings", after?} or {type: "rewrap", recordIds}');
}

/** A refusal as it travels: `CODE: sentence` (the remote error's message), thrown as a PolityError here. */
export const refusal = (code: ErrorCode, message: string): PolityError => new PolityError(code, `${code}: ${message}`);
/** The code at the head of a remote refusal's message, if it carries one. */
export function refusalCode(message: string): ErrorCode | undefined {
  const m = /(SHARING_[A-Z_]+):/.exec(message);
  return m?.[1] as ErrorCode | undefined;
}

export interface HolderSide {
  get: Get;
  /** This node's organisation (undefined: its key is no active member's node). */
  ownOrg(): string | undefined;
  /** The organisation whose node key this is. */
  orgOfNode(nodeKey: string): string | undefined;
  nodeKey: string;
  store: PrivateStore;
  submit(action: string, args: { [key: string]: Json }): Promise<Submitted>;
  random: Random;
  /** Requests this node has answered already (host-served.ts, kept across restarts): each release is good for one transfer. */
  served: ServedLog;
  /** The chain's time now (the last block's), ms: a release is answered within SERVED_WINDOW_MS of its block. */
  now(): number;
}

/** B's side: answer a released request of `from`'s organisation with the requested fields, sealed to `from`. */
export async function serveTransfer(side: HolderSide, from: string, requestId: string): Promise<TransferAnswer> {
  const r = getRequest(side.get, requestId);
  if (!r) throw refusal('SHARING_REQUEST_UNKNOWN', 'no request with this id');
  const own = side.ownOrg();
  if (r.holder !== own) throw refusal('SHARING_NOT_HOLDER', `the request is to ${r.holder}, not to this node's organisation`);
  if (side.orgOfNode(from) !== r.org) throw refusal('SHARING_TRANSFER_NOT_ALLOWED', `the asking node is not a node of ${r.org}, the requesting organisation`);
  // Taken at once, so two asks of one request at the same moment cannot both be answered; given back if nothing was sent.
  if (!side.served.take(requestId)) throw refusal('SHARING_TRANSFER_ANSWERED', 'this node answered this request already: a new read needs a new request');
  try {
    const answer = await answerReleased(side, from, r);
    // Durable before it leaves: a restart after this line never answers again.
    await side.served.record(requestId, getRequest(side.get, requestId)?.decided?.time ?? side.now());
    return answer;
  } catch (e) {
    side.served.release(requestId);
    throw e;
  }
}

async function answerReleased(side: HolderSide, from: string, request: SharingRequest): Promise<TransferAnswer> {
  let r = request;
  if (r.status === 'pending' && r.approval === 'auto') {
    const done = await side.submit('release', { request: r.id });
    if (done.code !== 'OK' && done.code !== 'SHARING_REQUEST_CLOSED') throw refusal(done.code as ErrorCode, `the release was not recorded (${done.message ?? done.code})`);
    r = getRequest(side.get, r.id)!;
  }
  if (r.status === 'released' && r.decided !== undefined && r.decided.time + SERVED_WINDOW_MS <= side.now()) throw refusal('SHARING_RELEASE_STALE', 'the release is older than the window in which the holder answers it');
  if (r.status !== 'released') throw refusal((r.decided?.code as ErrorCode | undefined) ?? 'SHARING_TRANSFER_NOT_ALLOWED', `the request is ${r.status}${r.decided?.code ? ` (${r.decided.code})` : ''}: nothing is sent`);
  const ids = side.store.find(r.dataset, r.subject).filter((id) => getRecord(side.get, id)?.status === 'held').slice(0, RECORDS_PER_TRANSFER_MAX);
  if (ids.length === 0) throw refusal('SHARING_RECORD_NOT_HELD', `this node holds no record of the subject in ${r.dataset}`);
  const entry = r.decided!.entry!;
  const records: TransferAnswer['records'] = [];
  for (const id of ids) {
    // The store's read path: the release's access entry is the entry this read needs.
    const { record } = await side.store.read(id, getRecord(side.get, id)!.commitment, async () => entry);
    records.push({ recordId: id, envelope: seal(disclose(record, r.fields), 'disclosure', [from], side.random) });
  }
  return { records };
}

/** What A accepted: the requested fields of each record, checked against the commitments on the chain. */
export interface Accepted {
  recordId: string;
  fields: { [name: string]: Json };
}

/**
 * A's side: check B's answer to a request. Each record must open for this node, be a disclosure of a
 * record of the request's holder and dataset that is held (not erased), carry exactly the requested
 * fields, and match its commitment. Returns the refusal code of the first that does not.
 */
export function checkAnswer(get: Get, request: SharingRequest, answer: unknown, nodeKey: string, sharedSecret: (pub: Uint8Array) => Uint8Array): { accepted: Accepted[] } | { code: ErrorCode; message: string } {
  const records = (answer as Partial<TransferAnswer> | undefined)?.records;
  if (!Array.isArray(records) || records.length === 0 || records.length > RECORDS_PER_TRANSFER_MAX) return { code: 'SHARING_COMMITMENT_MISMATCH', message: `expected 1 to ${RECORDS_PER_TRANSFER_MAX} records in the answer` };
  const accepted: Accepted[] = [];
  for (const item of records as unknown[]) {
    const { recordId, envelope } = (item ?? {}) as Partial<TransferAnswer['records'][number]>;
    if (typeof recordId !== 'string' || !HEX32.test(recordId) || envelopeProblem(envelope) !== undefined) return { code: 'SHARING_COMMITMENT_MISMATCH', message: 'a record in the answer is malformed' };
    const rec = getRecord(get, recordId);
    if (!rec || rec.org !== request.holder || rec.dataset !== request.dataset || rec.status !== 'held') return { code: 'SHARING_COMMITMENT_MISMATCH', message: `record ${recordId.slice(0, 16)}… is no held record of ${request.holder}/${request.dataset} on the chain` };
    const d = envelope!.recordId === recordId && envelope!.kind === 'disclosure' ? (open(envelope!, nodeKey, sharedSecret) as Disclosure | undefined) : undefined;
    const names = d ? Object.keys(d.fields).sort() : [];
    let matches = false;
    try {
      matches = d !== undefined && d.dataset === rec.dataset && names.join() === [...request.fields].sort().join() && sameCommitment(disclosureCommitment(d), rec.commitment);
    } catch {
      matches = false;
    }
    if (!matches) return { code: 'SHARING_COMMITMENT_MISMATCH', message: `record ${recordId.slice(0, 16)}… does not match its commitment on the chain` };
    accepted.push({ recordId, fields: Object.fromEntries(Object.entries(d!.fields).map(([n, f]) => [n, f.value])) });
  }
  return { accepted };
}

/** A holder's side of replication: keep a copy only of a held record this node's organisation may hold, from a node of the record's organisation, that matches its commitment. */
export async function acceptReplica(side: HolderSide, from: string, m: Extract<TransferMessage, { type: 'replicate' }>, sharedSecret: (pub: Uint8Array) => Uint8Array): Promise<void> {
  const rec = getRecord(side.get, m.recordId);
  const own = side.ownOrg();
  if (!rec || rec.status !== 'held') throw refusal('SHARING_RECORD_UNKNOWN', 'no held record with this id on the chain');
  if (own === undefined || !rec.holders.includes(own)) throw refusal('SHARING_TRANSFER_NOT_ALLOWED', "this node's organisation is not a holder of the record");
  if (side.orgOfNode(from) !== rec.org) throw refusal('SHARING_TRANSFER_NOT_ALLOWED', `the sending node is not a node of ${rec.org}, the record's organisation`);
  const content = m.envelope.recordId === m.recordId && m.envelope.kind === 'record' ? (open(m.envelope, side.nodeKey, sharedSecret) as PrivateRecord | undefined) : undefined;
  if (!content || content.dataset !== rec.dataset || !sameCommitment(recordCommitment(content), rec.commitment)) throw refusal('SHARING_COMMITMENT_MISMATCH', `the copy of record ${m.recordId.slice(0, 16)}… does not match its commitment on the chain`);
  await side.store.save(m.envelope, { dataset: m.dataset, subject: m.subject });
}

/**
 * Re-wrap, the holder's side (spec §11): which held records the asking node's organisation may hold
 * (ids only, a page at a time). Answered to a node of any active member; the list is empty for one
 * that may hold nothing.
 */
export function serveHoldings(side: HolderSide, from: string, after: string | undefined): HoldingsAnswer {
  const org = side.orgOfNode(from);
  if (org === undefined) throw refusal('SHARING_TRANSFER_NOT_ALLOWED', 'the asking node is no active member organisation\'s node');
  const ids = side.store
    .ids()
    .filter((id) => (after === undefined || id > after) && mayHold(side.get, id, org))
    .sort();
  const page = ids.slice(0, HOLDINGS_PAGE_MAX);
  return { ids: page, ...(ids.length > HOLDINGS_PAGE_MAX ? { next: page[page.length - 1]! } : {}) };
}

/**
 * Re-wrap: the key of each asked record, wrapped for the asking node alone — only if the chain lists that
 * node's organisation as a holder of the record and the record is held. The record is not decrypted here.
 */
export async function serveRewrap(side: HolderSide, from: string, recordIds: readonly string[], sharedSecret: (pub: Uint8Array) => Uint8Array): Promise<RewrapAnswer> {
  const org = side.orgOfNode(from);
  const records: RewrapAnswer['records'] = [];
  for (const recordId of recordIds) {
    if (org === undefined || !mayHold(side.get, recordId, org)) throw refusal('SHARING_TRANSFER_NOT_ALLOWED', `the asking node's organisation may not hold record ${recordId.slice(0, 16)}…`);
    const copy = await side.store.copyOf(recordId);
    const envelope = copy ? rewrap(copy.envelope, side.nodeKey, sharedSecret, [from], side.random) : undefined;
    if (copy && envelope) records.push({ recordId, dataset: copy.dataset, subject: copy.subject, envelope });
  }
  return { records };
}

/** Re-wrap, the new node's side: keep a copy only of a held record its organisation may hold, from a node of a holder, that matches its commitment. */
export async function acceptRewrapped(side: HolderSide, from: string, item: RewrapAnswer['records'][number], sharedSecret: (pub: Uint8Array) => Uint8Array): Promise<void> {
  const rec = getRecord(side.get, item.recordId);
  const own = side.ownOrg();
  if (!rec || rec.status !== 'held' || own === undefined || !rec.holders.includes(own)) throw refusal('SHARING_TRANSFER_NOT_ALLOWED', "this node's organisation may not hold the record");
  const sender = side.orgOfNode(from);
  if (sender === undefined || !rec.holders.includes(sender)) throw refusal('SHARING_TRANSFER_NOT_ALLOWED', 'the sending node is no node of a holder of the record');
  if (envelopeProblem(item.envelope) !== undefined || typeof item.dataset !== 'string' || typeof item.subject !== 'string') throw refusal('SHARING_COMMITMENT_MISMATCH', 'a re-wrapped record is malformed');
  const content = item.envelope.recordId === item.recordId && item.envelope.kind === 'record' ? (open(item.envelope, side.nodeKey, sharedSecret) as PrivateRecord | undefined) : undefined;
  if (!content || content.dataset !== rec.dataset || item.dataset !== rec.dataset || !sameCommitment(recordCommitment(content), rec.commitment)) throw refusal('SHARING_COMMITMENT_MISMATCH', `the re-wrapped record ${item.recordId.slice(0, 16)}… does not match its commitment on the chain`);
  await side.store.save(item.envelope, { dataset: item.dataset, subject: item.subject });
}

/** The node keys of an organisation's nodes (on the chain), for sealing and for finding its nodes. */
export const nodesOf = (get: Get, org: string): readonly string[] => getOrg(get, org)?.nodes ?? [];
