/**
 * `polity wallet`: the holder's wallet in a folder (wallet.ts), and
 * `polity credential offer`, the official's side of OpenID4VCI.
 *
 *   polity wallet init [--wallet DIR]                      a new holder key (did:key) and an empty wallet
 *   polity wallet receive OFFER_LINK [--tx-code C] [--format dc+sd-jwt|ldp_vc|jwt_vc_json] [--wallet DIR]
 *   polity wallet list [--wallet DIR]                      id, type, issuer, format, when
 *   polity wallet show ID [--wallet DIR]                   the credential itself
 *   polity credential offer --type T --subject FILE [--tx-code C] [--valid-until DATE] [--key FILE]
 *
 * The wallet folder is --wallet, or $POLITY_WALLET, or ~/.polity/wallet.
 * `receive` runs the pre-authorised code flow against the issuer named in
 * the offer and, once stored, asks that node to verify the credential; it
 * takes the SD-JWT VC when the offer has one (the holder can then disclose
 * claims one by one with `polity credential present FILE --disclose …
 * --holder-key <wallet>/holder-key.json`), else Data Integrity.
 * `offer` prints the openid-credential-offer:// link and its QR code for a
 * terminal, to show the holder.
 */
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import QRCode from 'qrcode';
import { generateKeyPair } from '../../crypto/ed25519.js';
import { COMMON_OPTIONS, NODE_TARGET_OPTIONS, type Command } from '../../cli/command.js';
import { apiUrl, UsageError, type Io } from '../../cli/io.js';
import { loadUserKey } from '../../cli/keys.js';
import { createClient, type Client } from '../../sdk/client.js';
import { parseDateTime } from '../did/method.js';
import type { JsonObject } from './data-integrity.js';
import type { VerificationViewT } from './schemas.js';
import type { OfferViewT } from './schemas-desk.js';
import { initWallet, openWallet, receiveOffer, WalletError, type WalletHttp, type WalletStorage } from './wallet.js';
import { TYPE_NAME_RE } from './registry.js';
import { runWalletPresentation } from './cli-wallet-vp.js';

/** Most bytes of one HTTP answer the wallet reads. */
const ANSWER_BYTES_MAX = 1024 * 1024;
const HTTP_TIMEOUT_MS = 30_000;
const SUBJECT_BYTES_MAX = 32 * 1024;

export function walletDir(values: Record<string, unknown>): string {
  return resolve(typeof values.wallet === 'string' ? values.wallet : (process.env.POLITY_WALLET ?? join(homedir(), '.polity', 'wallet')));
}

