/**
 * Evidence's part of `npm run bench`: evidence.submit transactions executed
 * and recorded per second by the runtime (each checks two Ed25519
 * signatures against the validator set), against one-core Ed25519
 * verification halved — the most two signature checks a core allows.
 */
import { generateKeyPair, signBytes } from '../../crypto/ed25519.js';
import { signTx } from '../../ledger/sign.js';
import { decodeTx } from '../../ledger/transaction.js';
import { voteSignBytes } from '../../ledger/votes.js';
import { executeBlock } from '../../runtime/executor.js';
import { createModuleRegistry } from '../../runtime/registry.js';
import { line, now, rate, ratio, type BenchPart } from '../../../bench/part.js';
import { evidenceModule } from './module.js';

const CHAIN = 'polity-bench';

const recorded: BenchPart = {
  name: 'evidence',
  title: 'equivocation evidence checked and recorded by the runtime (two signatures each)',
  async run({ quick, ceilings, say }) {
    const n = quick ? 1_000 : 10_000;
    const validator = generateKeyPair();
    const reporter = generateKeyPair();
    const validators = [{ name: 'Dept', pubKey: validator.publicKey, power: 1 }];
    const vote = (height: number, blockHash: string) => {
      const body = { type: 'prevote' as const, chainId: CHAIN, height, round: 0, blockHash, time: 1_000 + height };
      return { ...body, validator: validator.publicKey, sig: signBytes(validator.secretKey, voteSignBytes(body)) };
    };
    const txs = Array.from({ length: n }, (_, i) =>
      decodeTx(
        signTx(
          { v: 1, chainId: CHAIN, module: 'evidence', action: 'submit', args: { first: vote(i + 1, 'aa'.repeat(32)), second: vote(i + 1, 'bb'.repeat(32)) } as never, signer: reporter.publicKey, nonce: i },
          reporter.secretKey,
        ),
      ),
    );
    const registry = createModuleRegistry([evidenceModule]);
    const t0 = now();
    const exec = executeBlock(registry, { get: () => undefined }, { chainId: CHAIN, height: 1, time: 1, validators }, txs);
    const perSecond = rate(n, now() - t0);
    const failed = exec.results.filter((r) => r.code !== 'OK');
    if (failed.length > 0) throw new Error(`evidence refused: ${failed[0]!.code} ${failed[0]!.message}`);
    const ceiling = ceilings.ed25519VerifyOneCorePerSecond / 2;
    say(line('recorded', perSecond, '/s', `= ${ratio(perSecond, ceiling)} of one-core Ed25519 verify / 2 (two signatures each)`));
    return { evidenceRecordedPerSecond: perSecond, evidenceRatioToHalfOneCoreVerify: perSecond / ceiling };
  },
};

export const benches: BenchPart[] = [recorded];
