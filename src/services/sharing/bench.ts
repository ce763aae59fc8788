/**
 * The data-sharing service's part of `npm run bench`, beside the same run's
 * Ed25519 ceiling:
 *
 * - access-log entries/s: `sharing.logAccess` transactions (an official's
 *   reads of the organisation's own records on its legal basis), signed and
 *   committed through POST /v1/txs on one node;
 * - reads through the store's read path/s: the node records each entry
 *   itself (a contributed transaction), waits for its block, then decrypts
 *   the record and checks it against its commitment (host.ts `readOwn`);
 * - consented record transfers/s, in two bounds: the nodes' work per
 *   transfer (the holder reads the record through its read path, discloses
 *   the consented fields and seals them to the reader's node; the reader
 *   opens them and checks the commitment), measured in process with the
 *   chain's answers in a map; and the chain's, two transactions per
 *   transfer (the request and the release), so half the entries' rate. The
 *   P2P hop is not in either: `npm run bench:localnet` measures the links.
 */
import { randomBytes } from 'node:crypto';
import type { Json } from '../../crypto/canonical-json.js';
import { fromHex } from '../../crypto/bytes.js';
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import { didKeyFromPublicKey } from '../../crypto/multikey.js';
import { x25519, x25519PublicOf, x25519SecretFromEd25519Seed } from '../../crypto/x25519.js';
import { signTx } from '../../ledger/sign.js';
import type { SignedTx } from '../../ledger/transaction.js';
import { adminKeyPath, loadKeyFile } from '../../node/data-dir.js';
import { committedPerSecond, fmt, line, now, pool, rate, ratio, withNode, type BenchPart } from '../../../bench/part.js';
import { tempDir } from '../../../test/helpers.js';
import { signConsent } from '../org/consent-sign.js';
import { newRecord, recordCommitment, seal } from './envelope.js';
import { recordKey, requestKey, type RecordCommitment, type SharingRequest } from './module.js';
import { createPrivateStore } from './host-store.js';
import { checkAnswer, serveTransfer, type HolderSide } from './host-transfer.js';
import { createServedLog } from './host-served.js';
import type { SharingHost } from './host.js';

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const FIELDS = { name: 'Ada Lovelace', birthDate: '1815-12-10', address: '12 St James Square, London', nationalId: 'GB-1815-1210-AL', notes: 'x'.repeat(400) };
const BASIS = 'Civil Registration Act s. 4';

const onChain: BenchPart = {
  name: 'sharing',
  title: 'access-log entries and reads through the private store (one node); consented transfers',
  run: async ({ quick, ceilings, say }) => {
    const all = ceilings.ed25519VerifyAllCoresPerSecond;
    const chain = await withNode(async (url, t) => {
      const n = quick ? 1_000 : 10_000;
      const reads = quick ? 300 : 2_000;
      const admin = await loadKeyFile(adminKeyPath(t.dir));
      const org = t.genesis.organisations![0]!.id;
      const chainId = t.genesis.chainId;
      const nonces = new Map<string, number>();
      const tx = (key: KeyPair, action: string, args: Record<string, unknown>, module = 'sharing'): SignedTx => {
        const nonce = nonces.get(key.publicKey) ?? 0;
        nonces.set(key.publicKey, nonce + 1);
        return signTx({ v: 1, chainId, module, action, args: args as never, signer: key.publicKey, nonce }, key.secretKey);
      };
      const must = async (what: string, txs: SignedTx[]) => {
        const r = await committedPerSecond(url, t.node, txs);
        if (r.failed > 0) throw new Error(`${r.failed} of ${txs.length} ${what} failed`);
        return r;
      };
      const steward = generateKeyPair();
      const consent = signConsent({ chainId, org, use: 'official', publicKey: steward.publicKey, secretKey: steward.secretKey }).signature;
      await must('registrations', [tx(admin, 'propose', { org, op: { type: 'registerOfficial', key: steward.publicKey, roles: ['data-steward'], consent } }, 'org')]);
      await must('datasets', [tx(steward, 'defineDataset', { name: 'residents', title: 'Residents', fields: Object.keys(FIELDS).map((name) => ({ name, sensitivity: 'personal' })), sensitivity: 'personal', legalBasis: BASIS, terms: [], retentionDays: 3650 })]);
      const subject = didKeyFromPublicKey(generateKeyPair().publicKey);
      const entries = await must('access entries', Array.from({ length: n }, () => tx(steward, 'logAccess', { dataset: 'residents', fields: ['name', 'address'], subject, purpose: 'benefit check', legalBasis: BASIS, channel: 'console' })));
      // Reads through the store: records stored by the node, then read concurrently, each entry contributed by the node.
      const host = t.node.host<SharingHost>('sharing')!;
      const ids: string[] = [];
      for (let i = 0; i < Math.min(reads, 200); i++) ids.push((await host.storeRecord({ dataset: 'residents', subject, fields: FIELDS, holders: [], retentionUntil: Date.now() + 86_400_000 })).recordId);
      const t0 = now();
      await pool(Array.from({ length: reads }, (_, i) => ids[i % ids.length]!), 1_000, async (recordId) => {
        await host.readOwn({ recordId, official: steward.publicKey, fields: ['name', 'address'], purpose: 'benefit check', legalBasis: BASIS });
      });
      const readsPerSecond = rate(reads, now() - t0);
      return { entriesPerSecond: entries.txsPerSecond, readsPerSecond };
    });
    const transfers = await transfersPerSecond(quick ? 500 : 3_000);
    const chainBound = Math.round(chain.entriesPerSecond / 2);
    say(line('access-log entries (sharing.logAccess)', chain.entriesPerSecond, 'entries/s', `= ${ratio(chain.entriesPerSecond, all)} of all-core Ed25519 verify (${fmt(all)}/s)`));
    say(line('reads via the store (entry, decrypt)', chain.readsPerSecond, 'reads/s', `= ${ratio(chain.readsPerSecond, all)}; each waits for its entry's block`));
    say(line('consented transfers: nodes\' work', transfers, 'xfers/s', `= ${ratio(transfers, all)}; read, disclose, seal, open, check`));
    say(line('consented transfers: chain bound', chainBound, 'xfers/s', `= ${ratio(chainBound, all)}; request + release, 2 tx each`));
    const bound = Math.min(transfers, chainBound);
    say(line('consented transfers (the lower)', bound, 'xfers/s', `= ${ratio(bound, all)} of all-core Ed25519 verify`));
    return {
      sharingAccessEntriesPerSecond: chain.entriesPerSecond,
      sharingStoreReadsPerSecond: chain.readsPerSecond,
      sharingTransferNodeWorkPerSecond: transfers,
      sharingConsentedTransfersPerSecond: bound,
      sharingAccessEntriesRatioToEd25519AllCores: chain.entriesPerSecond / all,
    };
  },
};

