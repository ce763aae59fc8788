/**
 * Property tests for the network layer's small parts: the frame codec, the
 * chunk queue that reassembles length-prefixed messages, and the bounded
 * seen-cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createByteQueue } from './byte-queue.js';
import { decodeFrame, encodeHello, encodeMessage, encodePing, encodeRequest, encodeResponse, TOPICS } from './frames.js';
import { createSeenCache } from './seen-cache.js';

const bytes = fc.uint8Array({ maxLength: 300 });

test('frames: every encoded frame decodes to what was encoded', () => {
  fc.assert(
    fc.property(fc.constantFrom(...TOPICS), bytes, fc.boolean(), (topic, data, gossip) => {
      const f = decodeFrame(encodeMessage(gossip ? 'gossip' : 'direct', topic, data));
      assert.ok(!('error' in f) && (f.kind === 'gossip' || f.kind === 'direct'));
      assert.equal(f.kind, gossip ? 'gossip' : 'direct');
      assert.equal(f.topic, topic);
      assert.deepEqual(new Uint8Array(f.data), data);
    }),
  );
  fc.assert(
    fc.property(fc.nat(0xffffffff), fc.string({ maxLength: 60 }), bytes, fc.boolean(), (id, protocol, data, ok) => {
      const name = Buffer.from(protocol, 'utf8');
      fc.pre(name.length <= 255);
      const r = decodeFrame(encodeRequest(id, name, data));
      assert.ok(!('error' in r) && r.kind === 'request');
      assert.deepEqual([r.id, r.protocol, new Uint8Array(r.data)], [id, protocol, data]);
      const s = decodeFrame(encodeResponse(id, ok, data));
      assert.ok(!('error' in s) && s.kind === 'response');
      assert.deepEqual([s.id, s.ok, new Uint8Array(s.data)], [id, ok, data]);
    }),
  );
  assert.deepEqual(decodeFrame(encodeHello()), { kind: 'hello', version: 1 });
  assert.deepEqual(decodeFrame(encodePing()), { kind: 'ping' });
});

test('frames: malformed bodies are named, never thrown', () => {
  const cases: [number[], RegExp][] = [
    [[], /empty/],
    [[1], /without a topic/],
    [[1, 9], /unknown topic 9/],
    [[3, 0, 0, 0, 1, 5, 65], /shorter than its protocol name/],
    [[4, 0, 0, 0, 1, 2], /status 2/],
    [[5, 0], /ping with a body/],
    [[0, 1, 1], /hello of 3 bytes/],
    [[99], /unknown frame kind 99/],
  ];
  for (const [body, expected] of cases) {
    const f = decodeFrame(Buffer.from(body));
    assert.ok('error' in f && expected.test(f.error), `${JSON.stringify(body)} -> ${JSON.stringify(f)}`);
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (body) => void decodeFrame(Buffer.from(body))));
});

test('byte queue: length-prefixed messages come out whole however the stream is chunked', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 30 }), (messages, cuts) => {
      const stream = Buffer.concat(messages.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m])));
      const q = createByteQueue();
      const out: Uint8Array[] = [];
      let offset = 0;
      let k = 0;
      while (offset < stream.length) {
        const step = cuts[k++ % cuts.length]!;
        q.push(stream.subarray(offset, offset + step));
        offset += step;
        while (q.length >= 2 && q.length >= 2 + q.peekUInt(2)) {
          const n = q.peekUInt(2);
          q.take(2);
          out.push(new Uint8Array(q.take(n)));
        }
      }
      assert.deepEqual(out, messages);
      assert.equal(q.length, 0);
    }),
  );
  const q = createByteQueue();
  q.push(Buffer.from([0, 0]));
  q.push(Buffer.from([1, 2]));
  assert.equal(q.peekUInt(4), 0x102, 'a 4-byte length across two chunks');
});

test('seen cache: remembers at least the last entriesMax/2 digests and never holds more than entriesMax', () => {
  const cache = createSeenCache(100);
  for (let i = 0; i < 1000; i++) {
    assert.equal(cache.add(`d${i}`), true);
    assert.equal(cache.add(`d${i}`), false, 'a repeat is caught');
    assert.ok(cache.size <= 100);
    for (let back = 0; back < 50 && back <= i; back++) assert.ok(cache.has(`d${i - back}`), `d${i - back} forgotten too early`);
  }
  assert.equal(cache.has('d0'), false, 'old digests are eventually forgotten (the control for the bound)');
  assert.throws(() => createSeenCache(1), /at least 2/);
});