/** A wallet folder on disk; writes go to a temporary file, then rename, so an index is never half written. */
export function folderStorage(dir: string): WalletStorage {
  return {
    async read(path) {
      try {
        return await readFile(join(dir, path), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async write(path, text, options) {
      const target = join(dir, path);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      const temp = `${target}.tmp`;
      await writeFile(temp, text, { mode: options?.secret ? 0o600 : 0o644 });
      await rename(temp, target);
    },
  };
}

async function readBounded(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.length > ANSWER_BYTES_MAX) throw new WalletError('WALLET_RECEIVED_MALFORMED', `an answer of more than ${ANSWER_BYTES_MAX} bytes`);
  try {
    return text.length === 0 ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/** HTTP over fetch, with a timeout and a bound on what is read. No redirects are followed: a wallet talks to the issuer it was given. */
export const fetchHttp: WalletHttp = {
  async get(url) {
    const r = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(HTTP_TIMEOUT_MS), headers: { accept: 'application/json' } });
    return { status: r.status, body: await readBounded(r) };
  },
  async post(url, body, headers = {}) {
    const isForm = 'form' in body;
    const r = await fetch(url, {
      method: 'POST',
      redirect: 'error',
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      headers: { accept: 'application/json', 'content-type': isForm ? 'application/x-www-form-urlencoded' : 'application/json', ...headers },
      body: isForm ? new URLSearchParams(body.form).toString() : JSON.stringify(body.json),
    });
    return { status: r.status, body: await readBounded(r) };
  },
};

async function runWallet(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const dir = walletDir(values);
  const storage = folderStorage(dir);
  const [sub, arg] = positionals;
  try {
    switch (sub) {
      case 'init': {
        const wallet = await initWallet(storage, generateKeyPair());
        io.out(values.json ? JSON.stringify({ ok: true, wallet: dir, holder: wallet.holder.did }) : `wallet ${dir}\nholder ${wallet.holder.did}`);
        return 0;
      }
      case 'receive': {
        if (!arg) throw new UsageError('expected: wallet receive OFFER_LINK');
        const format = values.format === undefined ? undefined : String(values.format);
        if (format !== undefined && format !== 'dc+sd-jwt' && format !== 'ldp_vc' && format !== 'jwt_vc_json') {
          throw new UsageError('--format: dc+sd-jwt (SD-JWT VC, the default when offered), ldp_vc (Data Integrity, the default otherwise) or jwt_vc_json (vc+jwt)');
        }
        const wallet = await openWallet(storage);
        const entry = await receiveOffer(wallet, arg, { http: fetchHttp, nowMs: Date.now(), ...(typeof values['tx-code'] === 'string' ? { txCode: values['tx-code'] } : {}), ...(format ? { format } : {}) });
        const held = await wallet.get(entry.id);
        // The issuing node verifies what it issued: signature, record, trust, claims, status.
        const verdict = await createClient({ url: entry.from }).request<VerificationViewT>('POST', '/v1/credentials/verify', { credential: held!.credential }).catch(() => undefined);
        if (values.json) io.out(JSON.stringify({ ok: true, ...entry, verified: verdict?.verified ?? null }));
        else {
          io.out(`received ${entry.credentialType} from ${entry.issuer} as ${entry.format}: ${entry.id} (${entry.file})`);
          io.out(verdict ? (verdict.verified ? 'VALID — verified by the issuing node' : `NOT VALID (${verdict.code}): ${verdict.message}`) : 'not verified: the issuing node did not answer');
        }
        return 0;
      }
      case 'list': {
        const wallet = await openWallet(storage);
        const list = wallet.list();
        if (values.json) io.out(JSON.stringify({ holder: wallet.holder.did, credentials: list }));
        else {
          io.out(`holder ${wallet.holder.did}`);
          for (const e of list) io.out(`  ${e.id}  ${e.credentialType.padEnd(24)} ${e.format.padEnd(12)} ${e.receivedAt}  ${e.issuer}`);
          if (list.length === 0) io.out('  no credentials yet; receive one with polity wallet receive OFFER_LINK');
        }
        return 0;
      }
      case 'show': {
        if (!arg) throw new UsageError('expected: wallet show ID');
        const wallet = await openWallet(storage);
        const held = await wallet.get(arg);
        if (!held) {
          io.err(`polity wallet show: no single credential with the id ${JSON.stringify(arg.slice(0, 40))}`);
          return 1;
        }
        io.out(typeof held.credential === 'string' ? held.credential : JSON.stringify(held.credential, null, 2));
        return 0;
      }
      default: {
        // Presenting and the usage log (cli-wallet-vp.ts).
        const done = await runWalletPresentation(sub, storage, values, arg, io);
        if (done !== undefined) return done;
        throw new UsageError(`unknown subcommand ${JSON.stringify(sub ?? '')}; expected init, receive, list, show, present or log`);
      }
    }
  } catch (e) {
    if (!(e instanceof WalletError)) throw e;
    io.err(`polity wallet ${sub}: ${e.code}: ${e.message}`);
    return 1;
  }
}

/** `polity credential offer`: the official makes an offer on the issuing desk and shows the link and QR code. */
export async function runOffer(client: Client, values: Record<string, unknown>, io: Io): Promise<number> {
  const type = values.type;
  if (typeof type !== 'string' || !TYPE_NAME_RE.test(type)) throw new UsageError('--type: expected a credential type name');
  if (typeof values.subject !== 'string') throw new UsageError('--subject: expected a JSON file of the claims');
  let claims: JsonObject;
  try {
    const text = await readFile(values.subject, 'utf8');
    if (text.length > SUBJECT_BYTES_MAX) throw new UsageError(`--subject: at most ${SUBJECT_BYTES_MAX} bytes`);
    claims = JSON.parse(text) as JsonObject;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--subject: cannot read a JSON object from ${values.subject}`);
  }
  const txCode = values['tx-code'];
  if (txCode !== undefined && !/^[0-9]{4,12}$/.test(String(txCode))) throw new UsageError('--tx-code: 4-12 digits');
  const validUntil = values['valid-until'];
  if (validUntil !== undefined && parseDateTime(validUntil) === undefined) throw new UsageError('--valid-until: expected a date-time with a zone');
  const offer = await client.request<OfferViewT>('POST', '/v1/credentials/offers', { credentialType: type, claims, ...(txCode ? { txCode: String(txCode) } : {}), ...(validUntil ? { validUntil: String(validUntil) } : {}) }, { signed: true });
  if (values.json) {
    io.out(JSON.stringify({ link: offer.link, credentialOfferUri: offer.credentialOfferUri, expiresAt: offer.expiresAt }));
    return 0;
  }
  io.out(await QRCode.toString(offer.link, { type: 'terminal', small: true }));
  io.out(offer.link);
  io.out(`valid until ${new Date(offer.expiresAt).toISOString()}; ${txCode ? 'give the holder the transaction code another way' : 'anyone with this link can redeem it once: show it to the holder only'}`);
  return 0;
}

export async function runCredentialOffer(values: Record<string, unknown>, io: Io): Promise<number> {
  const key = await loadUserKey(values);
  return runOffer(createClient({ url: apiUrl(values), key }), values, io);
}

export const walletCommands: Record<string, Command> = {
  wallet: {
    summary: "a holder's wallet: a key (did:key) and credentials in a folder; receive over OpenID4VCI, list, show; present over OpenID4VP; the usage log",
    usage:
      'polity wallet init [--wallet DIR]\n       polity wallet receive OFFER_LINK [--tx-code CODE] [--format dc+sd-jwt|ldp_vc|jwt_vc_json] [--wallet DIR]\n       polity wallet list | show ID [--wallet DIR]\n       polity wallet present REQUEST_LINK [--yes] [--wallet DIR] [--api URL]\n       polity wallet log [--wallet DIR] [--api URL]',
    options: {
      ...COMMON_OPTIONS,
      ...NODE_TARGET_OPTIONS,
      wallet: { type: 'string' },
      'tx-code': { type: 'string' },
      format: { type: 'string' },
      yes: { type: 'boolean' },
    },
    positionals: { min: 1, max: 2 },
    run: (values, positionals, io) => runWallet(values, positionals, io),
  },
};
