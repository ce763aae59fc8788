/**
 * The verifier's presentation nonces: single use, bounded, and written so
 * that a person can pass one on a command line (`--nonce N`): a value that
 * starts with "-" is read by option parsers as another option.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNonceStore, NONCE_BYTES } from './nonce-store.js';

test('a nonce never starts with "-", whatever the random bytes (base64url of 0xf8… would)', () => {
  const store = createNonceStore();
  for (const first of [0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xff, 0x00]) {
    const random = new Uint8Array(NONCE_BYTES).fill(0x11);
    random[0] = first;
    const { nonce } = store.issue(0, random)!;
    assert.doesNotMatch(nonce, /^-/, `first byte ${first.toString(16)} gave ${nonce}`);
    assert.match(nonce, /^[0-9a-f]{32}$/);
  }
});

test('a nonce is taken back once: used, unknown and expired ones are told apart', () => {
  const store = createNonceStore({ ttlMs: 1000 });
  const { nonce } = store.issue(0, new Uint8Array(NONCE_BYTES).fill(7))!;
  assert.equal(store.take(nonce, 10), 'ok');
  assert.equal(store.take(nonce, 20), 'used');
  assert.equal(store.take('00'.repeat(16), 20), 'unknown');
  const late = store.issue(0, new Uint8Array(NONCE_BYTES).fill(8))!;
  assert.equal(store.take(late.nonce, 5000), 'expired');
});
