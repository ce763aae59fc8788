/**
 * `polity wallet present` and `polity wallet log`: the holder answers a
 * verifier's OpenID4VP request, and reads where its credentials were used
 * (spec/services/credentials.md §11, credentials-usage-log.md).
 *
 *   polity wallet present REQUEST_LINK [--yes] [--wallet DIR] [--api URL]
 *   polity wallet log [--wallet DIR] [--api URL]
 *
 * `present` fetches the request the link names and checks its signature;
 * asks the holder's own node (--api) which organisation the asking key
 * belongs to; shows who asks, why, and what would be shown; and only on
 * approval (--yes, or "yes" at the prompt on a terminal) answers with the
 * asked claims alone (an SD-JWT's other disclosures stay in the wallet) and
 * a usage-log ticket. The usage-log secret and counter live in the wallet
 * folder (usage-log.json, readable by the owner only).
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import QRCode from 'qrcode';
import { loadUserKey } from '../../cli/keys.js';
import { apiUrl, UsageError, type Io } from '../../cli/io.js';
import { createClient } from '../../sdk/client.js';
import { askProblem, directPostFields, signRequestObject, type PresentationAsk, type VpFormat } from './oid4vp.js';

/** Where a node takes direct_post responses (routes-vp.ts RESPONSES_PATH; the CLI may not import routes). */
const RESPONSES_PATH_CLI = '/v1/credentials/responses';
import { fetchVerifierRequest, readUsageLog, sendResponse, whoIs } from './client-vp.js';
import { answers, describeHeld, presentationFor, takeTicket, type UsageState } from './wallet-present.js';
import { openWallet, WalletError, type Wallet, type WalletStorage } from './wallet.js';

export const USAGE_LOG_FILE = 'usage-log.json';

async function loadUsage(storage: WalletStorage): Promise<UsageState> {
  const text = await storage.read(USAGE_LOG_FILE);
  if (text === undefined) {
    const fresh: UsageState = { secret: randomBytes(32).toString('hex'), next: 0 };
    await storage.write(USAGE_LOG_FILE, JSON.stringify(fresh) + '\n', { secret: true });
    return fresh;
  }
  const s = JSON.parse(text) as UsageState;
  if (typeof s.secret !== 'string' || !/^[0-9a-f]{64}$/.test(s.secret) || !Number.isInteger(s.next) || s.next < 0) throw new WalletError('WALLET_BROKEN', `${USAGE_LOG_FILE} is not a usage-log state`);
  return s;
}

async function approve(values: Record<string, unknown>, io: Io): Promise<boolean> {
  if (values.yes === true) return true;
  if (!io.isTty || !process.stdin.isTTY) {
    io.err('polity wallet present: not answered: approve with --yes, or run it on a terminal to be asked');
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question('Show this to the verifier? [yes/no] ')).trim());
  } finally {
    rl.close();
  }
}

