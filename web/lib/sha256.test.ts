/**
 * The browser twin of the SHA-256 module gives the Node module's answers:
 * the FIPS 180-4 known answers, and the same bytes for inputs of every
 * length around the block boundaries. (It runs here, in Node, because
 * @noble/hashes is plain JavaScript.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as node from '../../src/crypto/sha256.js';
import * as twin from './sha256.js';
import { toHex } from '../../src/crypto/bytes.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

test('the browser SHA-256 twin gives the FIPS 180-4 known answers', () => {
  assert.equal(toHex(twin.sha256(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(toHex(twin.sha256(new Uint8Array(0))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(
    toHex(twin.sha256(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
});

test('the browser SHA-256 twin agrees with the Node module on every export', () => {
  for (let n = 0; n < 200; n++) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
    assert.equal(toHex(twin.sha256(data)), toHex(node.sha256(data)), `length ${n}`);
    const a = new Uint8Array(40);
    const b = new Uint8Array(40);
    twin.sha256Into(data, a, 8);
    node.sha256Into(data, b, 8);
    assert.deepEqual(a, b);
  }
  for (const text of ['', 'polity', 'Łódź – 東京 – 🏛️']) {
    const t = twin.sha256Utf8(text);
    const n = node.sha256Utf8(text);
    assert.equal(toHex(t.hash), toHex(n.hash));
    assert.equal(t.bytes, n.bytes);
  }
  assert.throws(() => twin.sha256('abc' as unknown as Uint8Array), /expected a Uint8Array, got string/);
});
