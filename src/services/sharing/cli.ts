/**
 * `polity sharing`: the directory, consents, requests, the access log and
 * receipts from the command line (spec/services/sharing.md §9).
 *
 *   polity sharing datasets [ORG]                          the directory (or one organisation's)
 *   polity sharing dataset ORG NAME                        a dataset and its change log
 *   polity sharing define --file DESCRIPTOR.json           publish a dataset or its next version (data-steward)
 *   polity sharing commit --dataset D --record FILE --holders A,B --retention-days N
 *                                                          commit a record: salt and HMAC computed here; prints the id and salt
 *   polity sharing secret --out FILE                       a new subject secret (32 bytes, mode 0600)
 *   polity sharing pseudonym --secret FILE --holder ORG --dataset D [--key-out FILE]
 *                                                          your pseudonym there (and its key file, for the web page)
 *   polity sharing consent --secret FILE --holder ORG --dataset D --fields A,B --recipient ORG --purpose TEXT --days N [--out FILE]
 *   polity sharing revoke CONSENT --secret FILE --holder ORG --dataset D
 *   polity sharing request --holder ORG --dataset D --fields A,B --subject DID --purpose TEXT (--consent ID | --legal-basis TEXT)
 *   polity sharing release|decline REQUEST [--reason R]   the holder
 *   polity sharing queue ORG [--offset N] [--limit N]      requests to an organisation
 *   polity sharing consents|access (--subject DID | --secret FILE)   a subject's consents, or who read its data
 *   polity sharing erase RECORD --reason R --yes | purge RECORD --yes
 *   polity sharing request-erasure [RECORD] --secret FILE --holder ORG --dataset D --yes
 *                                                          the subject asks for erasure on the chain (signed with the pseudonym)
 *
 * Erasure cannot be undone (the record, its keys and its salt are destroyed
 * on every node that holds it), so `erase`, `purge` and `request-erasure`
 * refuse without --yes (exit 2) before reading any file or sending anything.
 *   polity sharing receipt ENTRY [--out FILE]              an access entry's state receipt
 *   polity sharing verify-receipt FILE --genesis G [--entry ID]   check one offline
 *
 * Consents and revocations are signed here with the pseudonym's key,
 * derived from the subject secret, and sent in a transaction signed by that
 * same key (or by --key): the secret never leaves this machine. With
 * --secret, `consents` and `access` derive the pseudonyms of every dataset
 * in the directory and ask for each — the node learns that they belong
 * together (spec §2): ask a node you trust.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { COMMON_OPTIONS, NODE_TARGET_OPTIONS, type Command } from '../../cli/command.js';
import { apiUrl, parsePositiveInt, UsageError, type Io } from '../../cli/io.js';
import { loadUserKey } from '../../cli/keys.js';
import { submitSigned } from '../../cli/submit.js';
import { fromHex, isHex, toHex } from '../../crypto/bytes.js';
import type { KeyPair } from '../../crypto/ed25519.js';
import { loadGenesisFile } from '../../node/data-dir.js';
import { ORG_ID_RE } from '../../runtime/membership.js';
import { createClient, type Client } from '../../sdk/client.js';
import { DATASET_NAME_RE, FIELD_NAME_PATTERN, PURPOSE_CHARS_MAX, SUBJECT_RE, type Consent, type ErasureDoc } from './consent.js';
import { signConsent, signErasure, signRevocation } from './consent-sign.js';
import { DECLINE_REASONS, ERASE_REASONS, LEGAL_BASIS_CHARS_MAX } from './module.js';
import { subjectKeyPair, subjectPseudonym, SUBJECT_SECRET_BYTES } from './pseudonym.js';
import { LIST_LIMIT_MAX } from './queries.js';
import { verifyAccessReceipt } from './receipt.js';
import type { AccessAnswerT, ConsentsAnswerT, DatasetAnswerT, DirectoryViewT, EntryViewT, QueueAnswerT } from './schemas.js';

/** A record file, a descriptor, a receipt: at most 4 MiB read. */
const FILE_BYTES_MAX = 4 * 1024 * 1024;
const FIELD_RE = new RegExp(FIELD_NAME_PATTERN);

