/**
 * Sessions by challenge-response: the happy path, each refusal (reused,
 * expired, foreign and forged challenges; wrong chain), token expiry and
 * closing, the memory bounds, and a property test against a model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateKeyPair, signBytes } from '../crypto/ed25519.js';
import { createSessionStore, sessionMessage, type SessionStoreDeps, type SessionStoreOptions } from './sessions.js';

const CHAIN = 'polity-test';

/** A store on a clock the test drives; `standings` names the subjects (or keys) the chain knows, every other has none. */
function harness(options: Partial<SessionStoreOptions> = {}, standings: ReadonlyMap<string, string> = new Map()) {
  let t = 1_000_000;
  const deps: Record<string, unknown> = { now: () => t, standingOf: (subject: string, publicKey: string) => standings.get(publicKey) ?? standings.get(subject) ?? 'none' };
  const store = createSessionStore({ ttlMs: 60_000, challengeTtlMs: 10_000, max: 100, ...options }, deps as SessionStoreDeps);
  return { store, advance: (ms: number) => (t += ms) };
}

function sign(secretKey: string, subject: string, challenge: string, chainId = CHAIN): string {
  return signBytes(secretKey, sessionMessage(chainId, subject, challenge));
}

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return 'ok';
};

test('the signed message is the UTF-8 of polity-session:v1:<chainId>:<subject>:<challenge>', () => {
  assert.equal(Buffer.from(sessionMessage('polity-main', 'did:polity:abc', 'xyz')).toString('utf8'), 'polity-session:v1:polity-main:did:polity:abc:xyz');
});

