/**
 * Governance deadlines as dates, through the command line against a running
 * node: a proposal prints "open until 2026-12-05 14:03 UTC (in 2 h)", the
 * API answers the deadline in ms and as ISO 8601, the voting period is typed
 * as a time and checked before anything is signed, and a proposal expires at
 * its deadline: once the time passed, it reads as expired and a vote is
 * refused by the chain (whose block time is then past the deadline).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
  const code = await main(argv[0] === 'keys' || argv.includes('--help') ? argv : [...argv, '--api', api], io);
  let json: any;
  try {
    json = JSON.parse(out.at(-1) ?? '');
  } catch {
    json = undefined;
  }
  return { code, out: out.join('\n'), err: err.join('\n'), json };
}
const keyOf = async (file: string): Promise<string> => (JSON.parse(await readFile(file, 'utf8')) as { publicKey: string }).publicKey;
const idOf = (out: string): string => /proposal id ([0-9a-f]{64})/.exec(out)![1]!;
const DATE = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC';

test('a proposal shows its deadline as a date in UTC, and expires at that time', { timeout: 120_000 }, async () => {
  const file = (name: string): string => join(t.dir, name);
  const admin = ['--key', file('admin-key.json')];
  // A second organisation, so that one organisation's yes is short of two thirds.
  assert.equal((await polity('keys', 'new', '--key', file('tax-admin.json'))).code, 0);
  const added = await polity('gov', 'propose', 'add-org', '--id', 'tax-office', '--name', 'Tax Office', '--admin', await keyOf(file('tax-admin.json')), '--permission', 'did', ...admin);
  assert.equal(added.code, 0, added.err);
  assert.match(added.out, /executed/);

  // The help names the option, its bounds and its default.
  const help = await polity('gov', '--help');
  assert.match(help.out, /--voting-period P: 10 s to 366 d \(e\.g\. 2h, 7d, 1d12h\); default and longest: the consortium's votingSeconds, 7 d unless governance set it/);
  // A period out of bounds, or not a period, is refused before anything is signed.
  const short = await polity('gov', 'propose', 'grant', '--org', 'tax-office', '--module', 'notary', '--voting-period', '5s', ...admin);
  assert.equal(short.code, 2);
  assert.match(short.err, /--voting-period: from 10 s to 366 d, got 5 s/);
  assert.equal((await polity('gov', 'propose', 'grant', '--org', 'tax-office', '--module', 'notary', '--voting-period', 'soon', ...admin)).code, 2);
  assert.equal((await polity('gov', 'propose', 'param', '--name', 'votingBlocks', '--value', '10', ...admin)).code, 2, 'votingBlocks is no longer a parameter');

  // Proposed: open until a date, two hours on.
  const proposed = await polity('gov', 'propose', 'param', '--name', 'votingSeconds', '--value', '1d', '--voting-period', '2h', ...admin);
  assert.equal(proposed.code, 0, proposed.err);
  assert.match(proposed.out, new RegExp(`open until ${DATE} \\(in (1 h 59 min|2 h)\\)`));
  const id = idOf(proposed.out);
  const shown = await polity('gov', 'show', id);
  assert.match(shown.out, new RegExp(`open until ${DATE} \\(in (1 h 59 min|2 h)\\)`));
  assert.match(shown.out, /voting closes after \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(block time\)/);
  assert.match((await polity('gov', 'list')).out, new RegExp(`open\\s+set votingSeconds = 86400 .* open until ${DATE}`));
  const listed = (await polity('gov', 'list', '--json')).json as { proposals: { id: string; expiresAtMs: number; expiresAtIso: string; proposedAtMs: number; status: string }[] };
  const p = listed.proposals.find((x) => x.id === id)!;
  assert.equal(p.expiresAtMs - p.proposedAtMs, 2 * 3600 * 1000);
  assert.equal(p.expiresAtIso, new Date(p.expiresAtMs).toISOString());
  for (const line of proposed.out.split('\n')) console.log(`  ${line}`);

  // A ten-second vote: once its deadline passed it reads as expired, and the chain refuses a late vote.
  const brief = await polity('gov', 'propose', 'revoke', '--org', 'tax-office', '--module', 'did', '--voting-period', '10s', ...admin);
  assert.equal(brief.code, 0, brief.err);
  const briefId = idOf(brief.out);
  const deadline = ((await polity('gov', 'show', briefId, '--json')).json as { proposal: { expiresAtMs: number } }).proposal.expiresAtMs;
  // Waiting (not a timed assertion): poll until the node reads it as expired.
  for (let i = 0; i < 600; i++) {
    if (((await polity('gov', 'show', briefId, '--json')).json as { proposal: { status: string } }).proposal.status === 'expired') break;
    await sleep(100);
  }
  assert.ok(Date.now() > deadline, 'it reads as expired only once its deadline passed');
  const gone = await polity('gov', 'show', briefId);
  assert.match(gone.out, new RegExp(`expired at ${DATE} \\(\\d+ (s|min) ago\\)`));
  const late = await polity('gov', 'vote', briefId, '--yes', '--key', file('tax-admin.json'));
  assert.equal(late.code, 1);
  assert.match(late.err, /GOV_PROPOSAL_EXPIRED: voting closed at \d{4}-\d\d-\d\dT[\d:.]+Z; this block's time is/);
  const orgs = (await (await fetch(`${api}/v1/orgs`)).json()) as { organisations: { id: string; permissions: string[] }[] };
  assert.ok(orgs.organisations.find((o) => o.id === 'tax-office')!.permissions.includes('did'), 'nothing changed');
  console.log(`  ${gone.out.split('\n')[0]}`);
  console.log(`  ${late.err}`);
});

test('an organisation operation waiting for a second admin shows its deadline as a date in UTC, a week on', { timeout: 60_000 }, async () => {
  const file = (name: string): string => join(t.dir, name);
  for (const k of ['land-admin-1', 'land-admin-2', 'land-clerk']) assert.equal((await polity('keys', 'new', '--key', file(`${k}.json`))).code, 0);
  const admins = await Promise.all(['land-admin-1', 'land-admin-2'].map((k) => keyOf(file(`${k}.json`))));
  const added = await polity('gov', 'propose', 'add-org', '--id', 'land-registry', '--name', 'Land Registry', '--admin', admins[0]!, '--admin', admins[1]!, '--threshold', '2', '--key', file('admin-key.json'));
  assert.equal(added.code, 0, added.err);
  // With two organisations (this test file's first test may have run), the local department's yes may not be enough: the other votes too.
  if (!/executed/.test(added.out)) assert.equal((await polity('gov', 'vote', idOf(added.out), '--yes', '--key', file('tax-admin.json'))).code, 0);
  const waiting = await polity('org', 'official', 'add', '--org', 'land-registry', '--official', await keyOf(file('land-clerk.json')), '--role', 'registrar', '--consent-key', file('land-clerk.json'), '--key', file('land-admin-1.json'));
  assert.equal(waiting.code, 0, waiting.err);
  assert.match(waiting.out, /waiting for approvals \(1 of 2\)/);
  const shown = await polity('org', 'show', 'land-registry');
  assert.match(shown.out, new RegExp(`registerOfficial  1 approval\\(s\\), open until ${DATE} \\(in 7 d\\)`));
  const pending = ((await polity('org', 'show', 'land-registry', '--json')).json as { pending: { expiresAtMs: number; expiresAtIso: string; proposedAtMs: number }[] }).pending[0]!;
  assert.equal(pending.expiresAtMs - pending.proposedAtMs, 7 * 86_400_000);
  assert.equal(pending.expiresAtIso, new Date(pending.expiresAtMs).toISOString());
  console.log(`  ${shown.out.split('\n').find((l) => l.includes('open until'))!.trim()}`);
});
