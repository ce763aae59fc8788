/**
 * `polity did`: citizen and business identity (spec/did-method.md).
 *
 *   polity did create     [--service ID:TYPE:URL ...]          your key becomes the key of a new did:polity DID
 *   polity did rotate     --new-key FILE [--did DID]           the new key (created if missing) replaces yours
 *   polity did update     (--service ... | --clear-services)   replace the DID's services
 *   polity did deactivate --yes [--did DID]                    final
 *   polity did recover    --did DID --new-public-key HEX --reason R [--case-ref HEX]      (registrar)
 *   polity did deactivate --did DID --reason R --yes [--case-ref HEX]                     (registrar)
 *   polity did resolve    <DID> [--height N | --version-id N | --version-time ISO]
 *   polity did history    <DID>
 *   polity did check      <DID> --tx TXID   judge a committed transaction's signature by the key the DID held at its block
 *
 * Changes are transactions signed with your key (`--key FILE`, $POLITY_KEY or
 * ~/.polity/key.json, as `polity keys` makes them); `--did` defaults to the
 * DID your key belongs to. Every argument is checked before anything is read
 * or sent: bad usage exits 2, a refused change (or an unknown DID) 1, an
 * unreachable node 3. Resolving a deactivated DID succeeds (exit 0) and says
 * DEACTIVATED: the DID resolved, and its metadata is the answer.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isHex } from '../../crypto/bytes.js';
import { generateKeyPair, verifyBytes, type KeyPair, ed25519PointProblem } from '../../crypto/ed25519.js';
import { decodeTx, txSignMessage } from '../../ledger/transaction.js';
import { isPolityError } from '../../ledger/errors.js';
import type { Json } from '../../crypto/canonical-json.js';
import type { StateReadT } from '../../schemas/api.js';
import { exists } from '../../node/data-dir.js';
import type { Command } from '../../cli/command.js';
import { createClient, PolityApiError, type Client } from '../../sdk/client.js';
import { keyBindingKey, type KeyBinding } from './module.js';
import {
  DEACTIVATE_REASONS,
  keyInForceAt,
  didPolityFromKey,
  multikeyEncode,
  parseDateTime,
  parseDid,
  POLITY_DID_RE,
  RECOVER_REASONS,
  SERVICE_ID_RE,
  SERVICE_TYPE_RE,
  serviceEndpointError,
  SERVICES_MAX,
  VERSION_ID_RE,
  xmlDateTime,
  type DidResolutionResult,
  type DidService,
  type DidVersion,
} from './method.js';
import { apiUrl, optionList, parsePositiveInt, UsageError, type Io } from '../../cli/io.js';
import { keyPath, loadKeyFileForCli, loadUserKey } from '../../cli/keys.js';
import { submitSigned } from '../../cli/submit.js';

const VERBS = ['create', 'rotate', 'update', 'deactivate', 'recover', 'resolve', 'history', 'check'] as const;
type Verb = (typeof VERBS)[number];

/** `polity did`. */
const didCommand: Command = {
  summary: 'citizen and business identity: create a did:polity DID, rotate its key, update, deactivate; registrars recover; resolve and history',
  usage: [
    'polity did create [--service ID:TYPE:URL ...] [--key FILE]',
    '       polity did rotate --new-key FILE [--did DID] [--key FILE]',
    '       polity did update (--service ID:TYPE:URL ... | --clear-services) [--did DID] [--key FILE]',
    '       polity did deactivate --yes [--did DID] [--key FILE]',
    '       polity did recover --did DID --new-public-key HEX --reason R [--case-ref HEX] [--key FILE]    (registrar)',
    '       polity did deactivate --did DID --reason R --yes [--case-ref HEX] [--key FILE]                (registrar)',
    '       polity did resolve <DID> [--height N | --version-id N | --version-time ISO]',
    '       polity did history <DID>',
    '       polity did check <DID> --tx TXID                  was the transaction signed by the key the DID held at its block?',
    `       reasons: recover ${RECOVER_REASONS.join(', ')}; deactivate ${DEACTIVATE_REASONS.join(', ')}`,
    '       every command takes --port N | --api URL, and --json',
  ].join('\n'),
  options: {
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
    port: { type: 'string' },
    api: { type: 'string' },
    key: { type: 'string' },
    did: { type: 'string' },
    service: { type: 'string', multiple: true },
    'clear-services': { type: 'boolean', default: false },
    'new-key': { type: 'string' },
    'new-public-key': { type: 'string' },
    reason: { type: 'string' },
    'case-ref': { type: 'string' },
    yes: { type: 'boolean', default: false },
    height: { type: 'string' },
    'version-id': { type: 'string' },
    'version-time': { type: 'string' },
    tx: { type: 'string' },
  },
  positionals: { min: 1, max: 2 },
  run: (values, positionals, io) => runDid(values, positionals, io),
};