async function present(wallet: Wallet, storage: WalletStorage, link: string, values: Record<string, unknown>, io: Io): Promise<number> {
  const { read } = await fetchVerifierRequest(link, Math.floor(Date.now() / 1000));
  const who = await whoIs(createClient({ url: apiUrl(values) }), read.publicKey).catch(() => undefined);
  const asker = who?.org ? `${who.org} (an official's key, as the chain at ${apiUrl(values)} says)` : who ? 'a key no organisation lists on the chain: an unknown verifier' : `a key not checked (the node at ${apiUrl(values)} did not answer)`;
  const candidates: { id: string; credential: Awaited<ReturnType<Wallet['get']>> }[] = [];
  for (const e of wallet.list().filter((x) => x.credentialType === read.ask.credentialType)) {
    const held = await wallet.get(e.id);
    if (held && answers(held.credential, read.ask)) candidates.push({ id: e.id, credential: held });
  }
  const whole = read.ask.format !== 'dc+sd-jwt';
  io.out(`${asker} asks for your ${read.ask.credentialType}`);
  io.out(`  purpose: ${read.ask.purpose || '(none given)'}`);
  io.out(`  claims: ${read.ask.claims.join(', ')}${whole ? ' — this verifier asks for a W3C credential, which is shown whole: it will see every claim in it' : ' (only these are shown)'}`);
  io.out(`  answer goes to: ${new URL(read.payload.response_uri).origin}`);
  if (candidates.length === 0) {
    io.err(`polity wallet present: no credential in this wallet answers the request (a ${read.ask.credentialType} as ${read.ask.format} with ${read.ask.claims.join(', ')})`);
    return 1;
  }
  const chosen = candidates[0]!;
  const d = describeHeld(chosen.credential!.credential)!;
  io.out(`  with: ${chosen.id} (${d.form})`);
  if (!(await approve(values, io))) {
    io.out('not shown');
    return 1;
  }
  // The counter moves on before anything is sent: a ticket is never handed out twice.
  const taken = takeTicket(await loadUsage(storage));
  await storage.write(USAGE_LOG_FILE, JSON.stringify(taken.state) + '\n', { secret: true });
  const presentation = presentationFor(chosen.credential!.credential, read, { secretKey: wallet.keyPair().secretKey, did: wallet.holder.did }, Math.floor(Date.now() / 1000));
  const sent = await sendResponse(read.payload.response_uri, directPostFields(read.payload.state, presentation, taken.ticket));
  if (values.json) io.out(JSON.stringify({ ok: sent.ok, status: sent.status, ...(sent.code ? { code: sent.code, message: sent.message } : {}), usageIndex: taken.index }));
  else if (sent.ok) io.out(`shown: the verifier accepted it (usage-log entry ${taken.index})`);
  else io.err(`polity wallet present: the verifier refused it: ${sent.code ?? sent.status}: ${sent.message ?? ''}`);
  return sent.ok ? 0 : 1;
}

