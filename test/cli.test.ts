/**
 * The `polity` command as a person uses it: init and start a node, check its
 * status, notarize files (aggregated and signed), verify them offline, see a
 * changed file fail — through real processes. Then every command's bad input:
 * a clear error and a non-zero exit, nothing written.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdir, readFile, writeFile, rm, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/main.js';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import type { Io } from '../src/cli/io.js';
import { freePort, startTestNode, tempDir, type TestNode } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function runInProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let t: TestNode;
let api: string;
let work: string;

before(async () => {
  t = await startTestNode({ listen: true });
  const addr = t.app.server.address() as { port: number };
  api = `http://127.0.0.1:${addr.port}`;
  work = await tempDir('polity-cli-');
  // The user's key (polity notarize signs its requests with it), for in-process and spawned runs alike.
  process.env.POLITY_KEY = join(work, 'user-key.json');
  assert.equal((await runInProcess(['keys', 'new'])).code, 0);
});
after(async () => {
  await t.close();
  await rm(work, { recursive: true, force: true });
});

test('init then start: the node prints its URL, answers, and stops on SIGTERM', async () => {
  const data = join(work, 'node-a');
  const init = await run(['init', '--data', data, '--chain-id', 'test-chain', '--json']);
  assert.equal(init.code, 0, init.stderr);
  const initialised = JSON.parse(init.stdout);
  assert.equal(initialised.chainId, 'test-chain');
  assert.equal(initialised.organisation, 'local-department', 'init names the organisation id');
  assert.equal(initialised.adminKeyFile, join(data, 'admin-key.json'), 'and where the admin key is');
  const text = await run(['init', '--data', join(work, 'node-text')]);
  assert.match(text.stdout, /organisation\s+local-department/);
  assert.match(text.stdout, new RegExp(`admin key\\s+${join(work, 'node-text', 'admin-key.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start', '--data', data, '--port', String(port), '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const deadline = Date.now() + 15_000;
    while (!stdout.includes('press Ctrl+C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(stdout, new RegExp(`explorer\\s+http://127\\.0\\.0\\.1:${port}/`));
    // Every page the node serves is named, the further pages of a service too.
    for (const path of ['/verify', '/credentials', '/wallet', '/sharing', '/data-sharing']) assert.match(stdout, new RegExp(`http://127\\.0\\.0\\.1:${port}${path}\\n`), `the start banner names ${path}`);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const status = await run(['status', '--port', String(port)]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /chain\s+test-chain/);
    assert.match(status.stdout, /rules\s+version 2\n/, 'the rules version the chain runs (a new chain: the newest)');
    const json = (await (await fetch(`http://127.0.0.1:${port}/v1/status`)).json()) as { rulesVersion: number; rulesVersionNewest: number };
    assert.deepEqual([json.rulesVersion, json.rulesVersionNewest], [2, 2]);
  } finally {
    // Stopped whatever happened above: a node left running would hold the test run open.
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
});

test('notarize many files, verify each offline; a changed byte fails verification', async () => {
  const dir = join(work, 'docs');
  await mkdir(dir);
  const files: string[] = [];
  for (let i = 0; i < 25; i++) {
    const f = join(dir, `doc-${i}.txt`);
    await writeFile(f, `document number ${i}\n`);
    files.push(f);
  }
  const res = await run(['notarize', ...files, '--api', api]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /25 of 25 files notarized/);
  const genesisFile = join(work, 'genesis.json');
  await writeFile(genesisFile, JSON.stringify(t.genesis));

  const ok = await run(['verify', files[3]!, `${files[3]}.receipt.json`, '--genesis', genesisFile]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^verified: .*doc-3\.txt was anchored in block \d+ at \d{4}-\d\d-\d\dT/m);

  // One byte changed: verification fails and says why.
  const content = await readFile(files[3]!);
  content[0] = content[0]! ^ 1;
  await writeFile(files[3]!, content);
  const bad = await run(['verify', files[3]!, `${files[3]}.receipt.json`, '--genesis', genesisFile]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /NOT verified/);
  assert.match(bad.stderr, /does not match the receipt/);

  // The receipt of another file does not verify this one.
  const swapped = await run(['verify', files[4]!, `${files[5]}.receipt.json`, '--genesis', genesisFile, '--json']);
  assert.equal(swapped.code, 1);
  assert.equal(JSON.parse(swapped.stdout).ok, false);
});

test('verify --json answers a verdict with a reason for a malformed or forged receipt, and exits 5 (RECEIPT_INVALID)', async () => {
  const f = join(work, 'malformed-case.txt');
  await writeFile(f, 'a document whose receipt will be damaged');
  const res = await run(['notarize', f, '--api', api, '--sign']);
  assert.equal(res.code, 0, res.stderr);
  const genesisFile = join(work, 'genesis-malformed.json');
  await writeFile(genesisFile, JSON.stringify(t.genesis));
  const text = await readFile(`${f}.receipt.json`, 'utf8');
  const receipt = JSON.parse(text);
  assert.equal(receipt.batch, undefined, 'a signed anchor: its tx.sig is the official’s signature');
  const cases: [string, string, RegExp][] = [
    ['null signature entry', JSON.stringify({ ...receipt, certificate: { ...receipt.certificate, signatures: [null, ...receipt.certificate.signatures] } }), /certificate\.signatures\[0\]: expected an object, got null/],
    // 1e400 is valid JSON that JSON.parse turns into Infinity.
    ['round 1e400', JSON.stringify(receipt).replace(/"round":\d+/, '"round":1e400'), /certificate\.round: expected a non-negative integer, got Infinity/],
    ['zeroed tx.sig', JSON.stringify({ ...receipt, tx: { ...receipt.tx, sig: '00'.repeat(64) } }), /transaction's signature \(tx\.sig\) does not verify/],
    ['not a receipt', '[1, 2, 3]', /not a JSON object/],
  ];
  for (const [name, bad, reason] of cases) {
    const file = join(work, 'malformed.receipt.json');
    await writeFile(file, bad);
    const v = await run(['verify', f, file, '--genesis', genesisFile, '--json']);
    assert.equal(v.code, 5, `${name}: ${v.stderr}`);
    assert.equal(v.stderr, '', `${name}: nothing but the verdict`);
    const verdict = JSON.parse(v.stdout);
    assert.equal(verdict.ok, false, name);
    assert.match(verdict.reason, reason, name);
  }
  // The undamaged receipt still verifies (the cases above fail for their damage alone).
  const ok = await run(['verify', f, `${f}.receipt.json`, '--genesis', genesisFile, '--json']);
  assert.equal(ok.code, 0, ok.stdout);
});

test('verify exits with a distinct code for each case, and --json names it: mismatch 1, usage 2, invalid or forged 5, inconclusive 6', async () => {
  const f = join(work, 'exit-codes.txt');
  await writeFile(f, 'a document whose verdicts are counted');
  assert.equal((await run(['notarize', f, '--api', api, '--sign'])).code, 0);
  const receiptFile = `${f}.receipt.json`;
  const receipt = JSON.parse(await readFile(receiptFile, 'utf8'));
  const genesisFile = join(work, 'genesis-codes.json');
  await writeFile(genesisFile, JSON.stringify(t.genesis));
  const other = join(work, 'other.txt');
  await writeFile(other, 'another document');
  const forged = join(work, 'forged.receipt.json');
  await writeFile(forged, JSON.stringify({ ...receipt, tx: { ...receipt.tx, sig: '00'.repeat(64) } }));
  const notJson = join(work, 'codes-not-json.json');
  await writeFile(notJson, '{');
  const otherGenesis = join(work, 'other-genesis.json');
  await writeFile(otherGenesis, JSON.stringify({ ...t.genesis, chainId: 'another-chain' }));
  const cases: [string, string[], number, string][] = [
    ['verified', [f, receiptFile, '--genesis', genesisFile], 0, 'VERIFIED'],
    ['another document', [other, receiptFile, '--genesis', genesisFile], 1, 'DOCUMENT_MISMATCH'],
    ['forged signature', [f, forged, '--genesis', genesisFile], 5, 'RECEIPT_INVALID'],
    ['not JSON', [f, notJson, '--genesis', genesisFile], 5, 'RECEIPT_INVALID'],
    ["another chain's genesis", [f, receiptFile, '--genesis', otherGenesis], 6, 'INCONCLUSIVE'],
    ['no genesis at hand', [f, receiptFile, '--data', join(work, 'nowhere')], 6, 'INCONCLUSIVE'],
    ['missing receipt file', [f, join(work, 'no-such.receipt.json'), '--genesis', genesisFile], 2, 'USAGE'],
  ];
  for (const [name, args, code, reasonCode] of cases) {
    const v = await run(['verify', ...args, '--json']);
    assert.equal(v.code, code, `${name}: ${v.stdout} ${v.stderr}`);
    assert.equal(JSON.parse(v.stdout).code, reasonCode, `${name}: ${v.stdout}`);
    if (code === 0) assert.match(JSON.parse(v.stdout).timeIso, /^\d{4}-\d\d-\d\dT[\d:.]+Z$/, 'the block time in ISO 8601 beside the milliseconds');
  }
  const usage = await run(['verify', f]);
  assert.equal(usage.code, 2);
  const help = await run(['verify', '--help']);
  for (const code of ['VERIFIED', 'DOCUMENT_MISMATCH', 'RECEIPT_INVALID', 'INCONCLUSIVE', 'USAGE']) assert.match(help.stdout + help.stderr, new RegExp(code), `verify --help documents ${code}`);
});

test('notarizing a file again says it was already anchored, and when; nothing is anchored twice', async () => {
  const f = join(work, 'twice.txt');
  await writeFile(f, 'a document notarized twice');
  const first = await run(['notarize', f, '--api', api]);
  assert.equal(first.code, 0, first.stderr);
  const height = t.node.height;
  const again = await run(['notarize', f, '--api', api]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already anchored\s+.*twice\.txt\s+block \d+, \d{4}-\d\d-\d\dT[\d:.]+Z/);
  const json = await run(['notarize', f, '--api', api, '--json']);
  const entry = JSON.parse(json.stdout).files[0];
  assert.equal(entry.alreadyAnchored, true);
  assert.match(entry.timeIso, /^\d{4}-\d\d-\d\dT.*Z$/);
  assert.equal(typeof entry.time, 'number');
  assert.equal(t.node.height, height, 'no new block: nothing was anchored again');
  // A signed anchor once: then --sign says it was anchored (the module would refuse a second one).
  const g = join(work, 'twice-signed.txt');
  await writeFile(g, 'a document signed twice');
  assert.equal((await run(['notarize', g, '--api', api, '--sign'])).code, 0);
  const signedAgain = await run(['notarize', g, '--api', api, '--sign']);
  assert.equal(signedAgain.code, 0, signedAgain.stderr);
  assert.match(signedAgain.stdout, /already anchored/);
});

test('verify names the signer in words beside the key: from the genesis offline, from the node with --api', async () => {
  const data = join(work, 'node-named');
  assert.equal((await run(['init', '--data', data, '--org', 'Civil Registry'])).code, 0);
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start', '--data', data, '--port', String(port), '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const deadline = Date.now() + 30_000;
    while (!stdout.includes('press Ctrl+C') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const f = join(work, 'named.txt');
    await writeFile(f, 'a document the civil registry admin signs');
    const signedByAdmin = await run(['notarize', f, '--port', String(port), '--sign', '--key', join(data, 'admin-key.json')]);
    assert.equal(signedByAdmin.code, 0, signedByAdmin.stderr);
    const offline = await run(['verify', f, `${f}.receipt.json`, '--data', data]);
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /signer\s+Admin, Civil Registry — key [0-9a-f]{16}… \(from the genesis\)/);
    const online = await run(['verify', f, `${f}.receipt.json`, '--port', String(port), '--json']);
    const v = JSON.parse(online.stdout);
    assert.equal(v.signerName, 'Admin, Civil Registry');
    assert.match(v.signerNameFrom, /current state at height \d+/);
  } finally {
    child.kill('SIGTERM');
  }
});

test('notarize --sign with metadata writes receipts into --out, naming the signer', async () => {
  const keyFile = join(work, 'me.json');
  const k = await run(['keys', 'new', '--key', keyFile, '--json']);
  assert.equal(k.code, 0, k.stderr);
  const pub = JSON.parse(k.stdout).publicKey;
  const f = join(work, 'contract.pdf');
  await writeFile(f, 'a contract');
  const out = join(work, 'receipts');
  const res = await run(['notarize', f, '--api', api, '--key', keyFile, '--type', 'contract', '--ref', 'C-17', '--out', out, '--json']);
  assert.equal(res.code, 0, res.stderr);
  const summary = JSON.parse(res.stdout);
  assert.equal(summary.files[0].mode, 'signed');
  assert.deepEqual(await readdir(out), ['contract.pdf.receipt.json']);
  const v = await run(['verify', f, join(out, 'contract.pdf.receipt.json'), '--api', api, '--json']);
  assert.equal(v.code, 0, v.stderr);
  const facts = JSON.parse(v.stdout);
  assert.equal(facts.signer, pub);
  assert.deepEqual(facts.meta, { docType: 'contract', reference: 'C-17' });
});

test('every command refuses bad input with a clear error and a non-zero exit', async () => {
  const f = join(work, 'plain.txt');
  await writeFile(f, 'plain');
  const unreachable = 'http://127.0.0.1:9'; // discard port: nothing listens
  const initialised = join(work, 'node-b');
  assert.equal((await runInProcess(['init', '--data', initialised])).code, 0);
  const notJson = join(work, 'not-json.receipt.json');
  await writeFile(notJson, 'this is not json');
  const cases: [string[], number, RegExp][] = [
    [[], 2, /usage/],
    [['frobnicate'], 2, /unknown command/],
    [['init', '--data', join(work, 'x'), '--chain-id', 'Bad Id!'], 2, /chain-id/],
    [['init', '--data', initialised], 1, /already initialised/],
    [['init', '--bogus'], 2, /Unknown option/],
    [['start', '--data', join(work, 'empty'), '--port', '0'], 2, /port/],
    [['start', '--data', join(work, 'empty'), '--port', 'eighty'], 2, /port/],
    [['start', '--data', join(work, 'empty')], 1, /not initialised/],
    [['keys', 'rotate'], 2, /unknown subcommand/],
    [['keys', 'show', '--key', join(work, 'nope.json')], 1, /no key/],
    [['status', '--api', 'not a url'], 2, /--api/],
    [['validators', 'frobnicate'], 2, /unknown action "frobnicate"/],
    [['validators', 'approve', 'not-an-id', '--data', join(work, 'empty')], 2, /approve takes the change id/],
    [['validators', 'propose', '--remove', 'zz', '--data', join(work, 'empty')], 2, /--remove: expected a 64-hex-digit node key/],
    [['simulate', '--seed', '1', '--seeds', '2'], 2, /not both/],
    [['simulate', '--validators', 'many'], 2, /--validators: expected an integer/],
    [['status', '--api', unreachable], 3, /cannot reach the node/],
    [['notarize'], 2, /expected at least 1/],
    [['notarize', join(work, 'missing.pdf'), '--api', api], 1, /cannot read/],
    [['notarize', f, '--api', unreachable], 3, /cannot reach the node/],
    [['notarize', f, '--api', api, '--type', 'x'.repeat(65)], 2, /--type/],
    [['notarize', f, '--api', api, '--sign', '--key', join(work, 'nope.json')], 1, /no key/],
    [['notarize', f, '--api', api, '--timeout-ms', '-5'], 2, /timeout-ms/],
    // Keys that are no Ed25519 point are refused where they are taken in.
    [['org', 'official', 'add', '--org', 'x', '--official', '02' + '00'.repeat(31), '--role', 'registrar', '--consent', join(work, 'c.json'), '--api', unreachable], 2, /not a point of the curve/],
    [['genesis', '--validator', `A:${'02' + '00'.repeat(31)}`], 2, /not a point of the curve/],
    [['genesis', '--validator', `A:${generateKeyPair().publicKey}`, '--admin', `A:${'01' + '00'.repeat(31)}`], 2, /small order/],
    // Irreversible: a revocation is final, so it asks for --yes before anything is read or sent.
    [['credential', 'status', 'revoke', 'ab'.repeat(32), '--api', unreachable], 2, /final.*--yes/],
    // Erasure is final too: erase, purge and request-erasure refuse before the key or secret file is read (neither exists) or anything sent.
    [['sharing', 'erase', 'ab'.repeat(32), '--reason', 'error', '--key', join(work, 'nope.json'), '--api', unreachable], 2, /^polity sharing: erasure is final.*--yes/m],
    [['sharing', 'purge', 'ab'.repeat(32), '--key', join(work, 'nope.json'), '--api', unreachable], 2, /^polity sharing: a purge is final.*--yes/m],
    [['sharing', 'request-erasure', '--secret', join(work, 'nope.secret'), '--holder', 'registry', '--dataset', 'residents', '--api', unreachable], 2, /^polity sharing: an erasure request is final.*--yes/m],
    [['verify', f], 2, /expected 2/],
    [['verify', f, notJson, '--data', work], 5, /not JSON/],
    [['verify', f, join(work, 'missing.json')], 2, /cannot read the receipt/],
    [['verify', f, notJson, '--data', join(work, 'nowhere')], 5, /not JSON/],
  ];
  for (const [args, code, pattern] of cases) {
    const res = await runInProcess(args);
    assert.equal(res.code, code, `polity ${args.join(' ')}: expected exit ${code}, got ${res.code}: ${res.err}`);
    assert.match(res.err + res.out, pattern, `polity ${args.join(' ')}`);
  }
  // Nothing was written for the refused commands.
  assert.deepEqual((await readdir(work)).filter((n) => n === 'x' || n === 'empty'), []);
  // No receipt written for the failed notarization.
  await assert.rejects(readFile(`${join(work, 'missing.pdf')}.receipt.json`));
});

test('every command --help lists each of its options with its default, "flag", "optional" or "required"', async () => {
  const { commandsOf } = await import('../src/cli/main.js');
  const { SERVICES } = await import('../src/services/index.js');
  const commands = commandsOf({ services: SERVICES, simWorker: new URL('file:///unused') } as never);
  for (const [name, command] of Object.entries(commands)) {
    const help = await runInProcess([name, '--help']);
    assert.equal(help.code, 0, `${name} --help`);
    for (const [option, spec] of Object.entries(command.options)) {
      const line = help.out.split('\n').find((l) => new RegExp(`^\\s+--${option}(?![\\w-])`).test(l));
      assert.ok(line, `polity ${name} --help lists --${option}`);
      if (name !== 'start') assert.match(line!, spec.type === 'boolean' ? /\bflag\b/ : spec.default !== undefined ? new RegExp(`default: ${String(spec.default).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) : /\b(optional|required)\b/, `polity ${name} --help: --${option}`);
    }
  }
});
