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
import type { HostContext } from '../../node/service-host.js';
import type { ChainReads, CommittedBlock } from '../../node/chain-state.js';
import { tempDir } from '../../../test/helpers.js';
import { disclose, newRecord, recordCommitment, seal } from './envelope.js';
import { recordKey, requestKey, type RecordCommitment, type SharingRequest } from './module.js';
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
