/**
 * Four departments, one record: end-to-end BFT with real `polity start`
 * processes on loopback, under a stream of signed transactions.
 *
 *   1. four validators start and commit;
 *   2. SIGKILL one: the chain goes on; restart it: it catches up to the same blocks;
 *   3. cut one off (SIGSTOP) and heal it (SIGCONT): it catches up;
 *   4. stop two of four: the chain stops committing, with no fork;
 *      restart them: it resumes;
 *   5. every transaction a node ever reported committed is committed, at the
 *      same height, on every node; every node holds the same blocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import type { Genesis } from '../src/ledger/genesis.js';
import { decodeTx } from '../src/ledger/transaction.js';
import { signTx } from '../src/ledger/sign.js';
import { createReceiptCache, verifyReceipt } from '../src/ledger/receipt-verify.js';
import { slugOf } from '../src/runtime/membership.js';
import { readNetworkFile, runInitNetwork, writeNetworkFile } from '../src/cli/network-init.js';
import type { Io } from '../src/cli/io.js';
import { main } from '../src/main.js';
import { anchorTx, CHROMIUM, CHROMIUM_ARGS, freePort, freePortRange, randomHash, tempDir } from './helpers.js';
import { type Dept, quietIo, signalAll, startNode, waitFor } from './node-procs.js';

/** A series' value in a Prometheus text exposition (0 when absent). */
const metricOf = (text: string, series: string): number => Number(text.split('\n').find((l) => l.startsWith(series + ' '))?.split(' ')[1] ?? 0);

async function get(d: Dept, path: string): Promise<any> {
  const res = await fetch(d.api + path, { signal: AbortSignal.timeout(2000) });
  return res.json();
}
async function status(d: Dept): Promise<{ height: number; latestBlockHash: string; stateRoot: string } | undefined> {
  try {
    return await get(d, '/v1/status');
  } catch {
    return undefined;
  }
}
const heightOf = async (d: Dept): Promise<number> => (await status(d))?.height ?? -1;