/** The nodes' work of n transfers, in process: the holder's read path, disclosure and seal; the reader's open and commitment check. */
async function transfersPerSecond(n: number): Promise<number> {
  const [a, b] = [generateKeyPair(), generateKeyPair()];
  const agree = (k: KeyPair) => {
    const s = x25519SecretFromEd25519Seed(fromHex(k.secretKey));
    return { publicKey: x25519PublicOf(s), sharedSecret: (p: Uint8Array) => x25519(s, p) };
  };
  const state = new Map<string, Json>();
  const get = (k: string): Json | undefined => state.get(k);
  const store = createPrivateStore({ dataDir: await tempDir('polity-bench-sharing-'), nodeKey: b.publicKey, keyAgreement: agree(b) });
  await store.open();
  const requests: SharingRequest[] = [];
  for (let i = 0; i < n; i++) {
    const subject = `did:key:z6MkBench${i}`;
    const record = newRecord('residents', FIELDS, random);
    await store.save(seal(record, 'record', [b.publicKey], random), { dataset: 'residents', subject });
    state.set(recordKey(record.recordId), { recordId: record.recordId, org: 'registry', dataset: 'residents', datasetVersion: 1, commitment: recordCommitment(record), holders: ['registry'], retentionUntil: 9e12, height: 1, time: 1, status: 'held' } satisfies RecordCommitment as unknown as Json);
    const r: SharingRequest = { id: record.recordId.replace(/^./, 'f'), org: 'tax', official: a.publicKey, holder: 'registry', dataset: 'residents', fields: ['name', 'address'], subject, purpose: 'p', consent: 'cc'.repeat(32), approval: 'auto', status: 'released', height: 2, time: 2, decided: { height: 2, time: 2, key: b.publicKey, entry: 'dd'.repeat(32) } };
    state.set(requestKey(r.id), r as unknown as Json);
    requests.push(r);
  }
  const side: HolderSide = { get, ownOrg: () => 'registry', orgOfNode: (k) => (k === a.publicKey ? 'tax' : 'registry'), nodeKey: b.publicKey, store, submit: async () => ({ code: 'OK' }), random, served: createServedLog(undefined), now: () => 0 };
  const reader = agree(a);
  const t0 = now();
  await pool(requests, 16, async (r) => {
    const answer = JSON.parse(JSON.stringify(await serveTransfer(side, a.publicKey, r.id)));
    const checked = checkAnswer(get, r, answer, a.publicKey, reader.sharedSecret);
    if ('code' in checked) throw new Error(`a transfer did not check: ${checked.code}`);
  });
  return rate(n, now() - t0);
}

export const benches: BenchPart[] = [onChain];
