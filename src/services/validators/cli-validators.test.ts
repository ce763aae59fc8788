/**
 * `polity validators show <id>` says until when a change is open: a date in
 * UTC (as `polity org show` prints an operation's deadline) for a change
 * with a time deadline, the block height for one made under rules version 1.
 * A stand-in API on 127.0.0.1 answers the change, so no chain is needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Io } from '../../cli/io.js';
import { runValidators } from './cli-validators.js';

const ID = 'ab'.repeat(32);
const KEY = 'cd'.repeat(32);
const base = { id: ID, validators: [{ name: 'a-0', pubKey: KEY, power: 1 }], proposer: KEY, approvals: [KEY], approvedPower: 1, totalPower: 4, proposedAt: 30 };

async function show(change: Record<string, unknown>): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(change));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const out: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => out.push(l), progress: () => {}, isTty: false };
  try {
    const code = await runValidators({ api: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, ['show', ID], io);
    assert.equal(code, 0);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return out.join('\n');
}

test('validators show prints a time deadline as a date in UTC, and an old change’s deadline as a block', async () => {
  const expiresAtMs = Date.UTC(2026, 11, 12, 14, 3, 30);
  const timed = await show({ ...base, proposedAtMs: expiresAtMs - 7 * 86_400_000, proposedAtIso: new Date(expiresAtMs - 7 * 86_400_000).toISOString(), expiresAtMs, expiresAtIso: new Date(expiresAtMs).toISOString() });
  assert.match(timed, /proposed at height 30, open until 2026-12-12 14:03 UTC \((in|ago) [^)]+\)/);
  const old = await show({ ...base, expiresAt: 10_030 });
  assert.match(old, /proposed at height 30, open until block 10030$/m);
});
