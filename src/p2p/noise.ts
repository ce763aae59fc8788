/**
 * The Noise Protocol Framework (revision 34), handshake pattern XX, instantiated
 * as `Noise_XX_25519_ChaChaPoly_SHA256`:
 *
 *     XX:
 *       -> e
 *       <- e, ee, s, es
 *       -> s, se
 *
 * This file is the Noise *state machine* only (sections 5.1-5.3 of the spec:
 * CipherState, SymmetricState, HandshakeState). Every primitive comes from
 * `node:crypto`: X25519 (`diffieHellman`), ChaCha20-Poly1305
 * (`createCipheriv('chacha20-poly1305')`), SHA-256 and HKDF (`hkdfSync`, which
 * is exactly Noise's HKDF: RFC 5869 with the chaining key as salt and an empty
 * info). It is tested against the cacophony test vectors (noise.test.ts).
 *
 * Identity is not Noise's business here: the Noise static key is a fresh X25519
 * key per process, and the payloads of messages 2 and 3 carry the node's
 * Ed25519 key with a signature over the handshake hash (secure-link.ts), as
 * libp2p-noise does.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import { P2PError } from './errors.js';

export const NOISE_PROTOCOL_NAME = 'Noise_XX_25519_ChaChaPoly_SHA256';
/** Noise messages are at most 65535 bytes (spec section 3). */
export const NOISE_MESSAGE_BYTES_MAX = 65535;
export const NOISE_TAG_BYTES = 16;
/** The largest plaintext one transport message carries. */
export const NOISE_PLAINTEXT_BYTES_MAX = NOISE_MESSAGE_BYTES_MAX - NOISE_TAG_BYTES;
const DH_BYTES = 32;
const HASH_BYTES = 32;
/** Nonce 2^64-1 is reserved (spec 5.1); we stop well before it. */
const NONCE_MAX = 2n ** 64n - 2n;

const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const EMPTY = Buffer.alloc(0);

export interface X25519KeyPair {
  /** 32-byte raw public key. */
  publicKey: Buffer;
  privateKey: KeyObject;
}

export function generateX25519KeyPair(): X25519KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicKey: rawPublic(publicKey), privateKey };
}

