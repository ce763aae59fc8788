/**
 * `polity credential`: verifiable credentials from the command line.
 *
 *   polity credential verify FILE                    is it valid, and why not (exit 0 valid, 1 not)
 *   polity credential verify FILE --offline --status-receipt R --genesis G   the same with no node (cli-offline.ts)
 *   polity credential receipt FILE|HASH [--status] [--out R]                the receipts for that
 *   polity credential types | type NAME              the registry
 *   polity credential issue --type T --subject FILE [--format data-integrity|jwt|sd-jwt] [--valid-until DATE] [--issuer DID] [--out FILE]
 *   polity credential nonce                          a presentation nonce from the node (a verifier's step)
 *   polity credential present FILE… --audience A --nonce N --holder-key KEY [--disclose a,b] [--out FILE]
 *   polity credential verify-presentation FILE --audience A --nonce N
 *   polity credential offer --type T --subject FILE [--tx-code DIGITS]   an OpenID4VCI offer (link and QR code) on the node's issuing desk
 *   polity credential ask --type T --claims A,B --purpose TEXT | asked ID   an OpenID4VP request (link and QR code), and its outcome
 *   polity credential status suspend|reinstate|revoke FILE [--reason R]
 *   polity credential propose define-type --name N --title T --schema FILE
 *   polity credential propose define-type --template diploma|business-licence|driving-licence|residence [--name N]
 *   polity credential propose classify --org ID --kinds university[,…]   (the organisation's kinds; empty: none)
 *   polity credential propose retire-type --name N
 *   polity credential propose accredit|withdraw --org ID --type T --role accreditor|issuer
 *   polity credential enact PROPOSAL
 *   polity credential accredit|withdraw --org ID --type T      (an accreditor's admin)
 *
 * A credential file is a JSON object (Data Integrity), a compact vc+jwt or
 * an SD-JWT VC (cli-presentation.ts holds the presentation commands).
 * Issuing signs the credential locally with the official's key file (--key),
 * checks its claims against the type's schema first, and records only its
 * hash; the credential itself is written to --out (or printed) for the holder.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import { isHex } from '../../crypto/bytes.js';
import { signTx } from '../../ledger/sign.js';
import { ORG_ID_RE } from '../../runtime/membership.js';
import { createClient, type Client } from '../../sdk/client.js';
import { COMMON_OPTIONS, NODE_TARGET_OPTIONS, type Command } from '../../cli/command.js';
import { apiUrl, UsageError, type Io } from '../../cli/io.js';
import { loadUserKey } from '../../cli/keys.js';
import { submitSigned } from '../../cli/submit.js';
import { parseDateTime, xmlDateTime } from '../did/method.js';
import { claimsProblem, schemaProblem } from './claims.js';
import { credentialHash, CREDENTIAL_BYTES_MAX } from './credential.js';
import type { JsonObject } from './data-integrity.js';
import { prepareCredential } from './issuer.js';
import { runCredentialOffer } from './cli-wallet.js';
import { runCredentialAsk } from './cli-wallet-vp.js';
import { looksLikeCompactJws, vcJwtHash, VC_JWT_CHARS_MAX } from './vc-jwt.js';
import { looksLikeSdJwt, sdJwtHash, SD_JWT_CHARS_MAX } from './sd-jwt.js';
import { runPresentation } from './cli-presentation.js';
import { REASONS } from './module.js';
import { TYPE_NAME_RE } from './registry.js';
import { defineTypeDecision, templateOf, TEMPLATES } from './templates.js';
import { fetchReceipt, verifyOfflineCommand } from './cli-offline.js';
import type { Static } from '@sinclair/typebox';
import type { RecordView, SlotView, TypeDetail, TypeList, VerificationViewT } from './schemas.js';

const FILE_BYTES_MAX = CREDENTIAL_BYTES_MAX;

/** What each check is called for a person. */
export const CHECK_WORDS: Record<string, string> = {
  format: 'Format',
  proof: 'Signature',
  issuance: 'Recorded on the chain',
  trust: 'Issuer trusted for this type at issuance',
  claims: 'Claims match the type',
  status: 'Not revoked or suspended',
  validity: 'Within its validity period',
};

