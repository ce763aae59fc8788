/**
 * The holder's wallet (spec/services/credentials.md §10): one Ed25519 key,
 * the holder's `did:key`, and the credentials received, each in a file of
 * its own with a small index — and the wallet side of OpenID4VCI's
 * pre-authorised code flow (`receiveOffer`).
 *
 * Storage and HTTP come in as interfaces, so the same code keeps a wallet
 * in a folder (`polity wallet`, cli-wallet.ts, over node:fs and fetch) and
 * could keep it elsewhere (the browser's storage). A wallet folder:
 *
 *   holder-key.json        {publicKey, secretKey} (mode 0600: the holder's secret)
 *   index.json             {version: 1, holder, credentials: [entry…]}
 *   credentials/<id>.json  a Data Integrity credential (ldp_vc)
 *   credentials/<id>.jwt   a compact vc+jwt (jwt_vc_json); other forms add their extension
 *
 * An entry's id is `c` and the first 16 hex digits of the hash the chain
 * records for the credential. The index holds no claims: type, issuer,
 * format, hash and when it arrived; the claims are only in the credential
 * file. Bounded: at most WALLET_CREDENTIALS_MAX credentials, each at most
 * the verifier's limit.
 *
 * Whom the wallet talks to: only the credential issuer named in the offer,
 * and only over https (http for a loopback host, for a node on the same
 * machine); every endpoint the metadata names must be on that origin, so an
 * offer cannot send the wallet's proof or token anywhere else.
 */
import { didKeyFromPublicKey } from '../../crypto/multikey.js';
import { publicKeyOf, signRaw } from '../../crypto/ed25519.js';
import { isHex } from '../../crypto/bytes.js';
import { xmlDateTime } from '../did/method.js';
import { credentialHash } from './credential.js';
import type { JsonObject } from './data-integrity.js';
import { vcJwtHash, VC_JWT_CHARS_MAX } from './vc-jwt.js';
import { createProofJwt, OFFER_SCHEME, PRE_AUTHORIZED_GRANT, VCI_PATHS } from './vci.js';

export const WALLET_CREDENTIALS_MAX = 1_000;
export const WALLET_FILES = { key: 'holder-key.json', index: 'index.json', credentials: 'credentials' } as const;
/** The OpenID4VCI format a wallet asks for by default: Data Integrity (ldp_vc). */
export const DEFAULT_RECEIVE_FORMAT = 'ldp_vc';
/** File extension of each format's credential file. */
const EXTENSIONS: Record<string, string> = { ldp_vc: 'json', jwt_vc_json: 'jwt', 'dc+sd-jwt': 'sd-jwt' };

export interface WalletStorage {
  /** The text at a path relative to the wallet, or undefined when there is none. */
  read(path: string): Promise<string | undefined>;
  /** Write text at a path (parents created); `secret`: readable by the owner only. */
  write(path: string, text: string, options?: { secret?: boolean }): Promise<void>;
}

export interface WalletEntry {
  id: string;
  /** Path of the credential file, relative to the wallet. */
  file: string;
  /** OpenID4VCI format: ldp_vc, jwt_vc_json (and dc+sd-jwt when that form lands). */
  format: string;
  credentialType: string;
  issuer: string;
  /** The hash the chain records (SHA-256 of the JCS JSON, or of the compact token). */
  hash: string;
  /** Where it came from: the credential issuer's URL. */
  from: string;
  receivedAt: string;
}

export interface WalletIndex {
  version: 1;
  holder: string;
  credentials: WalletEntry[];
}

export interface Wallet {
  /** The holder: its did:key and Ed25519 public key (hex). */
  readonly holder: { did: string; publicKey: string };
  /** Sign with the holder key (proofs of possession, presentations, key binding). */
  sign(message: Uint8Array): Uint8Array;
  /** The holder key pair, for code that signs in a standard format of its own (a vp+jwt, a KB-JWT). */
  keyPair(): { publicKey: string; secretKey: string };
  list(): readonly WalletEntry[];
  /** One credential by its id or a unique prefix of it (undefined when none or ambiguous). */
  get(idOrPrefix: string): Promise<{ entry: WalletEntry; credential: JsonObject | string } | undefined>;
  /** Store a credential; its entry. A credential already held (same hash) is not stored twice. */
  add(credential: JsonObject | string, meta: { format: string; from: string; receivedAt: string }): Promise<WalletEntry>;
}

