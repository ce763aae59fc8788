/**
 * Setting up a network of departments: `polity init --validators N`, the
 * network.json reader and writer, `polity keys new --node`, `polity genesis`
 * and `polity peers`. Every bad input gives a clear error and writes nothing.
 */
import { SERVICES } from '../services/index.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyOf } from '../crypto/ed25519.js';
import { genesisHash, parseGenesis, type Genesis } from '../ledger/genesis.js';
import { UsageError, type Io } from './io.js';
import {
  loadNetwork,
  NetworkFileError,
  parseHostPort,
  parseValidatorSpec,
  readNetworkFile,
  runGenesis,
  runInitNetwork,
  runNodeKey,
  runPeers,
  slugOf,
  writeNetworkFile,
  type NetworkFile,
} from './network-init.js';

/** The program's services, as `polity genesis` gets them from src/main.ts. */
const APP = { services: SERVICES, simWorker: new URL('../sim-worker.js', import.meta.url) };

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'polity-network-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

function captureIo(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), progress: () => {}, isTty: false };
}

const readJson = async (path: string): Promise<unknown> => JSON.parse(await readFile(path, 'utf8'));
const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;
const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

test('init --validators 4: a directory per organisation, one genesis, keys 0600, distinct ports, everyone peers with everyone', async () => {
  const root = join(work, 'net4');
  const io = captureIo();
  const code = await runInitNetwork({ data: root, validators: '4', orgs: 'Tax Office, Land Registry,Health Ministry,Transport', json: true }, [], io);
  assert.equal(code, 0);
  const summary = JSON.parse(io.lines.join('\n'));
  assert.equal(summary.ok, true);
  assert.equal(summary.chainId, 'polity-local');
  assert.deepEqual(summary.nodes.map((n: { name: string }) => n.name), ['Tax Office', 'Land Registry', 'Health Ministry', 'Transport']);

  const slugs = ['tax-office', 'land-registry', 'health-ministry', 'transport'];
  assert.deepEqual((await readdir(root)).sort(), [...slugs, 'network.md'].sort());
  const genesisTexts = await Promise.all(slugs.map((s) => readFile(join(root, s, 'genesis.json'), 'utf8')));
  for (const text of genesisTexts) assert.equal(text, genesisTexts[0], 'every node holds the same genesis, byte for byte');
  const genesis = parseGenesis(JSON.parse(genesisTexts[0]!)) as Genesis;
  assert.equal(summary.genesisHash, genesisHash(genesis));
  assert.equal(genesis.validators.length, 4);
  assert.ok(Math.abs(genesis.genesisTime - Date.now()) < 60_000);

  const ports = new Set<number>();
  const networks: NetworkFile[] = [];
  for (const [i, slug] of slugs.entries()) {
    const dir = join(root, slug);
    assert.deepEqual((await readdir(dir)).sort(), ['admin-key.json', 'genesis.json', 'network.json', 'node-key.json']);
    assert.equal(await mode(join(dir, 'node-key.json')), 0o600, 'the node key is readable by its owner only');
    assert.equal(await mode(join(dir, 'admin-key.json')), 0o600, 'so is the admin key');
    const admin = (await readJson(join(dir, 'admin-key.json'))) as { publicKey: string };
    // Each department is a member organisation: its admin key, its node.
    assert.deepEqual(genesis.organisations![i], { id: slug, name: summary.nodes[i].name, admins: [admin.publicKey], threshold: 1, nodes: [genesis.validators[i]!.pubKey] });
    assert.equal(await mode(dir), 0o700);
    const key = (await readJson(join(dir, 'node-key.json'))) as { publicKey: string; secretKey: string };
    assert.equal(publicKeyOf(key.secretKey), key.publicKey);
    // The node key is the validator key, in the order of --orgs, with power 1.
    assert.deepEqual(genesis.validators[i], { name: summary.nodes[i].name, pubKey: key.publicKey, power: 1 });
    assert.equal(summary.nodes[i].nodeKey, key.publicKey);
    const network = await readNetworkFile(dir);
    networks.push(network);
    assert.deepEqual(network.listen, { host: '127.0.0.1', port: 26601 + i });
    assert.deepEqual(network.api, { host: '127.0.0.1', port: 8701 + i });
    assert.equal(summary.nodes[i].api, `http://127.0.0.1:${8701 + i}`);
    ports.add(network.listen.port).add(network.api!.port);
  }
  assert.equal(ports.size, 8, 'every P2P and API port is distinct');
  for (const [i, network] of networks.entries()) {
    const expected = genesis.validators.filter((_, j) => j !== i).map((v) => ({ name: v.name, pubKey: v.pubKey, host: '127.0.0.1', port: networks[genesis.validators.indexOf(v)]!.listen.port }));
    assert.deepEqual(network.peers, expected, 'peers are all the other nodes, at their listen addresses');
  }
  const readme = await readFile(join(root, 'network.md'), 'utf8');
  for (const n of summary.nodes) assert.ok(readme.includes(n.nodeKey) && readme.includes(n.api), 'network.md lists each node');

  // The network reads back, in genesis order.
  const loaded = await loadNetwork(root);
  assert.deepEqual(loaded!.nodes.map((n) => n.name), summary.nodes.map((n: { name: string }) => n.name));
});