async function readJson(path: string, what: string): Promise<JsonObject> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`${what}: cannot read ${path}`);
  }
  if (text.length > FILE_BYTES_MAX) throw new UsageError(`${what}: at most ${FILE_BYTES_MAX} bytes, got ${text.length}`);
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as JsonObject;
  } catch {
    throw new UsageError(`${what}: ${path} is not a JSON object`);
  }
}

/** A credential file: a JSON object (Data Integrity), a compact vc+jwt or an SD-JWT VC (the whole file, surrounding whitespace ignored). */
async function readCredentialFile(path: string): Promise<JsonObject | string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`credential: cannot read ${path}`);
  }
  const trimmed = text.trim();
  if (looksLikeSdJwt(trimmed)) {
    if (trimmed.length > SD_JWT_CHARS_MAX) throw new UsageError(`credential: at most ${SD_JWT_CHARS_MAX} characters of SD-JWT, got ${trimmed.length}`);
    return trimmed;
  }
  if (looksLikeCompactJws(trimmed)) {
    if (trimmed.length > VC_JWT_CHARS_MAX) throw new UsageError(`credential: at most ${VC_JWT_CHARS_MAX} characters of vc+jwt, got ${trimmed.length}`);
    return trimmed;
  }
  return readJson(path, 'credential');
}

/** The hash the chain records for a credential of either form. */
const hashOf = (credential: JsonObject | string): string => (typeof credential === 'string' ? (credential.includes('~') ? sdJwtHash(credential) : vcJwtHash(credential)) : credentialHash(credential));

const typeName = (v: unknown): string => {
  if (typeof v !== 'string' || !TYPE_NAME_RE.test(v)) throw new UsageError(`--type: expected a type name (a capital letter, then 2-63 letters or digits), got ${JSON.stringify(v ?? null)}`);
  return v;
};
const orgId = (v: unknown): string => {
  if (typeof v !== 'string' || !ORG_ID_RE.test(v)) throw new UsageError(`--org: expected an organisation id, got ${JSON.stringify(v ?? null)}`);
  return v;
};

/** Print a verification in words; exit 0 when valid, 1 when not. */
export function printVerification(v: VerificationViewT, io: Io): number {
  for (const c of v.checks) io.out(`${c.ok === true ? '✓' : c.ok === false ? '✗' : '·'} ${CHECK_WORDS[c.check] ?? c.check}: ${c.detail}`);
  if (v.verified) {
    io.out(`VALID — ${v.issuance!.credentialType} issued by ${v.issuance!.org} at height ${v.issuance!.height}`);
    return 0;
  }
  io.out(`NOT VALID (${v.code}): ${v.message}`);
  return 1;
}

async function verify(client: Client, file: string, io: Io, json: boolean): Promise<number> {
  const credential = await readCredentialFile(file);
  const v = await client.request<VerificationViewT>('POST', '/v1/credentials/verify', { credential });
  if (json) {
    io.out(JSON.stringify(v, null, 2));
    return v.verified ? 0 : 1;
  }
  return printVerification(v, io);
}

