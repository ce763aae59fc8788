/**
 * The scenario of certificates without paper, on a BFT
 * network of four departments running as real `polity start` validators on
 * loopback: a university, an employer, a ministry of education and a civil
 * registry (the holder's wallet reads the chain through the civil
 * registry's node: any validator serves it). Each step is printed in plain
 * words with the heights and codes that matter; run it alone to read it:
 *
 *   npx tsc -p tsconfig.json && node --test dist/test/credentials-scenario.test.js
 *
 * Set-up through governance: the consortium defines UniversityDiploma from
 * the `diploma` template (issued by universities only), classifies the
 * university as a `university`, and accredits the ministry as accreditor of
 * diplomas; the ministry then accredits the university. The university's
 * node runs an issuing desk (`polity start --issuing-key`) holding the key
 * of its issuing official.
 *
 * 1. The official makes an OpenID4VCI offer (`polity credential offer`);
 *    the holder's wallet receives the diploma (`polity wallet receive`).
 * 2. The employer's official asks for it over OpenID4VP (`polity credential
 *    ask`); the holder approves (`polity wallet present --yes`); the official
 *    reads VERIFIED (`polity credential asked`). No paper.
 * 3. The university revokes it through its desk (VC API
 *    `POST /credentials/status`, answered once the revocation is committed,
 *    with its height). The employer's next check says revoked, judged within
 *    one block of the revocation.
 *    *Which check is "the employer's next check":* a second OpenID4VP
 *    request, answered by the holder. The employer holds no copy of the
 *    credential to re-verify: its node keeps only the asked claims for its
 *    official (spec/services/credentials.md §11), by design — so
 *    `POST /v1/credentials/verify` is not a check a real employer can make;
 *    asking the holder again is (before signing the contract, say). The
 *    outcome names the height the employer's node judged at; the test asserts
 *    it is the revocation's height or the next one, and that no other block
 *    was needed: the check is made as soon as the employer's node holds the
 *    revocation's block (the only wait), and nothing else is pending then.
 * 4. The holder's `polity wallet log` shows both checks by the employer, the
 *    verified one and the refused one, each recorded on the chain by the
 *    employer's node in a block it proposed (validators propose in turn).
 *
 * Deterministic: no timing assertions; heights are compared, never times.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import type { Genesis } from '../src/ledger/genesis.js';
import { signTx } from '../src/ledger/sign.js';
import { decodeTx, type SignedTx } from '../src/ledger/transaction.js';
import { runInitNetwork } from '../src/cli/network-init.js';
import type { Io } from '../src/cli/io.js';
import { main } from '../src/main.js';
import { createClient } from '../src/sdk/client.js';
import { signConsent } from '../src/services/org/consent-sign.js';
import { defineTypeDecision, templateOf } from '../src/services/credentials/templates.js';
import { freePortRange, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});
const quietIo: Io = { out: () => {}, err: () => {}, progress: () => {}, isTty: false };
const say = (line: string): void => console.log(line);

interface Dept {
  name: string;
  dir: string;
  api: string;
  log: string[];
}

function startNode(d: Dept, extra: string[] = []): void {
  const proc = spawn(process.execPath, [BIN, 'start', '--data', d.dir, '--log-level', 'info', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (b: Buffer) => d.log.push(b.toString()));
  proc.stderr!.on('data', (b: Buffer) => d.log.push(b.toString()));
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
}

async function get(d: Dept, path: string): Promise<any> {
  const res = await fetch(d.api + path, { signal: AbortSignal.timeout(2000) });
  return res.json();
}
const heightOf = async (d: Dept): Promise<number> => {
  try {
    return ((await get(d, '/v1/status')) as { height: number }).height;
  } catch {
    return -1;
  }
};
async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The CLI, in this process (as a person would type it), against one department's node. */
async function polity(api: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false };
  const code = await main([...args, '--api', api], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const ORGS = ['University', 'Employer', 'Ministry of Education', 'Civil Registry'];
const SLUGS = ['university', 'employer', 'ministry-of-education', 'civil-registry'];
const DIPLOMA = { givenName: 'Ada', familyName: 'Lovelace', degree: 'Master', title: 'MSc Physics', awardedOn: '2026-05-30' };

test('acceptance scenario on a BFT network: a university issues a diploma over OpenID4VCI, an employer verifies it over OpenID4VP with no paper, the university revokes it and the employer\'s next check says revoked within one block, and the holder sees both checks in its usage log', { timeout: 120_000 }, async () => {
  const root = await tempDir('polity-scenario-');
  const p2pBase = await freePortRange(8);
  const apiBase = await freePortRange(8);
  assert.equal(await runInitNetwork({ validators: '4', data: root, orgs: ORGS.join(','), 'base-port': String(p2pBase), 'api-base-port': String(apiBase), json: false }, [], quietIo), 0);
  const depts: Dept[] = SLUGS.map((slug, i) => ({ name: slug, dir: join(root, slug), api: `http://127.0.0.1:${apiBase + i}`, log: [] }));
  const [university, employer, ministry, registry] = depts as [Dept, Dept, Dept, Dept];
  const genesis = JSON.parse(await readFile(join(root, SLUGS[0]!, 'genesis.json'), 'utf8')) as Genesis;
  const adminOf = async (slug: string): Promise<KeyPair> => JSON.parse(await readFile(join(root, slug, 'admin-key.json'), 'utf8')) as KeyPair;
  const [uniAdmin, empAdmin, minAdmin, regAdmin] = (await Promise.all(SLUGS.map(adminOf))) as [KeyPair, KeyPair, KeyPair, KeyPair];

  // The university's issuing official and the employer's hiring official: keys made first, registered below.
  const issuing = generateKeyPair();
  const hiring = generateKeyPair();
  const issuingKeyFile = join(root, 'university-issuing-official.json');
  const hiringKeyFile = join(root, 'employer-hiring-official.json');
  await writeFile(issuingKeyFile, JSON.stringify(issuing), { mode: 0o600 });
  await writeFile(hiringKeyFile, JSON.stringify(hiring), { mode: 0o600 });
  startNode(university, ['--issuing-key', issuingKeyFile]);
  for (const d of [employer, ministry, registry]) startNode(d);
  const t0 = Date.now();

  const nonces = new Map<string, number>();
  const sign = (key: KeyPair, module: string, action: string, args: Record<string, unknown>): SignedTx => {
    const nonce = nonces.get(key.publicKey) ?? 0;
    nonces.set(key.publicKey, nonce + 1);
    return signTx({ v: 1, chainId: genesis.chainId, module, action, args: args as never, signer: key.publicKey, nonce }, key.secretKey);
  };
  /** Submit to `d`, wait for the commit; the height. */
  const commit = async (d: Dept, tx: SignedTx, what: string): Promise<number> => {
    const res = await fetch(`${d.api}/v1/tx?wait=commit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx), signal: AbortSignal.timeout(20_000) });
    const body = (await res.json()) as { result?: { code: string; message?: string }; height?: number; code?: string };
    assert.equal(body.result?.code, 'OK', `${what}: ${JSON.stringify(body)}`);
    return body.height ?? -1;
  };
  const official = (org: string, admin: KeyPair, key: KeyPair, role: string) =>
    sign(admin, 'org', 'propose', { org, op: { type: 'registerOfficial', key: key.publicKey, roles: [role], consent: signConsent({ chainId: genesis.chainId, org, use: 'official', publicKey: key.publicKey, secretKey: key.secretKey }).signature } });
  /** A decision of the consortium: the ministry proposes, the university and the civil registry vote (3 of 4), anyone enacts. */
  const decide = async (decision: Record<string, unknown>): Promise<number> => {
    const propose = sign(minAdmin, 'gov', 'propose', { change: { type: 'serviceDecision', module: 'credentials', decision } });
    await commit(ministry, propose, `propose ${String(decision.type)}`);
    const id = decodeTx(propose).id;
    await Promise.all([commit(university, sign(uniAdmin, 'gov', 'vote', { id, approve: true }), 'vote'), commit(registry, sign(regAdmin, 'gov', 'vote', { id, approve: true }), 'vote')]);
    return commit(employer, sign(empAdmin, 'credentials', 'enact', { proposal: id }), `enact ${String(decision.type)}`);
  };

  const wallet = join(root, 'holder-wallet');
  const holder = (args: string[]) => polity(registry.api, ['wallet', ...args, '--wallet', wallet]);
  try {
    await waitFor('all four nodes to commit block 2', async () => (await Promise.all(depts.map(heightOf))).every((h) => h >= 2), 60_000);
    say(`network: 4 validators (${SLUGS.join(', ')}) at height ${Math.min(...(await Promise.all(depts.map(heightOf))))}, ${Date.now() - t0} ms after start; the university's node runs an issuing desk`);

    // --- set-up through governance ------------------------------------------------------------
    const diploma = templateOf('diploma')!;
    await Promise.all([
      (async () => {
        const h1 = await decide(defineTypeDecision(diploma) as Record<string, unknown>);
        const h2 = await decide({ type: 'classify', org: 'university', kinds: ['university'] });
        const h3 = await decide({ type: 'accredit', org: 'ministry-of-education', credentialType: 'UniversityDiploma', role: 'accreditor' });
        const h4 = await commit(ministry, sign(minAdmin, 'credentials', 'accredit', { org: 'university', credentialType: 'UniversityDiploma' }), 'the ministry accredits the university');
        say(`governance: UniversityDiploma defined from the diploma template (height ${h1}), the university classified as a university (${h2}), the ministry accredited as accreditor (${h3}); the ministry accredits the university (${h4})`);
      })(),
      commit(university, official('university', uniAdmin, issuing, 'issuer'), 'register the issuing official'),
      commit(employer, official('employer', empAdmin, hiring, 'approver'), 'register the hiring official'),
    ]);

    // --- 1. the university offers, the holder's wallet receives --------------------------------
    const subjectFile = join(root, 'diploma-claims.json');
    await writeFile(subjectFile, JSON.stringify(DIPLOMA));
    const offered = await polity(university.api, ['credential', 'offer', '--type', 'UniversityDiploma', '--subject', subjectFile, '--tx-code', '4711', '--key', issuingKeyFile]);
    assert.equal(offered.code, 0, offered.err);
    const offerLink = /openid-credential-offer:\/\/\S+/.exec(offered.out)![0];
    say(`1. the university's official offers the diploma over OpenID4VCI: ${offerLink.slice(0, 72)}… (transaction code given by letter)`);
    assert.equal((await holder(['init'])).code, 0);
    const received = await holder(['receive', offerLink, '--tx-code', '4711']);
    assert.equal(received.code, 0, received.err);
    assert.match(received.out, /received UniversityDiploma from did:key:\S+ as dc\+sd-jwt: c[0-9a-f]{16}/);
    assert.match(received.out, /VALID — verified by the issuing node/);
    const walletId = /as dc\+sd-jwt: (c[0-9a-f]{16})/.exec(received.out)![1]!;
    const entry = (JSON.parse((await holder(['list', '--json'])).out) as { credentials: { id: string; hash: string }[] }).credentials.find((e) => e.id === walletId)!;
    const record = await get(university, `/v1/credentials/records/${entry.hash}`);
    say(`   the holder's wallet: ${received.out.split('\n').join(' / ')}; issuance recorded at height ${record.record?.height ?? record.height}`);

    // --- 2. the employer asks, the holder approves, the employer reads VERIFIED ------------------
    const ask = async (): Promise<{ id: string; link: string }> => {
      const asked = await polity(employer.api, ['credential', 'ask', '--type', 'UniversityDiploma', '--claims', 'degree,title', '--purpose', 'hiring: check the degree', '--key', hiringKeyFile]);
      assert.equal(asked.code, 0, asked.err);
      return { link: /^(openid4vp:\/\/\S+)$/m.exec(asked.out)![1]!, id: /^request ([0-9a-f]{32}),/m.exec(asked.out)![1]! };
    };
    const outcomeOf = (id: string) => createClient({ url: employer.api, key: hiring }).request<{ status: string; outcome?: { verified: boolean; code?: string; height: number; claims?: Record<string, unknown>; usageLogged: boolean } }>('GET', `/v1/credentials/requests/${id}`, undefined, { signed: true });
    const first = await ask();
    say(`2. the employer's official asks for the degree and title over OpenID4VP: request ${first.id}`);
    const shown = await holder(['present', first.link, '--yes']);
    assert.equal(shown.code, 0, shown.out + shown.err);
    assert.match(shown.out, /^employer \(an official's key, as the chain at .* says\) asks for your UniversityDiploma/);
    assert.match(shown.out, /shown: the verifier accepted it \(usage-log entry 0\)/);
    say(`   the holder's wallet: ${shown.out.split('\n').join(' / ')}`);
    const verified = await polity(employer.api, ['credential', 'asked', first.id, '--key', hiringKeyFile]);
    assert.equal(verified.code, 0, verified.err);
    assert.match(verified.out, /^VERIFIED — UniversityDiploma issued by university at height \d+; no paper needed \(checked at height \d+\)\n {2}degree: Master\n {2}title: MSc Physics\n {2}recorded in the holder's usage log$/);
    say(`   the employer's official reads: ${verified.out.split('\n').join(' / ')}`);

    // The first use is on the chain (the employer's node records it in a block it proposes) before the revocation,
    // so that nothing else is pending when the university revokes.
    const firstUse = await waitFor('the first usage-log entry on the chain', async () => {
      const l = await holder(['log', '--json']);
      const entries = (JSON.parse(l.out) as { entries: { height: number }[] }).entries;
      return entries.length === 1 ? entries[0]! : undefined;
    });
    say(`   the first check is in the holder's usage log on the chain at height ${firstUse.height}`);

    // --- 3. the university revokes; the employer's next check ------------------------------------
    const desk = createClient({ url: university.api, key: issuing });
    const revoked = await desk.request<{ hash: string; status: string; height: number }>('POST', '/credentials/status', { credentialId: entry.hash, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }, status: true }, { signed: true });
    assert.equal(revoked.status, 'revoked');
    say(`3. the university revokes the diploma through its desk (VC API POST /credentials/status): committed at height ${revoked.height}`);
    const employerAt = await waitFor(`the employer's node at height ${revoked.height}`, async () => {
      const h = await heightOf(employer);
      return h >= revoked.height ? h : undefined;
    });
    const second = await ask();
    const refused = await holder(['present', second.link, '--yes']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /CREDENTIALS_REVOKED/);
    const again = await polity(employer.api, ['credential', 'asked', second.id, '--key', hiringKeyFile]);
    assert.match(again.out, /^REFUSED \(CREDENTIALS_REVOKED\) at height \d+: /);
    const judged = (await outcomeOf(second.id)).outcome!;
    assert.equal(judged.code, 'CREDENTIALS_REVOKED');
    assert.ok(judged.height >= revoked.height && judged.height <= revoked.height + 1, `judged at height ${judged.height}, revoked at ${revoked.height}: within one block`);
    say(`   the employer's next check (a second request ${second.id}, the holder answers; the employer's node was at height ${employerAt}): ${again.out}`);
    say(`   revoked at height ${revoked.height}, judged revoked at height ${judged.height}: ${judged.height - revoked.height} block(s) later — within one block`);

    // --- 4. the holder's usage log ---------------------------------------------------------------
    const log = await waitFor('both checks in the usage log', async () => {
      const l = await holder(['log']);
      return l.out.split('\n').filter((x) => x.includes('  employer  ')).length === 2 ? l : undefined;
    });
    assert.equal(log.code, 0);
    const lines = log.out.split('\n');
    assert.match(lines[0]!, new RegExp(`  employer  UniversityDiploma ${walletId}  claims degree, title  purpose "hiring: check the degree"  \\(height \\d+\\)$`));
    assert.match(lines[1]!, new RegExp(`  employer  UniversityDiploma ${walletId}  claims degree, title  purpose "hiring: check the degree"  REFUSED \\(CREDENTIALS_REVOKED\\)  \\(height \\d+\\)$`));
    say(`4. the holder's usage log (polity wallet log, read through the civil registry's node):\n${lines.map((l) => `   ${l}`).join('\n')}`);
    say(`scenario done in ${Date.now() - t0} ms from start`);
  } catch (e) {
    for (const d of depts) process.stderr.write(`--- ${d.name}\n${d.log.join('').slice(-2000)}\n`);
    throw e;
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await rm(root, { recursive: true, force: true });
  }
});