test('init --validators: defaults, human output, custom host and ports', async () => {
  const root = join(work, 'defaults');
  const io = captureIo();
  assert.equal(await runInitNetwork({ data: root, validators: '3', 'chain-id': 'ministries-test', host: 'localhost', 'base-port': '30000', 'api-base-port': '9000' }, [], io), 0);
  const text = io.lines.join('\n');
  for (const i of [1, 2, 3]) {
    assert.match(text, new RegExp(`Department ${i}\\n    data .*department-${i}\\n    node key    [0-9a-f]{64}\\n    admin key   [0-9a-f]{64}   \\(organisation department-${i}; the secret is .*department-${i}/admin-key\\.json\\)\\n    P2P         localhost:${29999 + i}\\n    API         http://127\\.0\\.0\\.1:${8999 + i}`));
  }
  const g = (await readJson(join(root, 'department-2', 'genesis.json'))) as Genesis;
  assert.equal(g.chainId, 'ministries-test');
  const n = await readNetworkFile(join(root, 'department-3'));
  assert.deepEqual(n.peers.map((p) => `${p.host}:${p.port}`), ['localhost:30000', 'localhost:30001']);
});

test('init --validators refuses to overwrite anything, and leaves what exists untouched', async () => {
  const root = join(work, 'twice');
  assert.equal(await runInitNetwork({ data: root, validators: '2' }, [], captureIo()), 0);
  const keyBefore = await readFile(join(root, 'department-1', 'node-key.json'), 'utf8');
  await assert.rejects(runInitNetwork({ data: root, validators: '2' }, [], captureIo()), /refusing to overwrite.*network\.md.*department-1\/.*department-2\//);
  assert.equal(await readFile(join(root, 'department-1', 'node-key.json'), 'utf8'), keyBefore);

  // One organisation's directory already holds something: nothing at all is written.
  const other = join(work, 'partly');
  await mkdir(join(other, 'land-registry'), { recursive: true });
  await writeFile(join(other, 'land-registry', 'notes.txt'), 'mine');
  await assert.rejects(runInitNetwork({ data: other, validators: '2', orgs: 'Tax Office,Land Registry' }, [], captureIo()), /refusing to overwrite.*land-registry/);
  assert.deepEqual(await readdir(other), ['land-registry']);
  assert.deepEqual(await readdir(join(other, 'land-registry')), ['notes.txt']);

  // A one-node data directory (polity init without --validators) is not a place for a network.
  const solo = join(work, 'solo-node');
  await mkdir(solo);
  await writeFile(join(solo, 'node-key.json'), '{}');
  await assert.rejects(runInitNetwork({ data: solo, validators: '2' }, [], captureIo()), /one node's data directory/);
  assert.deepEqual(await readdir(solo), ['node-key.json']);

  // An existing empty directory is fine.
  const empty = join(work, 'empty');
  await mkdir(join(empty, 'department-1'), { recursive: true });
  assert.equal(await runInitNetwork({ data: empty, validators: '1' }, [], captureIo()), 0);
});

test('init --validators: bad options are usage errors that say what was expected, and write nothing', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ validators: '0' }, /--validators: expected a whole number from 1 to 64, got "0"/],
    [{ validators: '65' }, /--validators: expected a whole number from 1 to 64, got "65"/],
    [{ validators: 'four' }, /--validators: expected a whole number/],
    [{}, /--validators: expected the number of validators/],
    [{ validators: '3', orgs: 'Tax Office,Land Registry' }, /--orgs lists 2 organisation\(s\) but --validators is 3/],
    [{ validators: '2', orgs: 'Tax Office,,Land Registry' }, /--orgs \(name 2\): expected an organisation name/],
    [{ validators: '2', orgs: 'Tax Office,tax office' }, /"tax office" is listed twice/],
    [{ validators: '2', orgs: 'Tax Office,Tax-Office' }, /would share the directory tax-office\//],
    [{ validators: '2', org: 'Tax Office' }, /use --orgs/],
    [{ validators: '2', 'base-port': 'abc' }, /--base-port: expected a port number 1-65535, got "abc"/],
    [{ validators: '2', 'base-port': '0' }, /--base-port: expected a port number 1-65535, got "0"/],
    [{ validators: '2', 'base-port': '70000' }, /--base-port: expected a port number/],
    [{ validators: '4', 'base-port': '65534' }, /--base-port: 4 nodes from port 65534 would need ports up to 65537/],
    [{ validators: '4', 'api-base-port': '-1' }, /--api-base-port: expected a port number/],
    [{ validators: '4', 'base-port': '8700', 'api-base-port': '8702' }, /overlap: P2P ports 8700-8703, API ports 8702-8705/],
    [{ validators: '2', 'chain-id': 'Bad Chain!' }, /--chain-id: expected 1-48 lowercase letters/],
    [{ validators: '2', 'chain-id': 'x'.repeat(49) }, /--chain-id/],
    [{ validators: '2', host: '0.0.0.0' }, /--host: .*0\.0\.0\.0 cannot be dialled/],
    [{ validators: '2', host: 'not a host' }, /--host: expected a host name or IP address/],
  ];
  for (const [values, message] of cases) {
    const root = join(work, 'never');
    await assert.rejects(runInitNetwork({ data: root, ...values }, [], captureIo()), (e: Error) => {
      assert.ok(e instanceof UsageError, `${JSON.stringify(values)}: expected a usage error, got ${e}`);
      assert.match(e.message, message, JSON.stringify(values));
      return true;
    });
    await assert.rejects(stat(root), { code: 'ENOENT' }, `${JSON.stringify(values)} wrote nothing`);
  }
});

