/**
 * The validator set's part of `npm run bench`: how fast an offline verifier
 * follows the chain's validator sets from genesis — each handover's header
 * checked against the set reached and its commit certificate verified
 * (ledger/set-history.ts, ledger/sign.ts), as every receipt of a block
 * signed by a later set requires — against one-core Ed25519 verification
 * divided by the signatures a certificate carries.
 */
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import { blockHash, type BlockHeader, type CommitCertificate } from '../../ledger/block.js';
import { validatorSetHash, type Validator } from '../../ledger/genesis.js';
import { followSets, type SetHandover } from '../../ledger/set-history.js';
import { signPrecommit, verifyCertificate } from '../../ledger/sign.js';
import { line, now, rate, ratio, type BenchPart } from '../../../bench/part.js';

const CHAIN = 'polity-bench';
const ZERO = '00'.repeat(32);
/** Validators of every set: four departments, three sign each certificate (more than two thirds). */
const SET_SIZE = 4;
const SIGNERS = 3;

function certify(h: BlockHeader, signers: readonly KeyPair[]): CommitCertificate {
  const hash = blockHash(h);
  return {
    height: h.height,
    round: 0,
    blockHash: hash,
    signatures: signers.map((k) => ({ validator: k.publicKey, time: h.time, sig: signPrecommit({ type: 'precommit', chainId: CHAIN, height: h.height, round: 0, blockHash: hash, time: h.time }, k.secretKey) })),
  };
}

const follow: BenchPart = {
  name: 'validators',
  title: 'validator-set handovers followed and their certificates verified, offline',
  async run({ quick, ceilings, say }) {
    const count = quick ? 200 : 2_000;
    // A history of `count` set changes: each set replaces one department of the one before.
    const keys: KeyPair[] = Array.from({ length: SET_SIZE + count }, () => generateKeyPair());
    const setOf = (i: number): { validators: Validator[]; keys: KeyPair[] } => {
      const ks = keys.slice(i, i + SET_SIZE);
      return { validators: ks.map((k, j) => ({ name: `Dept ${i + j}`, pubKey: k.publicKey, power: 1 })), keys: ks };
    };
    const genesis = setOf(0).validators;
    const handovers: SetHandover[] = [];
    for (let i = 0; i < count; i++) {
      const [outgoing, incoming] = [setOf(i), setOf(i + 1)];
      const height = 10 * (i + 1) - 1;
      const header: BlockHeader = {
        v: 1, chainId: CHAIN, height, time: 1_000 + height, prevHash: ZERO, txRoot: ZERO, txCount: 0, resultsRoot: ZERO, stateRoot: ZERO, historyRoot: ZERO,
        validatorSetHash: validatorSetHash(outgoing.validators), nextValidatorSetHash: validatorSetHash(incoming.validators), proposer: outgoing.validators[0]!.pubKey,
      };
      handovers.push({ since: height + 1, validators: incoming.validators, header, certificate: certify(header, outgoing.keys.slice(0, SIGNERS)) });
    }
    const t0 = now();
    const followed = followSets(CHAIN, genesis, handovers, Number.MAX_SAFE_INTEGER);
    if (!followed.ok) throw new Error(followed.reason);
    for (const h of followed.handovers) {
      const check = verifyCertificate(CHAIN, h.certificate, h.validators);
      if (!check.ok) throw new Error(check.reason);
    }
    const perSecond = rate(count, now() - t0);
    const ceiling = ceilings.ed25519VerifyOneCorePerSecond / SIGNERS;
    say(line('handovers followed and verified', perSecond, '/s', `= ${ratio(perSecond, ceiling)} of one-core Ed25519 verify / ${SIGNERS} (signatures per certificate)`));
    say(`  (${count.toLocaleString('en-US')} set changes of ${SET_SIZE} validators)`);
    return { handoversVerifiedPerSecond: perSecond, handoversRatioToCeiling: perSecond / ceiling };
  },
};

export const benches: BenchPart[] = [follow];
