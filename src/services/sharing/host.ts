/**
 * The data-sharing service's host part on a node (src/node/service-host.ts):
 * the private store (host-store.ts), record transfers (host-transfer.ts),
 * the transactions the node signs for them (host-submit.ts), and erasure.
 *
 * - Storing: an official of the node's organisation hands a record to its
 *   node (routes-store.ts); the node draws the id and salt, seals the record
 *   for every node of every holder organisation, keeps its copy, has the
 *   commitment recorded (`sharing.commit`), then sends each other holder's
 *   nodes their copy.
 * - Reading its own record: the store's read path waits for the access
 *   entry (`sharing.logAccess`, committed OK) before it decrypts; a read
 *   the chain refuses leaves a refused entry and returns the refusal.
 * - Reading another organisation's record: the node asks the holder's node
 *   for what a request on the chain names, and checks the answer against
 *   the commitments before it hands anything over.
 * - Erasure and retention: when a record this node holds is ordered erased
 *   (or its retention ends), its file is destroyed and the node confirms
 *   with `sharing.purge`. At start the node does the same for every record
 *   the chain says is erased or past retention: a node that was down during
 *   an erasure carries it out when it returns.
 * - The subject's erasure request (`sharing.requestErasure`, signed by the
 *   pseudonym): a node of the holder orders `sharing.erase` naming it for
 *   each record it files under the pseudonym, at the block and at start.
 * - Retry replication (host-replicate.ts): holder nodes that missed their
 *   copy are offered it again until they have it.
 * - Re-wrap: a node added to a holder organisation later asks a node of its
 *   organisation for the records it may hold, their keys wrapped for it.
 * - Orphans: a file whose commitment never landed goes after ORPHAN_WAIT_MS.
 * - Which released requests it answered (host-served.ts), across restarts.
 */
import { randomBytes } from 'node:crypto';
import type { Json } from '../../crypto/canonical-json.js';
import { PolityError, type ErrorCode } from '../../ledger/errors.js';
import { callerOf } from '../../runtime/membership.js';
import type { HostContext, ServiceHost } from '../../node/service-host.js';
import { fieldsProblem, newRecord, recordCommitment, seal, type RecordFields } from './envelope.js';
import { erasuresOf, getDataset, getErasureRequest, getRecord, getRequest, mayHold, nodeOrgOf, type Get } from './module.js';
import { createReplicator } from './host-replicate.js';
import { createPrivateStore, type PrivateStore } from './host-store.js';
import { createServedLog } from './host-served.js';
import { createSubmitQueue, type Submitted } from './host-submit.js';
import {
  acceptReplica,
  acceptRewrapped,
  checkAnswer,
  decodeMessage,
  encodeMessage,
  nodesOf,
  refusal,
  refusalCode,
  REWRAP_BATCH_MAX,
  serveHoldings,
  serveRewrap,
  serveTransfer,
  type Accepted,
  type HoldingsAnswer,
  type HolderSide,
  type RewrapAnswer,
} from './host-transfer.js';
import './errors-store.js';

/** How long a read waits for its access entry (a few blocks on a busy network), ms. */
export const ACCESS_WAIT_MS = 20_000;
/**
 * How long (chain time) a record file may wait for its commitment before it is destroyed as an orphan, ms:
 * a file saved before `sharing.commit` landed (the node stopped in between, or the commitment was not
 * recorded in time). Longer than a commit contribution can linger in the submit queue (20 abandoned
 * blocks), so a commitment that still lands finds its file.
 */
export const ORPHAN_WAIT_MS = 10 * 60_000;
/** How often a node looks for nodes of its organisation it has not asked for re-wraps yet, ms. */
const REWRAP_TICK_MS = 2000;
/** Pages of `holdings` one sync reads (100 × 1,000 ids: the store's limit). */
const HOLDINGS_PAGES_MAX = 100;
/** Failed syncs with one node before this run stops asking it. */
const SYNC_FAILURES_MAX = 10;
/** Erase orders waiting for their block at once. */
const ORDERING_MAX = 10_000;
/** Orphan candidates remembered at most (each was a store call or a file found at start). */
const ORPHANS_MAX = 10_000;
/** How long a node waits for another node's answer to a transfer (the holder records the release first), ms. */
export const TRANSFER_WAIT_MS = 25_000;

