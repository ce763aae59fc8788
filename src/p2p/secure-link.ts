/**
 * One encrypted, mutually authenticated link over a TCP socket
 * (spec/p2p.md, "Handshake" and "Framing").
 *
 * 1. Noise XX handshake (noise.ts); every Noise message on the wire is
 *    `u16 length || message`, as in libp2p-noise.
 * 2. The payloads of Noise messages 2 and 3 carry the sender's Ed25519 node
 *    key and its signature over the handshake hash at that point (which
 *    commits to both ephemeral keys and the sender's Noise static key), so the
 *    node key is bound to this very session. The link's peer *is* that node key.
 * 3. Once a side has proven its key, `admit(peer)` (the membership check) runs
 *    before anything else is accepted or sent; the initiator runs it before it
 *    even reveals its own identity in message 3.
 * 4. Transport: application frames (`u32 length || body`, frames.ts) form a
 *    stream that is cut into Noise transport messages of at most 65535 bytes,
 *    ChaCha20-Poly1305 with one key and counter nonce per direction. A frame
 *    whose declared length is over the limit drops the peer before its body is
 *    buffered; a message that fails authentication drops the peer.
 * 5. Each side's first frame is HELLO; a link is open when our checks passed
 *    and the peer's HELLO arrived (so a refused initiator never sees "open").
 *
 * Sending is queued and batched: frames queued in one turn of the event loop
 * are sealed together (one cipher call per ~64 KiB, not per frame). The queue
 * is bounded in bytes: when full, the oldest droppable frames (gossip) are
 * dropped; if that is not enough, the link is closed. The kernel buffer is
 * only fed while Node's own write buffer is under WRITE_BUFFER_BYTES_HIGH, so
 * a peer that stops reading makes the queue, not the heap, fill up.
 */
import type { Socket } from 'node:net';
import { toHex } from '../crypto/bytes.js';
import { signRaw, verifyBytes } from '../crypto/ed25519.js';
import { createByteQueue } from './byte-queue.js';
import { shortKey } from './errors.js';
import { decodeFrame, encodeHello, PROTOCOL_VERSION } from './frames.js';
import { createNoiseXX, NOISE_MESSAGE_BYTES_MAX, NOISE_PLAINTEXT_BYTES_MAX, type CipherState, type X25519KeyPair } from './noise.js';

/** Domain separation for the identity signature. */
const IDENTITY_DOMAIN = Buffer.from('polity-p2p-identity-v1:', 'utf8');
const IDENTITY_PAYLOAD_BYTES = 32 + 64;
/** Before the handshake completes, at most this many bytes may wait unparsed. */
const HANDSHAKE_RECEIVE_BYTES_MAX = 2 * (2 + NOISE_MESSAGE_BYTES_MAX);
/** Frames are sealed in batches of about one Noise message. */
const BATCH_BYTES = NOISE_PLAINTEXT_BYTES_MAX;
/** Stop handing data to the socket while this much is already waiting in Node's write buffer. */
const WRITE_BUFFER_BYTES_HIGH = 1024 * 1024;

export interface SecureLinkOptions {
  socket: Socket;
  outbound: boolean;
  /** Outbound only: the node key the dialled address must prove. */
  expectedPeer?: string;
  prologue: Uint8Array;
  nodeSecretKey: string;
  nodePublicKey: string;
  staticKeyPair: X25519KeyPair;
  /** The membership check, once the peer has proven `peer`; a string refuses the link with that reason. */
  admit(peer: string): string | undefined;
  frameBytesMax: number;
  sendQueueBytesMax: number;
  handshakeTimeoutMs: number;
  now(): number;
  onOpen(link: SecureLink): void;
  onFrame(link: SecureLink, body: Buffer): void;
  /** The queue overflowed and gossip started being dropped (once per episode: until the queue empties again). */
  onSlow(link: SecureLink): void;
  /** Called once, whatever closed the link. `refused` marks a failed membership or key check. */
  onClose(link: SecureLink, reason: string, refused: boolean): void;
}

export interface SecureLink {
  readonly outbound: boolean;
  /** The proven node key of the peer (hex), once the handshake got that far. */
  readonly peer: string | undefined;
  readonly open: boolean;
  readonly closed: boolean;
  readonly lastHeardMs: number;
  readonly queuedBytes: number;
  readonly droppedFrames: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Queue a frame body for the peer. `droppable` frames (gossip) may be dropped when the queue is full. */
  enqueue(body: Buffer, droppable: boolean): void;
  close(reason: string, refused?: boolean): void;
}

interface Queued {
  body: Buffer | undefined;
  droppable: boolean;
}
/** What a sent slot of the queue is replaced with (so the queue does not pin sent bodies). */
const SENT: Queued = Object.freeze({ body: undefined, droppable: false }) as Queued;

