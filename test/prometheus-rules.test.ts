/**
 * The alert rules shipped for Prometheus (packaging/prometheus/polity-rules.yml,
 * README "Production checklist"): `promtool check rules` accepts the file
 * (where Debian's prometheus package is installed; a planted typo is its
 * negative control), every alert the checklist promises is there, and every
 * polity_* series an expression reads is one a node serves at /metrics, so a
 * renamed metric cannot leave an alert that never fires.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestNode } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RULES = join(ROOT, 'packaging', 'prometheus', 'polity-rules.yml');

function promtool(args: string[]): Promise<{ code: number; out: string } | undefined> {
  return new Promise((resolve) => {
    execFile('promtool', args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return resolve(undefined);
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

test('promtool check rules accepts the shipped rules, and refuses a planted typo', async (t) => {
  const ok = await promtool(['check', 'rules', RULES]);
  if (!ok) return t.skip('promtool not installed (Debian: apt-get install prometheus)');
  assert.equal(ok.code, 0, ok.out);
  const dir = await mkdtemp(join(tmpdir(), 'polity-rules-'));
  try {
    const broken = join(dir, 'broken.yml');
    await writeFile(broken, (await readFile(RULES, 'utf8')).replace('polity_stalled == 1', 'polity_stalled === 1'));
    const bad = await promtool(['check', 'rules', broken]);
    assert.notEqual(bad!.code, 0, 'a broken expression is refused');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the rules alert on a stall, no quorum, not ready, an old last block, a full mempool, damaged storage, edited block bodies, stale proposals, a full disk and a node down; each polity_* series they read is served', async () => {
  const text = await readFile(RULES, 'utf8');
  for (const alert of ['PolityDown', 'PolityStalled', 'PolityNoQuorum', 'PolityNotReady', 'PolityLastBlockOld', 'PolityMempoolFull', 'PolityStorageDamaged', 'PolityPeerEditsBodies', 'PolityStaleProposals', 'PolityDiskFull']) {
    assert.match(text, new RegExp(`alert: ${alert}\\b`), alert);
  }
  const t = await startTestNode({ processMetrics: true });
  try {
    const res = await t.app.inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    const served = new Set([...res.body.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
    const read = new Set([...text.matchAll(/\b(polity_[a-z0-9_]+)/g)].map((m) => m[1]!).filter((n) => !/^polity_(?:rules|node)$/.test(n)));
    assert.ok(read.size >= 6, `the rules read polity series: ${[...read].join(', ')}`);
    for (const name of read) assert.ok(served.has(name), `${name} is served at /metrics`);
  } finally {
    await t.close();
  }
});

test('PolityPeerEditsBodies fires for the node that dropped an edited body, and not for the one that dropped none (promtool test rules)', async (t) => {
  if (!(await promtool(['--version']))) return t.skip('promtool not installed (Debian: apt-get install prometheus)');
  const text = await readFile(RULES, 'utf8');
  const rule = text.slice(text.indexOf('alert: PolityPeerEditsBodies'));
  const annotation = (name: string): string => JSON.parse(rule.match(new RegExp(`${name}: ("(?:[^"\\\\]|\\\\.)*")`))![1]!) as string;
  const series = (instance: string, values: string) => ({ series: `polity_consensus_proposal_bodies_total{how="mismatched",instance="${instance}",job="polity"}`, values });
  const unitTest = {
    rule_files: [RULES],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: [series('a', '0 0 0 1 1 1'), series('b', '0 0 0 0 0 0')],
        alert_rule_test: [
          {
            eval_time: '5m',
            alertname: 'PolityPeerEditsBodies',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning', how: 'mismatched', instance: 'a', job: 'polity' },
                exp_annotations: { summary: annotation('summary').replace('{{ $labels.instance }}', 'a'), description: annotation('description') },
              },
            ],
          },
        ],
      },
    ],
  };
  const dir = await mkdtemp(join(tmpdir(), 'polity-rules-'));
  try {
    const file = join(dir, 'edits.yml');
    await writeFile(file, JSON.stringify(unitTest));
    const ran = await promtool(['test', 'rules', file]);
    assert.equal(ran!.code, 0, ran!.out);
    // Negative control: expecting it for the node that dropped none fails.
    unitTest.tests[0]!.alert_rule_test[0]!.exp_alerts[0]!.exp_labels.instance = 'b';
    await writeFile(file, JSON.stringify(unitTest));
    assert.notEqual((await promtool(['test', 'rules', file]))!.code, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