export interface StoreRecordInput {
  dataset: string;
  subject: string;
  fields: RecordFields;
  holders: string[];
  retentionUntil: number;
}

export interface ReadOwnInput {
  recordId: string;
  official: string;
  fields: string[];
  purpose: string;
  consent?: string;
  legalBasis?: string;
  /** Where the official reads (the entry says which): the API (default) or the organisation console. */
  channel?: 'api' | 'console';
}

export interface SharingHostApi {
  storeRecord(input: StoreRecordInput): Promise<{ recordId: string; commitment: string; height: number; replicatedTo: number }>;
  readOwn(input: ReadOwnInput): Promise<{ recordId: string; fields: { [name: string]: Json }; entry: string }>;
  /** Fetch what a released (or auto-releasable) request names from the holder's nodes, checked. */
  fetch(requestId: string, official: string): Promise<{ request: string; entry: string; records: Accepted[] }>;
  /** Ids of the records this node holds. */
  held(): readonly string[];
  /** The records this node holds, with their datasets (no subject, no value): what an official may open. */
  heldRecords(max: number): { records: { recordId: string; dataset: string }[]; total: number };
  /** Resolves once erasures queued so far are done (tests). */
  erasures(): Promise<void>;
  readonly store: PrivateStore;
}

export interface SharingHost extends ServiceHost, SharingHostApi {}

