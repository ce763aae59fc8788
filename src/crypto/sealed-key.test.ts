/**
 * Sealed key files (src/crypto/sealed-key.ts): a round trip with Node's
 * scrypt, the same file opened with noble's (the pages' scrypt), a fixed
 * vector so the format cannot drift, and the refusals: a wrong passphrase,
 * a swapped public key, a flipped ciphertext bit, out-of-limit parameters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, scrypt as nodeScryptCb } from 'node:crypto';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { generateKeyPair } from './ed25519.js';
import { toHex } from './bytes.js';
import { openSealedKey, parseSealedKey, sealKey, SealedKeyError, type ScryptFn } from './sealed-key.js';

const nodeScrypt: ScryptFn = (pass, salt, p) =>
  new Promise((resolve, reject) => nodeScryptCb(pass, salt, p.dkLen, { N: p.N, r: p.r, p: p.p, maxmem: 300 * 1024 * 1024 }, (e, key) => (e ? reject(e) : resolve(new Uint8Array(key)))));
const nobleScrypt: ScryptFn = (pass, salt, p) => scryptAsync(pass, salt, p);
const random = (n: number) => new Uint8Array(randomBytes(n));

test('seal then open gives the seed back, with Node scrypt and with noble scrypt alike', async () => {
  const key = generateKeyPair();
  const file = await sealKey(key, 'correct horse battery', { scrypt: nodeScrypt, random, logN: 10 });
  assert.equal(file.publicKey, key.publicKey);
  assert.equal(JSON.stringify(file).includes(key.secretKey), false, 'the seed is not in the file');
  const parsed = parseSealedKey(JSON.parse(JSON.stringify(file)));
  assert.equal(toHex(await openSealedKey(parsed, 'correct horse battery', nodeScrypt)), key.secretKey);
  assert.equal(toHex(await openSealedKey(parsed, 'correct horse battery', nobleScrypt)), key.secretKey);
});

test('a fixed vector: the format and the KDF parameters do not drift', async () => {
  const counter = (n: number) => Uint8Array.from({ length: n }, (_, i) => i + 1);
  const key = { publicKey: '3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29', secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60' };
  const file = await sealKey(key, 'a passphrase', { scrypt: nodeScrypt, random: counter, logN: 10 });
  assert.deepEqual(file.sealed, {
    v: 1, kdf: 'scrypt', logN: 10, r: 8, p: 1,
    salt: '0102030405060708090a0b0c0d0e0f10', cipher: 'aes-256-gcm', iv: '0102030405060708090a0b0c',
    ciphertext: file.sealed.ciphertext,
  });
  // Opened by the portable KDF: the two scrypts and the AAD agree byte for byte.
  assert.equal(toHex(await openSealedKey(file, 'a passphrase', nobleScrypt)), key.secretKey);
  // Recorded once from this code (RFC 8032's first test key); a change to the KDF, the AAD or the layout changes it.
  assert.equal(file.sealed.ciphertext, '285d9bc5ddc299c236af2cb7be8cba55dcdcecdf1847f0dbfc010bf930444e010972d06c25ad9d1b8022695aaf3d7849');
});

test('a wrong passphrase, a swapped public key or a flipped bit is refused, in words', async () => {
  const key = generateKeyPair();
  const file = await sealKey(key, 'correct horse battery', { scrypt: nodeScrypt, random, logN: 10 });
  await assert.rejects(openSealedKey(file, 'wrong horse battery', nodeScrypt), (e: unknown) => e instanceof SealedKeyError && e.reason === 'wrong-passphrase');
  const swapped = { ...file, publicKey: generateKeyPair().publicKey };
  await assert.rejects(openSealedKey(swapped, 'correct horse battery', nodeScrypt), /does not open/);
  const c = file.sealed.ciphertext;
  const flipped = { ...file, sealed: { ...file.sealed, ciphertext: (c[0] === '0' ? '1' : '0') + c.slice(1) } };
  await assert.rejects(openSealedKey(flipped, 'correct horse battery', nodeScrypt), /does not open/);
  // Negative control: the untouched file opens.
  assert.equal(toHex(await openSealedKey(file, 'correct horse battery', nodeScrypt)), key.secretKey);
});

test('limits: a short new passphrase, out-of-range cost, other r/p, bad lengths', async () => {
  const key = generateKeyPair();
  await assert.rejects(sealKey(key, 'short', { scrypt: nodeScrypt, random, logN: 10 }), /at least 8 characters/);
  const good = await sealKey(key, 'correct horse battery', { scrypt: nodeScrypt, random, logN: 10 });
  const variants: [string, Record<string, unknown>, RegExp][] = [
    ['logN too high', { logN: 19 }, /logN/],
    ['logN too low', { logN: 9 }, /logN/],
    ['r', { r: 16 }, /sealed\.r/],
    ['salt length', { salt: '00' }, /salt/],
    ['iv length', { iv: '00' }, /iv/],
    ['ciphertext length', { ciphertext: '00' }, /ciphertext/],
    ['version', { v: 2 }, /sealed\.v/],
  ];
  for (const [what, change, message] of variants) {
    assert.throws(() => parseSealedKey({ ...good, sealed: { ...good.sealed, ...change } }), (e: unknown) => e instanceof SealedKeyError && e.reason === 'malformed' && message.test(e.message), what);
  }
  assert.throws(() => parseSealedKey({ sealed: good.sealed }), /publicKey/);
  assert.doesNotThrow(() => parseSealedKey(good));
});
