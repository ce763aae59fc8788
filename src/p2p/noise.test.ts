import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNoiseXX, generateX25519KeyPair, x25519KeyPairFromPrivate, type NoiseXX } from './noise.js';
import { isP2PError } from './errors.js';

/**
 * The Noise_XX_25519_ChaChaPoly_SHA256 vector of cacophony (the Haskell
 * reference implementation by Noise's co-author), vectors/cacophony.txt.
 */
const VECTOR = {
  initPrologue: '4a6f686e2047616c74',
  initStatic: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
  initEphemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
  respStatic: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
  respEphemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
  /**
   * The final h. The copy of cacophony.txt we read lists e37b13…d88b here (an
   * older revision's definition), while its six ciphertexts, which bind every
   * earlier h as associated data, match ours byte for byte; c8e5f6…f58e is the
   * value independent implementations (snow and others) assert for this vector.
   */
  handshakeHash: 'c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e',
  messages: [
    { payload: '4c756477696720766f6e204d69736573', ciphertext: 'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573' },
    {
      payload: '4d757272617920526f746862617264',
      ciphertext:
        '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285e08d6b68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f8814c7194e83f23dbd8d162c9326ad',
    },
    {
      payload: '462e20412e20486179656b',
      ciphertext: 'c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f58c9fea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030',
    },
    { payload: '4361726c204d656e676572', ciphertext: '96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df' },
    { payload: '4a65616e2d426170746973746520536179', ciphertext: '3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5' },
    { payload: '457567656e2042f6686d20766f6e2042617765726b', ciphertext: 'eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f' },
  ],
};

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

function vectorPair(): { initiator: NoiseXX; responder: NoiseXX } {
  const prologue = hex(VECTOR.initPrologue);
  return {
    initiator: createNoiseXX({ initiator: true, prologue, staticKeyPair: x25519KeyPairFromPrivate(hex(VECTOR.initStatic)), ephemeralKeyPair: x25519KeyPairFromPrivate(hex(VECTOR.initEphemeral)) }),
    responder: createNoiseXX({ initiator: false, prologue, staticKeyPair: x25519KeyPairFromPrivate(hex(VECTOR.respStatic)), ephemeralKeyPair: x25519KeyPairFromPrivate(hex(VECTOR.respEphemeral)) }),
  };
}

test('Noise XX matches the cacophony known-answer vector: handshake, hash and transport', () => {
  const { initiator, responder } = vectorPair();
  const m = VECTOR.messages;
  // The three handshake messages alternate initiator -> responder -> initiator.
  const sides: [NoiseXX, NoiseXX][] = [
    [initiator, responder],
    [responder, initiator],
    [initiator, responder],
  ];
  for (const [i, [writer, reader]] of sides.entries()) {
    const wire = writer.writeMessage(hex(m[i]!.payload));
    assert.equal(wire.toString('hex'), m[i]!.ciphertext, `handshake message ${i + 1}`);
    assert.equal(reader.readMessage(wire).payload.toString('hex'), m[i]!.payload);
  }
  assert.ok(initiator.complete && responder.complete);
  assert.equal(initiator.handshakeHash().toString('hex'), VECTOR.handshakeHash);
  assert.equal(responder.handshakeHash().toString('hex'), VECTOR.handshakeHash);
  assert.equal(initiator.remoteStaticKey()!.toString('hex'), x25519KeyPairFromPrivate(hex(VECTOR.respStatic)).publicKey.toString('hex'));
  // Transport messages keep alternating: responder, initiator, responder.
  const i = initiator.split();
  const r = responder.split();
  const transport: [typeof i, typeof r][] = [
    [r, i],
    [i, r],
    [r, i],
  ];
  for (const [k, [from, to]] of transport.entries()) {
    const { payload, ciphertext } = m[3 + k]!;
    const wire = from.send.encrypt(hex(payload));
    assert.equal(wire.toString('hex'), ciphertext, `transport message ${k + 1}`);
    assert.equal(to.receive.decrypt(wire).toString('hex'), payload);
  }
});

test('negative controls: a flipped byte, a different prologue and a replayed transport message are refused', () => {
  // A flipped byte in message 2 (inside the encrypted static key) fails authentication.
  {
    const { initiator, responder } = vectorPair();
    responder.readMessage(initiator.writeMessage(Buffer.alloc(0)));
    const wire = responder.writeMessage(Buffer.alloc(0));
    wire[40]! ^= 1;
    assert.throws(() => initiator.readMessage(wire), (e) => isP2PError(e, 'P2P_HANDSHAKE_FAILED'));
  }
  // Different prologues (different networks) cannot complete a handshake.
  {
    const a = createNoiseXX({ initiator: true, prologue: Buffer.from('net A'), staticKeyPair: generateX25519KeyPair() });
    const b = createNoiseXX({ initiator: false, prologue: Buffer.from('net B'), staticKeyPair: generateX25519KeyPair() });
    b.readMessage(a.writeMessage(Buffer.alloc(0)));
    assert.throws(() => a.readMessage(b.writeMessage(Buffer.alloc(0))), (e) => isP2PError(e, 'P2P_HANDSHAKE_FAILED'));
  }
  // Same prologue: the control that shows the pair above fails only because of the prologue.
  {
    const a = createNoiseXX({ initiator: true, prologue: Buffer.from('net A'), staticKeyPair: generateX25519KeyPair() });
    const b = createNoiseXX({ initiator: false, prologue: Buffer.from('net A'), staticKeyPair: generateX25519KeyPair() });
    b.readMessage(a.writeMessage(Buffer.alloc(0)));
    a.readMessage(b.writeMessage(Buffer.alloc(0)));
    b.readMessage(a.writeMessage(Buffer.from('hi')));
    const sa = a.split();
    const sb = b.split();
    const first = sa.send.encrypt(Buffer.from('one'));
    assert.equal(sb.receive.decrypt(first).toString(), 'one');
    // The nonce moved on: the same ciphertext replayed no longer opens, and a tampered tag never does.
    assert.throws(() => sb.receive.decrypt(first));
    const second = sa.send.encrypt(Buffer.from('two'));
    second[second.length - 1]! ^= 0x80;
    assert.throws(() => sb.receive.decrypt(second));
  }
});

test('a low-order X25519 ephemeral key from the peer is refused', () => {
  const b = createNoiseXX({ initiator: false, prologue: Buffer.alloc(0), staticKeyPair: generateX25519KeyPair() });
  b.readMessage(Buffer.alloc(32)); // the all-zero point: every DH with it is zero
  assert.throws(() => b.writeMessage(Buffer.alloc(0)), (e) => isP2PError(e, 'P2P_HANDSHAKE_FAILED'));
});