const fail = (code: ErrorCode, message: string): PolityError => new PolityError(code, message);
/** How long a node answering a peer waits for a block the peer has seen and it has not, ms. */
const CATCH_UP_WAIT_MS = 5000;
async function untilOnChain(check: () => boolean): Promise<void> {
  const deadline = Date.now() + CATCH_UP_WAIT_MS;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

export function createSharingHost(ctx: HostContext): SharingHost {
  const get: Get = (key) => ctx.chain.getState(key);
  const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
  const store = createPrivateStore({ dataDir: ctx.dataDir, nodeKey: ctx.nodeKey, keyAgreement: ctx.keyAgreement });
  const queue = createSubmitQueue(() => ctx.workAvailable());
  const submit = (action: string, args: { [key: string]: Json }, waitMs = ACCESS_WAIT_MS): Promise<Submitted> => queue.submit(action, args, waitMs);
  const ownOrg = (): string | undefined => nodeOrgOf(get, ctx.nodeKey);
  const chainTime = (): number => ctx.chain.lastHeader()?.time ?? 0;
  const served = createServedLog(ctx.dataDir);
  const replicator = createReplicator({
    dataDir: ctx.dataDir,
    get,
    store,
    peers: ctx.peers,
    log: ctx.log,
    mayHold: (recordId, node) => {
      const org = nodeOrgOf(get, node);
      return org !== undefined && mayHold(get, recordId, org);
    },
  });
  const side: HolderSide = {
    get,
    ownOrg,
    orgOfNode: (key) => nodeOrgOf(get, key),
    nodeKey: ctx.nodeKey,
    store,
    submit: (action, args) => submit(action, args),
    random,
    served,
    now: chainTime,
  };

  // --- erasure -----------------------------------------------------------------------
  let erasing: Promise<void> = Promise.resolve();
  const scheduled = new Set<string>();
  /** Destroy a held record and confirm on the chain (unless this organisation has). Serial, off the consensus queue. */
  const eraseLater = (recordId: string): void => {
    if (scheduled.has(recordId)) return;
    scheduled.add(recordId);
    erasing = erasing.then(async () => {
      try {
        if (await store.erase(recordId)) ctx.log.info('sharing.erased', { record: recordId.slice(0, 16) });
        retention.delete(recordId);
        const rec = getRecord(get, recordId);
        const own = ownOrg();
        if (rec && own !== undefined && rec.holders.includes(own) && rec.purged?.[own] === undefined && rec.status !== 'purged') {
          const done = await submit('purge', { recordId }, 60_000);
          ctx.log.info('sharing.purgeConfirmed', { record: recordId.slice(0, 16), code: done.code });
        }
      } catch (e) {
        ctx.log.error('sharing.eraseFailed', { record: recordId.slice(0, 16), error: (e as Error).message });
      } finally {
        scheduled.delete(recordId);
      }
    });
  };
  // --- orphans: files whose commitment is not (yet) on the chain ---------------------------
  /** Record id -> chain time after which its file goes if the chain still has no commitment. */
  const orphans = new Map<string, number>();
  const watchOrphan = (recordId: string): void => {
    if (orphans.size < ORPHANS_MAX || orphans.has(recordId)) orphans.set(recordId, chainTime() + ORPHAN_WAIT_MS);
  };
  /** Destroy a file that never got its commitment (nothing to confirm on the chain: it was never there). */
  const destroyOrphan = (recordId: string): void => {
    erasing = erasing.then(async () => {
      try {
        if (getRecord(get, recordId) === undefined && (await store.erase(recordId))) ctx.log.info('sharing.orphanDestroyed', { record: recordId.slice(0, 16) });
      } catch (e) {
        ctx.log.error('sharing.eraseFailed', { record: recordId.slice(0, 16), error: (e as Error).message });
      }
    });
  };
  const sweepOrphans = (time: number): void => {
    for (const [id, deadline] of orphans) {
      if (getRecord(get, id) !== undefined || !store.has(id)) orphans.delete(id);
      else if (time >= deadline) {
        orphans.delete(id);
        destroyOrphan(id);
      }
    }
  };
  // --- re-wrap: records sealed before this node joined its organisation ----------------------
  /** Nodes of this organisation asked (fully) in this run, and failures per node. */
  const synced = new Set<string>();
  const syncFailures = new Map<string, number>();
  let syncing = false;
  let syncTimer: ReturnType<typeof setInterval> | undefined;
  const ask = async <T>(peer: string, m: Parameters<typeof encodeMessage>[0]): Promise<T> => JSON.parse(new TextDecoder().decode(await ctx.peers.request(peer, encodeMessage(m), TRANSFER_WAIT_MS))) as T;
  /** Ask one node of this organisation for what this node may hold and lacks, and for its keys wrapped for this node. */
  const syncWith = async (peer: string, own: string): Promise<number> => {
    let after: string | undefined;
    let got = 0;
    for (let page = 0; page < HOLDINGS_PAGES_MAX; page++) {
      const h = await ask<HoldingsAnswer>(peer, { type: 'holdings', ...(after !== undefined ? { after } : {}) });
      const ids = Array.isArray(h?.ids) ? h.ids.filter((id) => typeof id === 'string' && /^[0-9a-f]{64}$/.test(id)) : [];
      const missing = ids.filter((id) => !store.has(id) && mayHold(get, id, own));
      for (let i = 0; i < missing.length; i += REWRAP_BATCH_MAX) {
        const answer = await ask<RewrapAnswer>(peer, { type: 'rewrap', recordIds: missing.slice(i, i + REWRAP_BATCH_MAX) });
        for (const item of Array.isArray(answer?.records) ? answer.records.slice(0, REWRAP_BATCH_MAX) : []) {
          try {
            await acceptRewrapped(side, peer, item, ctx.keyAgreement.sharedSecret);
            got++;
          } catch (e) {
            ctx.log.warn('sharing.rewrapRefused', { record: String(item?.recordId).slice(0, 16), error: (e as Error).message.slice(0, 200) });
          }
        }
      }
      if (typeof h?.next !== 'string' || h.next === after) break;
      after = h.next;
    }
    return got;
  };
  const syncRound = async (): Promise<void> => {
    if (syncing) return;
    syncing = true;
    try {
      const own = ownOrg();
      if (own === undefined) return;
      const connected = new Set(ctx.peers.connectedPeers());
      for (const peer of nodesOf(get, own)) {
        if (peer === ctx.nodeKey || synced.has(peer) || !connected.has(peer) || (syncFailures.get(peer) ?? 0) >= SYNC_FAILURES_MAX) continue;
        try {
          const got = await syncWith(peer, own);
          synced.add(peer);
          if (got > 0) ctx.log.info('sharing.rewrapped', { records: got, from: peer.slice(0, 16) });
        } catch (e) {
          syncFailures.set(peer, (syncFailures.get(peer) ?? 0) + 1);
          ctx.log.warn('sharing.rewrapFailed', { from: peer.slice(0, 16), error: (e as Error).message.slice(0, 200) });
        }
      }
    } finally {
      syncing = false;
    }
  };

  // --- the subject's erasure requests (sharing.requestErasure) ------------------------------
  /** "erasure record" pairs ordered and not yet settled: one `erase` each, not one per block. */
  const ordering = new Set<string>();
  /** Order erased (sharing.erase naming the request) each held record of this organisation that the request covers. */
  const carryOut = (erasureId: string): void => {
    const req = getErasureRequest(get, erasureId);
    const own = ownOrg();
    if (!req || own === undefined || req.erasure.holder !== own) return;
    const e = req.erasure;
    const ids = store.find(e.dataset, e.subject).filter((id) => (e.recordId === undefined || id === e.recordId) && !req.records.includes(id));
    for (const recordId of ids) {
      const rec = getRecord(get, recordId);
      const key = `${erasureId} ${recordId}`;
      if (!rec || rec.org !== own || rec.status !== 'held' || ordering.has(key) || ordering.size >= ORDERING_MAX) continue;
      ordering.add(key);
      void submit('erase', { recordId, reason: 'subject-request', erasure: erasureId }, 60_000).then((done) => {
        ordering.delete(key);
        ctx.log.info('sharing.erasureOrdered', { record: recordId.slice(0, 16), erasure: erasureId.slice(0, 16), code: done.code });
      });
    }
  };
  /** At start: the erasure requests for records this node holds (a node that was down when one landed). */
  const carryOutPending = (): void => {
    const own = ownOrg();
    const seen = new Set<string>();
    for (const id of store.ids()) {
      const meta = store.meta(id);
      if (!meta || own === undefined || seen.has(`${meta.dataset} ${meta.subject}`) || getRecord(get, id)?.status !== 'held') continue;
      seen.add(`${meta.dataset} ${meta.subject}`);
      for (const erasureId of erasuresOf(get, own, meta.dataset, meta.subject)) carryOut(erasureId);
    }
  };
  /** Held record -> its retention date (from the chain, read once: a commitment's retention never changes). */
  const retention = new Map<string, number>();
  /** Records this node holds that must go: past retention at `time` (a cheap scan of the map each block), or ordered erased (checked at start). */
  const dueForErasure = (time: number, checkStatus: boolean): string[] =>
    store.ids().filter((id) => {
      let until = retention.get(id);
      const rec = until === undefined || checkStatus ? getRecord(get, id) : undefined;
      if (until === undefined && rec) retention.set(id, (until = rec.retentionUntil));
      return (until !== undefined && time >= until) || (rec !== undefined && rec.status !== 'held');
    });

  // --- the API -----------------------------------------------------------------------

  async function storeRecord(input: StoreRecordInput): Promise<{ recordId: string; commitment: string; height: number; replicatedTo: number }> {
    const own = ownOrg();
    if (own === undefined) throw fail('SHARING_NOT_MEMBER', "this node's key is no active member organisation's node");
    if (!getDataset(get, own, input.dataset)) throw fail('SHARING_DATASET_UNKNOWN', `${own} publishes no dataset ${input.dataset}`);
    const problem = fieldsProblem(input.fields);
    if (problem) throw fail('SHARING_STORE_INVALID', problem);
    const holders = [...new Set([own, ...input.holders])];
    const nodes = holders.flatMap((h) => nodesOf(get, h));
    const record = newRecord(input.dataset, input.fields, random);
    const commitment = recordCommitment(record);
    const envelope = seal(record, 'record', nodes, random);
    await store.save(envelope, { dataset: input.dataset, subject: input.subject });
    const done = await submit('commit', { recordId: record.recordId, dataset: input.dataset, commitment, holders, retentionUntil: input.retentionUntil });
    if (done.code === 'SHARING_ACCESS_NOT_RECORDED') {
      // Not refused, only not seen yet: it may still land. The file waits for it, and goes if it never does.
      watchOrphan(record.recordId);
      throw fail(done.code, `the commitment was not recorded in time: ${done.message ?? done.code}`);
    }
    if (done.code !== 'OK') {
      await store.erase(record.recordId);
      throw fail(done.code as ErrorCode, `the commitment was not recorded: ${done.message ?? done.code}`);
    }
    let replicatedTo = 0;
    const connected = new Set(ctx.peers.connectedPeers());
    const lacking: string[] = [];
    for (const h of holders.filter((x) => x !== own)) {
      for (const node of nodesOf(get, h)) {
        if (!connected.has(node)) {
          lacking.push(node);
          continue;
        }
        try {
          await ctx.peers.request(node, encodeMessage({ type: 'replicate', recordId: record.recordId, dataset: input.dataset, subject: input.subject, envelope }), TRANSFER_WAIT_MS);
          replicatedTo++;
        } catch (e) {
          lacking.push(node);
          ctx.log.warn('sharing.replicateFailed', { record: record.recordId.slice(0, 16), holder: h, error: (e as Error).message.slice(0, 200) });
        }
      }
    }
    // A holder node that is down or refused now gets its copy later (host-replicate.ts).
    await replicator.add(record.recordId, lacking);
    return { recordId: record.recordId, commitment, height: done.height!, replicatedTo };
  }

  async function readOwn(input: ReadOwnInput): Promise<{ recordId: string; fields: { [name: string]: Json }; entry: string }> {
    const meta = store.meta(input.recordId);
    const rec = getRecord(get, input.recordId);
    if (!meta || !rec || rec.status !== 'held') throw fail('SHARING_RECORD_NOT_HELD', `this node holds no record ${input.recordId.slice(0, 16)}…`);
    if (callerOf(get, input.official).org !== ownOrg()) throw fail('SHARING_NOT_HOLDER', "only an official of this node's organisation reads its records here");
    const basis: { [key: string]: Json } = input.consent !== undefined ? { consent: input.consent } : input.legalBasis !== undefined ? { legalBasis: input.legalBasis } : {};
    const scope: { [key: string]: Json } = { dataset: meta.dataset, fields: input.fields, subject: meta.subject, purpose: input.purpose, official: input.official, channel: input.channel ?? 'api' };
    const { record, entry } = await store.read(input.recordId, rec.commitment, async () => {
      const granted = await submit('logAccess', { ...scope, ...basis });
      if (granted.code === 'OK') return granted.txId!;
      if (granted.code.startsWith('SHARING_') && granted.code !== 'SHARING_ACCESS_NOT_RECORDED') {
        // The chain refused the read: the refusal is logged too (the store decrypts nothing).
        await submit('logAccess', { ...scope, ...basis, refused: granted.code });
      }
      throw fail(granted.code as ErrorCode, `the read was refused: ${granted.message ?? granted.code}`);
    });
    const fields = Object.fromEntries(input.fields.filter((f) => f in record.fields).map((f) => [f, record.fields[f]!]));
    return { recordId: input.recordId, fields, entry };
  }

  async function fetch(requestId: string, official: string): Promise<{ request: string; entry: string; records: Accepted[] }> {
    const r = getRequest(get, requestId);
    if (!r) throw fail('SHARING_REQUEST_UNKNOWN', 'no request with this id');
    if (r.org !== ownOrg()) throw fail('SHARING_TRANSFER_NOT_ALLOWED', `the request is ${r.org}'s, not this node's organisation's`);
    const caller = callerOf(get, official);
    if (official !== r.official && !(caller.org === r.org && (caller.admin || caller.roles.includes('data-steward')))) throw fail('SHARING_TRANSFER_NOT_ALLOWED', 'only the official who asked (or a data-steward of the organisation) fetches a request');
    const connected = new Set(ctx.peers.connectedPeers());
    const holders = nodesOf(get, r.holder).filter((n) => connected.has(n));
    if (holders.length === 0) throw fail('SHARING_TRANSFER_FAILED', `no node of ${r.holder} is connected`);
    let answer: unknown;
    let lastError = '';
    for (const node of holders) {
      try {
        answer = JSON.parse(new TextDecoder().decode(await ctx.peers.request(node, encodeMessage({ type: 'transfer', request: requestId }), TRANSFER_WAIT_MS)));
        break;
      } catch (e) {
        lastError = (e as Error).message;
        const code = refusalCode(lastError);
        // A refusal is the holder's answer, on the chain's terms: asking its other nodes changes nothing.
        if (code) throw fail(code, `${r.holder} refused: ${lastError.replace(/^.*?(SHARING_[A-Z_]+): /, '')}`.slice(0, 300));
      }
    }
    if (answer === undefined) throw fail('SHARING_TRANSFER_FAILED', `no node of ${r.holder} answered: ${lastError}`.slice(0, 300));
    const checked = checkAnswer(get, r, answer, ctx.nodeKey, ctx.keyAgreement.sharedSecret);
    if ('code' in checked) {
      ctx.log.warn('sharing.transferRefused', { request: requestId.slice(0, 16), holder: r.holder, code: checked.code });
      // The refusal goes in the subject's log on the chain (sharing.refuseTransfer), then to the official.
      const logged = await submit('refuseTransfer', { request: requestId, code: checked.code });
      if (logged.code !== 'OK') ctx.log.warn('sharing.refusalNotRecorded', { request: requestId.slice(0, 16), code: logged.code });
      throw fail(checked.code, checked.message);
    }
    // The holder answered once the release was committed on its node; this node may get that block a moment later.
    await untilOnChain(() => getRequest(get, requestId)?.decided?.entry !== undefined);
    const entry = getRequest(get, requestId)?.decided?.entry;
    if (entry === undefined) throw fail('SHARING_TRANSFER_FAILED', `${r.holder} answered, but this node has not seen the release on the chain yet; fetch again shortly`);
    return { request: requestId, entry, records: checked.accepted };
  }

  return {
    store,
    storeRecord,
    readOwn,
    fetch,
    held: () => store.ids(),
    heldRecords: (max) => {
      const ids = store.ids().filter((id) => getRecord(get, id)?.status === 'held');
      return { records: ids.slice(0, max).map((recordId) => ({ recordId, dataset: store.meta(recordId)?.dataset ?? '' })), total: ids.length };
    },
    erasures: async () => {
      while (true) {
        const before = erasing;
        await before;
        if (before === erasing) return;
      }
    },
    async open() {
      await store.open();
      await served.open(chainTime());
      // A file saved before its commitment landed (the node stopped in between): it waits a bounded time.
      for (const id of store.ids()) if (getRecord(get, id) === undefined) watchOrphan(id);
      await replicator.open();
      carryOutPending();
      syncTimer = setInterval(() => void syncRound(), REWRAP_TICK_MS);
      syncTimer.unref();
      const time = ctx.chain.lastHeader()?.time ?? 0;
      for (const id of dueForErasure(time, true)) eraseLater(id);
    },
    async close() {
      if (syncTimer) clearInterval(syncTimer);
      await replicator.close();
      queue.close();
      await erasing;
    },
    pendingWork: () => queue.pendingWork(),
    contribute: async (space) => queue.contribute(space),
    afterCommit({ block, changes }) {
      for (const key of changes.keys()) {
        if (key.startsWith('sharing/erasure/')) carryOut(key.slice('sharing/erasure/'.length));
        if (!key.startsWith('sharing/rec/')) continue;
        const id = key.slice('sharing/rec/'.length);
        const rec = getRecord(get, id);
        if (store.has(id) && rec && rec.status !== 'held') eraseLater(id);
      }
      for (const id of dueForErasure(block.header.time, false)) eraseLater(id);
      if (orphans.size > 0) sweepOrphans(block.header.time);
    },
    async onPeerRequest(from, data) {
      const m = decodeMessage(data);
      // The asker acts on a block this node may not have committed yet: wait for it, a little.
      if (m.type === 'transfer') {
        await untilOnChain(() => getRequest(get, m.request) !== undefined);
        return encodeMessage(await serveTransfer(side, from, m.request));
      }
      if (m.type === 'holdings') return encodeMessage(serveHoldings(side, from, m.after));
      if (m.type === 'rewrap') return encodeMessage(await serveRewrap(side, from, m.recordIds, ctx.keyAgreement.sharedSecret));
      await untilOnChain(() => getRecord(get, m.recordId) !== undefined);
      await acceptReplica(side, from, m, ctx.keyAgreement.sharedSecret);
      return encodeMessage({ ok: true });
    },
    status: () => ({ sharingRecordsHeld: store.size }),
  };
}

export { refusal };
