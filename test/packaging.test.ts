/**
 * The shipped service files (packaging/, spec/deployment.md §7-8), checked
 * as far as this machine can without a service manager or a registry:
 *
 * - packaging/polity.service: parsed, its hardening and restart policy
 *   present, a non-root user, the data directory the state directory, every
 *   POLITY_ variable one `polity start` knows; and `systemd-analyze verify`
 *   where systemd is installed (unknown keys, bad values).
 * - packaging/Containerfile: its instructions parsed (no build, no pull): a
 *   Node 24 base, the tarball `npm pack` makes, a non-root USER before the
 *   entry point, the data volume, the API port, POLITY_ variables known.
 *
 * Each checker has a negative control: a planted fault is named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORT } from '../src/cli/main.js';
import { envNameOf, START_SETTINGS } from '../src/cli/start-config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const UNIT = join(ROOT, 'packaging', 'polity.service');
const CONTAINERFILE = join(ROOT, 'packaging', 'Containerfile');
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string };

/** The POLITY_ variables the program reads: each start setting's, and the key passphrase. */
const KNOWN_ENV = new Set([...START_SETTINGS.filter((s) => s.env !== false).map((s) => envNameOf(s.name)), 'POLITY_KEY_PASSPHRASE']);

type Unit = Record<string, Record<string, string[]>>;

/** A unit file's sections and keys (each key's values in order; comments and blank lines dropped). */
export function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      unit[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 1 || section === '') throw new Error(`not a unit line: ${line}`);
    ((unit[section]![line.slice(0, eq)] ??= [])).push(line.slice(eq + 1));
  }
  return unit;
}

/** What is wrong with the unit for a production node, in words; empty when nothing. */
export function unitProblems(unit: Unit): string[] {
  const problems: string[] = [];
  const s = unit.Service ?? {};
  const one = (key: string): string | undefined => s[key]?.at(-1);
  const want: Record<string, string> = {
    NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', PrivateDevices: 'yes',
    CapabilityBoundingSet: '', RestrictSUIDSGID: 'yes', Restart: 'on-failure', StateDirectory: 'polity', StateDirectoryMode: '0700', UMask: '0077',
  };
  for (const [key, value] of Object.entries(want)) if (one(key) !== value) problems.push(`${key}=${value} expected, got ${one(key) ?? 'nothing'}`);
  const user = one('User');
  if (!user || user === 'root' || user === '0') problems.push(`User: a dedicated user expected, got ${user ?? 'nothing'}`);
  if (!/\/polity start(\s|$)/.test(one('ExecStart') ?? '')) problems.push('ExecStart: expected `polity start`');
  if (!unit.Install?.WantedBy?.includes('multi-user.target')) problems.push('WantedBy=multi-user.target expected');
  const env = Object.fromEntries((s.Environment ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  for (const name of Object.keys(env)) if (name.startsWith('POLITY_') && !KNOWN_ENV.has(name)) problems.push(`Environment: ${name} is no setting of polity start`);
  if (env.POLITY_DATA !== `/var/lib/${one('StateDirectory')}`) problems.push(`POLITY_DATA ${env.POLITY_DATA} is not the state directory`);
  if (env.POLITY_PLAINTEXT_KEYS !== 'refuse') problems.push('POLITY_PLAINTEXT_KEYS=refuse expected in production');
  return problems;
}

interface Instruction {
  op: string;
  args: string;
}

/** A Containerfile's instructions, continuation lines joined, comments dropped. */
export function parseContainerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^([A-Z]+)\s+(.*)$/.exec(full);
    if (!m) throw new Error(`not an instruction: ${full.slice(0, 80)}`);
    out.push({ op: m[1]!, args: m[2]! });
  }
  return out;
}