export class WalletError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'WalletError';
    this.code = code;
  }
}

/** Create a wallet with this key (from generateKeyPair); refuses a storage that holds one already. */
export async function initWallet(storage: WalletStorage, key: { publicKey: string; secretKey: string }): Promise<Wallet> {
  if ((await storage.read(WALLET_FILES.key)) !== undefined) throw new WalletError('WALLET_EXISTS', 'this wallet has a holder key already');
  await storage.write(WALLET_FILES.key, JSON.stringify(key, null, 2) + '\n', { secret: true });
  const index: WalletIndex = { version: 1, holder: didKeyFromPublicKey(key.publicKey), credentials: [] };
  await storage.write(WALLET_FILES.index, JSON.stringify(index, null, 2) + '\n');
  return openWallet(storage);
}

export async function openWallet(storage: WalletStorage): Promise<Wallet> {
  const keyText = await storage.read(WALLET_FILES.key);
  if (keyText === undefined) throw new WalletError('WALLET_NONE', 'no wallet here; create one with polity wallet init');
  const key = JSON.parse(keyText) as { publicKey?: unknown; secretKey?: unknown };
  if (!isHex(key.secretKey, 32) || !isHex(key.publicKey, 32) || publicKeyOf(key.secretKey) !== key.publicKey) throw new WalletError('WALLET_BROKEN', `${WALLET_FILES.key} is not a matching Ed25519 key pair`);
  const indexText = await storage.read(WALLET_FILES.index);
  const index = (indexText ? JSON.parse(indexText) : { version: 1, credentials: [] }) as WalletIndex;
  const holder = { did: didKeyFromPublicKey(key.publicKey), publicKey: key.publicKey };
  if (index.version !== 1 || !Array.isArray(index.credentials)) throw new WalletError('WALLET_BROKEN', `${WALLET_FILES.index} is not a version 1 wallet index`);
  index.holder = holder.did;
  const secretKey = key.secretKey;
  const find = (idOrPrefix: string): WalletEntry | undefined => {
    const hits = index.credentials.filter((e) => e.id === idOrPrefix || e.id.startsWith(idOrPrefix) || e.hash === idOrPrefix);
    return hits.length === 1 ? hits[0] : undefined;
  };
  return {
    holder,
    sign: (message) => signRaw(secretKey, message),
    keyPair: () => ({ publicKey: holder.publicKey, secretKey }),
    list: () => index.credentials,
    async get(idOrPrefix) {
      const entry = find(idOrPrefix);
      if (!entry) return undefined;
      const text = await storage.read(entry.file);
      if (text === undefined) throw new WalletError('WALLET_BROKEN', `${entry.file} is missing`);
      return { entry, credential: entry.format === 'ldp_vc' ? (JSON.parse(text) as JsonObject) : text.trim() };
    },
    async add(credential, meta) {
      const hash = typeof credential === 'string' ? vcJwtHash(credential) : credentialHash(credential);
      const held = index.credentials.find((e) => e.hash === hash);
      if (held) return held;
      if (index.credentials.length >= WALLET_CREDENTIALS_MAX) throw new WalletError('WALLET_FULL', `a wallet holds at most ${WALLET_CREDENTIALS_MAX} credentials`);
      const { credentialType, issuer } = describe(credential);
      const id = `c${hash.slice(0, 16)}`;
      const file = `${WALLET_FILES.credentials}/${id}.${EXTENSIONS[meta.format] ?? 'txt'}`;
      await storage.write(file, typeof credential === 'string' ? credential + '\n' : JSON.stringify(credential, null, 2) + '\n', { secret: true });
      const entry: WalletEntry = { id, file, format: meta.format, credentialType, issuer, hash, from: meta.from, receivedAt: meta.receivedAt };
      index.credentials.push(entry);
      await storage.write(WALLET_FILES.index, JSON.stringify(index, null, 2) + '\n');
      return entry;
    },
  };
}

