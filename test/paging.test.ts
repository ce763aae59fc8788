/**
 * Every list of the API pages one way (spec/api.md, Paging): `?limit=&cursor=`
 * in, `next` out — a cursor string, or null on the last page. A client walks
 * any list from its first page by following `next` until it is null, and sees
 * each item exactly once. A cursor that is not one a list gave is refused
 * with 400 CURSOR_INVALID, and so is a cursor together with the older
 * parameter it replaces (`before`, `offset`), which still works alone.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { KeyPair } from '../src/crypto/ed25519.js';
import { signTx } from '../src/ledger/sign.js';
import { adminKeyPath } from '../src/node/data-dir.js';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { signConsent } from '../src/services/org/consent-sign.js';
import { commitTx, randomHash, startTestNode, type TestNode } from './helpers.js';

let t: TestNode;
let admin: KeyPair;
let org: string;
const SUBJECT = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

async function inject(url: string): Promise<{ status: number; body: any }> {
  const res = await t.app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() };
}

const commit = (key: KeyPair, module: string, action: string, args: Record<string, unknown>): Promise<void> => commitTx(t, key, module, action, args);

before(async () => {
  t = await startTestNode();
  admin = JSON.parse(await readFile(adminKeyPath(t.dir), 'utf8')) as KeyPair;
  org = t.genesis.organisations![0]!.id;
  // Four proposals of a parameter and one that admits a shop (the only member's vote executes each).
  for (let i = 0; i < 4; i++) await commit(admin, 'gov', 'propose', { change: { type: 'setParameter', name: 'votingSeconds', value: 1_000 + i } });
  const shopAdmin = generateKeyPair();
  const invoicer = generateKeyPair();
  await commit(admin, 'gov', 'propose', { change: { type: 'addOrganisation', organisation: { id: 'corner-shop', name: 'Corner Shop Ltd', admins: [shopAdmin.publicKey], threshold: 1, nodes: [], permissions: ['invoices'] } } });
  const consent = signConsent({ chainId: t.genesis.chainId, org: 'corner-shop', use: 'official', publicKey: invoicer.publicKey, secretKey: invoicer.secretKey }).signature;
  await commit(shopAdmin, 'org', 'propose', { org: 'corner-shop', op: { type: 'registerOfficial', key: invoicer.publicKey, roles: ['invoicer'], consent } });
  // Five invoices to the department: the shop's seller list and the department's buyer list each hold five.
  for (let i = 0; i < 5; i++) await commit(invoicer, 'invoices', 'issue', { number: `CS-${i}`, buyer: org, amount: 100 + i, currency: 'EUR', date: '2026-12-04', documentHash: randomHash() });
});
after(() => t?.close());

/** The lists, each with the member holding its items and an item's identity. */
const lists = (): { url: string; items: string; id: (x: any) => string; older: string }[] => [
  { url: '/v1/blocks?limit=2', items: 'blocks', id: (b) => String(b.header.height), older: 'before=3' },
  { url: '/v1/gov/proposals?limit=2', items: 'proposals', id: (p) => p.id, older: `before=${'0'.repeat(64)}` },
  { url: '/v1/evidence?limit=2', items: 'evidence', id: (e) => JSON.stringify(e), older: 'before=1' },
  { url: `/v1/invoices/corner-shop?limit=2`, items: 'invoices', id: (i) => `${i.seller}/${i.number}`, older: 'offset=0' },
  { url: `/v1/invoices/${org}?side=buyer&limit=2`, items: 'invoices', id: (i) => `${i.seller}/${i.number}`, older: 'offset=0' },
  { url: `/v1/sharing/queue/${org}?limit=2`, items: 'requests', id: (r) => r.id, older: 'offset=0' },
  { url: `/v1/sharing/subjects/${encodeURIComponent(SUBJECT)}/access?limit=2`, items: 'entries', id: (e) => e.id, older: 'offset=0' },
];

test('every list is walked from its first page by following next until it is null, each item once', async () => {
  for (const list of lists()) {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await inject(`${list.url}${cursor !== null ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(page.status, 200, `${list.url}: ${JSON.stringify(page.body)}`);
      assert.ok(Array.isArray(page.body[list.items]), `${list.url} lists ${list.items}`);
      seen.push(...page.body[list.items].map(list.id));
      assert.ok('next' in page.body, `${list.url} answers next on every page (null on the last)`);
      cursor = page.body.next;
      assert.ok(cursor === null || typeof cursor === 'string', `${list.url}: next is a cursor string or null, not ${JSON.stringify(cursor)}`);
      assert.ok(++pages < 50, `${list.url} ends`);
    } while (cursor !== null);
    assert.equal(new Set(seen).size, seen.length, `${list.url}: no item twice`);
    if (list.items === 'proposals' || list.items === 'invoices') assert.equal(seen.length, 5, `${list.url}: all five`);
    if (list.items === 'blocks') assert.equal(seen.length, t.node.height >= Number(seen[0]) ? Number(seen[0]) : -1, 'every block down to 1');
  }
});

test('a malformed cursor is 400 CURSOR_INVALID on every list, and so is a cursor given with the older parameter', async () => {
  const malformed = ['not-a-cursor!', 'e30', Buffer.from('{"o":-1}').toString('base64url'), Buffer.from('[1]').toString('base64url'), 'x'.repeat(190)];
  for (const list of [...lists().map((l) => ({ url: l.url, older: l.older })), { url: `/v1/sharing/datasets/${org}/none?limit=2`, older: 'offset=0' }, { url: `/v1/tax/invoices/${org}?limit=2`, older: 'offset=0' }, { url: `/v1/dids/did:polity:${'0'.repeat(32)}/history?limit=2`, older: 'from=1' }]) {
    for (const bad of malformed) {
      const res = await inject(`${list.url}&cursor=${encodeURIComponent(bad)}`);
      assert.equal(res.status, 400, `${list.url} cursor=${bad}`);
      assert.equal(res.body.code, 'CURSOR_INVALID', `${list.url} cursor=${bad}: ${JSON.stringify(res.body)}`);
    }
    const first = await inject(list.url);
    const both = await inject(`${list.url}&${list.older}&cursor=${encodeURIComponent(first.body.next ?? Buffer.from('{"o":1}').toString('base64url'))}`);
    assert.equal(both.status, 400, `${list.url} with ${list.older} and cursor`);
    assert.equal(both.body.code, 'CURSOR_INVALID', `${list.url}: ${JSON.stringify(both.body)}`);
  }
  // The tax view checks the cursor before who asks: a malformed one is the client's mistake, signed or not.
  // Over the bound: refused by the schema before it is decoded.
  assert.equal((await inject(`/v1/evidence?cursor=${'x'.repeat(400)}`)).status, 400);
});

test('the older parameters still page as before', async () => {
  const byBefore = await inject('/v1/blocks?limit=1&before=2');
  assert.equal(byBefore.body.blocks[0].header.height, 1);
  const all = (await inject('/v1/gov/proposals?limit=5')).body.proposals as { id: string }[];
  const older = await inject(`/v1/gov/proposals?limit=5&before=${all[1]!.id}`);
  assert.deepEqual(older.body.proposals.map((p: { id: string }) => p.id), all.slice(2).map((p) => p.id));
  const fromThree = await inject('/v1/invoices/corner-shop?offset=3');
  assert.deepEqual(fromThree.body.invoices.map((i: { number: string }) => i.number), ['CS-3', 'CS-4']);
  assert.equal(fromThree.body.next, null);
});
