/** Pure reads of member organisations: what the routes, the console and `polity org` show. */
import type { Json } from '../../crypto/canonical-json.js';
import { callerOf, getOrg, listOrgs, memberKey, type Member } from '../../runtime/membership.js';
import { officialsKey, opKey, orgLogKey, pendingOpsKey, type PendingOp } from './module.js';
import type { MemberInfoT, OrgDetailT, OrgLogEntryT } from './schemas.js';

type Get = (key: string) => Json | undefined;

/** One organisation with its officials, the operations still pending at `height`, and the log of applied ones. */
export function orgDetail(get: Get, id: string, height: number): OrgDetailT | undefined {
  const organisation = getOrg(get, id);
  if (!organisation) return undefined;
  const officials = ((get(officialsKey(id)) as string[] | undefined) ?? []).map((key) => ({ key, ...(get(memberKey(key)) as unknown as Member) }));
  const pending = ((get(pendingOpsKey(id)) as string[] | undefined) ?? [])
    .map((opId) => ({ id: opId, ...(get(opKey(id, opId)) as unknown as PendingOp) }))
    .filter((op) => op.expiresAt > height);
  return { height, organisation, officials, pending, log: (get(orgLogKey(id)) as unknown as OrgLogEntryT[] | undefined) ?? [] };
}

/** Who a key is: its organisation and roles, and the organisation that runs it as a node key. */
export function memberInfo(get: Get, key: string): MemberInfoT {
  const caller = callerOf(get, key);
  const nodeOf = listOrgs(get).find((o) => o.nodes.includes(key));
  return { key, ...caller, roles: [...caller.roles], ...(nodeOf ? { nodeOf: nodeOf.id } : {}) };
}
