/**
 * Receipts checked with no node: chains built here in memory (one block
 * signed by three validators; a block after a validator-set handover), their
 * receipts, and what a verifier does with them and with every malformed
 * variant of them.
 *
 * The property: whatever a receipt is turned into — members set to null,
 * Infinity, NaN, -1 or a huge number, strings into other types, members
 * removed or added, lists cut short, a value nested thousands deep —
 * `verifyReceipt` answers a verdict (never an exception), a refusal always
 * says why, and every change to what the verdict rests on (the hashed and
 * signed content) is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toHex } from '../crypto/bytes.js';
import { canonicalBytes } from '../crypto/canonical-json.js';
import { EMPTY_ROOT, inclusionProof, leafHash, merkleRoot } from '../crypto/merkle.js';
import { publicKeyOf } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/sha256.js';
import { blockHash, type BlockHeader, type CommitCertificate, type TxResult } from './block.js';
import { DEFAULT_PARAMS, genesisHash, validatorSetHash, type Genesis, type Validator } from './genesis.js';
import { RECEIPT_TYPE, type Receipt } from './receipt.js';
import { createReceiptCache, verifyReceipt, type ReceiptVerification } from './receipt-verify.js';
import { signPrecommit, signTx } from './sign.js';
import { txIdBytes, type SignedTx, type TxBody } from './transaction.js';

const CHAIN = 'receipt-test';
const seed = (name: string): string => toHex(sha256(new TextEncoder().encode(name)));
const key = (name: string) => ({ secretKey: seed(name), publicKey: publicKeyOf(seed(name)) });
const hashOf = (name: string): string => seed(`document ${name}`);

const SET_A = ['Civil Registry', 'Land Registry', 'Tax Bureau'].map((name) => ({ name, ...key(`validator ${name}`) }));
const SET_B = ['Health', 'Treasury', 'Universities'].map((name) => ({ name, ...key(`validator ${name}`) }));
const listOf = (set: typeof SET_A): Validator[] => set.map((v) => ({ name: v.name, pubKey: v.publicKey, power: 1 }));
const USER = key('an official');

const genesis: Genesis = { v: 1, chainId: CHAIN, genesisTime: 1_790_000_000_000, validators: listOf(SET_A), params: { ...DEFAULT_PARAMS } };

function certify(header: BlockHeader, set: typeof SET_A): CommitCertificate {
  const hash = blockHash(header);
  return {
    height: header.height,
    round: 0,
    blockHash: hash,
    signatures: set.map((v, i) => {
      const time = header.time + 10 + i;
      return { validator: v.publicKey, time, sig: signPrecommit({ type: 'precommit', chainId: CHAIN, height: header.height, round: 0, blockHash: hash, time }, v.secretKey) };
    }),
  };
}

interface BuiltBlock {
  header: BlockHeader;
  certificate: CommitCertificate;
  txs: SignedTx[];
  results: TxResult[];
}

function buildBlock(height: number, prevHash: string, txs: SignedTx[], set: typeof SET_A, extra: Partial<BlockHeader> = {}): BuiltBlock {
  const results: TxResult[] = txs.map((tx) => ({ txId: toHex(txIdBytes(tx.body)), code: 'OK', events: [{ type: `notary.${tx.body.action}`, n: 1 }] }));
  const header: BlockHeader = {
    v: 1,
    chainId: CHAIN,
    height,
    time: genesis.genesisTime + height * 1000,
    prevHash,
    txRoot: toHex(merkleRoot(txs.map((tx) => leafHash(txIdBytes(tx.body))))),
    txCount: txs.length,
    resultsRoot: toHex(merkleRoot(results.map((r) => leafHash(canonicalBytes(r))))),
    stateRoot: seed(`state ${height}`),
    historyRoot: toHex(EMPTY_ROOT),
    validatorSetHash: validatorSetHash(listOf(set)),
    proposer: set[0]!.publicKey,
    ...extra,
  };
  return { header, certificate: certify(header, set), txs, results };
}

function receiptOf(block: BuiltBlock, txIndex: number, hash: string, set: typeof SET_A, more: Partial<Receipt> = {}): Receipt {
  const txLeaves = block.txs.map((tx) => leafHash(txIdBytes(tx.body)));
  const resultLeaves = block.results.map((r) => leafHash(canonicalBytes(r)));
  return {
    type: RECEIPT_TYPE,
    v: 1,
    hash,
    chainId: CHAIN,
    genesisHash: genesisHash(genesis),
    tx: block.txs[txIndex]!,
    txIndex,
    txPath: inclusionProof(txLeaves, txIndex).map(toHex),
    result: block.results[txIndex]!,
    resultPath: inclusionProof(resultLeaves, txIndex).map(toHex),
    header: block.header,
    certificate: block.certificate,
    validators: listOf(set),
    ...more,
  };
}

const body = (signer: string, nonce: number, action: string, args: TxBody['args']): TxBody => ({ v: 1, chainId: CHAIN, module: 'notary', action, args, signer, nonce });

/** Three receipts: a signed anchor and an aggregated one in block 1, and a signed anchor in block 3, after the set changed at block 3. */
function receipts(): { signed: Receipt; batch: Receipt; handedOver: Receipt } {
  const leaves = ['a', 'b', 'c', 'd', 'e'].map((n) => leafHash(Buffer.from(hashOf(n), 'hex')));
  const root = toHex(merkleRoot(leaves));
  const anchorBatch = signTx(body(SET_A[0]!.publicKey, 0, 'anchorBatch', { root, count: 5 }), SET_A[0]!.secretKey);
  const anchor = signTx(body(USER.publicKey, 0, 'anchor', { hash: hashOf('signed'), meta: { docType: 'permit' } }), USER.secretKey);
  const b1 = buildBlock(1, genesisHash(genesis), [anchorBatch, anchor], SET_A);
  const batch = receiptOf(b1, 0, hashOf('c'), SET_A, { batch: { root, index: 2, size: 5, path: inclusionProof(leaves, 2).map(toHex) } });
  const signed = receiptOf(b1, 1, hashOf('signed'), SET_A);

  // Block 2 is the last the genesis set signs: it names set B, which signs block 3.
  const b2 = buildBlock(2, blockHash(b1.header), [signTx(body(USER.publicKey, 1, 'anchor', { hash: hashOf('two') }), USER.secretKey)], SET_A, { nextValidatorSetHash: validatorSetHash(listOf(SET_B)) });
  const b3 = buildBlock(3, blockHash(b2.header), [signTx(body(USER.publicKey, 2, 'anchor', { hash: hashOf('three') }), USER.secretKey)], SET_B);
  const handedOver = receiptOf(b3, 0, hashOf('three'), SET_B, { validatorSets: [{ since: 3, validators: listOf(SET_B), header: b2.header, certificate: b2.certificate }] });
  return { signed, batch, handedOver };
}