export function createSecureLink(options: SecureLinkOptions): SecureLink {
  const { socket } = options;
  const noise = createNoiseXX({ initiator: options.outbound, prologue: options.prologue, staticKeyPair: options.staticKeyPair });
  const nodePublicKey = Buffer.from(options.nodePublicKey, 'hex');
  const received = createByteQueue(); // Noise messages, length-prefixed
  const plain = createByteQueue(); // decrypted application stream
  let send: CipherState | undefined;
  let receive: CipherState | undefined;
  let peer: string | undefined;
  let open = false;
  let closed = false;
  let lastHeardMs = options.now();
  let queue: Queued[] = [];
  let queueHead = 0;
  let queuedBytes = 0;
  let droppedFrames = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  let flushScheduled = false;
  let sentSecond = false; // responder: message 2 written
  let dropping = false; // gossip is being dropped since the queue was last empty
  let dropCursor = 0; // makeRoom's scan position in `queue`
  let awaitingDrain = false;

  const handshakeTimer = setTimeout(() => link.close('handshake timed out'), options.handshakeTimeoutMs);
  handshakeTimer.unref();

  const identityPayload = (handshakeHash: Buffer): Buffer => Buffer.concat([nodePublicKey, signRaw(options.nodeSecretKey, Buffer.concat([IDENTITY_DOMAIN, handshakeHash]))]);

  /** The node key proven by an identity payload, or undefined. */
  const provenKey = (payload: Buffer, signedHash: Buffer): string | undefined => {
    if (payload.length !== IDENTITY_PAYLOAD_BYTES) return undefined;
    const key = payload.subarray(0, 32);
    return verifyBytes(key, Buffer.concat([IDENTITY_DOMAIN, signedHash]), payload.subarray(32)) ? toHex(key) : undefined;
  };

  const writeNoise = (message: Buffer): void => {
    const header = Buffer.allocUnsafe(2);
    header.writeUInt16BE(message.length, 0);
    bytesOut += 2 + message.length;
    socket.write(Buffer.concat([header, message]));
  };

  /** Checks once the peer proved `key`; returns false (and closes) when the link must not go on. */
  const checkPeer = (key: string | undefined): boolean => {
    if (key === undefined) {
      link.close('handshake failed: the peer did not prove a node key');
      return false;
    }
    peer = key;
    if (key === options.nodePublicKey) {
      link.close('connected to itself');
      return false;
    }
    if (options.expectedPeer !== undefined && key !== options.expectedPeer) {
      link.close(`expected node ${shortKey(options.expectedPeer)}, the address proved another key`, true);
      return false;
    }
    let refusal: string | undefined;
    try {
      refusal = options.admit(key);
    } catch {
      refusal = 'the membership check failed';
    }
    if (refusal !== undefined) {
      link.close(refusal, true);
      return false;
    }
    return true;
  };

  const finishHandshake = (): void => {
    const ciphers = noise.split();
    send = ciphers.send;
    receive = ciphers.receive;
    link.enqueue(encodeHello(), false);
  };

  const onHandshakeMessage = (message: Buffer): void => {
    if (options.outbound) {
      // We sent message 1; this is message 2: <- e, ee, s, es + the responder's identity.
      const { payload, hashBeforePayload } = noise.readMessage(message);
      if (!checkPeer(provenKey(payload, hashBeforePayload))) return;
      writeNoise(noise.writeMessage(identityPayload)); // -> s, se + our identity
      finishHandshake();
    } else if (!sentSecond) {
      // Message 1: -> e (no payload expected).
      const { payload } = noise.readMessage(message);
      if (payload.length !== 0) return link.close('handshake failed: message 1 carries a payload');
      writeNoise(noise.writeMessage(identityPayload)); // <- e, ee, s, es + our identity
      sentSecond = true;
    } else {
      // Message 3: -> s, se + the initiator's identity.
      const { payload, hashBeforePayload } = noise.readMessage(message);
      if (!checkPeer(provenKey(payload, hashBeforePayload))) return;
      finishHandshake();
    }
  };

  const onFrameBody = (body: Buffer): void => {
    if (!open) {
      const hello = decodeFrame(body);
      if ('error' in hello || hello.kind !== 'hello') return link.close('protocol violation: the first frame is not HELLO');
      if (hello.version !== PROTOCOL_VERSION) return link.close(`protocol violation: version ${hello.version}, expected ${PROTOCOL_VERSION}`);
      open = true;
      clearTimeout(handshakeTimer);
      options.onOpen(link);
      return;
    }
    options.onFrame(link, body);
  };

  const onTransportMessage = (message: Buffer): void => {
    let text: Buffer;
    try {
      text = receive!.decrypt(message);
    } catch {
      return link.close('decryption failed: a message was altered or forged');
    }
    plain.push(text);
    while (!closed && plain.length >= 4) {
      const length = plain.peekUInt(4);
      if (length > options.frameBytesMax) return link.close(`frame too large: ${length} bytes, the limit is ${options.frameBytesMax}`);
      if (plain.length < 4 + length) return;
      plain.take(4);
      onFrameBody(plain.take(length));
    }
  };

  const onData = (chunk: Buffer): void => {
    if (closed) return;
    bytesIn += chunk.length;
    lastHeardMs = options.now();
    received.push(chunk);
    while (!closed && received.length >= 2) {
      const length = received.peekUInt(2);
      if (received.length < 2 + length) break;
      received.take(2);
      const message = received.take(length);
      if (receive) {
        onTransportMessage(message);
      } else {
        try {
          onHandshakeMessage(message);
        } catch (e) {
          link.close(`handshake failed: ${(e as Error).message}`);
        }
      }
    }
    if (!closed && !receive && received.length > HANDSHAKE_RECEIVE_BYTES_MAX) link.close('handshake failed: too much data before the handshake completed');
  };

  const scheduleFlush = (): void => {
    if (flushScheduled || awaitingDrain || closed) return;
    flushScheduled = true;
    setImmediate(flush);
  };

  function flush(): void {
    flushScheduled = false;
    if (closed || !send) return;
    while (queueHead < queue.length && socket.writableLength < WRITE_BUFFER_BYTES_HIGH) {
      const parts: Buffer[] = [];
      let batchBytes = 0;
      while (queueHead < queue.length && batchBytes < BATCH_BYTES) {
        const item = queue[queueHead]!;
        queue[queueHead++] = SENT;
        if (!item.body) continue;
        const header = Buffer.allocUnsafe(4);
        header.writeUInt32BE(item.body.length, 0);
        parts.push(header, item.body);
        batchBytes += 4 + item.body.length;
      }
      queuedBytes -= batchBytes;
      if (batchBytes === 0) break;
      const text = parts.length === 1 ? parts[0]! : Buffer.concat(parts, batchBytes);
      const out: Buffer[] = [];
      let outBytes = 0;
      for (let offset = 0; offset < text.length; offset += NOISE_PLAINTEXT_BYTES_MAX) {
        const sealed = send.encrypt(text.subarray(offset, Math.min(offset + NOISE_PLAINTEXT_BYTES_MAX, text.length)));
        const header = Buffer.allocUnsafe(2);
        header.writeUInt16BE(sealed.length, 0);
        out.push(header, sealed);
        outBytes += 2 + sealed.length;
      }
      bytesOut += outBytes;
      socket.write(Buffer.concat(out, outBytes));
    }
    if (queueHead === queue.length) {
      queue = [];
      queueHead = 0;
      dropCursor = 0;
      dropping = false;
    } else if (queueHead > 4096) {
      queue = queue.slice(queueHead);
      dropCursor = Math.max(0, dropCursor - queueHead);
      queueHead = 0;
    }
    if (queueHead < queue.length && !awaitingDrain) {
      awaitingDrain = true;
      socket.once('drain', () => {
        awaitingDrain = false;
        flush();
      });
    }
  }

  const dropped = (): void => {
    droppedFrames++;
    if (dropping) return;
    dropping = true;
    options.onSlow(link);
  };

  /**
   * Make room for `bytes` by dropping the oldest droppable frames; true when it fits.
   * `dropCursor` only moves forward: everything before it is dropped or not droppable,
   * so a long episode of dropping costs O(queue) in all, not per frame.
   */
  const makeRoom = (bytes: number): boolean => {
    if (dropCursor < queueHead) dropCursor = queueHead;
    while (dropCursor < queue.length && queuedBytes + bytes > options.sendQueueBytesMax) {
      const item = queue[dropCursor++]!;
      if (item.body && item.droppable) {
        queuedBytes -= 4 + item.body.length;
        item.body = undefined;
        dropped();
      }
    }
    return queuedBytes + bytes <= options.sendQueueBytesMax;
  };

  const link: SecureLink = {
    outbound: options.outbound,
    get peer() {
      return peer;
    },
    get open() {
      return open;
    },
    get closed() {
      return closed;
    },
    get lastHeardMs() {
      return lastHeardMs;
    },
    get queuedBytes() {
      return queuedBytes;
    },
    get droppedFrames() {
      return droppedFrames;
    },
    get bytesIn() {
      return bytesIn;
    },
    get bytesOut() {
      return bytesOut;
    },
    enqueue(body, droppable) {
      if (closed) return;
      const bytes = 4 + body.length;
      if (queuedBytes + bytes > options.sendQueueBytesMax && !makeRoom(bytes)) {
        if (droppable) {
          dropped();
          return;
        }
        link.close(`send queue full: ${queuedBytes} bytes waiting, the limit is ${options.sendQueueBytesMax}`);
        return;
      }
      queue.push({ body, droppable });
      queuedBytes += bytes;
      scheduleFlush();
    },
    close(reason, refused = false) {
      if (closed) return;
      closed = true;
      clearTimeout(handshakeTimer);
      queue = [];
      queueHead = 0;
      dropCursor = 0;
      queuedBytes = 0;
      received.clear();
      plain.clear();
      socket.destroy();
      options.onClose(link, reason, refused);
    },
  };

  socket.setNoDelay(true);
  socket.setKeepAlive(true, 10_000);
  socket.on('data', onData);
  socket.on('error', (e: NodeJS.ErrnoException) => link.close(`socket error ${e.code ?? e.name}`));
  socket.on('close', () => link.close('closed by the peer'));
  if (options.outbound) writeNoise(noise.writeMessage(Buffer.alloc(0))); // -> e (Node holds it until connected)
  return link;
}
