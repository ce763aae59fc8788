/**
 * `polity org`: member organisations. Reads are open; changes are operations
 * an admin of the organisation signs (with its admin key file, `--key`) and
 * that run once the organisation's threshold of admins approved them.
 *
 *   polity org list
 *   polity org show ID
 *   polity org consent         --org ID --as official|admin|node --key THEIR-KEY-FILE [--out FILE]
 *   polity org official add    --org ID --official KEY --role R [--role R…] (--consent FILE | --consent-key FILE)
 *   polity org official roles  --org ID --official KEY --role R [--role R…]
 *   polity org official remove --org ID --official KEY
 *   polity org admins          --org ID --admin KEY [--admin KEY…] --threshold N [--consent FILE… | --consent-key FILE…]
 *   polity org rotate-node     --org ID --from KEY --to KEY (--consent FILE | --consent-key FILE)
 *   polity org approve OPID    --org ID
 *
 * A key joins an organisation only with its holder's consent (consent.ts):
 * the official (or new admin, or the operator of the new node key) runs
 * `polity org consent` with their own key file and hands the file it writes
 * to the admin, who passes it with --consent. Where one person holds both,
 * --consent-key FILE signs the consent on the spot from that key file. The
 * chain id comes from the node's genesis.
 */
import { isHex } from '../../crypto/bytes.js';
import { ed25519PointProblem } from '../../crypto/ed25519-point.js';
import { createClient } from '../../sdk/client.js';
import { ORG_ID_RE } from '../../runtime/membership.js';
import { apiUrl, optionList, parsePositiveInt, UsageError, type Io } from '../../cli/io.js';
import { loadKeyFileForCli, loadUserKey } from '../../cli/keys.js';
import { readFile, writeFile } from 'node:fs/promises';
import { CONSENT_USES, parseConsents, type ConsentFile, type ConsentUse } from './consent.js';
import { signConsent } from './consent-sign.js';
import { eventOf, submitSigned, type Submitted } from '../../cli/submit.js';
import type { OrgDetailT, OrgListT } from './schemas.js';
import { formatDeadline } from '../iso-time.js';


function orgId(values: Record<string, unknown>): string {
  const v = values.org;
  if (typeof v !== 'string' || !ORG_ID_RE.test(v)) throw new UsageError(`--org: expected an organisation id (lowercase letters, digits, dashes; see \`polity org list\`), got ${JSON.stringify(v ?? null)}`);
  return v;
}

function hexKey(name: string, v: unknown): string {
  if (!isHex(v, 32)) throw new UsageError(`--${name}: expected a 64-hex-digit public key, got ${JSON.stringify(String(v ?? '').slice(0, 70))}`);
  const problem = ed25519PointProblem(v);
  if (problem) throw new UsageError(`--${name}: ${problem}; check the key its holder gave (\`polity keys show\`)`);
  return v as string;
}

function roles(values: Record<string, unknown>): string[] {
  const list = optionList(values.role);
  if (list.length === 0) throw new UsageError('give at least one --role (registrar, issuer, approver, auditor, …)');
  return list;
}

/** Print what an operation did: applied, or waiting for more admins. */
export function reportOp(io: Io, json: boolean, s: Submitted, what: string): number {
  const applied = eventOf(s, 'org.applied');
  const pending = eventOf(s, 'org.pending');
  if (json) {
    const scheduled = eventOf(s, 'validators.scheduled');
    io.out(JSON.stringify({ ok: s.ok, id: s.id, status: s.status, code: s.result?.code, message: s.result?.message, applied: !!applied, ...(pending ? { approvals: pending.approvals, threshold: pending.threshold } : {}), ...(scheduled ? { since: scheduled.since } : {}) }));
  }
  else if (!s.result) io.err(`not committed yet (${s.status}${s.cause ? `; ${s.cause}` : ''}); check with: polity org show`);
  else if (!s.ok) io.err(`refused: ${s.result.code}: ${s.result.message}`);
  else if (applied) {
    io.out(`${what}: done (operation ${s.id})`);
    const scheduled = eventOf(s, 'validators.scheduled');
    if (scheduled) io.out(`the new node key signs from block ${String(scheduled.since)}: restart that node with the new key file from then on (the other validators carry the chain meanwhile)`);
  }
  else io.out(`${what}: waiting for approvals (${String(pending?.approvals)} of ${String(pending?.threshold)}); other admins run: polity org approve ${s.id} --org ${String(pending?.org)}`);
  return s.ok ? 0 : 1;
}

