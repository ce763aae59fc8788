/**
 * The organisations' part of `npm run bench`: officials registered per
 * second (org.propose registerOfficial, signed by the department's admin and
 * applied at once, threshold 1) on one node, against all-core Ed25519
 * verification; then "who is this key" answered per second through
 * GET /v1/members/{key}, against the HTTP framework's trivial route.
 */
import { signConsent } from './consent-sign.js';
import { generateKeyPair } from '../../crypto/ed25519.js';
import { signTx } from '../../ledger/sign.js';
import { adminKeyPath, loadKeyFile } from '../../node/data-dir.js';
import { committedPerSecond, line, ratio, readsPerSecond, withNode, type BenchPart } from '../../../bench/part.js';

const officials: BenchPart = {
  name: 'org',
  title: 'officials registered (org.propose by an admin, one node) and keys looked up (GET /v1/members/{key})',
  run: async ({ quick, ceilings, say }) =>
    withNode(async (url, t) => {
      const n = quick ? 1_000 : 8_000; // an organisation holds at most 10,000 officials
      const admin = await loadKeyFile(adminKeyPath(t.dir));
      const org = t.genesis.organisations![0]!.id;
      const pairs = Array.from({ length: n }, () => generateKeyPair());
      const keys = pairs.map((p) => p.publicKey);
      // Each official consents (signs) off the chain; the node checks that signature with the transaction's.
      const txs = pairs.map((p, nonce) => {
        const consent = signConsent({ chainId: t.genesis.chainId, org, use: 'official', publicKey: p.publicKey, secretKey: p.secretKey }).signature;
        return signTx({ v: 1, chainId: t.genesis.chainId, module: 'org', action: 'propose', args: { org, op: { type: 'registerOfficial', key: p.publicKey, roles: ['registrar'], consent } }, signer: admin.publicKey, nonce }, admin.secretKey);
      });
      const registered = await committedPerSecond(url, t.node, txs);
      if (registered.failed > 0) throw new Error(`${registered.failed} registrations failed`);
      const lookups = await readsPerSecond(t.app, keys.slice(0, 1_000).map((k) => `/v1/members/${k}`), quick ? 5_000 : 50_000);
      say(line('officials registered', registered.txsPerSecond, 'tx/s', `= ${ratio(registered.txsPerSecond, ceilings.ed25519VerifyAllCoresPerSecond)} of all-core Ed25519 verify (one signer: its nonces are in order)`));
      say(line('keys looked up', lookups, '/s', `= ${ratio(lookups, ceilings.httpTrivialPerSecond)} of a trivial route`));
      return { officialsRegisteredPerSecond: registered.txsPerSecond, membersLookedUpPerSecond: lookups, membersRatioToTrivialRoute: lookups / ceilings.httpTrivialPerSecond };
    }),
};

export const benches: BenchPart[] = [officials];