async function issue(client: Client, values: Record<string, unknown>, io: Io): Promise<number> {
  const type = typeName(values.type);
  if (typeof values.subject !== 'string') throw new UsageError('--subject: expected a JSON file of the claims (credentialSubject)');
  const subject = await readJson(values.subject, '--subject');
  const validUntil = values['valid-until'];
  if (validUntil !== undefined && parseDateTime(validUntil) === undefined) throw new UsageError('--valid-until: expected a date-time with a zone, e.g. 2030-06-30T00:00:00Z');
  const format = values.format ?? 'data-integrity';
  if (format !== 'data-integrity' && format !== 'jwt' && format !== 'sd-jwt') throw new UsageError('--format: data-integrity (an eddsa-jcs-2022 proof, the default), jwt (a compact vc+jwt) or sd-jwt (an SD-JWT VC, every claim selectively disclosable)');
  const key = await loadUserKey(values);
  const [detail, member, genesis, nonce] = await Promise.all([
    client.request<Static<typeof TypeDetail>>('GET', `/v1/credentials/types/${type}`),
    client.request<{ org?: string }>('GET', `/v1/members/${key.publicKey}`),
    client.genesis(),
    client.nonce(key.publicKey),
  ]);
  if (!member.org) throw new UsageError('the key is not an official of any organisation');
  const problem = claimsProblem(detail.type.schema, subject);
  if (problem) {
    io.err(`polity credential issue: CREDENTIALS_CLAIMS_INVALID: the claims do not match the ${type} schema at ${problem}`);
    return 1;
  }
  const slot = await client.request<Static<typeof SlotView>>('GET', `/v1/credentials/lists/${member.org}/slot?signer=${key.publicKey}&nonce=${nonce}`);
  const prepared = prepareCredential({
    org: member.org,
    key,
    ...(typeof values.issuer === 'string' ? { issuer: values.issuer } : {}),
    slot,
    credentialType: type,
    subject,
    id: `urn:uuid:${randomUUID()}`,
    created: xmlDateTime(Date.now()),
    ...(typeof validUntil === 'string' ? { validUntil } : {}),
    statusBaseUrl: client.url,
    format,
    randomBytes,
  });
  const tx = signTx({ v: 1, chainId: genesis.chainId, module: 'credentials', action: 'issue', args: prepared.args as never, signer: key.publicKey, nonce }, key.secretKey);
  const outcome = await client.submitTx(tx, { wait: true, timeoutMs: 20_000 });
  if (outcome.status !== 'committed' || outcome.result.code !== 'OK') {
    const r = outcome.status === 'committed' ? outcome.result : undefined;
    io.err(`polity credential issue: ${r ? `${r.code}: ${r.message ?? ''}` : `not committed (${outcome.status})`}`);
    return 1;
  }
  const text = (typeof prepared.credential === 'string' ? prepared.credential : JSON.stringify(prepared.credential, null, 2)) + '\n';
  if (typeof values.out === 'string') {
    await writeFile(values.out, text, { flag: 'wx' });
    io.out(`issued ${type} ${prepared.hash} at height ${outcome.height} (status list ${slot.list}, index ${slot.index}); credential written to ${values.out}`);
  } else io.out(text.trimEnd());
  return 0;
}

async function setStatus(client: Client, values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const [, verb, target] = positionals;
  const status = verb === 'suspend' ? 'suspended' : verb === 'reinstate' ? 'active' : verb === 'revoke' ? 'revoked' : undefined;
  if (!status || !target) throw new UsageError('expected: status suspend|reinstate|revoke FILE|HASH');
  if (status === 'revoked' && values.yes !== true) throw new UsageError('revocation is final: the credential can never be reinstated (suspend it instead to pause it); add --yes to go ahead');
  const hash = isHex(target, 32) ? target : hashOf(await readCredentialFile(target));
  const reason = values.reason;
  if (reason !== undefined && !(REASONS as readonly unknown[]).includes(reason)) throw new UsageError(`--reason: one of ${REASONS.join(', ')}`);
  const key = await loadUserKey(values);
  const s = await submitSigned(client, key, 'credentials', 'setStatus', { hash, status, ...(reason ? { reason } : {}) });
  if (!s.ok) {
    io.err(`polity credential status: ${s.result ? `${s.result.code}: ${s.result.message ?? ''}` : s.status}`);
    return 1;
  }
  io.out(`${hash}: ${status} at height ${s.height}`);
  return 0;
}

