/**
 * Governance's part of `npm run bench`: proposals decided per second on one
 * node (gov.propose by the one department's admin: one organisation is the
 * whole share, so each executes in its own transaction), against all-core
 * Ed25519 verification; then pages of proposals served per second through
 * GET /v1/gov/proposals, against the HTTP framework's trivial route.
 */
import { signTx } from '../../ledger/sign.js';
import { adminKeyPath, loadKeyFile } from '../../node/data-dir.js';
import { committedPerSecond, line, ratio, readsPerSecond, withNode, type BenchPart } from '../../../bench/part.js';

const proposals: BenchPart = {
  name: 'gov',
  title: 'proposals decided (gov.propose, one organisation, one node) and listed (GET /v1/gov/proposals)',
  run: async ({ quick, ceilings, say }) =>
    withNode(async (url, t) => {
      const n = quick ? 500 : 5_000;
      const admin = await loadKeyFile(adminKeyPath(t.dir));
      const txs = Array.from({ length: n }, (_, nonce) =>
        signTx({ v: 1, chainId: t.genesis.chainId, module: 'gov', action: 'propose', args: { change: { type: 'setParameter', name: 'votingSeconds', value: 1_000 + (nonce % 1_000) } }, signer: admin.publicKey, nonce }, admin.secretKey),
      );
      const decided = await committedPerSecond(url, t.node, txs);
      if (decided.failed > 0) throw new Error(`${decided.failed} proposals failed`);
      const pages = await readsPerSecond(t.app, ['/v1/gov/proposals?limit=50', '/v1/gov/proposals?status=executed&limit=20'], quick ? 2_000 : 20_000);
      say(line('proposals decided', decided.txsPerSecond, 'tx/s', `= ${ratio(decided.txsPerSecond, ceilings.ed25519VerifyAllCoresPerSecond)} of all-core Ed25519 verify (one signer: its nonces are in order)`));
      say(line('pages of 50 proposals served', pages, '/s', `= ${ratio(pages, ceilings.httpTrivialPerSecond)} of a trivial route`));
      return { proposalsDecidedPerSecond: decided.txsPerSecond, proposalPagesPerSecond: pages, proposalPagesRatioToTrivialRoute: pages / ceilings.httpTrivialPerSecond };
    }),
};

export const benches: BenchPart[] = [proposals];