const orgArg = (what: string, v: unknown): string => {
  if (typeof v !== 'string' || !ORG_ID_RE.test(v)) throw new UsageError(`${what}: expected an organisation id, got ${JSON.stringify(v ?? null)}`);
  return v;
};
const datasetArg = (v: unknown): string => {
  if (typeof v !== 'string' || !DATASET_NAME_RE.test(v)) throw new UsageError(`--dataset: expected a dataset name (lowercase letters, digits, "-"), got ${JSON.stringify(v ?? null)}`);
  return v;
};
const idArg = (what: string, v: unknown): string => {
  if (!isHex(v, 32)) throw new UsageError(`${what}: expected 64 hex digits`);
  return v as string;
};
const fieldsArg = (v: unknown): string[] => {
  const fields = typeof v === 'string' ? v.split(',').map((f) => f.trim()).filter(Boolean) : [];
  if (fields.length === 0 || !fields.every((f) => FIELD_RE.test(f))) throw new UsageError('--fields: field names separated by commas, e.g. name,birthDate');
  return fields;
};
const textArg = (what: string, v: unknown, max: number): string => {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new UsageError(`--${what}: 1 to ${max} characters`);
  return v;
};

async function readBounded(path: string, what: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new UsageError(`${what}: cannot read ${path}`);
  }
  if (bytes.length > FILE_BYTES_MAX) throw new UsageError(`${what}: at most ${FILE_BYTES_MAX} bytes, got ${bytes.length}`);
  return bytes;
}