async function propose(client: Client, values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const kind = positionals[1];
  let decision: Record<string, unknown>;
  if (kind === 'define-type' && typeof values.template === 'string') {
    const t = templateOf(values.template);
    if (!t) throw new UsageError(`--template: one of ${TEMPLATES.map((x) => x.template).join(', ')}`);
    decision = defineTypeDecision(t, values.name === undefined ? t.name : typeName(values.name)) as Record<string, unknown>;
  } else if (kind === 'classify') {
    const kinds = typeof values.kinds === 'string' && values.kinds !== '' ? values.kinds.split(',').map((k) => k.trim()) : [];
    if (kinds.some((k) => !/^[a-z][a-z0-9-]{1,31}$/.test(k))) throw new UsageError('--kinds: comma-separated kinds such as university,municipality (lowercase, hyphens); empty removes every kind');
    decision = { type: 'classify', org: orgId(values.org), kinds };
  } else if (kind === 'define-type') {
    const name = typeName(values.name);
    if (typeof values.title !== 'string' || values.title.length === 0 || values.title.length > 128) throw new UsageError('--title: 1-128 characters');
    if (typeof values.schema !== 'string') throw new UsageError('--schema: expected a JSON Schema file for the claims');
    const schema = await readJson(values.schema, '--schema');
    const wrong = schemaProblem(schema);
    if (wrong) throw new UsageError(`--schema: ${wrong}`);
    decision = { type: 'defineType', name, title: values.title, schema };
  } else if (kind === 'retire-type') decision = { type: 'retireType', name: typeName(values.name) };
  else if (kind === 'accredit' || kind === 'withdraw') {
    if (values.role !== 'accreditor' && values.role !== 'issuer') throw new UsageError('--role: accreditor or issuer');
    decision = { type: kind, org: orgId(values.org), credentialType: typeName(values.type), role: values.role };
  } else throw new UsageError('expected: propose define-type|retire-type|accredit|withdraw|classify');
  const key = await loadUserKey(values);
  const s = await submitSigned(client, key, 'gov', 'propose', { change: { type: 'serviceDecision', module: 'credentials', decision } });
  if (!s.ok) {
    io.err(`polity credential propose: ${s.result ? `${s.result.code}: ${s.result.message ?? ''}` : s.status}`);
    return 1;
  }
  const executed = s.result?.events.some((e) => e.type === 'gov.executed');
  io.out(`proposal ${s.id} ${executed ? 'executed; enact it with: polity credential enact ' + s.id : 'open; organisations vote with polity gov vote ' + s.id}`);
  return 0;
}

async function simple(client: Client, values: Record<string, unknown>, io: Io, action: string, args: Record<string, unknown>, done: string): Promise<number> {
  const key = await loadUserKey(values);
  const s = await submitSigned(client, key, 'credentials', action, args);
  if (!s.ok) {
    io.err(`polity credential ${action}: ${s.result ? `${s.result.code}: ${s.result.message ?? ''}` : s.status}`);
    return 1;
  }
  io.out(`${done} at height ${s.height}`);
  return 0;
}

export async function runCredential(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const client = createClient({ url: apiUrl(values) });
  const [sub] = positionals;
  switch (sub) {
    case 'verify':
      if (!positionals[1]) throw new UsageError('expected: verify FILE');
      if (values.offline === true) return verifyOfflineCommand(await readCredentialFile(positionals[1]), values, io, printVerification);
      return verify(client, positionals[1], io, values.json === true);
    case 'receipt': {
      const target = positionals[1] ?? '';
      return fetchReceipt(client, isHex(target, 32) ? target : hashOf(await readCredentialFile(target)), values, io);
    }
    case 'types': {
      const list = await client.request<Static<typeof TypeList>>('GET', '/v1/credentials/types');
      for (const t of list.types) io.out(`${t.name.padEnd(28)} ${t.retiredAt ? '(retired) ' : ''}${t.title}`);
      if (list.types.length === 0) io.out('no credential types yet');
      return 0;
    }
    case 'type': {
      const d = await client.request<Static<typeof TypeDetail>>('GET', `/v1/credentials/types/${typeName(positionals[1])}`);
      io.out(values.json ? JSON.stringify(d, null, 2) : `${d.type.name}: ${d.type.title}\n${d.accreditations.map((a) => `  ${a.org.padEnd(24)} ${a.role.padEnd(10)} from ${a.from.height}${a.until ? ` until ${a.until.height}` : ''}${a.parent ? ` (by ${a.parent})` : ''}${a.inForce ? '' : ' — not in force'}`).join('\n')}`);
      return 0;
    }
    case 'record': {
      const target = positionals[1] ?? '';
      const hash = isHex(target, 32) ? target : hashOf(await readCredentialFile(target));
      io.out(JSON.stringify(await client.request<Static<typeof RecordView>>('GET', `/v1/credentials/records/${hash}`), null, 2));
      return 0;
    }
    case 'issue':
      return issue(client, values, io);
    case 'offer':
      // OpenID4VCI: an offer on the node's issuing desk (cli-wallet.ts).
      return runCredentialOffer(values, io);
    case 'ask':
    case 'asked':
      // OpenID4VP: a verifying official asks for a presentation, and reads the outcome (cli-wallet-vp.ts).
      return runCredentialAsk(sub, values, positionals[1], io);
    case 'nonce':
    case 'present':
    case 'verify-presentation':
      return runPresentation(client, values, positionals, io, { readCredentialFile, checkWords: CHECK_WORDS });
    case 'status':
      return setStatus(client, values, positionals, io);
    case 'propose':
      return propose(client, values, positionals, io);
    case 'enact': {
      const id = positionals[1];
      if (!isHex(id, 32)) throw new UsageError('expected: enact PROPOSAL (a 64-hex-digit proposal id)');
      return simple(client, values, io, 'enact', { proposal: id }, `enacted ${id.slice(0, 16)}…`);
    }
    case 'accredit':
    case 'withdraw':
      return simple(client, values, io, sub, { org: orgId(values.org), credentialType: typeName(values.type) }, `${sub === 'accredit' ? 'accredited' : 'withdrew'} ${String(values.org)} for ${String(values.type)}`);
    default:
      throw new UsageError(`unknown subcommand ${JSON.stringify(sub ?? '')}`);
  }
}

