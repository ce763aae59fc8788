/** Who holds a key, in words, for the explorer and the verify page. */
import { getJson } from './api.js';
import type { MemberResponse, OrgsResponse } from './api-types.js';

/**
 * Who holds a key, in words: "Registrar, Civil Registry". From this node's
 * current state (GET /v1/members/{key}, /v1/orgs): today's roles, which the
 * title says may differ from those at the block. Undefined for a key no
 * organisation holds (a citizen: nothing to name).
 */
export async function memberInWords(pubKey: string): Promise<{ name: string; height: number } | undefined> {
  const [member, orgs] = await Promise.all([getJson<MemberResponse>(`/v1/members/${pubKey}`), getJson<OrgsResponse>('/v1/orgs')]);
  const orgName = (id: string | undefined) => orgs.organisations.find((o) => o.id === id)?.name ?? id ?? '';
  const title = (r: string) => r.charAt(0).toUpperCase() + r.slice(1);
  if (member.nodeOf) return { name: `Node of ${orgName(member.nodeOf)}`, height: orgs.height };
  if (!member.org) return undefined;
  const roles = member.admin ? ['Admin'] : [...new Set(member.roles)].map(title);
  return { name: `${roles.length ? roles.join(' and ') : 'Member'}, ${orgName(member.org)}`, height: orgs.height };
}

