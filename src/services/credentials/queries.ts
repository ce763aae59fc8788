/** Pure reads of the credentials service: what its routes, `polity credential` and its page show. */
import type { Json } from '../../crypto/canonical-json.js';
import { accreditations, getType, inForce, listTypes, accreditedIndexKey, type Get, type Position, type CredentialType } from './registry.js';
import { bitsKey, entriesOf, orgLists, type OrgLists } from './module.js';
import { assemble, type StatusPurpose } from './status-list.js';
import type { Static } from '@sinclair/typebox';
import type { AccreditationView } from './schemas.js';

export { listTypes };

/** A type with every accreditation record, each marked whether it holds at `at`. */
export function typeDetail(get: Get, name: string, at: Position): { type: CredentialType; accreditations: Static<typeof AccreditationView>[] } | undefined {
  const type = getType(get, name);
  if (!type) return undefined;
  const orgs = (get(accreditedIndexKey(name)) as string[] | undefined) ?? [];
  const out: Static<typeof AccreditationView>[] = [];
  for (const org of orgs) {
    const history = accreditations(get, name, org);
    for (const a of history) {
      const holds = inForce([a], a.role, at) !== undefined && (a.parent === undefined || inForce(accreditations(get, name, a.parent), 'accreditor', at) !== undefined);
      out.push({ org, ...a, inForce: holds });
    }
  }
  return { type, accreditations: out };
}

/** Does the organisation have a status list with this number? */
export function listExists(get: Get, org: string, list: number): boolean {
  const lists: OrgLists = orgLists(get, org);
  return list < lists.counts.length && (list > 0 || get(`credentials/lists/${org}`) !== undefined);
}

/** The raw bitstring of a list (16 KiB for 131,072 entries, 128 KiB for 1,048,576). */
export function statusBits(get: (key: string) => Json | undefined, org: string, list: number, purpose: StatusPurpose): Uint8Array {
  return assemble((page) => get(bitsKey(org, list, purpose, page)), entriesOf(orgLists(get as Get, org), list));
}

