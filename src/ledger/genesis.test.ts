import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PARAMS, genesisHash, parseGenesis, TOTAL_POWER_MAX, type Genesis } from './genesis.js';
import { hasQuorum } from './block.js';
import { genesisRulesVersion, RULES_VERSION_CURRENT } from './rules-version.js';

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

test('params.rulesVersion is optional: a genesis without it keeps its hash (rules version 1); an unknown version is refused', () => {
  // The hash of a genesis written before rules versions (test/fixtures/release-0.1.0-gov/node-data/genesis.json's shape) is unchanged.
  const old = good();
  assert.equal(genesisHash(parseGenesis(old)), genesisHash(good()));
  assert.equal(genesisRulesVersion(old.params), 1);
  const v2 = { ...good(), params: { ...DEFAULT_PARAMS, rulesVersion: RULES_VERSION_CURRENT } };
  assert.deepEqual(parseGenesis(v2), v2);
  assert.equal(genesisRulesVersion(v2.params), RULES_VERSION_CURRENT);
  assert.notEqual(genesisHash(v2), genesisHash(old));
  for (const bad of [0, RULES_VERSION_CURRENT + 1, 1.5, '2']) {
    assert.throws(() => parseGenesis({ ...good(), params: { ...DEFAULT_PARAMS, rulesVersion: bad } }), /params\.rulesVersion: expected 1 to/);
  }
});