test('four validators: crash, partition and loss of quorum lose nothing and fork nothing', { timeout: 240_000 }, async () => {
  const root = await tempDir('polity-bft-');
  const p2pBase = await freePortRange(8);
  const apiBase = await freePortRange(8);
  const code = await runInitNetwork(
    { validators: '4', data: root, 'base-port': String(p2pBase), 'api-base-port': String(apiBase), orgs: 'Tax Office,Land Registry,Health Department,University', json: false },
    [],
    quietIo,
  );
  assert.equal(code, 0);
  const genesis = JSON.parse(await readFile(join(root, 'tax-office', 'genesis.json'), 'utf8')) as Genesis;
  const depts: Dept[] = ['tax-office', 'land-registry', 'health-department', 'university'].map((slug, i) => ({
    name: slug,
    dir: join(root, slug),
    api: `http://127.0.0.1:${apiBase + i}`,
    log: [],
  }));
  for (const d of depts) startNode(d);
  const [a, b, c, dd] = depts as [Dept, Dept, Dept, Dept];
  try {
    await waitFor('all four nodes to commit block 2', async () => (await Promise.all(depts.map(heightOf))).every((h) => h >= 2), 60_000);

    // A stream of signed anchors to random nodes; remember what each node accepted.
    const clients: { key: KeyPair; nonce: number }[] = Array.from({ length: 3 }, () => ({ key: generateKeyPair(), nonce: 0 }));
    const accepted: string[] = [];
    let streaming = true;
    const stream = (async () => {
      let i = 0;
      while (streaming) {
        const client = clients[i % clients.length]!;
        const target = depts[i % depts.length]!;
        i++;
        const tx = anchorTx(genesis, client.key, client.nonce, randomHash());
        try {
          const res = await fetch(`${target.api}/v1/tx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx), signal: AbortSignal.timeout(1000) });
          if (res.status === 202 || res.status === 200) {
            accepted.push(decodeTx(tx).id);
            client.nonce++;
          }
        } catch {
          // the target is down or stopped: try the next one
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // 1b. Proposals travel compact: peers take the streamed transactions from their mempools (spec/consensus.md §2.1).
    const compactBodies = async (): Promise<number> => {
      let n = 0;
      for (const d of depts) n += metricOf(await (await fetch(`${d.api}/metrics`)).text(), 'polity_consensus_proposal_bodies_total{how="compact"}');
      return n;
    };
    await waitFor('a compact proposal resolved from the mempool', async () => (await compactBodies()) > 0);

    // 2. SIGKILL one; the other three go on.
    const h0 = await heightOf(a);
    dd.proc!.kill('SIGKILL');
    await waitFor('the chain to go on without the killed node', async () => (await heightOf(a)) >= h0 + 3);
    startNode(dd);
    const target1 = await heightOf(a);
    await waitFor('the restarted node to catch up', async () => (await heightOf(dd)) >= target1);

    // 3. Cut one off and heal it.
    c.proc!.kill('SIGSTOP');
    const h1 = await heightOf(a);
    await waitFor('the chain to go on while one node is cut off', async () => (await heightOf(a)) >= h1 + 2);
    c.proc!.kill('SIGCONT');
    const target2 = await heightOf(a);
    await waitFor('the healed node to catch up', async () => (await heightOf(c)) >= target2);

    // 4. Stop two of four: no quorum, no commits, no fork.
    a.proc!.kill('SIGKILL');
    b.proc!.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    const stalled = await heightOf(c);
    await new Promise((r) => setTimeout(r, 4000));
    assert.ok((await heightOf(c)) <= stalled + 1, 'without two thirds of the power the chain stops');
    assert.ok((await heightOf(dd)) <= stalled + 1);
    startNode(a);
    startNode(b);
    await waitFor('the chain to resume with quorum back', async () => (await heightOf(c)) >= stalled + 3, 60_000);

    // 5. Nothing committed is lost, nothing forks.
    streaming = false;
    await stream;
    const top = Math.min(...(await Promise.all(depts.map(heightOf))));
    for (let h = 1; h <= top; h++) {
      const hashes = await Promise.all(depts.map(async (d) => (await get(d, `/v1/blocks/${h}`)).header?.stateRoot + '/' + (await get(d, `/v1/blocks/${h}`)).header?.prevHash));
      assert.equal(new Set(hashes).size, 1, `every node holds the same block ${h}`);
    }
    const sample = accepted.filter((_, i) => i % 5 === 0);
    let committed = 0;
    for (const id of sample) {
      const seen = await Promise.all(depts.map((d) => get(d, `/v1/txs/${id}`)));
      const places = new Set(seen.filter((s) => s.status === 'committed').map((s) => `${s.height}:${s.index}`));
      assert.ok(places.size <= 1, `transaction ${id.slice(0, 12)} committed at one place on every node`);
      if (seen.some((s) => s.status === 'committed')) {
        committed++;
        for (const s of seen) if (s.height !== undefined && s.height <= top) assert.equal(s.status, 'committed');
      }
    }
    assert.ok(committed > 0, 'transactions of the stream committed');
  } catch (e) {
    for (const d of depts) {
      const s = (await status(d)) as Record<string, unknown> | undefined;
      const brief = s && { height: s.height, round: s.round, step: s.step, peers: (s.peers as string[]).length, mempool: s.mempoolTxs };
      process.stderr.write(`--- ${d.name} ${JSON.stringify(brief)}\n${d.log.join('').slice(-4000)}\n`);
    }
    throw e;
  } finally {
    for (const d of depts) if (d.proc && d.proc.exitCode === null) d.proc.kill('SIGCONT');
    for (const d of depts) if (d.proc && d.proc.exitCode === null) d.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await rm(root, { recursive: true, force: true });
  }
});

/**
 * A network of `validators` departments made by `polity init --validators`
 * in a fresh directory (nodes not started): its root, directory names,
 * departments and genesis.
 */
async function initNetwork(prefix: string, validators: number, orgs?: string): Promise<{ root: string; slugs: string[]; depts: Dept[]; genesis: Genesis }> {
  const root = await tempDir(prefix);
  const p2pBase = await freePortRange(8);
  const apiBase = await freePortRange(8);
  assert.equal(await runInitNetwork({ validators: String(validators), data: root, ...(orgs ? { orgs } : {}), 'base-port': String(p2pBase), 'api-base-port': String(apiBase), json: false }, [], quietIo), 0);
  const slugs = orgs ? orgs.split(',').map((name) => slugOf(name)) : Array.from({ length: validators }, (_, i) => `department-${i + 1}`);
  const depts: Dept[] = slugs.map((slug, i) => ({ name: slug, dir: join(root, slug), api: `http://127.0.0.1:${apiBase + i}`, log: [] }));
  const genesis = JSON.parse(await readFile(join(root, slugs[0]!, 'genesis.json'), 'utf8')) as Genesis;
  return { root, slugs, depts, genesis };
}

/** Run `body` against the running departments: on a failure print their logs; always stop them and remove `root`. */
async function whileRunning(root: string, depts: () => Dept[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    for (const d of depts()) process.stderr.write(`--- ${d.name}\n${d.log.join('').slice(-2000)}\n`);
    throw e;
  } finally {
    signalAll('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await rm(root, { recursive: true, force: true });
  }
}

/** The `polity` command, in process; `api` is appended as --api when given. */
async function polity(api: string | undefined, ...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const io: Io = { out: (l) => lines.push(l), err: (l) => lines.push(l), progress: () => {}, isTty: false };
  const code = await main(api ? [...argv, '--api', api] : argv, io);
  return { code, out: lines.join('\n') };
}

/** Wait for a block at or after `from`, as `d` serves it, whose certificate `key` signed. */
async function waitForSigner(d: Dept, key: string, from: number, what: string, timeoutMs: number): Promise<void> {
  await waitFor(what, async () => {
    const top = await heightOf(d);
    for (let h = from; h <= top; h++) {
      const b = await get(d, `/v1/blocks/${h}`);
      if (b.certificate?.signatures.some((s: { validator: string }) => s.validator === key)) return true;
    }
    return false;
  }, timeoutMs);
}

/**
 * A node directory beside the four departments of `root`: a fresh node key,
 * the network's genesis, the validators as its peers. With `admit`, every
 * validator lists its key as an observer (a full node or a department about
 * to join); without it, nobody does (a stranger).
 */
async function extraNode(root: string, slugs: readonly string[], name: string, admit: boolean): Promise<{ key: KeyPair; dept: Dept }> {
  const key = generateKeyPair();
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'node-key.json'), JSON.stringify(key), { mode: 0o600 });
  await writeFile(join(dir, 'genesis.json'), await readFile(join(root, slugs[0]!, 'genesis.json')));
  const api = await freePort();
  const nets = await Promise.all(slugs.map((s) => readNetworkFile(join(root, s))));
  await writeNetworkFile(dir, {
    listen: { host: '127.0.0.1', port: await freePort() },
    api: { host: '127.0.0.1', port: api },
    peers: nets.map((n, i) => ({ name: slugs[i]!, pubKey: JSON.parse(readFileSync(join(root, slugs[i]!, 'node-key.json'), 'utf8')).publicKey, host: '127.0.0.1', port: n.listen.port })),
  });
  if (admit) for (const [i, s] of slugs.entries()) await writeNetworkFile(join(root, s), { ...nets[i]!, observers: [...(nets[i]!.observers ?? []), key.publicKey] }, { overwrite: true });
  return { key, dept: { name, dir, api: `http://127.0.0.1:${api}`, log: [] } };
}

test('a full node follows the chain without voting: same blocks, served from its own API', { timeout: 120_000 }, async () => {
  const { root, slugs, depts } = await initNetwork('polity-full-', 4);
  // An observer: its own key, the same genesis, the validators as peers; each validator lets it in.
  const { key: observerKey, dept: full } = await extraNode(root, slugs, 'archive', true);
  for (const d of [...depts, full]) startNode(d);
  await whileRunning(root, () => [...depts, full], async () => {
    await waitFor('the full node to reach height 4', async () => (await heightOf(full)) >= 4, 60_000);
    const s = (await status(full)) as unknown as { validators: { pubKey: string }[]; nodeKey: string; consensus: string };
    assert.equal(s.consensus, 'bft');
    assert.ok(!s.validators.some((v) => v.pubKey === s.nodeKey), 'the full node is not a validator');
    for (let h = 1; h <= 4; h++) {
      const mine = await get(full, `/v1/blocks/${h}`);
      const theirs = await get(depts[0]!, `/v1/blocks/${h}`);
      assert.deepEqual(mine.header, theirs.header, `block ${h}`);
      assert.ok(!mine.certificate.signatures.some((x: { validator: string }) => x.validator === observerKey.publicKey), 'it never signs');
    }
    // Negative control: a node whose key no validator lists is refused, and so never follows.
    const { dept: strangerNode } = await extraNode(root, slugs, 'stranger', false);
    startNode(strangerNode);
    await waitFor('the stranger to answer', async () => (await status(strangerNode)) !== undefined);
    await new Promise((r) => setTimeout(r, 3000));
    const st = (await status(strangerNode)) as unknown as { height: number; peers: string[] };
    assert.equal(st.height, 0, 'a non-member learns nothing');
    assert.equal(st.peers.length, 0);
  });
});

test('the chain changes its own validator set: two thirds approve a fifth department, which then signs blocks; fewer approvals change nothing', { timeout: 120_000 }, async () => {
  const { root, slugs, depts: validators, genesis } = await initNetwork('polity-valset-', 4);
  const keyOf = (slug: string): KeyPair => JSON.parse(readFileSync(join(root, slug, 'node-key.json'), 'utf8')) as KeyPair;
  // The fifth department starts as an observer every validator lets in.
  const { key: fifth, dept: fifthDept } = await extraNode(root, slugs, 'department-5', true);
  const depts: Dept[] = [...validators, fifthDept];
  for (const d of depts) startNode(d);
  const submit = async (signer: KeyPair, action: string, args: Record<string, unknown>): Promise<string> => {
    const { nonce } = await get(depts[0]!, `/v1/accounts/${signer.publicKey}`);
    const tx = signTx({ v: 1, chainId: genesis.chainId, module: 'validators', action, args: args as never, signer: signer.publicKey, nonce }, signer.secretKey);
    const res = await fetch(`${depts[0]!.api}/v1/tx?wait=commit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx) });
    const body = (await res.json()) as { result?: { code: string }; txId?: string };
    return `${body.result?.code}:${decodeTx(tx).id}`;
  };
  await whileRunning(root, () => depts, async () => {
    await waitFor('the network to commit block 2', async () => (await Promise.all(depts.map(heightOf))).every((h) => h >= 2), 60_000);
    const newSet = [...genesis.validators, { name: 'Department 5', pubKey: fifth.publicKey, power: 1 }];

    // Not a validator: refused, nothing pending.
    assert.match(await submit(generateKeyPair(), 'propose', { validators: newSet }), /^AUTH_NOT_VALIDATOR:/);
    // Short of two thirds: one proposer plus one approval (2 of 4) changes nothing.
    const shrink = genesis.validators.slice(0, 3);
    const [, shrinkId] = (await submit(keyOf('department-4'), 'propose', { validators: shrink })).split(':');
    assert.match(await submit(keyOf('department-3'), 'approve', { id: shrinkId }), /^OK:/);
    // Two thirds: proposer + two approvals (3 of 4) schedule the five-department set.
    const [code, id] = (await submit(keyOf('department-1'), 'propose', { validators: newSet })).split(':');
    assert.equal(code, 'OK');
    // The others approve with the CLI, signing with their node keys.
    const second = await polity(depts[0]!.api, 'validators', 'approve', id!, '--data', join(root, 'department-2'));
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /waiting for approvals/);
    assert.match(await submit(keyOf('department-1'), 'approve', { id }), /^VALIDATORS_ALREADY_APPROVED:/);
    const third = await polity(depts[0]!.api, 'validators', 'approve', id!, '--data', join(root, 'department-3'));
    assert.equal(third.code, 0, third.out);
    assert.match(third.out, /two thirds approved: the new set takes effect at height \d+/);

    // On every node, the fifth department's own included (it may be a block or two behind the others).
    await waitFor('five validators in force', async () => (await Promise.all(depts.map(status))).every((s) => (s as unknown as { validators: unknown[] } | undefined)?.validators.length === 5), 30_000);
    const listed = await polity(depts[4]!.api, 'validators', 'list');
    assert.match(listed.out, /^5 validator\(s\)/);
    const start = await heightOf(depts[0]!);
    await waitForSigner(depts[0]!, fifth.publicKey, start, 'a block signed by the fifth department', 30_000);
    const s = (await status(depts[4]!)) as unknown as { validators: { pubKey: string }[] };
    assert.ok(s.validators.some((v) => v.pubKey === fifth.publicKey));
    assert.ok(s.validators.some((v) => v.pubKey === keyOf('department-4').publicKey), 'the change short of approvals did not remove department 4');
    // Every node still agrees, and the header names the new set: once each has committed the new set's first block
    // (one may be a moment behind the node that showed the fifth department's signature).
    const firstOfNewSet = ((await get(depts[0]!, '/v1/validator-sets')) as { current: { since: number } }).current.since;
    await waitFor('every node past the handover', async () => (await Promise.all(depts.map(heightOf))).every((h) => h >= firstOfNewSet), 30_000);
    const top = Math.min(...(await Promise.all(depts.map(heightOf))));
    const headers = await Promise.all(depts.map((d) => get(d, `/v1/blocks/${top}`)));
    assert.equal(new Set(headers.map((b) => JSON.stringify(b.header))).size, 1);
    assert.notEqual(headers[0].header.validatorSetHash, (await get(depts[0]!, '/v1/blocks/1')).header.validatorSetHash);

    // Offline verification follows the set from genesis: the last block the old set signed hands over to the new one.
    const sets = (await get(depts[0]!, '/v1/validator-sets')) as { current: { since: number }; handovers: { since: number; header: { height: number; nextValidatorSetHash?: string } }[] };
    assert.equal(sets.handovers.length, 1);
    const since = sets.handovers[0]!.since;
    assert.equal(sets.current.since, since);
    assert.equal((await get(depts[0]!, `/v1/blocks/${since - 1}`)).header.nextValidatorSetHash, headers[0].header.validatorSetHash, 'the handover block names the new set');
    assert.equal((await get(depts[0]!, `/v1/blocks/${since - 2}`)).header.nextValidatorSetHash, undefined, 'only the last block of a set carries it');
    const citizen = generateKeyPair();
    const docHash = randomHash();
    const posted = await fetch(`${depts[4]!.api}/v1/tx?wait=commit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(anchorTx(genesis, citizen, 0, docHash)) });
    assert.equal(posted.status, 200, await posted.text());
    const receipt = await get(depts[4]!, `/v1/notary/receipts/${docHash}`);
    assert.ok(receipt.header.height >= since);
    assert.equal(receipt.validatorSets.length, 1);
    const verified = verifyReceipt(receipt, genesis, { documentHash: docHash });
    assert.ok(verified.ok, JSON.stringify(verified));
    // Negative controls: without the history, or with a handover naming another set, it does not verify.
    const bare = { ...receipt };
    delete bare.validatorSets;
    assert.match((verifyReceipt(bare, genesis) as { reason: string }).reason, /no validator-set history/);
    const forged = structuredClone(receipt);
    forged.validatorSets[0].validators[4].power = 100;
    assert.match((verifyReceipt(forged, genesis) as { reason: string }).reason, /does not hand over to the listed set/);
    // A verification session reuses what it proved, and still refuses the forged handover afterwards.
    const cache = createReceiptCache();
    assert.ok(verifyReceipt(receipt, genesis, { cache }).ok);
    assert.ok(verifyReceipt(receipt, genesis, { cache }).ok);
    assert.match((verifyReceipt(forged, genesis, { cache }) as { reason: string }).reason, /does not hand over to the listed set/);
    const skipped = structuredClone(receipt);
    skipped.validatorSets[0].certificate.signatures = skipped.validatorSets[0].certificate.signatures.slice(0, 2);
    assert.match((verifyReceipt(skipped, genesis) as { reason: string }).reason, /handover at block \d+: signers hold 2 of 4/);

    // The explorer checks the certificate of a block signed by the new set in the browser, through the handover.
    if (existsSync(CHROMIUM)) {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        await page.goto(`${depts[0]!.api}/explorer#/block/${receipt.header.height}`);
        await page.getByText('through 1 validator-set change').waitFor({ timeout: 15_000 });
        assert.match((await page.locator('.check').first().textContent()) ?? '', /every signature is valid/);
      } finally {
        await browser.close();
      }
    }
  });
});

test('governance on a localnet: three organisations add a fourth, whose node becomes a validator and signs blocks; a proposal short of approvals expires without effect', { timeout: 150_000 }, async () => {
  const { root, slugs, depts: founders } = await initNetwork('polity-gov-', 3, 'Civil Registry,Tax Bureau,Land Registry');
  // The Health Department prepares its node (admitted as an observer until it is a member) and its admin key.
  const { key: healthNode, dept: health } = await extraNode(root, slugs, 'health', true);
  const healthAdmin = generateKeyPair();
  await writeFile(join(root, 'health', 'admin-key.json'), JSON.stringify(healthAdmin), { mode: 0o600 });
  const depts: Dept[] = [...founders, health];
  for (const d of depts) startNode(d);
  const cli = (...argv: string[]) => polity(depts[0]!.api, ...argv);
  const adminOf = (slug: string): string[] => ['--key', join(root, slug, 'admin-key.json')];
  const idOf = (out: string): string => /proposal id ([0-9a-f]{64})/.exec(out)![1]!;
  await whileRunning(root, () => depts, async () => {
    await waitFor('the network to commit block 2', async () => (await Promise.all(depts.slice(0, 3).map(heightOf))).every((h) => h >= 2), 60_000);

    // 1. Civil Registry proposes the new member; one of three is short of two thirds.
    const add = await cli('gov', 'propose', 'add-org', '--id', 'health', '--name', 'Health Department', '--admin', healthAdmin.publicKey, '--node', healthNode.publicKey, '--permission', 'notary', ...adminOf('civil-registry'));
    assert.equal(add.code, 0, add.out);
    assert.match(add.out, /open until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 7 d\)/);
    const addId = idOf(add.out);
    // 2. Tax Bureau approves: two of three organisations, the share is reached and Health is a member.
    const yes = await cli('gov', 'vote', addId, '--yes', ...adminOf('tax-bureau'));
    assert.equal(yes.code, 0, yes.out);
    assert.match(yes.out, /the change is executed/);
    const orgs = await cli('org', 'list', '--json');
    assert.ok((JSON.parse(orgs.out) as { organisations: { id: string; status: string }[] }).organisations.some((o) => o.id === 'health' && o.status === 'active'));

    // 3. Health, now a member, proposes its own node as a validator; with four members three must approve.
    const val = await cli('gov', 'propose', 'validators', '--add', `Health Department:${healthNode.publicKey}`, ...adminOf('health'));
    assert.equal(val.code, 0, val.out);
    const valId = idOf(val.out);
    assert.match((await cli('gov', 'vote', valId, '--yes', ...adminOf('land-registry'))).out, /open/);
    assert.match((await cli('gov', 'vote', valId, '--yes', ...adminOf('civil-registry'))).out, /the change is executed/);
    const start = await heightOf(depts[0]!);
    await waitForSigner(depts[0]!, healthNode.publicKey, start, 'a block signed by the Health Department’s node', 45_000);
    const st = (await status(health)) as unknown as { validators: { pubKey: string }[]; nodeKey: string };
    assert.ok(st.validators.some((v) => v.pubKey === st.nodeKey), 'the fourth node is a validator');

    // 4. A proposal with too few approvals: only its proposer votes; it expires and changes nothing.
    const before = (await get(depts[0]!, '/v1/orgs')).governance;
    const lone = await cli('gov', 'propose', 'param', '--name', 'votingSeconds', '--value', '42', '--voting-period', '10s', ...adminOf('land-registry'));
    assert.equal(lone.code, 0, lone.out);
    assert.match(lone.out, /open until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in \d+ s\)/);
    const loneId = idOf(lone.out);
    const expiresAtMs = (JSON.parse((await cli('gov', 'show', loneId, '--json')).out) as { proposal: { expiresAtMs: number } }).proposal.expiresAtMs;
    // The chain judges the deadline by block time: wait for a block whose time passed it (an idle chain moves time on with its heartbeat blocks).
    await waitFor('a block past the deadline', async () => ((await get(depts[0]!, '/v1/status')) as { latestBlockTime: number }).latestBlockTime > expiresAtMs, 60_000);
    const shown = await cli('gov', 'show', loneId);
    assert.match(shown.out, / expired /);
    const late = await cli('gov', 'vote', loneId, '--yes', ...adminOf('tax-bureau'));
    assert.equal(late.code, 1);
    assert.match(late.out, /GOV_PROPOSAL_EXPIRED/);
    assert.deepEqual((await get(depts[0]!, '/v1/orgs')).governance, before, 'the parameter is unchanged');
    const listed = await cli('gov', 'list');
    assert.match(listed.out, /3 proposal\(s\)/);
    assert.match(listed.out, /executed\s+add organisation health/);
  });
});

test('a validator’s node key rotates while the chain runs: the organisation schedules it, the others carry the chain, the node returns with its new key and signs', { timeout: 150_000 }, async () => {
  const { root, depts } = await initNetwork('polity-rotate-', 4);
  for (const d of depts) startNode(d);
  const [first, , , rotating] = depts as [Dept, Dept, Dept, Dept];
  const oldKey = (JSON.parse(readFileSync(join(rotating.dir, 'node-key.json'), 'utf8')) as KeyPair).publicKey;
  await whileRunning(root, () => depts, async () => {
    await waitFor('the network to commit block 2', async () => (await Promise.all(depts.map(heightOf))).every((h) => h >= 2), 60_000);
    // The department makes its next key, and its admin schedules the rotation.
    const next = generateKeyPair();
    // The new key's holder (the node's operator) consents to its use as the department's node key.
    const nextFile = join(root, 'next-node-key.json');
    writeFileSync(nextFile, JSON.stringify(next), { mode: 0o600 });
    const rotated = await polity(first.api, 'org', 'rotate-node', '--org', 'department-4', '--from', oldKey, '--to', next.publicKey, '--consent-key', nextFile, '--key', join(rotating.dir, 'admin-key.json'), '--json');
    assert.equal(rotated.code, 0, rotated.out);
    const since = JSON.parse(rotated.out.split('\n').at(-1)!).since as number;
    assert.ok(Number.isSafeInteger(since));
    // From `since` the old key signs no more; the other three carry the chain while the node restarts.
    await waitFor(`block ${since}`, async () => (await heightOf(first)) >= since, 30_000);
    rotating.proc!.kill('SIGTERM');
    await new Promise((r) => rotating.proc!.once('exit', r));
    const stoppedAt = await heightOf(first);
    await writeFile(join(rotating.dir, 'node-key.json'), JSON.stringify(next), { mode: 0o600 });
    await waitFor('the chain to go on without it', async () => (await heightOf(first)) >= stoppedAt + 3, 30_000);
    startNode(rotating);
    await waitForSigner(first, next.publicKey, since, 'a block signed with the new node key', 60_000);
    const top = await heightOf(first);
    for (let h = since; h <= top; h++) {
      const b = await get(first, `/v1/blocks/${h}`);
      assert.ok(!b.certificate.signatures.some((s: { validator: string }) => s.validator === oldKey), `block ${h} is not signed by the retired key`);
    }
    const org = await get(first, '/v1/orgs/department-4');
    assert.deepEqual(org.organisation.nodes, [next.publicKey]);
    assert.equal((await status(rotating))?.height !== undefined, true);
  });
});

test('a damaged validator recovers from its peers: with chain/ deleted it resyncs, with its consensus log deleted it waits, with its store damaged it moves it aside and resyncs by itself; it never signs twice and comes back to sign', { timeout: 240_000 }, async () => {
  const { root, depts } = await initNetwork('polity-resync-', 4);
  for (const d of depts) startNode(d);
  const [first, , , damaged] = depts as [Dept, Dept, Dept, Dept];
  const key = (JSON.parse(readFileSync(join(damaged.dir, 'node-key.json'), 'utf8')) as KeyPair).publicKey;
  const stopDamaged = async (): Promise<number> => {
    damaged.proc!.kill('SIGKILL');
    await new Promise((r) => damaged.proc!.once('exit', r));
    return (JSON.parse(readFileSync(join(damaged.dir, 'commit-record.json'), 'utf8')) as { height: number }).height;
  };
  await whileRunning(root, () => depts, async () => {
    await waitFor('the network to commit block 3', async () => (await Promise.all(depts.map(heightOf))).every((h) => h >= 3), 60_000);

    // 1. chain/ deleted (the recovery of spec/storage.md §8): the commit record and the log stay.
    const committed = await stopDamaged();
    const hashesBefore = await Promise.all(Array.from({ length: committed }, async (_, i) => (await get(first, `/v1/blocks/${i + 1}`)).hash as string));
    await rm(join(damaged.dir, 'chain'), { recursive: true, force: true });
    damaged.log.length = 0;
    startNode(damaged);
    await waitFor('the wiped validator to resync past what it had committed', async () => (await heightOf(damaged)) >= committed + 2, 60_000);
    assert.match(damaged.log.join(''), /consensus\.doubleSignGuard/, 'it said why it does not sign yet');
    for (let h = 1; h <= committed; h++) assert.equal((await get(damaged, `/v1/blocks/${h}`)).hash, hashesBefore[h - 1], `block ${h} came back the same`);
    await waitForSigner(first, key, committed + 2, 'a block signed by the resynced validator', 60_000);

    // 2. Its consensus log deleted: the store stays; it signs nothing until the chain has passed the height after its last commit.
    const committed2 = await stopDamaged();
    await rm(join(damaged.dir, 'consensus-wal'), { force: true });
    damaged.log.length = 0;
    startNode(damaged);
    await waitFor('the validator to follow the chain again', async () => (await heightOf(damaged)) >= committed2 + 2, 60_000);
    assert.match(damaged.log.join(''), /the consensus log is missing/);
    await waitForSigner(first, key, committed2 + 2, 'a block signed by the validator after its log was lost', 60_000);

    // 3. Its store damaged in place (CURRENT deleted), not deleted: the start-up check refuses it, and the
    //    validator repairs itself — moves the store aside (kept), resyncs from its peers, signs again.
    const committed3 = await stopDamaged();
    await unlink(join(damaged.dir, 'chain', 'CURRENT'));
    damaged.log.length = 0;
    startNode(damaged);
    await waitFor('the damaged validator to repair itself and pass what it had committed', async () => {
      if (damaged.proc!.exitCode !== null) throw new Error(`the damaged validator refused to start (exit ${damaged.proc!.exitCode}): ${damaged.log.join('').trim().slice(-700)}`);
      return (await heightOf(damaged)) >= committed3 + 2;
    }, 60_000);
    const said = damaged.log.join('');
    assert.match(said, /store\.movedAside/, 'it said what it did');
    assert.match(said, /CURRENT/, 'and why');
    const aside = readdirSync(damaged.dir).filter((f) => f.startsWith('chain.damaged-'));
    assert.equal(aside.length, 1, `the damaged store is kept beside the new one: ${readdirSync(damaged.dir).join(', ')}`);
    assert.ok(readdirSync(join(damaged.dir, aside[0]!)).some((f) => f.endsWith('.ldb') || f.endsWith('.log')), 'with its files');
    console.log(`repaired: ${said.split('\n').find((l) => l.includes('store.movedAside'))?.slice(0, 400)}`);
    for (let h = 1; h <= committed3; h++) assert.equal((await get(damaged, `/v1/blocks/${h}`)).hash, (await get(first, `/v1/blocks/${h}`)).hash, `block ${h} came back the same`);
    await waitForSigner(first, key, committed3 + 2, 'a block signed by the repaired validator', 60_000);

    // Nobody saw it sign two different messages for one height and round.
    for (const d of depts) assert.deepEqual((await get(d, '/v1/evidence')).evidence, [], `${d.name} recorded no equivocation`);
  });
});