async function readJson(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse((await readBounded(path, what)).toString('utf8')) as unknown;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${what}: ${path} is not JSON`);
  }
}

async function loadSecret(values: Record<string, unknown>): Promise<Uint8Array> {
  if (typeof values.secret !== 'string') throw new UsageError('--secret FILE: your subject secret (make one with polity sharing secret --out FILE)');
  const text = (await readBounded(values.secret, '--secret')).toString('utf8').trim();
  if (!isHex(text, SUBJECT_SECRET_BYTES)) throw new UsageError(`--secret: expected a file holding ${SUBJECT_SECRET_BYTES} bytes as hex`);
  return fromHex(text, SUBJECT_SECRET_BYTES);
}

/** Irreversible actions go ahead only with --yes: checked before any file is read or anything sent. */
function requireYes(values: Record<string, unknown>, what: string): void {
  if (values.yes !== true) throw new UsageError(`${what} is final: the record, its keys and its salt are destroyed on every node that holds it, and it cannot be undone; add --yes to go ahead`);
}

async function send(client: Client, io: Io, key: KeyPair, action: string, args: Record<string, unknown>, json: boolean, done: string): Promise<number> {
  const s = await submitSigned(client, key, 'sharing', action, args);
  if (!s.ok) {
    io.err(`polity sharing ${action}: ${s.result ? `${s.result.code}: ${s.result.message ?? ''}` : s.status}`);
    return 1;
  }
  const refused = s.result?.events.find((e) => e.type === 'sharing.refused');
  if (json) io.out(JSON.stringify({ txId: s.id, height: s.height, ...(refused ? { refused: refused.code } : {}) }));
  else io.out(refused ? `refused: ${String(refused.code)} — the refusal is in the access log as entry ${s.id} (height ${s.height})` : `${done} at height ${s.height} (tx ${s.id})`);
  return refused ? 1 : 0;
}

/** One access entry in words. */
export function describeEntry(e: EntryViewT): string {
  const basis = e.consent ? `consent ${e.consent.slice(0, 16)}…` : `legal basis "${e.legalBasis ?? ''}"`;
  return `${new Date(e.time).toISOString()}  ${e.outcome === 'granted' ? 'READ   ' : 'REFUSED'} ${e.org} (official ${e.official.slice(0, 12)}…) ${e.holder}/${e.dataset} [${e.fields.join(', ')}] for "${e.purpose}" on ${basis} via ${e.channel}${e.code ? ` — ${e.code}` : ''}  entry ${e.id}`;
}

/** The pseudonyms to read for: --subject, or those of every dataset in the directory (from --secret). */
async function subjectsOf(client: Client, values: Record<string, unknown>): Promise<string[]> {
  if (typeof values.subject === 'string') {
    if (!SUBJECT_RE.test(values.subject)) throw new UsageError('--subject: a did:key:z6Mk… or did:polity pseudonym');
    return [values.subject];
  }
  const secret = await loadSecret(values);
  const [{ chainId }, dir] = await Promise.all([client.genesis(), client.request<DirectoryViewT>('GET', '/v1/sharing/datasets')]);
  return dir.datasets.map((d) => subjectPseudonym(secret, chainId, d.org, d.name));
}

async function consent(client: Client, values: Record<string, unknown>, io: Io): Promise<number> {
  const secret = await loadSecret(values);
  const holder = orgArg('--holder', values.holder);
  const dataset = datasetArg(values.dataset);
  const days = parsePositiveInt('days', values.days, 3660);
  const { chainId } = await client.genesis();
  const keys = subjectKeyPair(secret, chainId, holder, dataset);
  const c: Consent = {
    type: 'polity-sharing-consent', v: 1, chainId, id: toHex(randomBytes(32)), subject: subjectPseudonym(secret, chainId, holder, dataset), holder, dataset,
    fields: fieldsArg(values.fields), recipient: orgArg('--recipient', values.recipient), purpose: textArg('purpose', values.purpose, PURPOSE_CHARS_MAX), until: Date.now() + days * 86_400_000,
  };
  const signed = { consent: c, signature: signConsent(c, keys.secretKey) };
  if (typeof values.out === 'string') {
    // Signed here, submitted by whoever collects it (the recipient): `polity sharing consent --file` is not needed, any tx sender will do.
    await writeFile(values.out, JSON.stringify(signed, null, 2) + '\n');
    io.out(values.json ? JSON.stringify({ id: c.id, out: values.out }) : `signed consent ${c.id}; wrote ${values.out}`);
    return 0;
  }
  const sender = values.key ? await loadUserKey(values) : keys;
  const code = await send(client, io, sender, 'grantConsent', signed, Boolean(values.json), `consent ${c.id} granted to ${c.recipient}; effective from the next block`);
  return code;
}

async function commit(client: Client, values: Record<string, unknown>, io: Io): Promise<number> {
  if (typeof values.record !== 'string') throw new UsageError('--record FILE: the record (hashed here with a fresh salt; the file is not sent)');
  const record = await readBounded(values.record, '--record');
  const holders = typeof values.holders === 'string' ? values.holders.split(',').map((h) => orgArg('--holders', h.trim())) : [];
  if (holders.length === 0) throw new UsageError('--holders: the organisations allowed to hold the record, separated by commas (yours among them)');
  const days = parsePositiveInt('retention-days', values['retention-days'], 36_600);
  const salt = randomBytes(32);
  const recordId = toHex(randomBytes(32));
  const commitment = createHmac('sha256', salt).update(record).digest('hex');
  const key = await loadUserKey(values);
  const s = await submitSigned(client, key, 'sharing', 'commit', { recordId, dataset: datasetArg(values.dataset), commitment, holders, retentionUntil: Date.now() + days * 86_400_000 });
  if (!s.ok) {
    io.err(`polity sharing commit: ${s.result ? `${s.result.code}: ${s.result.message ?? ''}` : s.status}`);
    return 1;
  }
  io.out(values.json ? JSON.stringify({ recordId, salt: salt.toString('hex'), commitment, height: s.height }) : `record ${recordId} committed at height ${s.height}\nsalt ${salt.toString('hex')} (keep it with the record; destroy both to erase)`);
  return 0;
}

async function request(client: Client, values: Record<string, unknown>, io: Io): Promise<number> {
  if (typeof values.subject !== 'string' || !SUBJECT_RE.test(values.subject)) throw new UsageError('--subject: the pseudonym the subject gave you (did:key:z6Mk… or did:polity)');
  if ((values.consent === undefined) === (values['legal-basis'] === undefined)) throw new UsageError('give exactly one basis: --consent ID or --legal-basis TEXT');
  const id = toHex(randomBytes(32));
  const args = {
    id, holder: orgArg('--holder', values.holder), dataset: datasetArg(values.dataset), fields: fieldsArg(values.fields), subject: values.subject, purpose: textArg('purpose', values.purpose, PURPOSE_CHARS_MAX),
    ...(values.consent !== undefined ? { consent: idArg('--consent', values.consent) } : { legalBasis: textArg('legal-basis', values['legal-basis'], LEGAL_BASIS_CHARS_MAX) }),
  };
  return send(client, io, await loadUserKey(values), 'request', args, Boolean(values.json), `request ${id} sent to ${args.holder}`);
}

async function listSubject(client: Client, values: Record<string, unknown>, io: Io, what: 'consents' | 'access'): Promise<number> {
  const subjects = await subjectsOf(client, values);
  const out: unknown[] = [];
  for (const subject of subjects) {
    if (what === 'consents') {
      const a = await client.request<ConsentsAnswerT>('GET', `/v1/sharing/subjects/${subject}/consents`);
      out.push(...a.consents);
      if (!values.json) for (const c of a.consents) io.out(`${c.state.padEnd(9)} ${c.consent.id}  ${c.consent.holder}/${c.consent.dataset} [${c.consent.fields.join(', ')}] → ${c.consent.recipient} for "${c.consent.purpose}" until ${new Date(c.consent.until).toISOString()}`);
    } else {
      for (let offset = 0; ; offset += LIST_LIMIT_MAX) {
        const a = await client.request<AccessAnswerT>('GET', `/v1/sharing/subjects/${subject}/access?offset=${offset}&limit=${LIST_LIMIT_MAX}`);
        out.push(...a.entries);
        if (!values.json) for (const e of a.entries) io.out(describeEntry(e));
        if (offset + a.entries.length >= a.total || a.entries.length === 0) break;
      }
    }
  }
  if (values.json) io.out(JSON.stringify({ [what]: out }, null, 2));
  else if (out.length === 0) io.out(what === 'consents' ? 'no consents' : 'no access recorded');
  return 0;
}

async function verifyReceipt(values: Record<string, unknown>, path: string | undefined, io: Io): Promise<number> {
  if (path === undefined) throw new UsageError('expected: verify-receipt FILE --genesis G');
  if (typeof values.genesis !== 'string') throw new UsageError("--genesis FILE: the chain's genesis, the only trust anchor");
  const genesis = await loadGenesisFile(values.genesis);
  const receipt = await readJson(path, 'receipt');
  const entryId = values.entry === undefined ? undefined : idArg('--entry', values.entry);
  const v = verifyAccessReceipt(receipt, genesis, entryId);
  if (values.json) io.out(JSON.stringify(v.ok ? { verified: true, height: v.height, timeMs: v.timeMs, entry: v.entry } : { verified: false, code: 'SHARING_RECEIPT_INVALID', reason: v.reason }, null, 2));
  else if (v.ok) io.out(`verified offline against ${values.genesis}: block ${v.height} (${new Date(v.timeMs).toISOString()})\n${describeEntry(v.entry)}`);
  else io.err(`SHARING_RECEIPT_INVALID: ${v.reason}`);
  return v.ok ? 0 : 1;
}

async function show(client: Client, values: Record<string, unknown>, io: Io, path: string, print: (x: never) => string[]): Promise<number> {
  const a = await client.request<unknown>('GET', path);
  io.out(values.json ? JSON.stringify(a, null, 2) : print(a as never).join('\n'));
  return 0;
}

export async function runSharing(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const client = createClient({ url: apiUrl(values) });
  const [sub, a, b] = positionals;
  const json = Boolean(values.json);
  switch (sub) {
    case 'datasets':
      return show(client, values, io, a === undefined ? '/v1/sharing/datasets' : `/v1/sharing/datasets/${orgArg('org', a)}`, (d: DirectoryViewT) => d.datasets.map((x) => `${x.org}/${x.name} v${x.version} ${x.sensitivity.padEnd(8)} [${x.fields.map((f) => f.name).join(', ')}] held on "${x.legalBasis}"; ${x.terms.length} sharing term(s)`));
    case 'dataset':
      return show(client, values, io, `/v1/sharing/datasets/${orgArg('org', a)}/${datasetArg(b)}`, (d: DatasetAnswerT) => [
        `${d.dataset.org}/${d.dataset.name} "${d.dataset.title}" version ${d.dataset.version} hash ${d.dataset.hash}`,
        ...d.dataset.terms.map((t) => `  term: ${t.recipient} may read [${t.fields.join(', ')}] on "${t.legalBasis}" (${t.approval})`),
        ...d.history.map((v) => `  v${v.version} ${v.hash} block ${v.height} ${new Date(v.time).toISOString()} by ${v.key.slice(0, 12)}…`),
      ]);
    case 'define': {
      if (typeof values.file !== 'string') throw new UsageError('--file DESCRIPTOR.json: the dataset descriptor (spec §4)');
      const d = (await readJson(values.file, '--file')) as Record<string, unknown>;
      return send(client, io, await loadUserKey(values), 'defineDataset', d, json, `dataset ${String(d.name)} published`);
    }
    case 'commit':
      return commit(client, values, io);
    case 'secret': {
      if (typeof values.out !== 'string') throw new UsageError('--out FILE: where to write the new secret');
      await writeFile(values.out, toHex(randomBytes(SUBJECT_SECRET_BYTES)) + '\n', { mode: 0o600, flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(e.code === 'EEXIST' ? `${values.out} exists; a secret is never overwritten` : `cannot write ${values.out}`);
      });
      io.out(json ? JSON.stringify({ out: values.out }) : `wrote a new subject secret to ${values.out} (keep it: it is the only way to find your entries)`);
      return 0;
    }
    case 'pseudonym': {
      const secret = await loadSecret(values);
      const { chainId } = await client.genesis();
      const holder = orgArg('--holder', values.holder);
      const dataset = datasetArg(values.dataset);
      const did = subjectPseudonym(secret, chainId, holder, dataset);
      if (typeof values['key-out'] === 'string') await writeFile(values['key-out'], JSON.stringify(subjectKeyPair(secret, chainId, holder, dataset), null, 2) + '\n', { mode: 0o600 });
      io.out(json ? JSON.stringify({ subject: did, holder, dataset }) : did);
      return 0;
    }
    case 'consent':
      return consent(client, values, io);
    case 'revoke': {
      const id = idArg('consent id', a);
      const secret = await loadSecret(values);
      const { chainId } = await client.genesis();
      const keys = subjectKeyPair(secret, chainId, orgArg('--holder', values.holder), datasetArg(values.dataset));
      return send(client, io, values.key ? await loadUserKey(values) : keys, 'revokeConsent', { id, signature: signRevocation(chainId, id, keys.secretKey) }, json, `consent ${id} revoked; effective from the next block`);
    }
    case 'request':
      return request(client, values, io);
    case 'release':
      return send(client, io, await loadUserKey(values), 'release', { request: idArg('request id', a) }, json, `request ${a} released`);
    case 'decline': {
      if (!(DECLINE_REASONS as readonly unknown[]).includes(values.reason)) throw new UsageError(`--reason: one of ${DECLINE_REASONS.join(', ')}`);
      return send(client, io, await loadUserKey(values), 'decline', { request: idArg('request id', a), reason: values.reason }, json, `request ${a} declined`);
    }
    case 'queue': {
      const offset = values.offset === undefined ? 0 : Number(values.offset);
      if (!Number.isSafeInteger(offset) || offset < 0) throw new UsageError('--offset: a whole number from 0');
      const limit = values.limit === undefined ? 20 : parsePositiveInt('limit', values.limit, LIST_LIMIT_MAX);
      return show(client, values, io, `/v1/sharing/queue/${orgArg('org', a)}?offset=${offset}&limit=${limit}`, (q: QueueAnswerT) => [
        `${q.total} request(s) to ${q.org}; from ${q.offset}:`,
        ...q.requests.map((r) => `  ${r.status.padEnd(8)} ${r.id} from ${r.org}: ${r.dataset} [${r.fields.join(', ')}] for "${r.purpose}" on ${r.consent ? 'consent' : `"${r.legalBasis}"`} (${r.approval})${r.decided?.code ? ` — ${r.decided.code}` : ''}`),
      ]);
    }
    case 'consents':
      return listSubject(client, values, io, 'consents');
    case 'access':
      return listSubject(client, values, io, 'access');
    case 'erase': {
      requireYes(values, 'erasure');
      if (!(ERASE_REASONS as readonly unknown[]).includes(values.reason)) throw new UsageError(`--reason: one of ${ERASE_REASONS.join(', ')}`);
      return send(client, io, await loadUserKey(values), 'erase', { recordId: idArg('record id', a), reason: values.reason }, json, `erasure of record ${a} ordered`);
    }
    case 'request-erasure': {
      requireYes(values, 'an erasure request');
      const secret = await loadSecret(values);
      const { chainId } = await client.genesis();
      const holder = orgArg('--holder', values.holder);
      const dataset = datasetArg(values.dataset);
      const keys = subjectKeyPair(secret, chainId, holder, dataset);
      const erasure: ErasureDoc = { type: 'polity-sharing-erasure', v: 1, chainId, id: toHex(randomBytes(32)), subject: subjectPseudonym(secret, chainId, holder, dataset), holder, dataset, ...(a !== undefined ? { recordId: idArg('record id', a) } : {}) };
      return send(client, io, values.key ? await loadUserKey(values) : keys, 'requestErasure', { erasure: erasure as never, signature: signErasure(erasure, keys.secretKey) }, json, `erasure request ${erasure.id} recorded; ${holder}'s node carries it out`);
    }
    case 'purge':
      requireYes(values, 'a purge');
      return send(client, io, await loadUserKey(values), 'purge', { recordId: idArg('record id', a) }, json, `purge of record ${a} confirmed`);
    case 'receipt': {
      const receipt = await client.request<unknown>('GET', `/v1/sharing/access/${idArg('entry id', a)}/receipt`);
      const text = JSON.stringify(receipt, null, 2);
      if (typeof values.out === 'string') {
        await writeFile(values.out, text + '\n');
        io.out(json ? JSON.stringify({ out: values.out }) : `wrote ${values.out}; check it anywhere with: polity sharing verify-receipt ${values.out} --genesis GENESIS`);
      } else io.out(text);
      return 0;
    }
    case 'verify-receipt':
      return verifyReceipt(values, a, io);
    default:
      throw new UsageError(`unknown subcommand ${JSON.stringify(sub ?? '')}`);
  }
}