/** The credential's type (the one after VerifiableCredential) and issuer, from the JSON or the token's payload. */
function describe(credential: JsonObject | string): { credentialType: string; issuer: string; subjectId?: string } {
  let vc: Record<string, unknown>;
  if (typeof credential === 'string') {
    const payload = credential.split('~')[0]!.split('.')[1] ?? '';
    try {
      vc = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new WalletError('WALLET_RECEIVED_MALFORMED', 'the issuer answered a token whose payload is not JSON');
    }
  } else vc = credential;
  const types = Array.isArray(vc.type) ? (vc.type as unknown[]) : [vc.type ?? vc.vct];
  const credentialType = String(types.find((t) => t !== 'VerifiableCredential') ?? 'VerifiableCredential').slice(0, 64);
  const iss = vc.issuer ?? vc.iss;
  const issuer = String(typeof iss === 'object' && iss !== null ? (iss as { id?: unknown }).id : iss).slice(0, 256);
  const subject = vc.credentialSubject as { id?: unknown } | undefined;
  return { credentialType, issuer, ...(typeof subject?.id === 'string' ? { subjectId: subject.id } : {}) };
}

// --- receiving over OpenID4VCI -------------------------------------------------------------

export interface WalletHttp {
  /** GET a JSON document. */
  get(url: string): Promise<{ status: number; body: unknown }>;
  /** POST a body: JSON (`json`) or an OAuth form (`form`), with extra headers. */
  post(url: string, body: { json: unknown } | { form: Record<string, string> }, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
}

/** The offer a link carries: by reference (`credential_offer_uri`) or by value (`credential_offer`). An https URL of an offer is taken as a reference. */
export function parseOfferLink(link: string): { uri: string } | { offer: unknown } {
  const text = link.trim();
  if (text.length > 8_192) throw new WalletError('WALLET_OFFER_MALFORMED', 'an offer link is at most 8,192 characters');
  if (/^https?:\/\//.test(text)) return { uri: text };
  const q = text.indexOf('?');
  if (!text.startsWith(OFFER_SCHEME.slice(0, -2)) || q < 0) throw new WalletError('WALLET_OFFER_MALFORMED', `expected ${OFFER_SCHEME}?credential_offer_uri=… (or credential_offer=…)`);
  const params = new URLSearchParams(text.slice(q + 1));
  const uri = params.get('credential_offer_uri');
  if (uri) return { uri };
  const value = params.get('credential_offer');
  if (value) {
    try {
      return { offer: JSON.parse(value) as unknown };
    } catch {
      throw new WalletError('WALLET_OFFER_MALFORMED', 'credential_offer is not JSON');
    }
  }
  throw new WalletError('WALLET_OFFER_MALFORMED', 'the link carries neither credential_offer_uri nor credential_offer');
}

/** https, or http to a loopback host; answers the origin. */
function trustedOrigin(url: unknown, what: string): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    throw new WalletError('WALLET_OFFER_MALFORMED', `${what} is not a URL`);
  }
  const loopback = u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) throw new WalletError('WALLET_INSECURE', `${what} must be https (http only for a node on this machine)`);
  return u.origin;
}

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** A failed answer as a WalletError with the issuer's code (Polity's `code`, or OAuth's `error`). */
function failed(what: string, r: { status: number; body: unknown }): WalletError {
  const b = obj(r.body);
  const code = typeof b.code === 'string' ? b.code : typeof b.error === 'string' ? b.error : `HTTP_${r.status}`;
  const message = typeof b.message === 'string' ? b.message : typeof b.error_description === 'string' ? b.error_description : `the ${what} answered ${r.status}`;
  return new WalletError(code.slice(0, 64), `${what}: ${message.slice(0, 300)}`);
}

export interface ReceiveOptions {
  http: WalletHttp;
  /** ms since the epoch (the proof's iat, the entry's time). */
  nowMs: number;
  /** The transaction code, when the offer asks for one. */
  txCode?: string;
  /** The OpenID4VCI format to ask for (default ldp_vc). */
  format?: string;
}