test('open, look up and close a session (hex subject and DID subject)', () => {
  const { store, advance } = harness();
  const key = generateKeyPair();
  for (const subject of [key.publicKey, 'did:polity:0a1b2c3d4e5f60718293a4b5c6d7e8f9']) {
    const { challenge, expiresAt } = store.challenge(subject);
    assert.match(challenge, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(expiresAt, 1_000_000 + 10_000);
    const opened = store.open(subject, challenge, sign(key.secretKey, subject, challenge), key.publicKey, CHAIN);
    assert.match(opened.token, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(store.lookup(opened.token), { subject, publicKey: key.publicKey, expiresAt: opened.expiresAt });
    assert.equal(store.close(opened.token), true);
    assert.equal(store.lookup(opened.token), undefined);
    assert.equal(store.close(opened.token), false);
  }
  // Expiry: valid until expiresAt, gone at it.
  const { challenge } = store.challenge(key.publicKey);
  const { token, expiresAt } = store.open(key.publicKey, challenge, sign(key.secretKey, key.publicKey, challenge), key.publicKey, CHAIN);
  advance(59_999);
  assert.ok(store.lookup(token));
  advance(1);
  assert.equal(expiresAt, 1_000_000 + 60_000);
  assert.equal(store.lookup(token), undefined);
  assert.equal(store.sizes.sessions, 0);
});

test('refusals: reused, expired, foreign and forged challenges; wrong chain; mismatched key', () => {
  const { store, advance } = harness();
  const key = generateKeyPair();
  const other = generateKeyPair();
  const s = key.publicKey;
  const fresh = () => store.challenge(s).challenge;

  // Reused: a challenge opens one session only.
  const c1 = fresh();
  assert.equal(codeOf(() => store.open(s, c1, sign(key.secretKey, s, c1), s, CHAIN)), 'ok');
  assert.equal(codeOf(() => store.open(s, c1, sign(key.secretKey, s, c1), s, CHAIN)), 'AUTH_REPLAYED');
  // Never issued.
  const invented = Buffer.alloc(32, 7).toString('base64url');
  assert.equal(codeOf(() => store.open(s, invented, sign(key.secretKey, s, invented), s, CHAIN)), 'AUTH_REPLAYED');
  // Expired.
  const c2 = fresh();
  advance(10_000);
  assert.equal(codeOf(() => store.open(s, c2, sign(key.secretKey, s, c2), s, CHAIN)), 'AUTH_EXPIRED');
  // Bound to its subject: another subject cannot use it, even with a valid signature of its own.
  const c3 = fresh();
  assert.equal(codeOf(() => store.open(other.publicKey, c3, sign(other.secretKey, other.publicKey, c3), other.publicKey, CHAIN)), 'AUTH_REPLAYED');
  // A failed attempt by its subject consumes it.
  assert.equal(codeOf(() => store.open(s, c3, sign(other.secretKey, s, c3), s, CHAIN)), 'AUTH_BAD_SIGNATURE');
  assert.equal(codeOf(() => store.open(s, c3, sign(key.secretKey, s, c3), s, CHAIN)), 'AUTH_REPLAYED');
  // A challenge changed by one bit, or spelt another way, is unknown.
  const c8 = fresh();
  const flipped = Buffer.from(c8, 'base64url');
  flipped[3] = flipped[3]! ^ 1;
  assert.equal(codeOf(() => store.open(s, flipped.toString('base64url'), sign(key.secretKey, s, flipped.toString('base64url')), s, CHAIN)), 'AUTH_REPLAYED');
  const respelt = c8.slice(0, 42) + String.fromCharCode(c8.charCodeAt(42) ^ 1);
  assert.equal(codeOf(() => store.open(s, respelt, sign(key.secretKey, s, respelt), s, CHAIN)), 'AUTH_REPLAYED');
  // A challenge of another store (another node, or this one before a restart) is unknown.
  const elsewhere = harness().store.challenge(s).challenge;
  assert.equal(codeOf(() => store.open(s, elsewhere, sign(key.secretKey, s, elsewhere), s, CHAIN)), 'AUTH_REPLAYED');
  // Signed by another key; signed for another chain; a hex subject with another key.
  const c4 = fresh();
  assert.equal(codeOf(() => store.open(s, c4, sign(other.secretKey, s, c4), s, CHAIN)), 'AUTH_BAD_SIGNATURE');
  const c5 = fresh();
  assert.equal(codeOf(() => store.open(s, c5, sign(key.secretKey, s, c5, 'polity-other'), s, CHAIN)), 'AUTH_BAD_SIGNATURE');
  const c6 = fresh();
  assert.equal(codeOf(() => store.open(s, c6, sign(other.secretKey, s, c6), other.publicKey, CHAIN)), 'AUTH_BAD_SIGNATURE');
  // Malformed input.
  assert.equal(codeOf(() => store.challenge('alice')), 'AUTH_MALFORMED');
  for (const bad of [`did:polity:${'x'.repeat(250)}`, 'did:polity:', 'did:polity:abc:', 'did:Polity:abc', 'did:polity:a b', 'did:polity:%zz', key.publicKey.toUpperCase()]) {
    assert.equal(codeOf(() => store.challenge(bad)), 'AUTH_MALFORMED', bad);
  }
  assert.equal(codeOf(() => store.challenge('did:web:example.org:user%20x')), 'ok');
  const c7 = fresh();
  assert.equal(codeOf(() => store.open(s, c7, 'abcd', s, CHAIN)), 'AUTH_MALFORMED');
  assert.equal(codeOf(() => store.open(s, c7, sign(key.secretKey, s, c7), 'zz', CHAIN)), 'AUTH_MALFORMED');
  // Nothing but the one good attempt opened a session.
  assert.equal(store.sizes.sessions, 1);
  // Lookups of garbage are just unknown.
  for (const bad of ['', 'x', 'a'.repeat(43), '%'.repeat(43), undefined as unknown as string]) assert.equal(store.lookup(bad), undefined);
});

test('bounds: used challenges are remembered up to max, then a floor', () => {
  const { store, advance } = harness({ max: 3, perSubjectMax: 2 });
  const k0 = generateKeyPair();
  // Issuing stores nothing; using does, up to max, after which the earliest used is forgotten
  // and every challenge expiring no later than it is refused.
  const cs = [0, 1, 2, 3].map(() => {
    advance(1);
    return store.challenge(k0.publicKey).challenge;
  });
  assert.equal(store.sizes.challenges, 0);
  for (const c of cs.slice(0, 3)) assert.equal(codeOf(() => store.open(k0.publicKey, c, 'ab'.repeat(64), k0.publicKey, CHAIN)), 'AUTH_BAD_SIGNATURE');
  assert.equal(store.sizes.challenges, 3);
  assert.equal(codeOf(() => store.open(k0.publicKey, cs[3]!, 'ab'.repeat(64), k0.publicKey, CHAIN)), 'AUTH_BAD_SIGNATURE');
  assert.equal(store.sizes.challenges, 3);
  assert.equal(codeOf(() => store.open(k0.publicKey, cs[0]!, sign(k0.secretKey, k0.publicKey, cs[0]!), k0.publicKey, CHAIN)), 'AUTH_EXPIRED', 'forgotten, so refused by the floor');
  assert.equal(codeOf(() => store.open(k0.publicKey, cs[1]!, sign(k0.secretKey, k0.publicKey, cs[1]!), k0.publicKey, CHAIN)), 'AUTH_REPLAYED', 'still remembered');
});

type Key = ReturnType<typeof generateKeyPair>;
/** Open a session for `k` as `subject` (its hex key by default), one ms later; the token, or the refusal's code. */
function opener(store: ReturnType<typeof harness>['store'], advance: (ms: number) => number) {
  return (k: Key, subject = k.publicKey): string => {
    advance(1);
    const { challenge } = store.challenge(subject);
    try {
      return store.open(subject, challenge, sign(k.secretKey, subject, challenge), k.publicKey, CHAIN).token;
    } catch (e) {
      return (e as { code?: string }).code ?? String(e);
    }
  };
}

test("bounds: sessions per subject drop the oldest; the members' pool, when full, refuses rather than closing someone's session", () => {
  const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const members = new Map(keys.map((k) => [k.publicKey, 'member']));
  const { store, advance } = harness({ max: 4, sharedMax: 1, perSubjectMax: 2 }, members);
  const openFor = opener(store, advance);
  // Per subject: a third session of the same subject closes its first.
  const [t1, t2, t3] = [openFor(keys[0]!), openFor(keys[0]!), openFor(keys[0]!)];
  assert.equal(store.lookup(t1!), undefined);
  assert.ok(store.lookup(t2!) && store.lookup(t3!));
  // The members' 3 slots: one more subject fills them; the next is refused rather than closing someone else's session.
  const t4 = openFor(keys[1]!);
  assert.ok(store.lookup(t4), t4);
  assert.equal(openFor(keys[2]!), 'RATE_LIMITED');
  assert.ok(store.lookup(t2!) && store.lookup(t3!) && store.lookup(t4));
  // A key without standing still gets its session: the shared pool is apart from the members'.
  assert.ok(store.lookup(openFor(generateKeyPair())));
  // Once sessions expire, there is room again.
  advance(60_000);
  assert.ok(store.lookup(openFor(keys[3]!)));
});

test("a flood of sessions from many keys without standing locks out no organisation's key and closes no registered DID's session", () => {
  const member = generateKeyPair();
  const citizen = generateKeyPair();
  const citizenDid = 'did:polity:0a1b2c3d4e5f60718293a4b5c6d7e8f9';
  const other = generateKeyPair();
  const otherDid = 'did:polity:1a1b2c3d4e5f60718293a4b5c6d7e8f9';
  const standings = new Map([
    [member.publicKey, 'member'],
    [citizenDid, 'registered'],
    [otherDid, 'registered'],
  ]);
  // max 8: the shared pool of subjects without an organisation's key is a quarter of it (2).
  const { store, advance } = harness({ max: 8 }, standings);
  const openFor = opener(store, advance);
  const citizenToken = openFor(citizen, citizenDid);
  assert.ok(store.lookup(citizenToken), citizenToken);

  // The flood: 200 free keys, one session each (the per-subject cap does not slow it).
  const flood = Array.from({ length: 200 }, () => openFor(generateKeyPair()));
  const refused = flood.filter((r) => !/^[A-Za-z0-9_-]{43}$/.test(r));
  console.log(`flood of 200 free keys on a table of 8: ${200 - refused.length} opened, ${refused.length} refused; sessions held: ${store.sizes.sessions}`);

  // An organisation's key opens its session during the flood.
  const memberToken = openFor(member);
  assert.ok(store.lookup(memberToken), `the member's session: ${memberToken}`);
  // Free keys were not refused either: each took the slot of the oldest free session, which fails closed.
  assert.deepEqual(refused, []);
  assert.equal(store.lookup(flood[0]!), undefined, 'the oldest free session was closed');
  assert.ok(store.lookup(flood.at(-1)!), 'the newest free session is held');
  // The registered DID's session outlived the flood, and the table stayed bounded.
  assert.ok(store.lookup(citizenToken), "the registered DID's session");
  assert.ok(store.sizes.sessions <= 8, `sessions held: ${store.sizes.sessions}`);

  // A second registered DID takes the free session's slot, not the citizen's.
  const otherToken = openFor(other, otherDid);
  assert.ok(store.lookup(otherToken) && store.lookup(citizenToken));
  // Only when the shared pool holds no free session does a free key close a registered DID's (the oldest) — once:
  // from then on there is a free session to close first.
  const free1 = openFor(generateKeyPair());
  assert.ok(store.lookup(free1));
  assert.equal(store.lookup(citizenToken), undefined);
  const free2 = openFor(generateKeyPair());
  assert.ok(store.lookup(free2) && store.lookup(otherToken));
  assert.equal(store.lookup(free1), undefined);
  assert.ok(store.lookup(memberToken));
});

test('a challenge flood evicts no honest challenge: a challenge asked before the flood still opens a session after it', () => {
  const { store } = harness({ max: 100 });
  const honest = generateKeyPair();
  const { challenge } = store.challenge(honest.publicKey);
  for (let i = 0; i < 10_000; i++) store.challenge(i % 2 ? `did:polity:${i.toString(16).padStart(32, '0')}` : honest.publicKey);
  assert.ok(store.sizes.challenges <= 100, `bounded: ${store.sizes.challenges}`);
  assert.equal(codeOf(() => store.open(honest.publicKey, challenge, sign(honest.secretKey, honest.publicKey, challenge), honest.publicKey, CHAIN)), 'ok');
});

test('property: the store agrees with a model over random operations', () => {
  const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const op = fc.oneof(
    fc.record({ kind: fc.constant('open' as const), who: fc.nat(2), forge: fc.boolean() }),
    fc.record({ kind: fc.constant('close' as const), index: fc.nat(20) }),
    fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const { store, advance } = harness({ max: 1000, perSubjectMax: 1000 });
      let now = 1_000_000;
      const model: { token: string; subject: string; expiresAt: number; closed: boolean }[] = [];
      for (const o of ops) {
        if (o.kind === 'open') {
          const k = keys[o.who]!;
          const { challenge } = store.challenge(k.publicKey);
          const signer = o.forge ? keys[(o.who + 1) % 3]! : k;
          const code = codeOf(() => {
            const { token, expiresAt } = store.open(k.publicKey, challenge, sign(signer.secretKey, k.publicKey, challenge), k.publicKey, CHAIN);
            model.push({ token, subject: k.publicKey, expiresAt, closed: false });
          });
          assert.equal(code, o.forge ? 'AUTH_BAD_SIGNATURE' : 'ok');
        } else if (o.kind === 'close') {
          const entry = model[o.index];
          if (entry) {
            assert.equal(store.close(entry.token), !entry.closed && entry.expiresAt > now);
            entry.closed = true;
          }
        } else {
          now = advance(o.ms);
        }
        for (const m of model) {
          const live = !m.closed && m.expiresAt > now;
          const found = store.lookup(m.token);
          assert.equal(found?.subject, live ? m.subject : undefined);
          if (!live) m.closed = true;
        }
      }
    }),
    { numRuns: 100 },
  );
});
