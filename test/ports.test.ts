/**
 * Test processes that run side by side (`node --test --test-concurrency`)
 * never hand out the same loopback port: each claims the ports it hands
 * out in a shared folder before anyone binds them. Without it, two test
 * files could both find a port free and both start a node on it (seen as
 * "port … is already in use" in a full run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { claimPorts, freePortRange, PORT_CLAIMS_DIR } from './helpers.js';

test('a port range claimed by this process is not handed out again, here or to another process', async () => {
  const base = await freePortRange(4);
  assert.equal(claimPorts(base + 2, 4), false, 'an overlapping range in this process');
  const helpers = fileURLToPath(new URL('./helpers.js', import.meta.url));
  const other = spawnSync(process.execPath, ['--input-type=module', '-e', `import { claimPorts } from ${JSON.stringify(helpers)}; process.stdout.write(String(claimPorts(${base}, 4)));`], { encoding: 'utf8' });
  assert.equal(other.stdout, 'false', `another process claimed ${base}: ${other.stderr}`);
});

test('a claim left by a process that died is taken over; a range is claimed all or none', () => {
  mkdirSync(PORT_CLAIMS_DIR, { recursive: true });
  const base = 31_900 + Math.floor(Math.random() * 50);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  writeFileSync(join(PORT_CLAIMS_DIR, String(base)), dead);
  assert.equal(claimPorts(base, 2), true, 'the dead process’s claim is taken over');
  // all or none: a range whose last port is held leaves none of its first ports claimed
  assert.equal(existsSync(join(PORT_CLAIMS_DIR, String(base - 1))), false);
  assert.equal(claimPorts(base - 1, 2), false);
  assert.equal(existsSync(join(PORT_CLAIMS_DIR, String(base - 1))), false, 'the first port of the refused range was released');
});