test('slugs and addresses', () => {
  assert.equal(slugOf('Tax Office'), 'tax-office');
  assert.equal(slugOf('  Ministère de la Santé  '), 'ministere-de-la-sante');
  assert.equal(slugOf('Land/Registry (North)'), 'land-registry-north');
  assert.equal(slugOf('東京都'), '');
  assert.deepEqual(parseHostPort('--addr', '10.0.0.7:26601'), { host: '10.0.0.7', port: 26601 });
  assert.deepEqual(parseHostPort('--addr', '[2001:db8::7]:26601'), { host: '2001:db8::7', port: 26601 });
  assert.deepEqual(parseHostPort('--addr', 'node.tax.example:1'), { host: 'node.tax.example', port: 1 });
  for (const bad of ['10.0.0.7', '10.0.0.7:0', '10.0.0.7:65536', '2001:db8::7:26601', 'a b:1', ':26601']) {
    assert.throws(() => parseHostPort('--addr', bad), /--addr: expected HOST:PORT/, bad);
  }
});

test('network.json: a round trip, and every malformed file is refused with the file and field named', async () => {
  const dir = join(work, 'netfile');
  await mkdir(dir);
  const cfg: NetworkFile = {
    listen: { host: '0.0.0.0', port: 26601 },
    api: { host: '127.0.0.1', port: 8701 },
    peers: [{ name: 'Land Registry', pubKey: KEY_A, host: '10.0.0.8', port: 26601 }],
  };
  await writeNetworkFile(dir, cfg);
  assert.deepEqual(await readNetworkFile(dir), cfg);
  await assert.rejects(writeNetworkFile(dir, cfg), /already exists; refusing to overwrite/);
  await writeNetworkFile(dir, { ...cfg, peers: [] }, { overwrite: true });
  assert.deepEqual((await readNetworkFile(dir)).peers, []);
  // An invalid configuration is not written.
  await assert.rejects(writeNetworkFile(dir, { ...cfg, listen: { host: '127.0.0.1', port: 0 } }, { overwrite: true }), /listen\.port/);
  assert.deepEqual((await readNetworkFile(dir)).peers, []);

  // The API's public URL, which signed requests must name, is kept normalised.
  await writeFile(join(dir, 'network.json'), JSON.stringify({ listen: cfg.listen, api: { host: '0.0.0.0', port: 8701, publicUrl: 'HTTPS://Tax.Example.gov:443' }, peers: [] }));
  assert.deepEqual((await readNetworkFile(dir)).api, { host: '0.0.0.0', port: 8701, publicUrl: 'https://tax.example.gov' });

  const peer = cfg.peers[0]!;
  const cases: [string, RegExp][] = [
    ['{"listen": ', /not valid JSON/],
    ['[]', /the file: expected an object/],
    [JSON.stringify({ peers: [] }), /listen: expected an object, got nothing/],
    [JSON.stringify({ listen: { host: '127.0.0.1', port: 70000 }, peers: [] }), /listen\.port: expected a port number 1-65535, got 70000/],
    [JSON.stringify({ listen: { host: '127.0.0.1', port: '26601' }, peers: [] }), /listen\.port: expected a port number 1-65535, got "26601"/],
    [JSON.stringify({ listen: { host: 'bad host', port: 1 }, peers: [] }), /listen\.host: expected a host name or IP address/],
    [JSON.stringify({ listen: cfg.listen, peers: {} }), /peers: expected an array/],
    [JSON.stringify({ listen: cfg.listen, peers: [{ ...peer, pubKey: 'a'.repeat(62) }] }), /peers\[0\]\.pubKey: expected a 32-byte node key as 64 lowercase hex digits/],
    [JSON.stringify({ listen: cfg.listen, peers: [{ ...peer, pubKey: 'A'.repeat(64) }] }), /peers\[0\]\.pubKey/],
    [JSON.stringify({ listen: cfg.listen, peers: [peer, { ...peer, port: 2 }] }), /peers\[1\]\.pubKey: this node key is listed twice/],
    [JSON.stringify({ listen: cfg.listen, peers: [{ ...peer, host: '0.0.0.0' }] }), /peers\[0\]\.host: 0\.0\.0\.0 is a listening wildcard/],
    [JSON.stringify({ listen: cfg.listen, peers: [{ ...peer, port: 0 }] }), /peers\[0\]\.port/],
    [JSON.stringify({ listen: cfg.listen, peers: [{ ...peer, name: '' }] }), /peers\[0\]\.name/],
    [JSON.stringify({ listen: cfg.listen, peers: [{ ...peer, extra: 1 }] }), /peers\[0\]: unexpected member "extra"/],
    [JSON.stringify({ listen: cfg.listen, peers: [], lisen: 1 }), /unexpected member "lisen"/],
    [JSON.stringify({ listen: cfg.listen, api: { host: '127.0.0.1', port: 26601 }, peers: [] }), /api\.port: 26601 is also the P2P listen port/],
    [JSON.stringify({ listen: cfg.listen, peers: [], observers: ['xyz'] }), /observers\[0\]: expected a 32-byte node key/],
    [JSON.stringify({ listen: cfg.listen, api: { host: '127.0.0.1', port: 8701, publicUrl: 'node.example.gov' }, peers: [] }), /api\.publicUrl: expected scheme:\/\/host/],
    [JSON.stringify({ listen: cfg.listen, api: { host: '127.0.0.1', port: 8701, publicUrl: 'https://node.example.gov/v1' }, peers: [] }), /api\.publicUrl: only scheme:\/\/host/],
    [JSON.stringify({ listen: cfg.listen, peers: Array.from({ length: 257 }, () => peer) }), /peers: at most 256, got 257/],
  ];
  for (const [text, message] of cases) {
    await writeFile(join(dir, 'network.json'), text);
    await assert.rejects(readNetworkFile(dir), (e: Error) => {
      assert.ok(e instanceof NetworkFileError, `${text.slice(0, 60)}: ${e}`);
      assert.match(e.message, message, text.slice(0, 60));
      assert.ok(e.message.startsWith(join(dir, 'network.json')), 'the error names the file');
      return true;
    });
  }
  await assert.rejects(readNetworkFile(join(work, 'nowhere')), /network\.json does not exist/);
});

