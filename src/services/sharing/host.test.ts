/**
 * The service host, over a chain held in a map and a peer that answers what
 * the test says: a tampered transfer is refused with
 * SHARING_COMMITMENT_MISMATCH and the node offers `sharing.refuseTransfer`
 * for the chain's log (module.test.ts shows the action's entry); an honest
 * answer is accepted; a record ordered erased is destroyed and confirmed
 * with `sharing.purge`, also by a node that starts after the order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Json } from '../../crypto/canonical-json.js';
import { fromHex } from '../../crypto/bytes.js';
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import { x25519, x25519PublicOf, x25519SecretFromEd25519Seed } from '../../crypto/x25519.js';
import type { PolityError } from '../../ledger/errors.js';
import { ORG_INDEX_KEY, orgKey } from '../../runtime/membership.js';
import { createLogger } from '../../node/log.js';
import type { HostContext, HostPeers } from '../../node/service-host.js';
import type { ChainReads, CommittedBlock } from '../../node/chain-state.js';
import { tempDir } from '../../../test/helpers.js';
import { disclose, newRecord, recordCommitment, seal } from './envelope.js';
import { datasetKey, erasureKey, erasuresOfKey, recordKey, requestKey, type RecordCommitment, type SharingRequest } from './module.js';
import { createSharingHost } from './host.js';

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const [nodeA, nodeB] = [generateKeyPair(), generateKeyPair()];

async function world(me: KeyPair, answer?: (data: Uint8Array) => Uint8Array) {
  const state = new Map<string, Json>();
  state.set(ORG_INDEX_KEY, ['tax', 'registry']);
  state.set(orgKey('tax'), { id: 'tax', status: 'active', nodes: [nodeA.publicKey], admins: [], permissions: ['sharing'] } as unknown as Json);
  state.set(orgKey('registry'), { id: 'registry', status: 'active', nodes: [nodeB.publicKey], admins: [], permissions: ['sharing'] } as unknown as Json);
  const record = newRecord('residents', { name: 'Ada', nationalId: 'CANARY-H-1' }, random);
  state.set(recordKey(record.recordId), { recordId: record.recordId, org: 'registry', dataset: 'residents', datasetVersion: 1, commitment: recordCommitment(record), holders: ['registry'], retentionUntil: 9e12, height: 1, time: 1, status: 'held' } satisfies RecordCommitment as unknown as Json);
  const request: SharingRequest = { id: 'aa'.repeat(32), org: 'tax', official: 'bb'.repeat(32), holder: 'registry', dataset: 'residents', fields: ['name'], subject: 'did:key:z6MkS', purpose: 'p', consent: 'cc'.repeat(32), approval: 'auto', status: 'released', height: 2, time: 2, decided: { height: 2, time: 2, key: nodeB.publicKey, entry: 'dd'.repeat(32) } };
  state.set(requestKey(request.id), request as unknown as Json);
  const secret = x25519SecretFromEd25519Seed(fromHex(me.secretKey));
  const dataDir = await tempDir('polity-sharing-host-');
  const ctx: HostContext = {
    dataDir,
    genesis: {} as never,
    nodeKey: me.publicKey,
    log: createLogger('silent'),
    chain: { getState: (k: string) => state.get(k), lastHeader: () => ({ time: 10 }) } as unknown as ChainReads,
    attachment: async () => undefined,
    workAvailable: () => {},
    running: () => true,
    signOwnTx: () => {
      throw new Error('the sharing host signs through contributions');
    },
    submitOwnTx: async () => ({ status: 'rejected', code: 'NOT_IN_TEST', message: 'not in this test' }),
    peers: { connectedPeers: () => [nodeB.publicKey], request: async (_peer, data) => answer!(data) },
    keyAgreement: { publicKey: x25519PublicOf(secret), sharedSecret: (p) => x25519(secret, p) },
  };
  return { state, record, request, ctx, dataDir };
}

test('a tampered transfer is refused and the node offers sharing.refuseTransfer; an honest one is accepted', async () => {
  let tamper = true;
  const w = await world(nodeA, () => {
    const d = disclose(w.record, ['name']);
    if (tamper) d.fields.name!.value = 'Eve';
    return new TextEncoder().encode(JSON.stringify({ records: [{ recordId: w.record.recordId, envelope: seal(d, 'disclosure', [nodeA.publicKey], random) }] }));
  });
  const host = createSharingHost(w.ctx);
  await host.open!();
  const refused = host.fetch(w.request.id, w.request.official);
  // The refusal waits for its entry: the node offers it to the next block it builds.
  let offered: readonly { body: { action: string; args: Json } }[] = [];
  while (offered.length === 0) {
    await new Promise((r) => setTimeout(r, 5));
    offered = await host.contribute!({ height: 3, txsMax: 10, bytesMax: 1 << 20 });
  }
  assert.deepEqual(offered.map((c) => [c.body.action, c.body.args]), [['refuseTransfer', { request: w.request.id, code: 'SHARING_COMMITMENT_MISMATCH' }]]);
  (offered[0] as { settled?: (o: unknown) => void }).settled?.({ status: 'committed', height: 3, txIndex: 0, txId: 'ee'.repeat(32), result: { txId: 'ee'.repeat(32), code: 'OK', events: [] } });
  await assert.rejects(refused, (e: PolityError) => e.code === 'SHARING_COMMITMENT_MISMATCH' && !e.message.includes('Eve'));
  tamper = false;
  assert.deepEqual((await host.fetch(w.request.id, w.request.official)).records, [{ recordId: w.record.recordId, fields: { name: 'Ada' } }]);
  await host.close!();
});

test("the fetch names the release's access entry even when the holder answers before this node has the release's block", async () => {
  const w = await world(nodeA, () => {
    // The holder answers once the release is committed on its node; this node gets that block a moment later.
    setTimeout(() => w.state.set(requestKey(w.request.id), w.request as unknown as Json), 200);
    return new TextEncoder().encode(JSON.stringify({ records: [{ recordId: w.record.recordId, envelope: seal(disclose(w.record, ['name']), 'disclosure', [nodeA.publicKey], random) }] }));
  });
  const { decided: _decided, ...pending } = w.request;
  w.state.set(requestKey(w.request.id), { ...pending, status: 'pending' } as unknown as Json);
  const host = createSharingHost(w.ctx);
  await host.open!();
  const got = await host.fetch(w.request.id, w.request.official);
  assert.equal(got.entry, 'dd'.repeat(32), `the fetch answered entry ${JSON.stringify(got.entry)}`);
  await host.close!();
});

test('a record ordered erased is destroyed and confirmed, at the block and by a node that starts after the order', async () => {
  const w = await world(nodeB);
  const envelope = seal(w.record, 'record', [nodeB.publicKey], random);
  const host = createSharingHost(w.ctx);
  await host.open!();
  await host.store.save(envelope, { dataset: 'residents', subject: 'did:key:z6MkS' });
  w.state.set(recordKey(w.record.recordId), { ...(w.state.get(recordKey(w.record.recordId)) as object), status: 'erasing' } as unknown as Json);
  host.afterCommit!({ block: { header: { time: 11 } }, changes: new Map([[recordKey(w.record.recordId), null]]) } as unknown as CommittedBlock);
  let offered: readonly { body: { action: string; args: Json } }[] = [];
  while (offered.length === 0) {
    await new Promise((r) => setTimeout(r, 5));
    offered = await host.contribute!({ height: 4, txsMax: 10, bytesMax: 1 << 20 });
  }
  assert.deepEqual(offered.map((c) => [c.body.action, c.body.args]), [['purge', { recordId: w.record.recordId }]]);
  assert.deepEqual(host.held(), [], 'destroyed before the confirmation');
  (offered[0] as { settled?: (o: unknown) => void }).settled?.({ status: 'committed', height: 4, txIndex: 0, txId: 'ee'.repeat(32), result: { txId: 'ee'.repeat(32), code: 'OK', events: [] } });
  await host.close!();
  // A node that was down: its copy is on disk, the chain says erasing; at open it destroys and confirms.
  const again = createSharingHost(w.ctx);
  await again.store.open();
  await again.store.save(envelope, { dataset: 'residents', subject: 'did:key:z6MkS' });
  const late = createSharingHost(w.ctx);
  await late.open!();
  let purge: readonly { body: { action: string } }[] = [];
  while (purge.length === 0) {
    await new Promise((r) => setTimeout(r, 5));
    purge = await late.contribute!({ height: 5, txsMax: 10, bytesMax: 1 << 20 });
  }
  assert.deepEqual(purge.map((c) => c.body.action), ['purge']);
  assert.deepEqual(late.held(), []);
  (purge[0] as { settled?: (o: unknown) => void }).settled?.({ status: 'committed', height: 5, txIndex: 0, txId: 'ee'.repeat(32), result: { txId: 'ee'.repeat(32), code: 'OK', events: [] } });
  await late.erasures();
  await late.close!();
});

test('a holder that restarts never answers a released request a second time (SHARING_TRANSFER_ANSWERED)', async () => {
  const w = await world(nodeB);
  const envelope = seal(w.record, 'record', [nodeB.publicKey], random);
  const ask = new TextEncoder().encode(JSON.stringify({ type: 'transfer', request: w.request.id }));
  const first = createSharingHost(w.ctx);
  await first.open!();
  await first.store.save(envelope, { dataset: 'residents', subject: 'did:key:z6MkS' });
  const answer = JSON.parse(new TextDecoder().decode(await first.onPeerRequest!(nodeA.publicKey, ask))) as { records: unknown[] };
  assert.equal(answer.records.length, 1);
  await assert.rejects(first.onPeerRequest!(nodeA.publicKey, ask), (e: PolityError) => e.code === 'SHARING_TRANSFER_ANSWERED');
  await first.close!();
  // The node restarts: what it answered is read back from <data>/sharing/, not forgotten with the process.
  const again = createSharingHost(w.ctx);
  await again.open!();
  await assert.rejects(again.onPeerRequest!(nodeA.publicKey, ask), (e: PolityError) => e.code === 'SHARING_TRANSFER_ANSWERED', 'answered twice after a restart');
  await again.close!();
});

test('a record file whose commitment never lands is destroyed after a bounded wait; one whose commitment lands is kept', async () => {
  const orphanWaitMs = 10 * 60_000; // host.ts ORPHAN_WAIT_MS
  const w = await world(nodeB);
  const committed = seal(w.record, 'record', [nodeB.publicKey], random);
  const orphan = seal(newRecord('residents', { name: 'Orphan', nationalId: 'CANARY-H-2' }, random), 'record', [nodeB.publicKey], random);
  // The node saved both, then stopped before the second's commitment was recorded.
  const before = createSharingHost(w.ctx);
  await before.store.open();
  await before.store.save(committed, { dataset: 'residents', subject: 'did:key:z6MkS' });
  await before.store.save(orphan, { dataset: 'residents', subject: 'did:key:z6MkS' });
  const host = createSharingHost(w.ctx);
  await host.open!(); // chain time 10
  host.afterCommit!({ block: { header: { time: 10 + orphanWaitMs - 1 } }, changes: new Map() } as unknown as CommittedBlock);
  await host.erasures();
  assert.deepEqual([...host.held()].sort(), [committed.recordId, orphan.recordId].sort(), 'kept while its commitment may still land');
  host.afterCommit!({ block: { header: { time: 10 + orphanWaitMs } }, changes: new Map() } as unknown as CommittedBlock);
  await host.erasures();
  assert.deepEqual(host.held(), [committed.recordId], 'the orphan is destroyed once the wait is over');
  const { readdir } = await import('node:fs/promises');
  assert.deepEqual((await readdir(host.store.dir)).filter((n) => n.startsWith(orphan.recordId)), []);
  await host.close!();
});

test('a holder node that is down when a record is stored gets its copy when it returns, also after the storing node restarts', async () => {
  const w = await world(nodeB); // the registry's node stores; the tax office (nodeA) is a holder too
  w.state.set(datasetKey('registry', 'residents'), { name: 'residents', org: 'registry', version: 1 } as unknown as Json);
  let connected: string[] = [];
  const received: { type: string; recordId: string; envelope: { wraps: { node: string }[] } }[] = [];
  (w.ctx as { peers: HostPeers }).peers = {
    connectedPeers: () => connected,
    request: async (peer, data) => {
      if (!connected.includes(peer)) throw new Error('not connected');
      received.push(JSON.parse(new TextDecoder().decode(data)));
      return new TextEncoder().encode('{"ok":true}');
    },
  };
  const host = createSharingHost(w.ctx);
  await host.open!();
  // The chain side: each commit the node offers is recorded.
  let height = 10;
  const chain = setInterval(async () => {
    for (const c of await host.contribute!({ height, txsMax: 10, bytesMax: 1 << 20 })) {
      const a = c.body.args as { recordId: string; dataset: string; commitment: string; holders: string[]; retentionUntil: number };
      if (c.body.action === 'commit') w.state.set(recordKey(a.recordId), { ...a, org: 'registry', datasetVersion: 1, height, time: 10, status: 'held' } as unknown as Json);
      (c as { settled?: (o: unknown) => void }).settled?.({ status: 'committed', height, txIndex: 0, txId: 'ee'.repeat(32), result: { txId: 'ee'.repeat(32), code: 'OK', events: [] } });
      height++;
    }
  }, 5);
  try {
    const stored = await host.storeRecord({ dataset: 'residents', subject: 'did:key:z6MkT', fields: { name: 'Bo', nationalId: 'CANARY-H-3' }, holders: ['tax'], retentionUntil: 9e12 });
    assert.equal(stored.replicatedTo, 0, 'the tax office node is down');
    await host.close!();
    // The storing node restarts; then the tax office's node comes back.
    const again = createSharingHost(w.ctx);
    await again.open!();
    connected = [nodeA.publicKey];
    while (received.length === 0) await new Promise((r) => setTimeout(r, 50));
    assert.equal(received[0]!.type, 'replicate');
    assert.equal(received[0]!.recordId, stored.recordId);
    assert.ok(received[0]!.envelope.wraps.some((x) => x.node === nodeA.publicKey), 'sealed for the tax office node');
    await again.close!();
  } finally {
    clearInterval(chain);
  }
});

test("the holder's node carries out the subject's erasure request from the chain: at the block, and a node that starts after it", async () => {
  const w = await world(nodeB);
  const mine = seal(w.record, 'record', [nodeB.publicKey], random);
  const otherRecord = newRecord('residents', { name: 'Someone else' }, random);
  w.state.set(recordKey(otherRecord.recordId), { ...(w.state.get(recordKey(w.record.recordId)) as object), recordId: otherRecord.recordId, commitment: recordCommitment(otherRecord) } as unknown as Json);
  const id = 'ef'.repeat(32);
  w.state.set(erasureKey(id), { erasure: { type: 'polity-sharing-erasure', v: 1, chainId: 'c', id, subject: 'did:key:z6MkS', holder: 'registry', dataset: 'residents' }, signature: '00'.repeat(64), height: 5, time: 5, txId: 'ab'.repeat(32), records: [] } as unknown as Json);
  w.state.set(erasuresOfKey('registry', 'residents', 'did:key:z6MkS'), [id]);
  const offered = async (host: ReturnType<typeof createSharingHost>, height: number) => {
    let out: readonly { body: { action: string; args: Json } }[] = [];
    while (out.length === 0) {
      await new Promise((r) => setTimeout(r, 5));
      out = await host.contribute!({ height, txsMax: 10, bytesMax: 1 << 20 });
    }
    return out;
  };
  const host = createSharingHost(w.ctx);
  await host.open!();
  await host.store.save(mine, { dataset: 'residents', subject: 'did:key:z6MkS' });
  await host.store.save(seal(otherRecord, 'record', [nodeB.publicKey], random), { dataset: 'residents', subject: 'did:key:z6MkOther' });
  host.afterCommit!({ block: { header: { time: 11 } }, changes: new Map([[erasureKey(id), null]]) } as unknown as CommittedBlock);
  const at = await offered(host, 6);
  assert.deepEqual(at.map((c) => [c.body.action, c.body.args]), [['erase', { recordId: w.record.recordId, reason: 'subject-request', erasure: id }]], "only the subject's record");
  await host.close!();
  // A node that was down when the request landed carries it out when it starts.
  const late = createSharingHost(w.ctx);
  await late.open!();
  const atStart = await offered(late, 7);
  assert.deepEqual(atStart.map((c) => [c.body.action, c.body.args]), [['erase', { recordId: w.record.recordId, reason: 'subject-request', erasure: id }]]);
  await late.close!();
});

test("a node added to a holder organisation later gets older records re-wrapped for its key by a node of its organisation, checked against the commitment; another organisation's node gets nothing", async () => {
  const nodeC = generateKeyPair(); // the registry's new node
  const w = await world(nodeB);
  w.state.set(orgKey('registry'), { id: 'registry', status: 'active', nodes: [nodeB.publicKey, nodeC.publicKey], admins: [], permissions: ['sharing'] } as unknown as Json);
  // Sealed before the new node existed: a wrap for nodeB only.
  const old = createSharingHost(w.ctx);
  await old.open!();
  await old.store.save(seal(w.record, 'record', [nodeB.publicKey], random), { dataset: 'residents', subject: 'did:key:z6MkS' });
  const secretC = x25519SecretFromEd25519Seed(fromHex(nodeC.secretKey));
  const ctxC: HostContext = {
    ...w.ctx,
    dataDir: await tempDir('polity-sharing-host-c-'),
    nodeKey: nodeC.publicKey,
    keyAgreement: { publicKey: x25519PublicOf(secretC), sharedSecret: (p) => x25519(secretC, p) },
    peers: { connectedPeers: () => [nodeB.publicKey], request: async (_peer, data) => old.onPeerRequest!(nodeC.publicKey, data) },
  };
  const fresh = createSharingHost(ctxC);
  await fresh.open!();
  while (!fresh.held().includes(w.record.recordId)) await new Promise((r) => setTimeout(r, 50));
  const file = await fresh.store.copyOf(w.record.recordId);
  assert.deepEqual(file!.envelope.wraps.map((x) => x.node), [nodeC.publicKey], "the new node's copy carries its own wrap only");
  assert.equal(file!.subject, 'did:key:z6MkS');
  const { record } = await fresh.store.read(w.record.recordId, recordCommitment(w.record), async () => 'entry');
  assert.deepEqual(record.fields, w.record.fields, 'it opens with the new key and matches the commitment');
  // A node of an organisation that may not hold the record asks: refused, nothing sent.
  const asks = (m: object) => old.onPeerRequest!(nodeA.publicKey, new TextEncoder().encode(JSON.stringify(m)));
  await assert.rejects(asks({ type: 'rewrap', recordIds: [w.record.recordId] }), (e: PolityError) => e.code === 'SHARING_TRANSFER_NOT_ALLOWED');
  assert.deepEqual(JSON.parse(new TextDecoder().decode(await asks({ type: 'holdings' }))).ids, [], 'no ids for an organisation that holds nothing');
  await fresh.close!();
  await old.close!();
});