/** The key pair of a raw 32-byte X25519 private key (test vectors). */
export function x25519KeyPairFromPrivate(raw: Uint8Array): X25519KeyPair {
  if (raw.length !== DH_BYTES) throw new TypeError(`expected a 32-byte X25519 private key, got ${raw.length}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  return { publicKey: rawPublic(createPublicKey(privateKey)), privateKey };
}

function rawPublic(key: KeyObject): Buffer {
  return (key.export({ format: 'der', type: 'spki' }) as Buffer).subarray(X25519_SPKI_PREFIX.length);
}

/** X25519; throws on a low-order public key (an all-zero shared secret). */
function dh(own: X25519KeyPair, remotePublic: Uint8Array): Buffer {
  const publicKey = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, remotePublic]), format: 'der', type: 'spki' });
  const shared = diffieHellman({ privateKey: own.privateKey, publicKey });
  if (shared.every((b) => b === 0)) throw new P2PError('P2P_HANDSHAKE_FAILED', 'the peer sent a low-order X25519 key');
  return shared;
}

function nonceBytes(n: bigint): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64LE(n, 4); // 32 bits of zeros, then the 64-bit counter little-endian (ChaChaPoly, spec 12.3)
  return nonce;
}

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Noise's HKDF(chaining_key, input_key_material, 2) is RFC 5869 HKDF with salt = ck and empty info. */
function hkdf2(chainingKey: Uint8Array, ikm: Uint8Array): [Buffer, Buffer] {
  const out = Buffer.from(hkdfSync('sha256', ikm, chainingKey, EMPTY, 2 * HASH_BYTES));
  return [out.subarray(0, HASH_BYTES), out.subarray(HASH_BYTES)];
}

/** One direction of a Noise session: a key and a counter nonce (spec 5.1). */
export interface CipherState {
  /** Seal `plaintext` (at most NOISE_PLAINTEXT_BYTES_MAX bytes); returns ciphertext || tag. */
  encrypt(plaintext: Uint8Array, ad?: Uint8Array): Buffer;
  /** Open `ciphertext || tag`; throws when it was not sealed by the other side's matching state. */
  decrypt(ciphertext: Uint8Array, ad?: Uint8Array): Buffer;
}

export function createCipherState(key: Uint8Array): CipherState {
  if (key.length !== 32) throw new TypeError(`expected a 32-byte cipher key, got ${key.length}`);
  const k = Buffer.from(key);
  let n = 0n;
  const next = (): Buffer => {
    if (n > NONCE_MAX) throw new Error('invariant broken: Noise nonce exhausted');
    return nonceBytes(n++);
  };
  return {
    encrypt(plaintext, ad = EMPTY) {
      const c = createCipheriv('chacha20-poly1305', k, next(), { authTagLength: NOISE_TAG_BYTES });
      c.setAAD(ad, { plaintextLength: plaintext.length });
      const head = c.update(plaintext);
      const tail = c.final();
      return Buffer.concat([head, tail, c.getAuthTag()]);
    },
    decrypt(ciphertext, ad = EMPTY) {
      if (ciphertext.length < NOISE_TAG_BYTES) throw new P2PError('P2P_HANDSHAKE_FAILED', `expected at least ${NOISE_TAG_BYTES} bytes of ciphertext, got ${ciphertext.length}`);
      const body = ciphertext.subarray(0, ciphertext.length - NOISE_TAG_BYTES);
      const d = createDecipheriv('chacha20-poly1305', k, nonceBytes(n), { authTagLength: NOISE_TAG_BYTES });
      d.setAuthTag(ciphertext.subarray(ciphertext.length - NOISE_TAG_BYTES));
      d.setAAD(ad, { plaintextLength: body.length });
      const head = d.update(body);
      const tail = d.final(); // throws "Unsupported state or unable to authenticate data" on any change
      n++;
      return tail.length === 0 ? head : Buffer.concat([head, tail]);
    },
  };
}

export interface NoiseXXOptions {
  initiator: boolean;
  prologue: Uint8Array;
  /** Our static key (fresh per process in production). */
  staticKeyPair: X25519KeyPair;
  /** Only for known-answer tests: a fixed ephemeral key instead of a fresh one. */
  ephemeralKeyPair?: X25519KeyPair;
}

/** What reading a handshake message yields. */
export interface NoiseRead {
  payload: Buffer;
  /** The handshake hash just before the payload was decrypted: what the sender signed. */
  hashBeforePayload: Buffer;
}

export interface NoiseXX {
  /** Write the next handshake message; `payload` may be built from the handshake hash at that point. */
  writeMessage(payload: Uint8Array | ((handshakeHash: Buffer) => Uint8Array)): Buffer;
  /** Read the next handshake message; throws P2PError('P2P_HANDSHAKE_FAILED') on anything wrong. */
  readMessage(message: Uint8Array): NoiseRead;
  /** True after the third message. */
  readonly complete: boolean;
  /** The final handshake hash (channel binding), after completion. */
  handshakeHash(): Buffer;
  /** The peer's Noise static key, once read. */
  remoteStaticKey(): Buffer | undefined;
  /** The transport ciphers, after completion: `send` for our messages, `receive` for the peer's. */
  split(): { send: CipherState; receive: CipherState };
}

/** A Noise XX handshake for one side (spec 5.3, with the XX pattern unrolled). */
export function createNoiseXX(options: NoiseXXOptions): NoiseXX {
  const name = Buffer.from(NOISE_PROTOCOL_NAME, 'ascii');
  // InitializeSymmetric: the name is exactly HASHLEN bytes, so h = name.
  let h: Buffer = name.length === HASH_BYTES ? Buffer.from(name) : sha256(name);
  let ck: Buffer = Buffer.from(h);
  let cipher: CipherState | undefined;
  const mixHash = (data: Uint8Array): void => {
    h = sha256(h, data);
  };
  const mixKey = (ikm: Uint8Array): void => {
    const [nextCk, key] = hkdf2(ck, ikm);
    ck = nextCk;
    cipher = createCipherState(key);
  };
  const encryptAndHash = (plaintext: Uint8Array): Buffer => {
    const out = cipher ? cipher.encrypt(plaintext, h) : Buffer.from(plaintext);
    mixHash(out);
    return out;
  };
  const decryptAndHash = (ciphertext: Uint8Array): Buffer => {
    let out: Buffer;
    try {
      out = cipher ? cipher.decrypt(ciphertext, h) : Buffer.from(ciphertext);
    } catch (cause) {
      throw new P2PError('P2P_HANDSHAKE_FAILED', 'a handshake message failed authentication', undefined, { cause });
    }
    mixHash(ciphertext);
    return out;
  };
  mixHash(options.prologue);

  const s = options.staticKeyPair;
  let e: X25519KeyPair | undefined;
  let re: Buffer | undefined;
  let rs: Buffer | undefined;
  let step = 0; // messages processed so far
  let complete = false;

  const payloadOf = (payload: Uint8Array | ((hh: Buffer) => Uint8Array)): Uint8Array => (typeof payload === 'function' ? payload(Buffer.from(h)) : payload);
  const expectTurn = (writing: boolean): void => {
    if (complete) throw new Error('invariant broken: the Noise handshake is already complete');
    const initiatorTurn = step % 2 === 0;
    if ((initiatorTurn === options.initiator) !== writing) throw new Error(`invariant broken: not this side's turn to ${writing ? 'write' : 'read'} message ${step + 1}`);
  };
  const take = (message: Uint8Array, offset: number, bytes: number): Buffer => {
    if (message.length < offset + bytes) throw new P2PError('P2P_HANDSHAKE_FAILED', `handshake message ${step + 1}: expected at least ${offset + bytes} bytes, got ${message.length}`);
    return Buffer.from(message.subarray(offset, offset + bytes));
  };
  const guardDh = (own: X25519KeyPair, remote: Uint8Array): Buffer => {
    try {
      return dh(own, remote);
    } catch (cause) {
      if (cause instanceof P2PError) throw cause;
      throw new P2PError('P2P_HANDSHAKE_FAILED', 'the peer sent an invalid X25519 key', undefined, { cause });
    }
  };

  return {
    get complete() {
      return complete;
    },
    writeMessage(payload) {
      expectTurn(true);
      const parts: Buffer[] = [];
      if (step === 0) {
        // -> e
        e = options.ephemeralKeyPair ?? generateX25519KeyPair();
        parts.push(e.publicKey);
        mixHash(e.publicKey);
      } else if (step === 1) {
        // <- e, ee, s, es
        e = options.ephemeralKeyPair ?? generateX25519KeyPair();
        parts.push(e.publicKey);
        mixHash(e.publicKey);
        mixKey(guardDh(e, re!));
        parts.push(encryptAndHash(s.publicKey));
        mixKey(guardDh(s, re!));
      } else {
        // -> s, se
        parts.push(encryptAndHash(s.publicKey));
        mixKey(guardDh(s, re!));
      }
      parts.push(encryptAndHash(payloadOf(payload)));
      step++;
      if (step === 3) complete = true;
      const out = Buffer.concat(parts);
      if (out.length > NOISE_MESSAGE_BYTES_MAX) throw new Error(`invariant broken: handshake message of ${out.length} bytes`);
      return out;
    },
    readMessage(message) {
      expectTurn(false);
      if (message.length > NOISE_MESSAGE_BYTES_MAX) throw new P2PError('P2P_HANDSHAKE_FAILED', `handshake message of ${message.length} bytes is over ${NOISE_MESSAGE_BYTES_MAX}`);
      let offset = 0;
      const sealedKeyBytes = DH_BYTES + NOISE_TAG_BYTES;
      if (step === 0) {
        // -> e
        re = take(message, 0, DH_BYTES);
        offset = DH_BYTES;
        mixHash(re);
      } else if (step === 1) {
        // <- e, ee, s, es
        re = take(message, 0, DH_BYTES);
        offset = DH_BYTES;
        mixHash(re);
        mixKey(guardDh(e!, re));
        rs = decryptAndHash(take(message, offset, sealedKeyBytes));
        offset += sealedKeyBytes;
        mixKey(guardDh(e!, rs));
      } else {
        // -> s, se
        rs = decryptAndHash(take(message, 0, sealedKeyBytes));
        offset = sealedKeyBytes;
        mixKey(guardDh(e!, rs));
      }
      const hashBeforePayload = Buffer.from(h);
      const payload = decryptAndHash(message.subarray(offset));
      step++;
      if (step === 3) complete = true;
      return { payload, hashBeforePayload };
    },
    handshakeHash() {
      if (!complete) throw new Error('invariant broken: handshake hash read before completion');
      return Buffer.from(h);
    },
    remoteStaticKey: () => rs,
    split() {
      if (!complete) throw new Error('invariant broken: split before the handshake completed');
      const [k1, k2] = hkdf2(ck, EMPTY);
      const c1 = createCipherState(k1);
      const c2 = createCipherState(k2);
      return options.initiator ? { send: c1, receive: c2 } : { send: c2, receive: c1 };
    },
  };
}
