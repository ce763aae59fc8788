import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, type KeyPair } from '../crypto/ed25519.js';
import { blockHash, type BlockHeader, type CommitCertificate } from './block.js';
import { validatorSetHash, type Validator } from './genesis.js';
import { signPrecommit, verifyCertificate } from './sign.js';
import { followSets, type SetHandover } from './set-history.js';

const CHAIN = 'polity-test';
const ZERO = '00'.repeat(32);
const keys = Array.from({ length: 6 }, () => generateKeyPair());
const set = (idx: number[]): Validator[] => idx.map((i) => ({ name: `Dept ${i}`, pubKey: keys[i]!.publicKey, power: 1 }));

function header(height: number, signing: Validator[], next: Validator[] | undefined): BlockHeader {
  return {
    v: 1,
    chainId: CHAIN,
    height,
    time: 1_000 + height,
    prevHash: ZERO,
    txRoot: ZERO,
    txCount: 0,
    resultsRoot: ZERO,
    stateRoot: ZERO,
    historyRoot: ZERO,
    validatorSetHash: validatorSetHash(signing),
    ...(next ? { nextValidatorSetHash: validatorSetHash(next) } : {}),
    proposer: signing[0]!.pubKey,
  };
}

function certify(h: BlockHeader, signers: KeyPair[]): CommitCertificate {
  const hash = blockHash(h);
  return {
    height: h.height,
    round: 0,
    blockHash: hash,
    signatures: signers.map((k) => ({ validator: k.publicKey, time: h.time, sig: signPrecommit({ type: 'precommit', chainId: CHAIN, height: h.height, round: 0, blockHash: hash, time: h.time }, k.secretKey) })),
  };
}

// Genesis {0,1,2,3}; at 10 the set becomes {0,1,2,3,4}; at 20 it becomes {1,2,3,4}.
const S0 = set([0, 1, 2, 3]);
const S1 = set([0, 1, 2, 3, 4]);
const S2 = set([1, 2, 3, 4]);
const h9 = header(9, S0, S1);
const h19 = header(19, S1, S2);
const history: SetHandover[] = [
  { since: 10, validators: S1, header: h9, certificate: certify(h9, [keys[0]!, keys[1]!, keys[2]!]) },
  { since: 20, validators: S2, header: h19, certificate: certify(h19, [keys[0]!, keys[1]!, keys[2]!, keys[4]!]) },
];

/** Follow, then check every handover certificate's signatures against the set it was checked by. */
function follow(handovers: unknown, height: number): { validators: readonly Validator[] } | string {
  const f = followSets(CHAIN, S0, handovers, height);
  if (!f.ok) return f.reason;
  for (const c of f.handovers) {
    const v = verifyCertificate(CHAIN, c.certificate, c.validators);
    if (!v.ok) return `handover at ${c.height}: ${v.reason}`;
  }
  return { validators: f.validators };
}

test('the set is followed from genesis through each handover, and only the handovers up to the height count', () => {
  assert.deepEqual(follow(undefined, 50), { validators: S0 });
  assert.deepEqual(follow(history, 9), { validators: S0 });
  assert.deepEqual(follow(history, 10), { validators: S1 });
  assert.deepEqual(follow(history, 19), { validators: S1 });
  assert.deepEqual(follow(history, 20), { validators: S2 });
  assert.deepEqual(follow(history, 1_000), { validators: S2 });
});

test('a history with a gap, a forged list, a wrong certificate or a bad signature is refused', () => {
  // A missing first handover: block 19 was not signed by the genesis set.
  assert.match(String(follow([history[1]], 30)), /not signed by the set the history had reached/);
  // Out of order (the later one first), and the same one twice.
  assert.match(String(follow([history[1], history[0]], 30)), /not signed by the set the history had reached/);
  assert.match(String(follow([history[0], history[0]], 30)), /heights must increase/);
  // The listed set is not the one the header hands over to (power changed).
  const forgedList = structuredClone(history);
  forgedList[0]!.validators[4]!.power = 5;
  assert.match(String(follow(forgedList, 30)), /does not hand over to the listed set/);
  // A header whose handover hash was changed no longer matches its certificate.
  const forgedHeader = structuredClone(history);
  forgedHeader[0]!.header.nextValidatorSetHash = validatorSetHash(set([0, 5]));
  forgedHeader[0]!.validators = set([0, 5]);
  assert.match(String(follow(forgedHeader, 30)), /certificate is not for this header/);
  // A certificate signed by too little of the outgoing set.
  const weak = structuredClone(history);
  weak[0]!.certificate = certify(h9, [keys[0]!, keys[1]!]);
  assert.match(String(follow(weak, 30)), /handover at 9: .*2 of 4/);
  // Signed by the incoming validator, who is not in the outgoing set.
  const byNewcomer = structuredClone(history);
  byNewcomer[0]!.certificate = certify(h9, [keys[0]!, keys[1]!, keys[4]!]);
  assert.match(String(follow(byNewcomer, 30)), /handover at 9: .*not in the validator set/);
  // A flipped signature byte.
  const flipped = structuredClone(history);
  const sig = flipped[1]!.certificate.signatures[0]!;
  sig.sig = (sig.sig[0] === '0' ? '1' : '0') + sig.sig.slice(1);
  assert.match(String(follow(flipped, 30)), /handover at 19: /);
  // Malformed input never throws.
  assert.match(String(follow('nope', 30)), /expected a list/);
  assert.match(String(follow([null], 30)), /expected an object/);
  assert.match(String(follow([{ ...history[0], validators: [] }], 30)), /validators: expected at least one/);
  // Control: the untouched history still verifies after all that cloning.
  assert.deepEqual(follow(history, 30), { validators: S2 });
});