export const credentialCommands: Record<string, Command> = {
  credential: {
    summary: 'verifiable credentials: verify a credential file; the registry of types and issuers; issue, suspend, reinstate, revoke (signed with --key)',
    usage:
      'polity credential verify FILE [--json] | verify FILE --offline --status-receipt R [--status-receipt R2] --genesis G [--max-status-age SECONDS]\n       polity credential receipt FILE|HASH [--status] [--out R]\n       polity credential types | type NAME | record FILE|HASH\n       polity credential issue --type T --subject FILE [--format data-integrity|jwt|sd-jwt] [--valid-until DATE] [--issuer DID] [--out FILE] [--key FILE]\n       polity credential nonce | present FILE [FILE…] --audience A --nonce N --holder-key KEY [--disclose a,b] [--out FILE] | verify-presentation FILE --audience A --nonce N [--json]\n       polity credential ask --type T --claims A,B --purpose TEXT [--format dc+sd-jwt|jwt_vc_json] [--key FILE] | asked ID [--key FILE]\n       polity credential offer --type T --subject FILE [--tx-code DIGITS] [--valid-until DATE] [--key FILE]\n       polity credential status suspend|reinstate FILE|HASH | revoke FILE|HASH --yes [--reason R] [--key FILE]\n       polity credential propose define-type --name N --title T --schema FILE | define-type --template diploma|business-licence|driving-licence|residence [--name N] | retire-type --name N | accredit|withdraw --org ID --type T --role accreditor|issuer | classify --org ID --kinds K1,K2\n       polity credential enact PROPOSAL\n       polity credential accredit|withdraw --org ID --type T',
    options: {
      ...COMMON_OPTIONS,
      ...NODE_TARGET_OPTIONS,
      key: { type: 'string' },
      type: { type: 'string' },
      subject: { type: 'string' },
      'valid-until': { type: 'string' },
      issuer: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      reason: { type: 'string' },
      yes: { type: 'boolean', default: false },
      'tx-code': { type: 'string' },
      name: { type: 'string' },
      title: { type: 'string' },
      schema: { type: 'string' },
      org: { type: 'string' },
      role: { type: 'string' },
      claims: { type: 'string' },
      purpose: { type: 'string' },
      disclose: { type: 'string' },
      audience: { type: 'string' },
      nonce: { type: 'string' },
      'holder-key': { type: 'string' },
      template: { type: 'string' },
      kinds: { type: 'string' },
      offline: { type: 'boolean' },
      'status-receipt': { type: 'string', multiple: true },
      genesis: { type: 'string' },
      'max-status-age': { type: 'string' },
      status: { type: 'boolean' },
    },
    positionals: { min: 1, max: 1 + 16 },
    run: (values, positionals, io) => runCredential(values, positionals, io),
  },
};
