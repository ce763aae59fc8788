/**
 * The invoices service's part of `npm run bench`: invoices issued,
 * acknowledged and reimbursed per second on one node, each committed
 * through POST /v1/txs, beside the same run's Ed25519 ceiling (every
 * transition is one signed transaction, so signature checks bound it).
 *
 * The node's organisation registers an invoicer and a reimburser, the
 * consortium (one organisation: its vote is the share) designates it as
 * reimbursing, and a person's did:key buys. Then n invoices are issued, n
 * acknowledged by the buyer's key, n reimbursed; and n second
 * reimbursements of the same invoices, each refused, to show that the
 * refusal costs no more than an acceptance.
 */
import { createHash } from 'node:crypto';
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import { didKeyFromPublicKey } from '../../crypto/multikey.js';
import { signTx } from '../../ledger/sign.js';
import { decodeTx, type SignedTx } from '../../ledger/transaction.js';
import { adminKeyPath, loadKeyFile } from '../../node/data-dir.js';
import { committedPerSecond, line, ratio, withNode, type BenchPart } from '../../../bench/part.js';
import { signConsent } from '../org/consent-sign.js';

const lifecycle: BenchPart = {
  name: 'invoices',
  title: 'invoices issued, acknowledged and reimbursed (one node), and double reimbursements refused',
  run: async ({ quick, ceilings, say }) =>
    withNode(async (url, t) => {
      const n = quick ? 1_000 : 10_000;
      const admin = await loadKeyFile(adminKeyPath(t.dir));
      const org = t.genesis.organisations![0]!.id;
      const chainId = t.genesis.chainId;
      const nonces = new Map<string, number>();
      const tx = (key: KeyPair, module: string, action: string, args: Record<string, unknown>): SignedTx => {
        const nonce = nonces.get(key.publicKey) ?? 0;
        nonces.set(key.publicKey, nonce + 1);
        return signTx({ v: 1, chainId, module, action, args: args as never, signer: key.publicKey, nonce }, key.secretKey);
      };
      const must = async (what: string, txs: SignedTx[]) => {
        const r = await committedPerSecond(url, t.node, txs);
        if (r.failed > 0) throw new Error(`${r.failed} of ${txs.length} ${what} failed`);
        return r;
      };
      const [invoicer, reimburser, buyer] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
      for (const [key, role] of [[invoicer, 'invoicer'], [reimburser, 'reimburser']] as const) {
        const consent = signConsent({ chainId, org, use: 'official', publicKey: key.publicKey, secretKey: key.secretKey }).signature;
        await must('registrations', [tx(admin, 'org', 'propose', { org, op: { type: 'registerOfficial', key: key.publicKey, roles: [role], consent } })]);
      }
      const propose = tx(admin, 'gov', 'propose', { change: { type: 'serviceDecision', module: 'invoices', decision: { type: 'designate', org, function: 'reimburser' } } });
      await must('proposals', [propose]);
      await must('enactments', [tx(admin, 'invoices', 'enact', { proposal: decodeTx(propose).id })]);

      const did = didKeyFromPublicKey(buyer.publicKey);
      const numbers = Array.from({ length: n }, (_, i) => `B-${i}`);
      const hashOf = (i: number): string => createHash('sha256').update(`invoice ${i}`).digest('hex');
      const issued = await must('issuances', numbers.map((number, i) => tx(invoicer, 'invoices', 'issue', { number, buyer: did, amount: 1000 + i, currency: 'EUR', date: '2026-12-01', documentHash: hashOf(i) })));
      const acknowledged = await must('acknowledgements', numbers.map((number) => tx(buyer, 'invoices', 'acknowledge', { seller: org, number })));
      const reimbursed = await must('reimbursements', numbers.map((number) => tx(reimburser, 'invoices', 'reimburse', { seller: org, number })));
      const again = await committedPerSecond(url, t.node, numbers.map((number) => tx(reimburser, 'invoices', 'reimburse', { seller: org, number })));
      if (again.failed !== n) throw new Error(`${n - again.failed} second reimbursements were not refused`);
      const all = ceilings.ed25519VerifyAllCoresPerSecond;
      say(line('issued (invoices.issue)', issued.txsPerSecond, 'tx/s', `= ${ratio(issued.txsPerSecond, all)} of all-core Ed25519 verify`));
      say(line('acknowledged (by the buyer’s did:key)', acknowledged.txsPerSecond, 'tx/s', `= ${ratio(acknowledged.txsPerSecond, all)} of all-core Ed25519 verify`));
      say(line('reimbursed (invoices.reimburse)', reimbursed.txsPerSecond, 'tx/s', `= ${ratio(reimbursed.txsPerSecond, all)} of all-core Ed25519 verify`));
      say(line('second reimbursements refused', again.txsPerSecond, 'tx/s', 'INVOICES_ALREADY_REIMBURSED, every one'));
      return {
        invoicesIssuedPerSecond: issued.txsPerSecond,
        invoicesAcknowledgedPerSecond: acknowledged.txsPerSecond,
        invoicesReimbursedPerSecond: reimbursed.txsPerSecond,
        invoicesDoubleReimbursementsRefusedPerSecond: again.txsPerSecond,
        invoicesReimbursedRatioToEd25519AllCores: reimbursed.txsPerSecond / all,
      };
    }),
};

export const benches: BenchPart[] = [lifecycle];
