/**
 * A citizen's identity, as people would use it, through the command line
 * against a running node: the department's admin makes an official a
 * registrar; a citizen creates a DID, uses it, rotates its key; the old key
 * is refused from then on, yet what it signed before stays valid against the
 * DID's history at its block; the citizen loses the new key and a registrar
 * recovers the DID with a recorded reason code.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../src/main.js';
import type { Io } from '../src/cli/io.js';
import { startTestNode, type TestNode } from './helpers.js';

let t: TestNode;
let api: string;

before(async () => {
  t = await startTestNode({ listen: true });
  api = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
});
after(async () => {
  await t.close();
});

async function polity(...argv: string[]): Promise<{ code: number; out: string; err: string; json: any }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false };
  const code = await main(argv[0] === 'keys' ? argv : [...argv, '--api', api], io);
  let json: any;
  try {
    json = JSON.parse(out.at(-1) ?? '');
  } catch {
    json = undefined;
  }
  return { code, out: out.join('\n'), err: err.join('\n'), json };
}
const keyOf = async (file: string): Promise<string> => (JSON.parse(await readFile(file, 'utf8')) as { publicKey: string }).publicKey;

test('a citizen DID is created, rotated and recovered by a registrar; the old key’s signature holds at its block and is refused after', async () => {
  const file = (name: string): string => join(t.dir, name);
  // The department's admin makes an official a registrar.
  assert.equal((await polity('keys', 'new', '--key', file('registrar.json'))).code, 0);
  // Without the official's consent the CLI refuses before sending anything.
  const unconsented = await polity('org', 'official', 'add', '--org', 'local-department', '--official', await keyOf(file('registrar.json')), '--role', 'registrar', '--key', file('admin-key.json'));
  assert.equal(unconsented.code, 2, unconsented.err);
  assert.match(unconsented.err, /needs its holder's consent: they run `polity org consent --org local-department --as official/);
  // The official signs a consent with their own key; the admin passes the file on.
  const consented = await polity('org', 'consent', '--org', 'local-department', '--as', 'official', '--key', file('registrar.json'), '--out', file('registrar-consent.json'));
  assert.equal(consented.code, 0, consented.err);
  const reg = await polity('org', 'official', 'add', '--org', 'local-department', '--official', await keyOf(file('registrar.json')), '--role', 'registrar', '--consent', file('registrar-consent.json'), '--key', file('admin-key.json'));
  assert.equal(reg.code, 0, reg.err);

  // The citizen creates a DID and signs a change with its first key.
  assert.equal((await polity('keys', 'new', '--key', file('citizen.json'))).code, 0);
  const created = await polity('did', 'create', '--key', file('citizen.json'), '--json');
  assert.equal(created.code, 0, created.err);
  const did = created.json.did as string;
  assert.match(did, /^did:polity:[0-9a-f]{32}$/);
  const signedEarly = await polity('did', 'update', '--service', 'inbox:DIDCommMessaging:https://msg.example.gov/inbox', '--key', file('citizen.json'), '--json');
  assert.equal(signedEarly.code, 0, signedEarly.err);

  // Rotation: the new key is written 0600 beside the old one.
  const rotated = await polity('did', 'rotate', '--new-key', file('citizen-2.json'), '--key', file('citizen.json'), '--did', did, '--json');
  assert.equal(rotated.code, 0, rotated.err);
  // The old key is refused for anything new…
  const late = await polity('did', 'update', '--clear-services', '--key', file('citizen.json'), '--did', did, '--json');
  assert.equal(late.code, 1);
  assert.equal(late.json.code, 'DID_KEY_NOT_CURRENT');
  // …but what it signed before the rotation is judged by the key the DID held at that block.
  const early = await polity('did', 'check', did, '--tx', signedEarly.json.txId);
  assert.equal(early.code, 0, early.err);
  assert.match(early.out, new RegExp(`valid: transaction .* in block ${signedEarly.json.height} was signed by z6Mk\\w+, the key ${did} held at that block \\(it has changed since\\)`));
  // Negative control: the refused transaction was signed by the same old key, after the rotation.
  const refused = await polity('did', 'check', did, '--tx', late.json.txId);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /not valid: .* which was not the key of did:polity:\w+ at that block \(it was z6Mk\w+\)/);

  // The citizen loses the second key; a registrar recovers the DID to a third, with a reason code.
  assert.equal((await polity('keys', 'new', '--key', file('citizen-3.json'))).code, 0);
  const notRegistrar = await polity('did', 'recover', '--did', did, '--new-public-key', await keyOf(file('citizen-3.json')), '--reason', 'lost-key', '--key', file('citizen-2.json'), '--json');
  assert.equal(notRegistrar.code, 1);
  assert.equal(notRegistrar.json.code, 'AUTH_NOT_OFFICIAL');
  const recovered = await polity('did', 'recover', '--did', did, '--new-public-key', await keyOf(file('citizen-3.json')), '--reason', 'lost-key', '--key', file('registrar.json'));
  assert.equal(recovered.code, 0, recovered.err);
  assert.match(recovered.out, /recovered did:polity:\w+ .*reason lost-key/);

  // The history says who did what, when, and why — and holds no personal data.
  const history = await polity('did', 'history', did, '--json');
  assert.deepEqual(history.json.versions.map((v: { operation: string }) => v.operation), ['create', 'update', 'rotate', 'recover']);
  const last = history.json.versions[3];
  assert.equal(last.key, await keyOf(file('citizen-3.json')));
  assert.equal(last.reason, 'lost-key');
  assert.equal(last.org, 'local-department');
  const resolvedNow = await polity('did', 'resolve', did, '--json');
  assert.equal(resolvedNow.json.didDocument.id, did);
  const atEarly = await polity('did', 'resolve', did, '--height', String(signedEarly.json.height), '--json');
  assert.equal(atEarly.json.didDocumentMetadata.versionId, '2');
  // The third key now acts for the DID.
  assert.equal((await polity('did', 'update', '--clear-services', '--key', file('citizen-3.json'), '--did', did)).code, 0);
});
