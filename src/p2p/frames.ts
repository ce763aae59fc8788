/**
 * The application frames carried inside a Noise session (spec/p2p.md,
 * "Frames"). Each frame is `u32 length || body` in the decrypted stream; the
 * body starts with a kind byte:
 *
 *     HELLO     0  version:u8                       first frame each way; the link opens on receipt
 *     GOSSIP    1  topic:u8 data                    relayed once by every receiver
 *     DIRECT    2  topic:u8 data                    for the link's peer only
 *     REQUEST   3  id:u32 nameLength:u8 name data   answered by one RESPONSE
 *     RESPONSE  4  id:u32 status:u8 data            status 0 = ok, 1 = error (data = UTF-8 reason)
 *     PING      5                                   answered by PONG; keeps idle links checked
 *     PONG      6
 *
 * Decoding is strict: a body too short for its kind, an unknown kind or topic
 * is a protocol violation and the peer is dropped.
 */
export type Topic = 'tx' | 'consensus' | 'block';
export const TOPICS: readonly Topic[] = ['tx', 'consensus', 'block'];
export const PROTOCOL_VERSION = 1;

export const Kind = {
  hello: 0,
  gossip: 1,
  direct: 2,
  request: 3,
  response: 4,
  ping: 5,
  pong: 6,
} as const;

/** Bytes a frame body adds around its data at most (a request: kind, id, name length, a 255-byte name). */
export const FRAME_OVERHEAD_BYTES_MAX = 1 + 4 + 1 + 255;
export const PROTOCOL_NAME_BYTES_MAX = 255;

export type Frame =
  | { kind: 'hello'; version: number }
  | { kind: 'gossip' | 'direct'; topic: Topic; data: Buffer }
  | { kind: 'request'; id: number; protocol: string; data: Buffer }
  | { kind: 'response'; id: number; ok: boolean; data: Buffer }
  | { kind: 'ping' }
  | { kind: 'pong' };

export function topicByte(topic: Topic): number {
  const i = TOPICS.indexOf(topic);
  if (i < 0) throw new TypeError(`expected a topic (${TOPICS.join(', ')}), got ${String(topic)}`);
  return i;
}

export function encodeHello(): Buffer {
  return Buffer.from([Kind.hello, PROTOCOL_VERSION]);
}

export function encodeMessage(kind: 'gossip' | 'direct', topic: Topic, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + data.length);
  out[0] = kind === 'gossip' ? Kind.gossip : Kind.direct;
  out[1] = topicByte(topic);
  out.set(data, 2);
  return out;
}

export function encodeRequest(id: number, protocol: Uint8Array, data: Uint8Array): Buffer {
  if (protocol.length > PROTOCOL_NAME_BYTES_MAX) throw new Error(`invariant broken: protocol name of ${protocol.length} bytes`);
  const out = Buffer.allocUnsafe(6 + protocol.length + data.length);
  out[0] = Kind.request;
  out.writeUInt32BE(id, 1);
  out[5] = protocol.length;
  out.set(protocol, 6);
  out.set(data, 6 + protocol.length);
  return out;
}

export function encodeResponse(id: number, ok: boolean, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(6 + data.length);
  out[0] = Kind.response;
  out.writeUInt32BE(id, 1);
  out[5] = ok ? 0 : 1;
  out.set(data, 6);
  return out;
}

export const encodePing = (): Buffer => Buffer.from([Kind.ping]);
export const encodePong = (): Buffer => Buffer.from([Kind.pong]);

/** Decode a frame body, or say what is wrong with it (the caller drops the peer). */
export function decodeFrame(body: Buffer): Frame | { error: string } {
  if (body.length === 0) return { error: 'empty frame' };
  switch (body[0]) {
    case Kind.hello:
      if (body.length !== 2) return { error: `hello of ${body.length} bytes, expected 2` };
      return { kind: 'hello', version: body[1]! };
    case Kind.gossip:
    case Kind.direct: {
      if (body.length < 2) return { error: 'message without a topic' };
      const topic = TOPICS[body[1]!];
      if (!topic) return { error: `unknown topic ${body[1]}` };
      return { kind: body[0] === Kind.gossip ? 'gossip' : 'direct', topic, data: body.subarray(2) };
    }
    case Kind.request: {
      if (body.length < 6) return { error: `request of ${body.length} bytes, expected at least 6` };
      const nameLength = body[5]!;
      if (body.length < 6 + nameLength) return { error: 'request shorter than its protocol name' };
      return { kind: 'request', id: body.readUInt32BE(1), protocol: body.subarray(6, 6 + nameLength).toString('utf8'), data: body.subarray(6 + nameLength) };
    }
    case Kind.response: {
      if (body.length < 6) return { error: `response of ${body.length} bytes, expected at least 6` };
      if (body[5]! > 1) return { error: `response status ${body[5]}` };
      return { kind: 'response', id: body.readUInt32BE(1), ok: body[5] === 0, data: body.subarray(6) };
    }
    case Kind.ping:
      return body.length === 1 ? { kind: 'ping' } : { error: 'ping with a body' };
    case Kind.pong:
      return body.length === 1 ? { kind: 'pong' } : { error: 'pong with a body' };
    default:
      return { error: `unknown frame kind ${body[0]}` };
  }
}