const BASE = receipts();

/** Verify, and fail the test (with the receipt) if verification throws. */
function verdictOf(receipt: unknown, options: Parameters<typeof verifyReceipt>[2] = {}): ReceiptVerification {
  let verdict: ReceiptVerification;
  try {
    verdict = verifyReceipt(receipt, genesis, options);
  } catch (e) {
    assert.fail(`verifyReceipt threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  }
  assert.equal(typeof verdict, 'object', 'a verdict is an object');
  assert.notEqual(verdict, null);
  assert.equal(typeof verdict.ok, 'boolean');
  if (!verdict.ok) assert.ok(typeof verdict.reason === 'string' && verdict.reason.length > 0, 'a refusal says why');
  return verdict;
}

test('the receipts built here verify, with and without a session cache', () => {
  const cache = createReceiptCache();
  for (const [name, r] of Object.entries(BASE)) {
    for (const options of [{}, { cache }, { cache }]) {
      const v = verdictOf(r, { ...options, documentHash: r.hash });
      assert.ok(v.ok, `${name}: ${v.ok ? '' : v.reason}`);
    }
  }
});

test('a null signature entry, or a round of 1e400 (Infinity once parsed), gets a verdict with a reason', () => {
  const withNull = structuredClone(BASE.signed) as any;
  withNull.certificate.signatures[1] = null;
  const huge = JSON.parse(JSON.stringify(BASE.signed).replace('"round":0', '"round":1e400'));
  assert.equal(huge.certificate.round, Infinity);
  const nullInHandover = structuredClone(BASE.handedOver) as any;
  nullInHandover.validatorSets[0].certificate.signatures[0] = null;
  for (const [name, bad] of [['null signature', withNull], ['round 1e400', huge], ['null handover signature', nullInHandover]] as const) {
    for (const cache of [undefined, createReceiptCache()]) {
      const v = verdictOf(bad, cache ? { cache } : {});
      assert.equal(v.ok, false, name);
      assert.match((v as { reason: string }).reason, /certificate|signature|round|malformed/, name);
    }
  }
});

test('a receipt whose tx.sig is zeroed or forged is refused, saying the transaction signature does not verify', () => {
  for (const r of [BASE.signed, BASE.batch, BASE.handedOver]) {
    const zeroed = { ...r, tx: { ...r.tx, sig: '00'.repeat(64) } };
    const other = { ...r, tx: { ...r.tx, sig: signTx({ ...r.tx.body, nonce: r.tx.body.nonce + 1 }, USER.secretKey).sig } };
    for (const bad of [zeroed, other]) {
      for (const cache of [undefined, createReceiptCache()]) {
        if (cache) assert.ok(verdictOf(r, { cache }).ok, 'the genuine receipt verifies first, warming the cache');
        const v = verdictOf(bad, cache ? { cache } : {});
        assert.equal(v.ok, false);
        assert.match((v as { reason: string }).reason, /transaction's signature .*does not verify/);
      }
    }
  }
});

// ---- The property test -------------------------------------------------------------------------

type Path = (string | number)[];

/** Every path to a value inside `value` (objects and arrays included), depth first. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

function getAt(value: any, path: Path): any {
  for (const p of path) value = value?.[p];
  return value;
}

type Mutation =
  | { kind: 'set'; path: Path; value: unknown }
  | { kind: 'delete'; path: Path }
  | { kind: 'add'; path: Path; key: string; value: unknown }
  | { kind: 'truncate'; path: Path; length: number }
  | { kind: 'duplicate'; path: Path };

function nested(depth: number, kind: 'array' | 'object'): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

const REPLACEMENTS: unknown[] = [
  null,
  Infinity,
  -Infinity,
  NaN,
  -1,
  0.5,
  2 ** 60,
  Number.MAX_SAFE_INTEGER + 1,
  1e308,
  '',
  'x',
  '00'.repeat(32),
  'ff'.repeat(64),
  true,
  [],
  {},
  [null],
  { length: 1 },
  // Stand-ins for values nested 5,000 deep (built in `apply`: fast-check could not print them).
  'deep array',
  'deep object',
];

const materialise = (value: unknown): unknown => (value === 'deep array' ? nested(5_000, 'array') : value === 'deep object' ? nested(5_000, 'object') : value);

/** Apply `mutation` to `copy` in place (a copy of a receipt, already cloned), or return its replacement. */
function apply(copy: any, mutation: Mutation): unknown {
  const m = 'value' in mutation ? { ...mutation, value: materialise(mutation.value) } : mutation;
  if (m.path.length === 0) {
    if (m.kind === 'set') return m.value;
    if (m.kind === 'add' && typeof copy === 'object' && copy !== null) copy[m.key] = m.value;
    return copy;
  }
  // After an earlier mutation the path may lead nowhere: then this one changes nothing.
  const parent = getAt(copy, m.path.slice(0, -1));
  if (typeof parent !== 'object' || parent === null) return copy;
  const last = m.path[m.path.length - 1]!;
  const target = parent[last];
  switch (m.kind) {
    case 'set':
      parent[last] = m.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case 'add':
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) target[m.key] = m.value;
      else if (Array.isArray(target)) target.push(m.value);
      break;
    case 'truncate':
      if (Array.isArray(target)) target.length = Math.min(target.length, m.length);
      else if (typeof target === 'string') parent[last] = target.slice(0, m.length);
      break;
    case 'duplicate':
      if (Array.isArray(target) && target.length > 0) target.push(target[0]);
      break;
  }
  return copy;
}

/**
 * What a verdict rests on: the members that are hashed into the header or
 * signed (by the anchoring signer or the validators). Deliberately left out:
 * the receipt's own `validators` list and a handover's validator names
 * (informational, spec/receipts.md §6), and members a verifier ignores
 * (unknown ones added to an unhashed object such as the certificate).
 */
function signedContent(r: any): string {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return `not an object: ${typeof r}`;
  const certificate = (c: any) =>
    typeof c === 'object' && c !== null && !Array.isArray(c)
      ? {
          height: c.height,
          round: c.round,
          blockHash: c.blockHash,
          signatures: Array.isArray(c.signatures) ? c.signatures.map((s: any) => (typeof s === 'object' && s !== null && !Array.isArray(s) ? [s.validator, s.time, s.sig] : ['entry', s])) : ['signatures', c.signatures],
        }
      : ['certificate', c];
  const batch = (b: any) => (typeof b === 'object' && b !== null && !Array.isArray(b) ? [b.root, b.index, b.size, b.path] : ['batch', b]);
  const handover = (h: any) =>
    typeof h === 'object' && h !== null && !Array.isArray(h)
      ? [h.since, Array.isArray(h.validators) ? h.validators.map((v: any) => (typeof v === 'object' && v !== null ? [v.pubKey, v.power] : v)) : ['validators', h.validators], h.header, certificate(h.certificate)]
      : ['handover', h];
  try {
    return contentText(r, certificate, batch, handover);
  } catch {
    // Too deep for JSON.stringify: a value nested thousands deep replaced part of the content.
    return 'changed: nested too deep to print';
  }
}

function contentText(r: any, certificate: (c: any) => unknown, batch: (b: any) => unknown, handover: (h: any) => unknown): string {
  return JSON.stringify(
    [
      r.type,
      r.v,
      r.hash,
      r.chainId,
      r.genesisHash,
      'batch' in r ? batch(r.batch) : 'no batch',
      r.tx,
      r.txIndex,
      r.txPath,
      r.result,
      r.resultPath,
      r.header,
      certificate(r.certificate),
      'validatorSets' in r ? (Array.isArray(r.validatorSets) ? r.validatorSets.map(handover) : ['sets', r.validatorSets]) : 'no sets',
    ],
    // JSON.stringify writes NaN and Infinity as null: keep them apart from a real null, and from each other.
    (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? `number ${value}` : value),
  );
}

function mutationArb(receipt: Receipt): fc.Arbitrary<Mutation> {
  const paths = pathsOf(receipt);
  const path = fc.constantFrom(...paths);
  const value = fc.oneof(fc.constantFrom(...REPLACEMENTS), fc.integer(), fc.double(), fc.string({ maxLength: 8 }));
  return fc.oneof(
    fc.record({ kind: fc.constant('set' as const), path, value }),
    fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...paths.filter((p) => p.length > 0)) }),
    fc.record({ kind: fc.constant('add' as const), path, key: fc.constantFrom('extra', 'x-member', '__proto__x'), value }),
    fc.record({ kind: fc.constant('truncate' as const), path, length: fc.nat({ max: 3 }) }),
    fc.record({ kind: fc.constant('duplicate' as const), path }),
  );
}

for (const [name, base] of Object.entries(BASE)) {
  test(`property (${name} receipt): any mutation gets a verdict, never an exception; a change to signed or hashed content is refused`, () => {
    const original = signedContent(base);
    const cache = createReceiptCache();
    assert.ok(verdictOf(base, { cache }).ok);
    let refused = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.array(mutationArb(base), { minLength: 1, maxLength: 3 }), fc.boolean(), (mutations, withCache) => {
        let mutated: unknown = structuredClone(base);
        for (const m of mutations) mutated = apply(mutated, m);
        runs++;
        const verdict = verdictOf(mutated, withCache ? { cache } : {});
        if (signedContent(mutated) !== original) {
          assert.equal(verdict.ok, false, `a change to signed content was accepted: ${JSON.stringify(mutations).slice(0, 400)}`);
        }
        if (!verdict.ok) refused++;
      }),
      { numRuns: 1500, seed: 20261210 + name.length, endOnFailure: true },
    );
    // The verdicts vary: most mutations break the receipt, some (informational members) do not.
    assert.ok(refused > runs / 2, `${refused} of ${runs} refused`);
  });
}