/** The consents given with --consent FILE (what `polity org consent` wrote) and --consent-key FILE (signed here). */
async function consentsOf(values: Record<string, unknown>, chainId: () => Promise<string>, org: string, use: ConsentUse): Promise<ConsentFile[]> {
  const out: ConsentFile[] = [];
  for (const file of optionList(values.consent)) {
    const parsed = parseConsents(await readFile(file, 'utf8').catch(() => {
      throw new UsageError(`--consent: cannot read ${file}`);
    }));
    if (typeof parsed === 'string') throw new UsageError(`--consent ${file}: ${parsed}`);
    out.push(...parsed);
  }
  for (const file of optionList(values['consent-key'])) {
    const key = await loadKeyFileForCli(file, values);
    out.push(signConsent({ chainId: await chainId(), org, use, publicKey: key.publicKey, secretKey: key.secretKey }));
  }
  return out;
}

/** The signature of `key`'s consent among `given`, or a usage error saying how to get one. */
function consentFor(given: readonly ConsentFile[], key: string, org: string, use: ConsentUse): string {
  const c = given.find((x) => x.key === key);
  if (!c) throw new UsageError(`the key ${key.slice(0, 16)}… needs its holder's consent: they run \`polity org consent --org ${org} --as ${use} --key THEIR-KEY-FILE\` and you pass the file with --consent (or --consent-key THEIR-KEY-FILE if you hold it)`);
  if (c.org !== org || c.use !== use) throw new UsageError(`the consent of ${key.slice(0, 16)}… is to be ${c.use} of ${c.org}; it must be to be ${use} of ${org}`);
  return c.signature;
}

