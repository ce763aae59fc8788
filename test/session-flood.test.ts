/**
 * Sessions that a flood cannot fill for everyone (spec/api-auth.md §5), through the HTTP API of a node in this process whose
 * session table holds 8 (a quarter, 2, shared by keys that are no
 * organisation's). Free keys from 40 addresses open a session each; then an
 * organisation's admin and a registered did:polity open theirs, and both
 * work. Before the table was split, the 9th session of anyone was refused
 * 429 RATE_LIMITED until sessions expired (15 minutes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, signBytes, type KeyPair } from '../src/crypto/ed25519.js';
import { signTx } from '../src/ledger/sign.js';
import { sessionMessage } from '../src/api/sessions.js';
import { didPolityFromKey } from '../src/services/did/method.js';
import { startTestNode } from './helpers.js';

const SESSIONS_MAX = 8;

test("a flood of sessions from free keys on many addresses locks out neither an organisation's admin nor a registered DID", async (t) => {
  const node = await startTestNode({ api: { sessionsMax: SESSIONS_MAX } });
  try {
    const chainId = node.genesis.chainId;
    const post = async (url: string, body: unknown, remoteAddress: string) => {
      const r = await node.app.inject({ method: 'POST', url, remoteAddress, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      return { status: r.statusCode, body: r.json() };
    };
    const open = async (key: KeyPair, subject: string, remoteAddress: string) => {
      const { challenge } = (await post('/v1/auth/challenge', { subject }, remoteAddress)).body;
      return post('/v1/auth/session', { subject, challenge, signature: signBytes(key.secretKey, sessionMessage(chainId, subject, challenge)) }, remoteAddress);
    };
    const whoami = async (token: string) => (await node.app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: { authorization: `Bearer ${token}` } })).json();

    // A citizen registers a did:polity (any key may) before the flood.
    const citizen = generateKeyPair();
    const tx = signTx({ v: 1, chainId, module: 'did', action: 'create', args: { services: [] } as never, signer: citizen.publicKey, nonce: 0 }, citizen.secretKey);
    const created = await post('/v1/tx?wait=commit', tx, '127.0.0.1');
    assert.equal(created.body.result?.code, 'OK', JSON.stringify(created.body));
    const did = didPolityFromKey(chainId, citizen.publicKey);

    // The flood: 40 free keys, each from its own address (the challenge limit is per address).
    const flood = [];
    for (let i = 0; i < 40; i++) {
      const key = generateKeyPair();
      flood.push(await open(key, key.publicKey, `198.51.100.${i + 1}`));
    }
    const floodStatuses = flood.map((r) => r.status);
    t.diagnostic(`40 free keys on a table of ${SESSIONS_MAX}: ${floodStatuses.filter((s) => s === 200).length} opened, ${floodStatuses.filter((s) => s === 429).length} refused 429`);

    const admin = JSON.parse(await readFile(join(node.dir, 'admin-key.json'), 'utf8')) as KeyPair;
    const adminSession = await open(admin, admin.publicKey, '203.0.113.1');
    assert.equal(adminSession.status, 200, `the admin's session: ${JSON.stringify(adminSession.body)}`);
    const me = await whoami(adminSession.body.token);
    assert.deepEqual([me.admin, me.org], [true, 'local-department']);

    const citizenSession = await open(citizen, did, '203.0.113.2');
    assert.equal(citizenSession.status, 200, `the registered DID's session: ${JSON.stringify(citizenSession.body)}`);
    assert.equal((await whoami(citizenSession.body.token)).did, did);

    // Free keys were not refused either: each took the oldest free session's slot, which then fails closed.
    assert.deepEqual([...new Set(floodStatuses)], [200]);
    assert.equal((await whoami(flood[0]!.body.token)).code, 'AUTH_EXPIRED');
    // More free keys close free sessions, not the citizen's nor the admin's.
    for (let i = 0; i < 5; i++) {
      const key = generateKeyPair();
      assert.equal((await open(key, key.publicKey, `192.0.2.${i + 1}`)).status, 200);
    }
    assert.equal((await whoami(citizenSession.body.token)).did, did);
    assert.equal((await whoami(adminSession.body.token)).admin, true);
  } finally {
    await node.close();
  }
});
