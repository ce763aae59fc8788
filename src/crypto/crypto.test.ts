/**
 * Known-answer tests: Ed25519 from RFC 8032 section 7.1, canonical JSON from
 * RFC 8785 (sections 3.2.2, 3.2.3 and Appendix B), SHA-256 from FIPS 180-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex, isHex, utf8Encode } from './bytes.js';
import { publicKeyOf, signBytes, verifyBytes, generateKeyPair } from './ed25519.js';
import { canonicalJson } from './canonical-json.js';
import canonicalizeReference from 'canonicalize';
import { sha256, sha256Utf8 } from './sha256.js';

const RFC8032 = [
  {
    name: 'TEST 1',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

test('Ed25519: RFC 8032 test vectors (key derivation, signing, verification)', () => {
  for (const v of RFC8032) {
    assert.equal(publicKeyOf(v.secret), v.public, v.name);
    const msg = fromHex(v.message);
    assert.equal(signBytes(v.secret, msg), v.signature, v.name);
    assert.ok(verifyBytes(v.public, msg, v.signature), v.name);
  }
});

test('Ed25519: negative controls — a flipped bit anywhere fails, malformed input is just invalid', () => {
  const v = RFC8032[2]!;
  const msg = fromHex(v.message);
  const sig = fromHex(v.signature);
  for (let i = 0; i < 64; i += 7) {
    const bad = sig.slice();
    bad[i]! ^= 1;
    assert.equal(verifyBytes(v.public, msg, bad), false);
  }
  assert.equal(verifyBytes(v.public, fromHex('af83'), v.signature), false);
  assert.equal(verifyBytes(RFC8032[0]!.public, msg, v.signature), false);
  assert.equal(verifyBytes('zz', msg, v.signature), false);
  assert.equal(verifyBytes(v.public, msg, 'abcd'), false);
  assert.equal(verifyBytes(new Uint8Array(31), msg, sig), false);
});

test('Ed25519: sign/verify round trip for random keys and messages (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (msg) => {
      const k = generateKeyPair();
      assert.ok(isHex(k.publicKey, 32) && isHex(k.secretKey, 32));
      assert.ok(verifyBytes(k.publicKey, msg, signBytes(k.secretKey, msg)));
    }),
    { numRuns: 50 },
  );
});

test('SHA-256: FIPS 180-4 examples', () => {
  assert.equal(toHex(sha256(utf8Encode('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(toHex(sha256(new Uint8Array(0))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(
    toHex(sha256(utf8Encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
});

test('RFC 8785 section 3.2.2: numbers, strings and literals', () => {
  const input = JSON.parse(
    '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
  );
  assert.equal(
    canonicalJson(input),
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
  );
});

test('RFC 8785 section 3.2.3: property sorting by UTF-16 code units', () => {
  const input = JSON.parse(
    '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}',
  );
  // Compared as text: a parsed JS object would list the integer-like key "1" first.
  assert.equal(
    canonicalJson(input),
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  );
});

test('RFC 8785 Appendix B: number serialisation', () => {
  const vectors: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  for (const [bits, expected] of vectors) {
    const n = Buffer.from(bits, 'hex').readDoubleBE(0);
    assert.equal(canonicalJson(n), expected, bits);
  }
});

test('canonical JSON refuses what JSON cannot carry', () => {
  assert.throws(() => canonicalJson({ a: undefined }), /undefined/);
  assert.throws(() => canonicalJson(Number.NaN), /finite/);
  assert.throws(() => canonicalJson([Infinity]), /finite/);
  assert.throws(() => canonicalJson(new Date(0)), /plain object/);
  assert.throws(() => canonicalJson(() => 1), /no JSON form/);
  let deep: unknown = 1;
  for (let i = 0; i < 100; i++) deep = [deep];
  assert.throws(() => canonicalJson(deep), /deeper/);
});

test('canonical JSON equals the reference implementation on random JSON (differential property)', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.string({ unit: 'binary' }), (value, text) => {
      assert.equal(canonicalJson(value), canonicalizeReference(value));
      assert.equal(canonicalJson({ [text]: text }), canonicalizeReference({ [text]: text }));
    }),
    { numRuns: 2000 },
  );
  // Negative control: the comparison notices one changed character.
  assert.notEqual(canonicalJson({ a: 'x' }), canonicalizeReference({ a: 'y' }));
});

test('canonical JSON refuses lone surrogates and accepts pairs; depth 64 is the limit', () => {
  assert.equal(canonicalJson('\ud83d\ude00'), '"\ud83d\ude00"');
  assert.throws(() => canonicalJson('a\ud83d'), /lone surrogate/);
  assert.throws(() => canonicalJson({ ['\ude00']: 1 }), /lone surrogate in a member name/);
  assert.throws(() => canonicalJson([1, , 2]), /\$\[1\]: undefined/);
  let ok: unknown = 1;
  for (let i = 0; i < 64; i++) ok = [ok];
  assert.equal(canonicalJson(ok).length, 64 * 2 + 1);
  assert.throws(() => canonicalJson([ok]), /deeper than 64/);
});

test('canonical JSON is stable under key order and re-parsing (property)', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const once = canonicalJson(value);
      assert.equal(canonicalJson(JSON.parse(once)), once);
    }),
    { numRuns: 300 },
  );
});

test('hex codec: round trip and precise errors', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => assert.deepEqual(fromHex(toHex(b)), b)));
  assert.throws(() => fromHex('abc'), /even length/);
  assert.throws(() => fromHex('ABCD'), /lowercase/);
  assert.throws(() => fromHex('ab'.repeat(31), 32), /expected 32 bytes of hex, got 31/);
});

test('sha256Utf8 equals SHA-256 over the UTF-8 bytes, and counts them', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (text) => {
      const bytes = utf8Encode(text);
      const r = sha256Utf8(text);
      assert.deepEqual(r.hash, sha256(bytes));
      assert.equal(r.bytes, bytes.length);
    }),
  );
  assert.notDeepEqual(sha256Utf8('a').hash, sha256(utf8Encode('b'))); // negative control
});

test('ed25519PointProblem: RFC 8032 and generated keys are points; an off-curve key, y ≥ p and the small-order points are refused', async () => {
  const { ed25519PointProblem, isEd25519Point, generateKeyPair } = await import('./ed25519.js');
  // RFC 8032 §7.1 tests 1-3 public keys.
  for (const k of ['d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025']) {
    assert.equal(ed25519PointProblem(k), undefined, k);
  }
  for (let i = 0; i < 50; i++) assert.ok(isEd25519Point(generateKeyPair().publicKey));
  assert.match(ed25519PointProblem('02' + '00'.repeat(31))!, /not a point of the curve/);
  assert.match(ed25519PointProblem('ed' + 'ff'.repeat(30) + '7f')!, /y is not below p/);
  assert.match(ed25519PointProblem('01' + '00'.repeat(31))!, /small order/);
  assert.match(ed25519PointProblem('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85')!, /small order/);
  assert.match(ed25519PointProblem('AB'.repeat(32))!, /64 lowercase hex/);
});