export async function runOrg(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const [verb = 'list', ...rest] = positionals;
  const client = createClient({ url: apiUrl(values), timeoutMs: 30_000 });
  const json = values.json === true;
  let chainIdCache: string | undefined;
  const chainId = async (): Promise<string> => (chainIdCache ??= (await client.genesis()).chainId);
  if (verb === 'consent') {
    if (rest.length > 0) throw new UsageError('consent takes no positional arguments');
    const org = orgId(values);
    const use = values.as;
    if (!CONSENT_USES.includes(use as ConsentUse)) throw new UsageError(`--as: expected ${CONSENT_USES.join(', ')}, got ${JSON.stringify(use ?? null)}`);
    const key = await loadUserKey(values);
    const consent = signConsent({ chainId: typeof values['chain-id'] === 'string' ? values['chain-id'] : await chainId(), org, use: use as ConsentUse, publicKey: key.publicKey, secretKey: key.secretKey });
    const text = JSON.stringify(consent);
    if (typeof values.out === 'string') {
      await writeFile(values.out, text + '\n', { flag: 'wx' });
      if (!json) io.out(`wrote your consent to be ${String(use)} of ${org} to ${values.out}; give it to an admin of ${org} (it holds a signature, not your secret key)`);
    }
    if (json || typeof values.out !== 'string') io.out(text);
    return 0;
  }
  if (verb === 'list') {
    if (rest.length > 0) throw new UsageError('list takes no arguments');
    const r = await client.request<OrgListT>('GET', '/v1/orgs');
    if (json) io.out(JSON.stringify(r));
    else {
      io.out(`${r.organisations.length} organisation(s) at height ${r.height}:`);
      for (const o of r.organisations) io.out(`  ${o.id.padEnd(24)} ${o.name.padEnd(28)} ${o.status.padEnd(8)} admins ${o.threshold} of ${o.admins.length}, ${o.nodes.length} node(s), modules ${o.permissions.join(',') || '—'}`);
    }
    return 0;
  }
  if (verb === 'show') {
    if (rest.length !== 1 || !ORG_ID_RE.test(rest[0]!)) throw new UsageError('show takes an organisation id');
    const r = await client.request<OrgDetailT>('GET', `/v1/orgs/${rest[0]}`);
    if (json) io.out(JSON.stringify(r));
    else {
      const o = r.organisation;
      io.out(`${o.name} (${o.id}), ${o.status}`);
      io.out(`  admins (${o.threshold} of ${o.admins.length} must approve):`);
      for (const a of o.admins) io.out(`    ${a}`);
      io.out(`  nodes: ${o.nodes.join(', ') || '—'}`);
      io.out(`  modules: ${o.permissions.join(', ') || '—'}`);
      io.out(`  officials (${r.officials.length}):`);
      for (const f of r.officials) io.out(`    ${f.key}  ${(f.roles ?? []).join(', ')}  since block ${f.since ?? 0}`);
      if (r.pending.length) io.out(`  waiting for approval:`);
      const nowMs = Date.now();
      for (const p of r.pending) io.out(`    ${p.id}  ${p.op.type}  ${p.approvals.length} approval(s), open until ${p.expiresAtMs !== undefined ? formatDeadline(p.expiresAtMs, nowMs) : `block ${p.expiresAt}`}`);
    }
    return 0;
  }

  // Changes: arguments first, so bad usage is refused before a key is read or anything is sent.
  let op: Record<string, unknown>;
  let what: string;
  if (verb === 'official') {
    const [sub] = rest;
    const key = hexKey('official', values.official);
    if (sub === 'add') {
      const org = orgId(values);
      const r = roles(values);
      const consent = consentFor(await consentsOf(values, chainId, org, 'official'), key, org, 'official');
      op = { type: 'registerOfficial', key, roles: r, consent };
      what = 'register the official';
    }
    else if (sub === 'roles') ((op = { type: 'setRoles', key, roles: roles(values) }), (what = 'change the official’s roles'));
    else if (sub === 'remove') ((op = { type: 'removeOfficial', key }), (what = 'remove the official'));
    else throw new UsageError('official takes add, roles or remove');
  } else if (verb === 'admins') {
    const admins = optionList(values.admin).map((k) => hexKey('admin', k));
    if (admins.length === 0) throw new UsageError('give the full new list of admin keys with --admin KEY (repeat it)');
    const threshold = parsePositiveInt('threshold', values.threshold, admins.length);
    const org = orgId(values);
    const current = (await client.request<OrgDetailT>('GET', `/v1/orgs/${org}`)).organisation.admins;
    const added = admins.filter((k) => !current.includes(k));
    const given = added.length > 0 ? await consentsOf(values, chainId, org, 'admin') : [];
    const consents = added.map((k) => ({ key: k, signature: consentFor(given, k, org, 'admin') }));
    op = { type: 'setAdmins', admins, threshold, ...(consents.length > 0 ? { consents } : {}) };
    what = 'replace the admin keys';
  } else if (verb === 'rotate-node') {
    const [from, to] = [hexKey('from', values.from), hexKey('to', values.to)];
    const org = orgId(values);
    op = { type: 'rotateNode', from, to, consent: consentFor(await consentsOf(values, chainId, org, 'node'), to, org, 'node') };
    what = 'rotate the node key';
  } else if (verb === 'approve') {
    if (rest.length !== 1 || !isHex(rest[0], 32)) throw new UsageError('approve takes the operation id (64 hex digits) printed when it was proposed');
    const org = orgId(values);
    const key = await loadUserKey(values);
    return reportOp(io, json, await submitSigned(client, key, 'org', 'approve', { org, id: rest[0] }), 'approve');
  } else {
    throw new UsageError(`unknown action ${JSON.stringify(verb)}; expected list, show, consent, official, admins, rotate-node or approve`);
  }
  const org = orgId(values);
  const key = await loadUserKey(values);
  return reportOp(io, json, await submitSigned(client, key, 'org', 'propose', { org, op }), what);
}