async function log(wallet: Wallet, storage: WalletStorage, values: Record<string, unknown>, io: Io): Promise<number> {
  const state = await storage.read(USAGE_LOG_FILE);
  const usage = state === undefined ? undefined : await loadUsage(storage);
  const lines = usage ? await readUsageLog(createClient({ url: apiUrl(values) }), usage.secret, usage.next) : [];
  const byHash = new Map(wallet.list().map((e) => [e.hash, e.id]));
  if (values.json) {
    io.out(JSON.stringify({ entries: lines.map((l) => ({ index: l.index, org: l.record.org, height: l.record.height, time: l.record.time, mismatch: l.mismatch, ...(l.entry ? { entry: { ...l.entry, walletId: byHash.get(l.entry.credential) } } : { unreadable: true }) })) }));
    return 0;
  }
  if (lines.length === 0) io.out('no uses recorded yet');
  for (const l of lines) {
    const when = new Date(l.record.time).toISOString();
    if (!l.entry) {
      io.out(`${when}  ${l.record.org}  (an entry under your tag ${l.index} that does not open: altered, or not sealed to you)`);
      continue;
    }
    const e = l.entry;
    io.out(`${when}  ${l.record.org}  ${e.credentialType} ${byHash.get(e.credential) ?? e.credential.slice(0, 16) + '…'}  claims ${e.claims.join(', ')}  purpose "${e.purpose}"${e.refused ? `  REFUSED (${e.refused})` : ''}  (height ${l.record.height})${l.mismatch ? `  WARNING: the entry names ${e.org}, the chain's signer is ${l.record.org}` : ''}`);
  }
  return 0;
}

/** The wallet's presentation subcommands; undefined for a subcommand that is not one of them. */
export async function runWalletPresentation(sub: string | undefined, storage: WalletStorage, values: Record<string, unknown>, arg: string | undefined, io: Io): Promise<number | undefined> {
  if (sub !== 'present' && sub !== 'log') return undefined;
  const wallet = await openWallet(storage);
  if (sub === 'log') return log(wallet, storage, values, io);
  if (!arg) throw new UsageError('expected: wallet present REQUEST_LINK');
  try {
    return await present(wallet, storage, arg, values, io);
  } catch (e) {
    if (e instanceof WalletError || e instanceof UsageError) throw e;
    // The request could not be read or checked: say why, in words (never the credential).
    io.err(`polity wallet present: ${(e as Error).message}`);
    return 1;
  }
}

// --- the verifying official's side: polity credential ask | asked -------------------------------

/**
 *   polity credential ask --type T --claims a,b --purpose TEXT [--format dc+sd-jwt|jwt_vc_json] [--key FILE]
 *   polity credential asked ID [--key FILE]
 *
 * `ask` signs a request object with the official's key and files it with
 * the node; it prints the openid4vp:// link and its QR code for the holder.
 * `asked` shows the outcome: pending, or what the presentation proved.
 */
export async function runCredentialAsk(sub: 'ask' | 'asked', values: Record<string, unknown>, id: string | undefined, io: Io): Promise<number> {
  const key = await loadUserKey(values);
  const client = createClient({ url: apiUrl(values), key });
  if (sub === 'asked') {
    if (!id || !/^[0-9a-f]{32}$/.test(id)) throw new UsageError('expected: credential asked ID (the id `ask` printed)');
    const r = await client.request<{ status: string; ask: { credentialType: string }; outcome?: { verified: boolean; code?: string; message?: string; claims?: Record<string, unknown>; issuer?: { org: string; height: number }; usageLogged: boolean; height: number } }>('GET', `/v1/credentials/requests/${id}`, undefined, { signed: true });
    if (values.json) io.out(JSON.stringify(r));
    else if (!r.outcome) io.out(`${r.status}: no answer yet`);
    else if (r.outcome.verified) {
      io.out(`VERIFIED — ${r.ask.credentialType} issued by ${r.outcome.issuer?.org} at height ${r.outcome.issuer?.height}; no paper needed (checked at height ${r.outcome.height})`);
      for (const [k, v] of Object.entries(r.outcome.claims ?? {})) io.out(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
      io.out(r.outcome.usageLogged ? "  recorded in the holder's usage log" : '  the holder asked for no usage-log entry');
    } else io.out(`REFUSED (${r.outcome.code}) at height ${r.outcome.height}: ${r.outcome.message}`);
    return r.outcome && !r.outcome.verified ? 1 : 0;
  }
  const claims = typeof values.claims === 'string' ? values.claims.split(',').map((c) => c.trim()).filter((c) => c.length > 0) : [];
  const format = (values.format ?? 'dc+sd-jwt') as VpFormat;
  const ask: PresentationAsk = { credentialType: String(values.type ?? ''), claims, purpose: String(values.purpose ?? ''), format };
  const wrong = askProblem(ask);
  if (wrong) throw new UsageError(`--type, --claims, --purpose, --format: ${wrong}`);
  const nonce = randomBytes(16).toString('base64url');
  const { jwt } = signRequestObject({ ask, publicKey: key.publicKey, secretKey: key.secretKey, responseUri: `${client.url}${RESPONSES_PATH_CLI}`, nonce, state: randomBytes(16).toString('base64url'), nowS: Math.floor(Date.now() / 1000) });
  const filed = await client.request<{ id: string; link: string; expiresAt: number }>('POST', '/v1/credentials/requests', { request: jwt }, { signed: true });
  if (values.json) {
    io.out(JSON.stringify({ id: filed.id, link: filed.link, expiresAt: filed.expiresAt }));
    return 0;
  }
  io.out(await QRCode.toString(filed.link, { type: 'terminal', small: true }));
  io.out(filed.link);
  io.out(`request ${filed.id}, open until ${new Date(filed.expiresAt).toISOString()}; see the answer with polity credential asked ${filed.id}`);
  return 0;
}
