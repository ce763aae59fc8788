import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PARAMS, genesisHash, parseGenesis, TOTAL_POWER_MAX, type Genesis } from './genesis.js';
import { hasQuorum } from './block.js';

const good = (): Genesis => ({
  v: 1,
  chainId: 'polity-test',
  genesisTime: 1_700_000_000_000,
  validators: [{ name: 'Civil Registry', pubKey: 'aa'.repeat(32), power: 1 }],
  params: { ...DEFAULT_PARAMS },
});

test('a valid genesis parses, and its hash covers every member', () => {
  assert.deepEqual(parseGenesis(good()), good());
  assert.notEqual(genesisHash(good()), genesisHash({ ...good(), genesisTime: 1 }));
});

test('a malformed genesis is refused, saying what is wrong', () => {
  const cases: [unknown, RegExp][] = [
    [null, /expected an object/],
    [{ ...good(), extra: true }, /unexpected member "extra"/],
    [{ ...good(), v: 2 }, /v: expected 1/],
    [{ ...good(), chainId: 'Not Valid' }, /chainId/],
    [{ ...good(), validators: [] }, /at least one/],
    [{ ...good(), validators: [good().validators[0], good().validators[0]] }, /listed twice/],
    [{ ...good(), validators: [{ ...good().validators[0]!, power: 0 }] }, /power/],
    [{ ...good(), validators: [{ ...good().validators[0]!, power: TOTAL_POWER_MAX + 1 }] }, /exceeds/],
    [{ ...good(), params: { ...DEFAULT_PARAMS, blockTxsMax: 0 } }, /blockTxsMax/],
  ];
  for (const [value, pattern] of cases) assert.throws(() => parseGenesis(value), pattern, String(pattern));
});

test('quorum is strictly more than two thirds, exact up to the power bound', () => {
  assert.equal(hasQuorum(2, 3), false);
  assert.equal(hasQuorum(3, 4), true);
  assert.equal(hasQuorum(67, 100), true);
  assert.equal(hasQuorum(66, 100), false);
  const t = TOTAL_POWER_MAX;
  const twoThirds = Math.floor((2 * t) / 3);
  assert.equal(hasQuorum(twoThirds, t), false);
  assert.equal(hasQuorum(twoThirds + 1, t), true);
});