export const sharingCommands: Record<string, Command> = {
  sharing: {
    summary: 'data sharing: the directory, records, consents (signed here with your pseudonym), requests, releases, who read your data, access receipts (verified offline), erasure',
    usage: [
      'polity sharing datasets [ORG] | dataset ORG NAME | define --file DESCRIPTOR.json [--key FILE]',
      '       polity sharing commit --dataset D --record FILE --holders A,B --retention-days N [--key FILE]',
      '       polity sharing secret --out FILE | pseudonym --secret FILE --holder ORG --dataset D [--key-out FILE]',
      '       polity sharing consent --secret FILE --holder ORG --dataset D --fields A,B --recipient ORG --purpose TEXT --days N [--out FILE]',
      '       polity sharing revoke CONSENT --secret FILE --holder ORG --dataset D',
      '       polity sharing request --holder ORG --dataset D --fields A,B --subject DID --purpose TEXT (--consent ID | --legal-basis TEXT) [--key FILE]',
      '       polity sharing release REQUEST | decline REQUEST --reason R | queue ORG [--offset N] [--limit N]',
      '       polity sharing consents|access (--subject DID | --secret FILE)',
      '       polity sharing erase RECORD --reason R --yes | purge RECORD --yes',
      '       polity sharing request-erasure [RECORD] --secret FILE --holder ORG --dataset D --yes',
      '       polity sharing receipt ENTRY [--out FILE] | verify-receipt FILE --genesis G [--entry ID]',
    ].join('\n'),
    options: {
      ...COMMON_OPTIONS,
      ...NODE_TARGET_OPTIONS,
      key: { type: 'string' },
      file: { type: 'string' },
      dataset: { type: 'string' },
      record: { type: 'string' },
      holders: { type: 'string' },
      'retention-days': { type: 'string' },
      secret: { type: 'string' },
      out: { type: 'string' },
      'key-out': { type: 'string' },
      holder: { type: 'string' },
      fields: { type: 'string' },
      recipient: { type: 'string' },
      purpose: { type: 'string' },
      days: { type: 'string' },
      subject: { type: 'string' },
      consent: { type: 'string' },
      'legal-basis': { type: 'string' },
      reason: { type: 'string' },
      offset: { type: 'string' },
      limit: { type: 'string' },
      genesis: { type: 'string' },
      entry: { type: 'string' },
      yes: { type: 'boolean', default: false },
    },
    optionHelp: { yes: 'erase, purge and request-erasure are final (the record, its keys and salt destroyed on every holder) and refuse without it' },
    positionals: { min: 1, max: 3 },
    run: (values, positionals, io) => runSharing(values, positionals, io),
  },
};