export function containerProblems(instructions: Instruction[], tarballPrefix: string): string[] {
  const problems: string[] = [];
  const all = (op: string) => instructions.filter((i) => i.op === op);
  const args = Object.fromEntries(all('ARG').map((a) => a.args.split('=') as [string, string]));
  const from = all('FROM').map((f) => f.args.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? ''));
  if (from.length !== 1 || !/node:24[.-]/.test(from[0]!)) problems.push(`FROM: a Node 24 image expected, got ${from.join(', ') || 'nothing'}`);
  if (from.some((f) => /:latest$|^[^:]+$/.test(f))) problems.push('FROM: a tag that moves (latest or none)');
  if (!all('COPY').some((c) => c.args.startsWith(`${tarballPrefix}-*.tgz `))) problems.push(`COPY: the tarball ${tarballPrefix}-*.tgz from npm pack expected`);
  const lastUser = instructions.map((i, n) => ({ i, n })).filter(({ i }) => i.op === 'USER').at(-1);
  if (!lastUser || /^(root|0)(:|$)/.test(lastUser.i.args)) problems.push(`USER: a non-root user expected, got ${lastUser?.i.args ?? 'nothing'}`);
  const lastRun = instructions.map((i, n) => ({ i, n })).filter(({ i }) => i.op === 'RUN').at(-1);
  if (lastUser && lastRun && lastRun.n > lastUser.n) problems.push('RUN after USER: the image is built as root, then runs as the user');
  const env = Object.fromEntries(all('ENV').flatMap((e) => [...e.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])));
  for (const name of Object.keys(env)) if (name.startsWith('POLITY_') && !KNOWN_ENV.has(name)) problems.push(`ENV: ${name} is no setting of polity start`);
  const volumes = all('VOLUME').map((v) => v.args);
  if (!env.POLITY_DATA || !volumes.some((v) => v.includes(`"${env.POLITY_DATA}"`))) problems.push(`VOLUME: the data directory ${env.POLITY_DATA ?? '(POLITY_DATA unset)'} expected as a volume`);
  if (!all('EXPOSE').some((e) => e.args.split(/\s+/).includes(String(env.POLITY_PORT ?? DEFAULT_PORT)))) problems.push('EXPOSE: the API port expected');
  if (env.POLITY_PLAINTEXT_KEYS !== 'refuse') problems.push('POLITY_PLAINTEXT_KEYS=refuse expected in production');
  if (!all('ENTRYPOINT').some((e) => e.args === '["polity"]')) problems.push('ENTRYPOINT ["polity"] expected');
  if (!all('CMD').some((c) => c.args === '["start"]')) problems.push('CMD ["start"] expected');
  return problems;
}

const tarballPrefix = pkg.name.replace(/^@/, '').replace('/', '-');

test('packaging/polity.service: hardened, a dedicated user, restart policy, known settings', async () => {
  const unit = parseUnit(await readFile(UNIT, 'utf8'));
  assert.deepEqual(unitProblems(unit), []);
  // Negative controls: each planted fault is named.
  const planted = structuredClone(unit);
  planted.Service!.User = ['root'];
  planted.Service!.ProtectSystem = ['full'];
  planted.Service!.Environment!.push('POLITY_LOG_LEVLE=info');
  const found = unitProblems(planted);
  assert.ok(found.some((p) => p.startsWith('User')), found.join('; '));
  assert.ok(found.some((p) => p.startsWith('ProtectSystem')), found.join('; '));
  assert.ok(found.some((p) => p.includes('POLITY_LOG_LEVLE')), found.join('; '));
});

test('systemd-analyze verify accepts the unit, and names a misspelt key (where systemd is installed)', async (t) => {
  const analyze = await new Promise<{ ok: boolean; out: string }>((resolve) =>
    execFile('systemd-analyze', ['--version'], (e, out) => resolve({ ok: !e, out })),
  );
  if (!analyze.ok) {
    t.skip('systemd-analyze is not installed here');
    return;
  }
  t.diagnostic(analyze.out.split('\n')[0]!);
  const dir = await mkdtemp(join(tmpdir(), 'polity-unit-'));
  try {
    const text = await readFile(UNIT, 'utf8');
    // The command must exist for verify: the installed path is replaced by one this machine has.
    const verify = async (content: string): Promise<string> => {
      const file = join(dir, 'polity.service');
      await writeFile(file, content.replace(/^ExecStart=\/usr\/local\/bin\/polity /m, `ExecStart=${process.execPath} `));
      return new Promise((resolve) => execFile('systemd-analyze', ['verify', '--man=no', file], (e, out, err) => resolve(`${e ? `exit ${String((e as { code?: number }).code)}\n` : ''}${out}${err}`)));
    };
    assert.equal((await verify(text)).trim(), '', 'no warnings');
    const typo = await verify(text.replace('ProtectSystem=strict', 'ProtectSytem=strict'));
    assert.match(typo, /Unknown key 'ProtectSytem'/, 'the negative control: verify names the misspelt key');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('packaging/Containerfile: Node 24 base, the packed tarball, non-root, a data volume, the API port', async () => {
  const instructions = parseContainerfile(await readFile(CONTAINERFILE, 'utf8'));
  assert.deepEqual(containerProblems(instructions, tarballPrefix), []);
  // Negative controls.
  const asRoot = [...instructions, { op: 'USER', args: 'root' }];
  assert.ok(containerProblems(asRoot, tarballPrefix).some((p) => p.startsWith('USER')));
  const latest = instructions.map((i) => (i.op === 'ARG' ? { op: 'ARG', args: 'NODE_IMAGE=docker.io/library/node:latest' } : i));
  assert.ok(containerProblems(latest, tarballPrefix).some((p) => p.startsWith('FROM')));
  const noVolume = instructions.filter((i) => i.op !== 'VOLUME');
  assert.ok(containerProblems(noVolume, tarballPrefix).some((p) => p.startsWith('VOLUME')));
  assert.ok(containerProblems(instructions, 'polity').some((p) => p.startsWith('COPY')), 'the tarball name follows the package name');
});
