/**
 * The membership model: member organisations, their admins and officials,
 * and the roles and module permissions the runtime checks every transaction
 * against (spec/identity.md §2–4).
 *
 * State:
 *   org/<id>            -> Organisation
 *   org-index           -> [id, …] in order of admission (bounded by ORGS_MAX)
 *   member/<pubKey>     -> { org, admin: true } | { org, roles, since }   (one key, one organisation)
 *
 * A key belongs to at most one organisation, as an admin or as an official:
 * a person who works for two departments holds two keys. No names of people
 * are stored: an official is a key and its roles; the organisation keeps who
 * holds the key in its own records.
 */
import type { Json } from '../crypto/canonical-json.js';
import { DEFAULT_GOVERNANCE, type Genesis } from '../ledger/genesis.js';
import type { Caller } from './module.js';

/** Roles every organisation may give; modules add their own (ModuleDefinition.roles). */
export const COMMON_ROLES = ['admin', 'registrar', 'issuer', 'approver', 'auditor'] as const;
export const ORGS_MAX = 500;
export const ADMINS_MAX = 20;
export const NODES_MAX = 20;
/** Lowercase letters, digits and dashes, 1-64, starting and ending with a letter or digit. */
export const ORG_ID_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$';
export const ORG_ID_RE = new RegExp(ORG_ID_PATTERN);

export interface Organisation {
  id: string;
  name: string;
  /** Ed25519 keys (hex) of the organisation's admins. */
  admins: string[];
  /** How many admins must approve an action of the organisation (m of n). */
  threshold: number;
  /** Node keys the organisation runs (validators among them hold voting power). */
  nodes: string[];
  /** Modules whose role-gated actions the organisation's officials may call. */
  permissions: string[];
  status: 'active' | 'removed';
  /** Height the organisation joined (0: genesis). */
  since: number;
  removedAt?: number;
}

export type Member = { org: string; admin: true } | { org: string; admin?: false; roles: string[]; since: number };

export const orgKey = (id: string): string => `org/${id}`;
export const ORG_INDEX_KEY = 'org-index';
export const memberKey = (pubKey: string): string => `member/${pubKey}`;

type Get = (key: string) => Json | undefined;

export function getOrg(get: Get, id: string): Organisation | undefined {
  return get(orgKey(id)) as unknown as Organisation | undefined;
}

export function listOrgs(get: Get): Organisation[] {
  const ids = (get(ORG_INDEX_KEY) as string[] | undefined) ?? [];
  return ids.map((id) => getOrg(get, id)).filter((o): o is Organisation => o !== undefined);
}

export function activeOrgs(get: Get): Organisation[] {
  return listOrgs(get).filter((o) => o.status === 'active');
}

/** The signer as the membership layer knows it: its active organisation and roles. */
export function callerOf(get: Get, pubKey: string): Caller {
  const m = get(memberKey(pubKey)) as unknown as Member | undefined;
  if (!m) return { roles: [], admin: false };
  const org = getOrg(get, m.org);
  if (!org || org.status !== 'active') return { roles: [], admin: false };
  if (m.admin) return { org: org.id, roles: ['admin', ...COMMON_ROLES.filter((r) => r !== 'admin')], admin: true };
  return { org: org.id, roles: m.roles, admin: false };
}

/** What is wrong with an organisation record (untrusted: genesis or a proposal), or undefined. */
export function organisationError(o: Partial<Organisation>, knownModules: readonly string[]): string | undefined {
  if (typeof o.id !== 'string' || !ORG_ID_RE.test(o.id)) return 'id: expected 1-64 lowercase letters, digits and dashes';
  if (typeof o.name !== 'string' || o.name.length === 0 || o.name.length > 128) return 'name: expected 1-128 characters';
  if (!Array.isArray(o.admins) || o.admins.length === 0 || o.admins.length > ADMINS_MAX) return `admins: expected 1-${ADMINS_MAX} keys`;
  if (!o.admins.every((k) => typeof k === 'string' && /^[0-9a-f]{64}$/.test(k))) return 'admins: expected 32-byte keys in hex';
  if (new Set(o.admins).size !== o.admins.length) return 'admins: a key is listed twice';
  if (!Number.isSafeInteger(o.threshold) || o.threshold! < 1 || o.threshold! > o.admins.length) return `threshold: expected 1 to ${o.admins.length} (the number of admins)`;
  if (!Array.isArray(o.nodes) || o.nodes.length > NODES_MAX) return `nodes: expected at most ${NODES_MAX} keys`;
  if (!o.nodes.every((k) => typeof k === 'string' && /^[0-9a-f]{64}$/.test(k))) return 'nodes: expected 32-byte keys in hex';
  if (new Set(o.nodes).size !== o.nodes.length) return 'nodes: a key is listed twice';
  if (!Array.isArray(o.permissions) || !o.permissions.every((m) => knownModules.includes(m))) return `permissions: expected module names among ${knownModules.join(', ')}`;
  return undefined;
}

export const GOV_PARAMS_KEY = 'gov/params';

/**
 * The state a chain starts from, written by block 1 before its first
 * transaction (so it is committed, proven and stored like any other write):
 * the genesis organisations, their admins, and the governance parameters.
 * Throws on a genesis whose organisations are inconsistent; a node refuses
 * to start on it.
 */
export function genesisState(genesis: Genesis, modules: readonly string[]): Map<string, Json> {
  const out = new Map<string, Json>();
  const orgs = genesis.organisations;
  if (orgs === undefined) return out;
  if (orgs.length > ORGS_MAX) throw new Error(`genesis: at most ${ORGS_MAX} organisations`);
  const owner = new Map<string, string>();
  const ids: string[] = [];
  for (const [i, g] of orgs.entries()) {
    const org: Organisation = { id: g.id, name: g.name, admins: g.admins, threshold: g.threshold, nodes: g.nodes, permissions: g.permissions ?? [...modules], status: 'active', since: 0 };
    const error = organisationError(org, modules);
    if (error) throw new Error(`genesis: organisations[${i}].${error}`);
    if (ids.includes(org.id)) throw new Error(`genesis: organisations[${i}].id: ${org.id} is listed twice`);
    for (const k of [...org.admins, ...org.nodes]) {
      if (owner.has(k)) throw new Error(`genesis: organisations[${i}]: the key ${k.slice(0, 16)}… is listed twice (a key has one use: an admin's or a node's, in one organisation)`);
      owner.set(k, org.id);
    }
    ids.push(org.id);
    out.set(orgKey(org.id), org as unknown as Json);
    for (const k of org.admins) out.set(memberKey(k), { org: org.id, admin: true });
  }
  for (const v of genesis.validators) {
    if (!orgs.some((o) => o.nodes.includes(v.pubKey))) throw new Error(`genesis: validator ${JSON.stringify(v.name)} runs a node key no organisation lists`);
  }
  out.set(ORG_INDEX_KEY, ids);
  out.set(GOV_PARAMS_KEY, { ...(genesis.governance ?? DEFAULT_GOVERNANCE) } as unknown as Json);
  return out;
}

/** An id for an organisation from its name: "Tax Office" -> "tax-office"; "" when nothing usable is left. */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 48)
    .replace(/-+$/, '');
}
