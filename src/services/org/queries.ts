/** Pure reads of member organisations: what the routes, the console and `polity org` show. */
import type { Json } from '../../crypto/canonical-json.js';
import { callerOf, getOrg, listOrgs, memberKey, type Member } from '../../runtime/membership.js';
import { isoTime } from '../iso-time.js';
import { beforeDeadline } from '../deadline.js';
import { officialsKey, opKey, orgLogKey, pendingOpsKey, type PendingOp } from './module.js';
import type { MemberInfoT, OrgDetailT, OrgLogEntryT, PendingOperationT } from './schemas.js';

type Get = (key: string) => Json | undefined;

/**
 * Where a read stands: the head's height, and the time the next block would
 * have as far as the reader can tell (routes pass the later of the head
 * block's time + 1 ms and the node's clock, since an idle chain cuts no
 * block to move time on). A deadline is judged as a transaction sent now
 * would meet it: the height h + 1, that time.
 */
export interface ReadAt {
  height: number;
  timeMs: number;
}

/** A pending operation as read: its times also as ISO 8601 (UTC). */
export function pendingView(id: string, op: PendingOp): PendingOperationT {
  return {
    id,
    ...op,
    ...(op.proposedAtMs !== undefined ? { proposedAtIso: isoTime(op.proposedAtMs) } : {}),
    ...(op.expiresAtMs !== undefined ? { expiresAtIso: isoTime(op.expiresAtMs) } : {}),
  };
}

/** One organisation with its officials, the operations still pending at `at`, and the log of applied ones. */
export function orgDetail(get: Get, id: string, at: ReadAt): OrgDetailT | undefined {
  const organisation = getOrg(get, id);
  if (!organisation) return undefined;
  const officials = ((get(officialsKey(id)) as string[] | undefined) ?? []).map((key) => ({ key, ...(get(memberKey(key)) as unknown as Member) }));
  const next = { height: at.height + 1, timeMs: at.timeMs };
  const pending = ((get(pendingOpsKey(id)) as string[] | undefined) ?? [])
    .map((opId) => [opId, get(opKey(id, opId)) as unknown as PendingOp | undefined] as const)
    .filter((e): e is readonly [string, PendingOp] => e[1] !== undefined && beforeDeadline(e[1], next))
    .map(([opId, op]) => pendingView(opId, op));
  return { height: at.height, organisation, officials, pending, log: (get(orgLogKey(id)) as unknown as OrgLogEntryT[] | undefined) ?? [] };
}

/** Who a key is: its organisation and roles, and the organisation that runs it as a node key. */
export function memberInfo(get: Get, key: string): MemberInfoT {
  const caller = callerOf(get, key);
  const nodeOf = listOrgs(get).find((o) => o.nodes.includes(key));
  return { key, ...caller, roles: [...caller.roles], ...(nodeOf ? { nodeOf: nodeOf.id } : {}) };
}
