/**
 * The data-sharing service's part of `npm run bench`: access-log entries
 * recorded per second on one node (`sharing.logAccess`, each a signed
 * transaction committed through POST /v1/txs), beside the same run's
 * Ed25519 ceiling: every entry is one signed transaction, so signature
 * checks bound it.
 *
 * The node's organisation publishes a dataset and registers a
 * data-steward; the node's own key logs the entries of the steward's reads,
 * as its service host does. (Consented record transfers per second, the
 * node side's, belong beside this part.)
 */
import { randomBytes } from 'node:crypto';
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import { signTx } from '../../ledger/sign.js';
import type { SignedTx } from '../../ledger/transaction.js';
import { adminKeyPath, loadKeyFile, nodeKeyPath } from '../../node/data-dir.js';
import { committedPerSecond, line, ratio, withNode, type BenchPart } from '../../../bench/part.js';
import { signConsent as signOrgConsent } from '../org/consent-sign.js';
import { subjectPseudonym } from './pseudonym.js';

const accessLog: BenchPart = {
  name: 'sharing',
  title: 'access-log entries and consented releases recorded (one node)',
  run: async ({ quick, ceilings, say }) =>
    withNode(async (url, t) => {
      const n = quick ? 1_000 : 10_000;
      const admin = await loadKeyFile(adminKeyPath(t.dir));
      const nodeKey = await loadKeyFile(nodeKeyPath(t.dir));
      const orgs = t.genesis.organisations!;
      const org = orgs[0]!.id;
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
      const consent = signOrgConsent({ chainId, org, use: 'official', publicKey: steward.publicKey, secretKey: steward.secretKey }).signature;
      await must('registrations', [tx(admin, 'propose', { org, op: { type: 'registerOfficial', key: steward.publicKey, roles: ['data-steward', 'data-requester'], consent } }, 'org')]);
      const legalBasis = 'Register Act §3';
      await must('definitions', [tx(steward, 'defineDataset', { name: 'residents', title: 'Residents', fields: [{ name: 'name', sensitivity: 'personal' }, { name: 'address', sensitivity: 'personal' }], sensitivity: 'personal', legalBasis, terms: [], retentionDays: 365 })]);
      const secret = new Uint8Array(randomBytes(32));
      const subject = subjectPseudonym(secret, chainId, org, 'residents');
      const logged = await must('entries', Array.from({ length: n }, () => tx(nodeKey, 'logAccess', { dataset: 'residents', fields: ['address'], subject, purpose: 'correct an address', legalBasis, official: steward.publicKey, channel: 'console' })));
      const all = ceilings.ed25519VerifyAllCoresPerSecond;
      say(line('access-log entries (sharing.logAccess)', logged.txsPerSecond, 'tx/s', `= ${ratio(logged.txsPerSecond, all)} of all-core Ed25519 verify`));
      return { sharingAccessEntriesPerSecond: logged.txsPerSecond, sharingAccessEntriesRatioToEd25519AllCores: logged.txsPerSecond / all };
    }),
};

export const benches: BenchPart[] = [accessLog];