test('several machines: keys new --node, then genesis from the collected keys, then peers add', async () => {
  const tax = join(work, 'machine-tax');
  const land = join(work, 'machine-land');
  const keyOf = async (dir: string): Promise<string> => {
    const io = captureIo();
    assert.equal(await runNodeKey({ data: dir, json: true }, ['new'], io), 0);
    const out = JSON.parse(io.lines[0]!);
    assert.deepEqual(await readdir(dir), ['node-key.json'], 'keys new --node writes the node key only');
    assert.equal(await mode(join(dir, 'node-key.json')), 0o600);
    return out.publicKey;
  };
  const taxKey = await keyOf(tax);
  const landKey = await keyOf(land);
  await assert.rejects(runNodeKey({ data: tax }, ['new'], captureIo()), /already exists; a node key is never replaced/);
  const shown = captureIo();
  assert.equal(await runNodeKey({ data: tax }, ['show'], shown), 0);
  assert.match(shown.lines.join('\n'), new RegExp(`node key ${taxKey}`));

  // The coordinator.
  const out = join(work, 'genesis.json');
  const io = captureIo();
  assert.equal(await runGenesis({ validator: [`Tax Office:${taxKey}:2`, `Land Registry:${landKey}`], 'chain-id': 'gov-net', out }, [], io, APP), 0);
  const genesis = parseGenesis(await readJson(out));
  assert.equal(genesis.chainId, 'gov-net');
  assert.deepEqual(genesis.validators, [
    { name: 'Tax Office', pubKey: taxKey, power: 2 },
    { name: 'Land Registry', pubKey: landKey, power: 1 },
  ]);
  assert.match(io.lines.join('\n'), new RegExp(`genesis hash   ${genesisHash(genesis)}`));
  assert.match(io.lines.join('\n'), /total power 3; a block needs the signatures of validators holding 3 of it/);
  await assert.rejects(runGenesis({ validator: [`Tax Office:${taxKey}`], out }, [], captureIo(), APP), /already exists; refusing to overwrite/);

  // Each department: genesis in, then its peers.
  await writeFile(join(tax, 'genesis.json'), await readFile(out));
  const add = captureIo();
  assert.equal(await runPeers({ data: tax, name: 'Land Registry', key: landKey, addr: '10.0.0.8:26601', listen: '0.0.0.0:26601', 'api-addr': '127.0.0.1:8700' }, ['add'], add), 0);
  assert.deepEqual(add.errors, []);
  assert.deepEqual(await readNetworkFile(tax), {
    listen: { host: '0.0.0.0', port: 26601 },
    api: { host: '127.0.0.1', port: 8700 },
    peers: [{ name: 'Land Registry', pubKey: landKey, host: '10.0.0.8', port: 26601 }],
  });
  await assert.rejects(runPeers({ data: tax, name: 'Land Registry', key: landKey, addr: '10.0.0.9:26601' }, ['add'], captureIo()), /already a peer \(Land Registry at 10\.0\.0\.8:26601\)/);
  await assert.rejects(runPeers({ data: tax, name: 'Myself', key: taxKey, addr: '10.0.0.7:26601' }, ['add'], captureIo()), /this node's own key/);
  const stranger = captureIo();
  assert.equal(await runPeers({ data: tax, name: 'Stranger', key: KEY_B, addr: 'node.example:26601' }, ['add'], stranger), 0);
  assert.match(stranger.errors.join('\n'), /not a validator in .*genesis\.json/);
  assert.equal(await runPeers({ data: tax, key: KEY_B }, ['remove'], captureIo()), 0);
  const list = captureIo();
  assert.equal(await runPeers({ data: tax, json: true }, ['list'], list), 0);
  assert.equal(JSON.parse(list.lines[0]!).peers.length, 1);
  // No network.json yet and no --listen: a clear error, nothing written.
  await assert.rejects(runPeers({ data: land, name: 'Tax Office', key: taxKey, addr: '10.0.0.7:26601' }, ['add'], captureIo()), /pass --listen HOST:PORT/);
  assert.deepEqual(await readdir(land), ['node-key.json']);
});

test('genesis: bad --validator specs are usage errors and write nothing', async () => {
  assert.deepEqual(parseValidatorSpec(`Ministry: Health:${KEY_A}:3`), { name: 'Ministry: Health', pubKey: KEY_A, power: 3 });
  assert.deepEqual(parseValidatorSpec(`Tax Office:${KEY_A}`), { name: 'Tax Office', pubKey: KEY_A, power: 1 });
  const out = join(work, 'bad-genesis.json');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{}, /expected one --validator NAME:PUBKEY\[:POWER\]/],
    [{ validator: [`Tax Office:${KEY_A.slice(2)}`] }, /--validator: expected NAME:PUBKEY\[:POWER\]/],
    [{ validator: [KEY_A] }, /--validator: expected NAME:PUBKEY/],
    [{ validator: [`:${KEY_A}`] }, /--validator: expected an organisation name/],
    [{ validator: [`Tax Office:${KEY_A}:0`] }, /the power must be a positive whole number/],
    [{ validator: [`Tax Office:${KEY_A}`, `Land Registry:${KEY_A}`] }, /is listed twice \(every department needs its own\)/],
    [{ validator: [`Tax Office:${KEY_A}`, `tax office:${KEY_B}`] }, /organisation "tax office" is listed twice/],
    [{ validator: [`Tax Office:${KEY_A}`], 'chain-id': 'UPPER' }, /--chain-id/],
    [{ validator: Array.from({ length: 65 }, (_, i) => `D${i}:${i.toString(16).padStart(64, '0')}`) }, /at most 64/],
  ];
  for (const [values, message] of cases) {
    await assert.rejects(runGenesis({ ...values, out }, [], captureIo(), APP), (e: Error) => {
      assert.ok(e instanceof UsageError, `${JSON.stringify(values).slice(0, 80)}: ${e}`);
      assert.match(e.message, message);
      return true;
    });
    await assert.rejects(stat(out), { code: 'ENOENT' });
  }
});