export const didCommands: Record<string, Command> = { did: didCommand };

/** Options each verb accepts (beyond --json, --help, --port, --api). */
const ALLOWED: Record<Verb, readonly string[]> = {
  create: ['key', 'service'],
  rotate: ['key', 'did', 'new-key'],
  update: ['key', 'did', 'service', 'clear-services'],
  deactivate: ['key', 'did', 'yes', 'reason', 'case-ref'],
  recover: ['key', 'did', 'new-public-key', 'reason', 'case-ref'],
  resolve: ['did', 'height', 'version-id', 'version-time'],
  history: ['did'],
  check: ['did', 'tx'],
};
const ALWAYS = new Set(['json', 'help', 'port', 'api']);

/** `--service ID:TYPE:URL`: the id and type hold no ":", so the first two colons split it. */
export function parseServiceSpec(spec: string): DidService {
  const first = spec.indexOf(':');
  const second = first < 0 ? -1 : spec.indexOf(':', first + 1);
  if (first < 0 || second < 0) throw new UsageError('--service: expected ID:TYPE:URL, e.g. inbox:DIDCommMessaging:https://msg.example.gov/inbox');
  const service = { id: spec.slice(0, first), type: spec.slice(first + 1, second), serviceEndpoint: spec.slice(second + 1) };
  if (!SERVICE_ID_RE.test(service.id)) throw new UsageError('--service: the ID is 1-32 letters, digits, ".", "-" or "_"');
  if (!SERVICE_TYPE_RE.test(service.type)) throw new UsageError('--service: the TYPE is a name of letters and digits, e.g. DIDCommMessaging or LinkedDomains');
  const error = serviceEndpointError(service.serviceEndpoint);
  if (error) throw new UsageError(`--service: ${error}`);
  return service;
}

function parseServices(values: Record<string, unknown>): DidService[] {
  const services = optionList(values.service).map(parseServiceSpec);
  if (services.length > SERVICES_MAX) throw new UsageError(`--service: at most ${SERVICES_MAX} services`);
  const ids = new Set<string>();
  for (const s of services) {
    if (ids.has(s.id)) throw new UsageError(`--service: the ID ${s.id} is given twice`);
    ids.add(s.id);
  }
  return services;
}

function didOption(value: unknown, name = '--did'): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !POLITY_DID_RE.test(value)) throw new UsageError(`${name}: expected a did:polity DID (did:polity: and 32 lowercase hex characters)`);
  return value;
}

function hexOption(name: string, value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isHex(value, 32)) throw new UsageError(`--${name}: expected ${what}, 64 lowercase hex characters`);
  return value;
}

function reasonOption(value: unknown, allowed: readonly string[], verb: string): string {
  if (typeof value !== 'string' || !allowed.includes(value)) throw new UsageError(`--reason: ${verb} takes one of ${allowed.join(', ')}`);
  return value;
}

/** A DID to read: the positional argument or --did; did:polity or did:key. */
function readTarget(positionals: string[], values: Record<string, unknown>): string {
  const given = [positionals[1], values.did].filter((v): v is string => typeof v === 'string');
  if (given.length !== 1) throw new UsageError('give the DID once: polity did resolve <DID>');
  try {
    return parseDid(given[0]).did;
  } catch (e) {
    if (isPolityError(e)) throw new UsageError(e.message);
    throw e;
  }
}

// --- talking to the node ---------------------------------------------------------------