/** Run the wallet side of the pre-authorised code flow for an offer link, and store the credential. */
export async function receiveOffer(wallet: Wallet, link: string, options: ReceiveOptions): Promise<WalletEntry> {
  const { http } = options;
  const parsed = parseOfferLink(link);
  let offer: Record<string, unknown>;
  if ('uri' in parsed) {
    trustedOrigin(parsed.uri, 'credential_offer_uri');
    const r = await http.get(parsed.uri);
    if (r.status !== 200) throw failed('offer', r);
    offer = obj(r.body);
  } else offer = obj(parsed.offer);
  const issuer = String(offer.credential_issuer ?? '');
  const origin = trustedOrigin(issuer, 'credential_issuer');
  const onIssuer = (url: unknown, what: string): string => {
    if (typeof url !== 'string' || trustedOrigin(url, what) !== origin) throw new WalletError('WALLET_OFFER_MALFORMED', `${what} is not on the credential issuer's origin`);
    return url;
  };
  const grant = obj(obj(offer.grants)[PRE_AUTHORIZED_GRANT]);
  const code = grant['pre-authorized_code'];
  if (typeof code !== 'string') throw new WalletError('WALLET_OFFER_MALFORMED', 'the offer has no pre-authorised code grant');
  if (grant.tx_code !== undefined && options.txCode === undefined) throw new WalletError('WALLET_TX_CODE_NEEDED', 'the offer asks for a transaction code: pass it with --tx-code');

  const meta = await http.get(issuer.replace(/\/$/, '') + VCI_PATHS.issuerMetadata);
  if (meta.status !== 200) throw failed('issuer metadata', meta);
  const metadata = obj(meta.body);
  const configurations = obj(metadata.credential_configurations_supported);
  const format = options.format ?? DEFAULT_RECEIVE_FORMAT;
  const ids = Array.isArray(offer.credential_configuration_ids) ? (offer.credential_configuration_ids as unknown[]) : [];
  const configurationId = ids.find((id): id is string => typeof id === 'string' && obj(configurations[id]).format === format);
  if (!configurationId) throw new WalletError('WALLET_FORMAT_UNOFFERED', `the offer has no credential in the ${format} format`);

  const servers = Array.isArray(metadata.authorization_servers) ? (metadata.authorization_servers as unknown[]) : [issuer];
  const asMeta = await http.get(String(servers[0]).replace(/\/$/, '') + VCI_PATHS.authorizationServerMetadata);
  if (asMeta.status !== 200) throw failed('authorization server metadata', asMeta);
  const tokenEndpoint = onIssuer(obj(asMeta.body).token_endpoint, 'token_endpoint');
  const token = await http.post(tokenEndpoint, { form: { grant_type: PRE_AUTHORIZED_GRANT, 'pre-authorized_code': code, ...(options.txCode !== undefined ? { tx_code: options.txCode } : {}) } });
  if (token.status !== 200) throw failed('token endpoint', token);
  const accessToken = obj(token.body).access_token;
  if (typeof accessToken !== 'string') throw new WalletError('WALLET_RECEIVED_MALFORMED', 'the token endpoint answered no access_token');

  const nonceAnswer = await http.post(onIssuer(metadata.nonce_endpoint, 'nonce_endpoint'), { json: {} });
  if (nonceAnswer.status !== 200) throw failed('nonce endpoint', nonceAnswer);
  const nonce = obj(nonceAnswer.body).c_nonce;
  if (typeof nonce !== 'string') throw new WalletError('WALLET_RECEIVED_MALFORMED', 'the nonce endpoint answered no c_nonce');

  const key = wallet.keyPair();
  const proof = createProofJwt({ ...key, audience: issuer, nonce, issuedAtS: Math.floor(options.nowMs / 1000) });
  const answer = await http.post(onIssuer(metadata.credential_endpoint, 'credential_endpoint'), { json: { credential_configuration_id: configurationId, proofs: { jwt: [proof] } } }, { authorization: `Bearer ${accessToken}` });
  if (answer.status !== 200) throw failed('credential endpoint', answer);
  const list = obj(answer.body).credentials;
  const credential = Array.isArray(list) ? obj(list[0]).credential : undefined;
  if (!(typeof credential === 'string' && credential.length <= VC_JWT_CHARS_MAX) && !(credential !== null && typeof credential === 'object' && !Array.isArray(credential))) {
    throw new WalletError('WALLET_RECEIVED_MALFORMED', 'the credential endpoint answered no credential');
  }
  const { subjectId } = describe(credential as JsonObject | string);
  if (subjectId !== undefined && subjectId !== wallet.holder.did) throw new WalletError('WALLET_NOT_BOUND', "the credential is not bound to this wallet's holder key");
  return wallet.add(credential as JsonObject | string, { format, from: issuer, receivedAt: xmlDateTime(options.nowMs) });
}
