/**
 * X25519 against RFC 7748 §6.1, and the Ed25519-to-X25519 twin: the public
 * key mapped from an Ed25519 public key equals the one computed from the
 * scalar derived from its seed (two independent paths), for RFC 8032's
 * first key and random ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from './bytes.js';
import { generateKeyPair } from './ed25519.js';
import { x25519, x25519PublicFromEd25519, x25519PublicOf, x25519SecretFromEd25519Seed } from './x25519.js';

test('X25519 reproduces RFC 7748 §6.1', () => {
  const a = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const b = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  assert.equal(toHex(x25519PublicOf(a)), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  assert.equal(toHex(x25519PublicOf(b)), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  assert.equal(toHex(x25519(a, x25519PublicOf(b))), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
});

test("an Ed25519 key's X25519 twin: the mapped public key is the public key of the seed's scalar", () => {
  const rfc8032 = { secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a' };
  for (const k of [rfc8032, ...Array.from({ length: 20 }, generateKeyPair)]) {
    assert.equal(toHex(x25519PublicFromEd25519(k.publicKey)), toHex(x25519PublicOf(x25519SecretFromEd25519Seed(fromHex(k.secretKey)))));
  }
  // Negative control: another key's twin differs.
  const [k1, k2] = [generateKeyPair(), generateKeyPair()];
  assert.notEqual(toHex(x25519PublicFromEd25519(k1.publicKey)), toHex(x25519PublicOf(x25519SecretFromEd25519Seed(fromHex(k2.secretKey)))));
});

test('bad keys are refused: wrong length, the identity point, a low-order point', () => {
  assert.throws(() => x25519PublicFromEd25519(new Uint8Array(31)), /32-byte/);
  const identity = new Uint8Array(32);
  identity[0] = 1;
  assert.throws(() => x25519PublicFromEd25519(identity), /identity/);
  assert.throws(() => x25519(new Uint8Array(32).fill(7), new Uint8Array(32)), /low-order/);
});