/** GET returning the status and body; 410 (a deactivated DID) is an answer, not an error. */
async function getJson(base: string, path: string): Promise<{ status: number; body: any }> {
  let response: Response;
  try {
    response = await fetch(base + path, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    const reason = (e as Error).name === 'TimeoutError' ? 'no answer within 30000 ms' : 'connection failed';
    throw new PolityApiError(0, 'NODE_UNREACHABLE', `cannot reach the node at ${base} (${reason}); is \`polity start\` running?`);
  }
  let body: any;
  try {
    body = await response.json();
  } catch {
    throw new PolityApiError(response.status, 'BAD_RESPONSE', `the node at ${base} answered something that is not JSON`);
  }
  if (response.status >= 400 && response.status !== 410) throw new PolityApiError(response.status, body?.code ?? `HTTP_${response.status}`, body?.message ?? 'request failed');
  return { status: response.status, body };
}

/** The DID `key` belongs to, from the chain's key index. */
async function didOfKey(client: Client, key: KeyPair): Promise<string> {
  const read = await client.request<StateReadT>('GET', `/v1/state?key=${encodeURIComponent(keyBindingKey(key.publicKey))}`);
  const binding = read.value as unknown as KeyBinding | null;
  if (!binding) throw new Error('your key belongs to no DID on this chain; create one with `polity did create`, or name it with --did');
  return binding.did;
}

interface Submitted {
  chainId: string;
  ok: boolean;
  code?: string;
  message?: string;
  height?: number;
  txId: string;
}

async function submit(client: Client, key: KeyPair, action: string, args: Record<string, Json>): Promise<Submitted> {
  const s = await submitSigned(client, key, 'did', action, args);
  if (!s.result) return { chainId: s.chainId, ok: false, code: 'TIMEOUT', message: `not committed yet (${s.status}${s.cause ? `; ${s.cause}` : ''}); check later with \`polity did resolve\``, txId: s.id };
  return { chainId: s.chainId, ok: s.ok, code: s.result.code, ...(s.result.message ? { message: s.result.message } : {}), height: s.height!, txId: s.id };
}

/** Load the --new-key file, or create it (0600) with a fresh key. */
async function loadOrCreateKey(path: string, values: Record<string, unknown>): Promise<{ key: KeyPair; created: boolean }> {
  if (await exists(path)) return { key: await loadKeyFileForCli(path, values), created: false };
  await mkdir(dirname(path), { recursive: true });
  const key = generateKeyPair();
  await writeFile(path, JSON.stringify(key, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return { key, created: true };
}

const short = (hex: string): string => `${hex.slice(0, 8)}…${hex.slice(-4)}`;

// --- the command ---------------------------------------------------------------------------

export async function runDid(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const verb = positionals[0] as Verb;
  if (!VERBS.includes(verb)) throw new UsageError(`unknown action ${JSON.stringify(String(positionals[0]).slice(0, 40))}; expected ${VERBS.join(', ')}`);
  for (const [name, value] of Object.entries(values)) {
    if (ALWAYS.has(name) || value === undefined || value === false) continue;
    if (!ALLOWED[verb].includes(name)) throw new UsageError(`${verb} does not take --${name}`);
  }
  if (positionals.length > 1 && verb !== 'resolve' && verb !== 'history' && verb !== 'check') throw new UsageError(`${verb} takes no argument; name the DID with --did`);
  const base = apiUrl(values);
  if (verb === 'resolve') return resolve(base, readTarget(positionals, values), values, io);
  if (verb === 'history') return history(base, readTarget(positionals, values), values, io);
  if (verb === 'check') return check(base, readTarget(positionals, values), values, io);

  // Changes: every argument is checked before the key is loaded or the node asked.
  let did = didOption(values.did);
  let args: Record<string, Json>;
  let action: string = verb;
  let newKeyPath: string | undefined;
  switch (verb) {
    case 'create':
      args = values.service === undefined ? {} : { services: parseServices(values) as unknown as Json };
      break;
    case 'rotate':
      if (typeof values['new-key'] !== 'string' || values['new-key'].length === 0) throw new UsageError('rotate needs --new-key FILE (created with a fresh key if it does not exist)');
      newKeyPath = values['new-key'];
      if (newKeyPath === keyPath(values)) throw new UsageError('--new-key: name another file than the key in force');
      args = {};
      break;
    case 'update':
      if (values['clear-services'] && values.service !== undefined) throw new UsageError('give --service ... or --clear-services, not both');
      if (!values['clear-services'] && values.service === undefined) throw new UsageError('update needs --service ID:TYPE:URL (repeatable) or --clear-services');
      args = { services: parseServices(values) as unknown as Json };
      break;
    case 'deactivate':
      if (values.reason !== undefined) {
        // A registrar's deactivation.
        if (did === undefined) throw new UsageError('a registrar deactivation needs --did DID');
        if (!values.yes) throw new UsageError('deactivation is final: no key of the DID will be valid again, and it cannot be undone; add --yes to go ahead');
        action = 'registrarDeactivate';
        const caseRef = hexOption('case-ref', values['case-ref'], 'the SHA-256 of the case file');
        args = { did, reason: reasonOption(values.reason, DEACTIVATE_REASONS, 'deactivate'), ...(caseRef ? { caseRef } : {}) };
      } else {
        if (values['case-ref'] !== undefined) throw new UsageError('--case-ref goes with --reason (a registrar deactivation)');
        if (!values.yes) throw new UsageError('deactivation is final: no key of the DID will be valid again, and it cannot be undone; add --yes to go ahead');
        args = {};
      }
      break;
    case 'recover': {
      if (did === undefined) throw new UsageError('recover needs --did DID');
      const publicKey = hexOption('new-public-key', values['new-public-key'], "the holder's new Ed25519 public key");
      if (publicKey === undefined) throw new UsageError("recover needs --new-public-key HEX: the holder's new public key (the holder keeps its secret)");
      const problem = ed25519PointProblem(publicKey);
      if (problem) throw new UsageError(`--new-public-key: ${problem}; ask the holder for the public key their wallet shows`);
      const caseRef = hexOption('case-ref', values['case-ref'], 'the SHA-256 of the case file');
      args = { did, publicKey, reason: reasonOption(values.reason, RECOVER_REASONS, 'recover'), ...(caseRef ? { caseRef } : {}) };
      break;
    }
  }

  const key = await loadUserKey(values);
  const client = createClient({ url: base, timeoutMs: 30_000 });
  let newKey: { key: KeyPair; created: boolean } | undefined;
  if (newKeyPath !== undefined) {
    newKey = await loadOrCreateKey(newKeyPath, values);
    if (newKey.key.publicKey === key.publicKey) throw new UsageError('--new-key: the file holds the key in force; give a fresh key');
  }
  if (verb !== 'create' && action !== 'registrarDeactivate' && verb !== 'recover') {
    did ??= await didOfKey(client, key);
    args = { did, ...args, ...(newKey ? { publicKey: newKey.key.publicKey } : {}) };
  }
  const result = await submit(client, key, action, args);
  const subject = verb === 'create' ? undefined : (args.did as string);
  const createdDid = verb === 'create' ? didPolityFromKey(result.chainId, key.publicKey) : undefined;

  if (values.json) {
    io.out(JSON.stringify({ ok: result.ok, action, did: subject ?? createdDid, code: result.code, message: result.message, height: result.height, txId: result.txId, ...(newKey ? { newKey: newKeyPath, newPublicKey: newKey.key.publicKey } : {}) }));
  } else if (!result.ok) {
    io.err(`refused: ${result.code}: ${result.message ?? ''}`.trim());
  } else {
    const at = `in block ${result.height}`;
    switch (action) {
      case 'create':
        io.out(`created ${createdDid} ${at}; its key is ${short(key.publicKey)} (${keyPath(values)})`);
        break;
      case 'rotate':
        io.out(`rotated ${subject} ${at}: its key is now ${short(newKey!.key.publicKey)}; sign with --key ${newKeyPath} from now on${newKey!.created ? ` (created ${newKeyPath})` : ''}`);
        break;
      case 'update':
        io.out(`updated ${subject} ${at}: ${(args.services as unknown[]).length} service(s)`);
        break;
      case 'deactivate':
        io.out(`deactivated ${subject} ${at}; no key of it is valid any more`);
        break;
      case 'recover':
        io.out(`recovered ${subject} ${at}: its key is now ${short(args.publicKey as string)} (reason ${args.reason as string})`);
        break;
      case 'registrarDeactivate':
        io.out(`deactivated ${subject} ${at} (reason ${args.reason as string})`);
        break;
    }
  }
  return result.ok ? 0 : 1;
}

async function resolve(base: string, did: string, values: Record<string, unknown>, io: Io): Promise<number> {
  const query = new URLSearchParams();
  const given = (['height', 'version-id', 'version-time'] as const).filter((k) => values[k] !== undefined);
  if (given.length > 1) throw new UsageError(`give one of --height, --version-id and --version-time, not ${given.map((g) => `--${g}`).join(' and ')}`);
  if (values.height !== undefined) query.set('height', String(parsePositiveInt('height', values.height)));
  if (values['version-id'] !== undefined) {
    if (!VERSION_ID_RE.test(String(values['version-id']))) throw new UsageError(`--version-id: expected a version number 1, 2, …`);
    query.set('versionId', String(values['version-id']));
  }
  if (values['version-time'] !== undefined) {
    if (parseDateTime(values['version-time']) === undefined) throw new UsageError('--version-time: expected an ISO 8601 date and time with a zone, e.g. 2025-03-01T12:00:00Z');
    query.set('versionTime', String(values['version-time']));
  }
  const { status, body } = await getJson(base, `/v1/dids/${encodeURIComponent(did)}${query.size ? `?${query}` : ''}`);
  const result = body as DidResolutionResult & { didResolutionMetadata: { height?: number } };
  if (values.json) {
    io.out(JSON.stringify(result));
    return 0;
  }
  const meta = result.didDocumentMetadata;
  const doc = result.didDocument!;
  const keys = (doc.verificationMethod ?? []).map((vm) => vm.publicKeyMultibase);
  const services = doc.service ?? [];
  if (did.startsWith('did:key:')) {
    io.out(`${did}: key ${keys[0]} (did:key: derived from the key, never changes)`);
  } else if (status === 410 || meta.deactivated) {
    io.out(`${did}: DEACTIVATED — version ${meta.versionId}, block ${meta.versionHeight}${meta.updated ? ` (${meta.updated})` : ''}; no key of it is valid any more`);
  } else {
    const next = meta.nextVersionId ? `; a newer version ${meta.nextVersionId} exists (${meta.nextUpdate})` : '';
    io.out(`${did}: active — version ${meta.versionId} from block ${meta.versionHeight}, key ${keys[0]}, ${services.length} service(s)${services.length ? ` (${services.map((s) => `${s.type} ${s.serviceEndpoint}`).join(', ')})` : ''}${next}`);
  }
  return 0;
}

async function history(base: string, did: string, values: Record<string, unknown>, io: Io): Promise<number> {
  if (!did.startsWith('did:polity:')) throw new UsageError('history is kept for did:polity DIDs; a did:key never changes');
  const { body } = await getJson(base, `/v1/dids/${encodeURIComponent(did)}/history`);
  const versions = body.versions as DidVersion[];
  if (values.json) {
    io.out(JSON.stringify(body));
    return 0;
  }
  io.out(`${did}: ${body.total} version(s)${body.deactivated ? ', deactivated' : ''}`);
  for (const v of versions) {
    const who = v.org ? `registrar ${short(v.by)} of ${v.org}` : `holder key ${short(v.by)}`;
    const why = v.reason ? `, reason ${v.reason}${v.caseRef ? `, case ${short(v.caseRef)}` : ''}` : '';
    io.out(`  v${String(v.version).padEnd(4)} block ${String(v.height).padEnd(7)} ${xmlDateTime(v.time)}  ${v.operation.padEnd(19)} key ${v.deactivated ? '—' : multikeyEncode(v.key)}  by ${who}${why}`);
  }
  if (body.next) io.out(`  … more from version ${versions.length > 0 ? versions[versions.length - 1]!.version + 1 : '?'}: GET /v1/dids/${did}/history?cursor=${body.next}`);
  return 0;
}

/**
 * Was a committed transaction signed by the key the DID held when it was made?
 * A signature is judged by the DID's history at its block and position, not
 * by today's key (spec/did-method.md): an old key's signature from before a
 * rotation stays valid; the same key signing after the rotation does not.
 */
async function check(base: string, did: string, values: Record<string, unknown>, io: Io): Promise<number> {
  if (!did.startsWith('did:polity:')) throw new UsageError('check judges signatures by a did:polity history; a did:key has one key for ever');
  const txId = values.tx;
  if (!isHex(txId, 32)) throw new UsageError('--tx: the id of a committed transaction, 64 lowercase hex characters');
  const { body: status } = await getJson(base, `/v1/txs/${txId as string}`);
  if (status.status !== 'committed') throw new Error(`transaction ${short(txId as string)} is not committed (${String(status.status)})`);
  const decoded = decodeTx(status.tx);
  const tx = decoded.tx;
  if (!verifyBytes(tx.body.signer, txSignMessage(decoded.idBytes), tx.sig)) throw new Error('the transaction’s signature does not verify against its signer (the node served a damaged transaction)');
  const { body } = await getJson(base, `/v1/dids/${encodeURIComponent(did)}/history`);
  const versions = body.versions as DidVersion[];
  const height = status.height as number;
  const index = status.index as number;
  const held = keyInForceAt(versions, height, index);
  const valid = held !== undefined && held === tx.body.signer;
  if (values.json) io.out(JSON.stringify({ ok: valid, did, txId, height, index, signer: tx.body.signer, keyAtBlock: held ?? null, currentKey: versions.at(-1)?.deactivated ? null : (versions.at(-1)?.key ?? null) }));
  else if (valid) io.out(`valid: transaction ${short(txId as string)} in block ${height} was signed by ${multikeyEncode(held!)}, the key ${did} held at that block${versions.at(-1)?.key !== held ? ' (it has changed since)' : ''}`);
  else io.err(`not valid: transaction ${short(txId as string)} in block ${height} was signed by ${multikeyEncode(tx.body.signer)}, which was not the key of ${did} at that block${held ? ` (it was ${multikeyEncode(held)})` : ' (the DID had no key in force then)'}`);
  return valid ? 0 : 1;
}
