/**
 * The DID service's part of `npm run bench`: did.create transactions
 * committed per second on one node (each a new holder's key), against
 * all-core Ed25519 verification; then DIDs resolved per second through
 * GET /v1/dids/{did}, against the HTTP framework's trivial route.
 */
import { generateKeyPair } from '../../crypto/ed25519.js';
import { signTx } from '../../ledger/sign.js';
import { committedPerSecond, line, ratio, readsPerSecond, withNode, type BenchPart } from '../../../bench/part.js';
import { didPolityFromKey } from './method.js';

const createAndResolve: BenchPart = {
  name: 'did',
  title: 'DIDs created (signed did.create, one node) and resolved (GET /v1/dids/{did})',
  run: async ({ quick, ceilings, say }) =>
    withNode(async (url, t) => {
      const n = quick ? 2_000 : 20_000;
      const holders = Array.from({ length: n }, () => generateKeyPair());
      const txs = holders.map((k) => signTx({ v: 1, chainId: t.genesis.chainId, module: 'did', action: 'create', args: {}, signer: k.publicKey, nonce: 0 }, k.secretKey));
      const created = await committedPerSecond(url, t.node, txs);
      if (created.failed > 0) throw new Error(`${created.failed} did.create transactions failed`);
      const urls = holders.slice(0, 1_000).map((k) => `/v1/dids/${didPolityFromKey(t.genesis.chainId, k.publicKey)}`);
      const resolved = await readsPerSecond(t.app, urls, quick ? 5_000 : 50_000);
      say(line('created', created.txsPerSecond, 'tx/s', `= ${ratio(created.txsPerSecond, ceilings.ed25519VerifyAllCoresPerSecond)} of all-core Ed25519 verify`));
      say(line('resolved', resolved, '/s', `= ${ratio(resolved, ceilings.httpTrivialPerSecond)} of a trivial route`));
      return { didsCreatedPerSecond: created.txsPerSecond, didsResolvedPerSecond: resolved, didsResolvedRatioToTrivialRoute: resolved / ceilings.httpTrivialPerSecond };
    }),
};

export const benches: BenchPart[] = [createAndResolve];