test('loadNetwork: refuses a mixed-up network rather than starting part of it', async () => {
  const root = join(work, 'mixed');
  assert.equal(await runInitNetwork({ data: root, validators: '2' }, [], captureIo()), 0);
  assert.equal((await loadNetwork(root))!.nodes.length, 2);
  assert.equal(await loadNetwork(join(work, 'no-such-dir')), undefined);

  // One node's genesis differs.
  const g = (await readJson(join(root, 'department-2', 'genesis.json'))) as Genesis;
  await writeFile(join(root, 'department-2', 'genesis.json'), JSON.stringify({ ...g, chainId: 'other-chain' }));
  await assert.rejects(loadNetwork(root), /department-2\/genesis\.json differs from .*department-1\/genesis\.json/);
  await writeFile(join(root, 'department-2', 'genesis.json'), JSON.stringify(g));

  // A node directory lost its network.json.
  await rm(join(root, 'department-1', 'network.json'));
  await assert.rejects(loadNetwork(root), /department-1 is an incomplete node directory: missing network\.json/);

  // A one-node data directory is not a network.
  const solo = join(work, 'solo');
  await mkdir(solo);
  await writeFile(join(solo, 'genesis.json'), '{}');
  await assert.rejects(loadNetwork(solo), /one node's data directory, not a network/);
});
