/** Error codes of member organisations (spec/services/org.md). */
import { defineErrors, type DetailsOf } from '../../ledger/errors.js';

export const ORG_ERRORS = defineErrors({
  ORG_UNKNOWN: { status: 404, arises: '`org.*`, `gov.*`, `GET /v1/orgs/{id}`', meaning: 'no such organisation' },
  ORG_INACTIVE: { status: 409, arises: '`org.*`, `gov.*`', meaning: 'the organisation was removed' },
  ORG_EXISTS: { status: 409, arises: '`gov` addOrganisation', meaning: 'the id is taken (ids are never reused)' },
  ORG_INVALID: { status: 400, arises: '`org.*`, `gov.*`', meaning: 'a malformed organisation or operation (threshold above the admins, a key listed twice, a full list)' },
  ORG_OP_UNKNOWN: { status: 404, arises: '`org.approve`', meaning: 'no such pending operation' },
  ORG_OP_EXPIRED: { status: 409, arises: '`org.approve`', meaning: 'the operation lapsed before enough admins approved it: this block’s time is past its deadline (`expiresAtMs`)' },
  ORG_ALREADY_APPROVED: { status: 409, arises: '`org.approve`', meaning: 'this admin approved already' },
  ORG_OFFICIAL_EXISTS: { status: 409, arises: '`org.propose`', meaning: 'the key already acts for an organisation, or is a node key (a key has one use)' },
  ORG_CONSENT_INVALID: {
    status: 400,
    arises: '`org.propose` registerOfficial, setAdmins, rotateNode',
    meaning: "a key the operation binds lacks its holder's consent (a signature by that key for this chain, organisation and use; `polity org consent`)",
  },
  ORG_KEY_RESERVED: { status: 409, arises: '`org.propose`, `gov` addOrganisation', meaning: 'a pending operation binds the key; it is free once that operation runs or expires' },
  ORG_OFFICIAL_UNKNOWN: { status: 404, arises: '`org.propose`', meaning: 'the key is not an official of this organisation' },
  ORG_ROLE_UNKNOWN: { status: 400, arises: '`org.propose`', meaning: 'a role no module defines (or `admin`, which is set with setAdmins)' },
  ORG_NODE_UNKNOWN: { status: 404, arises: '`org.propose` rotateNode', meaning: "the node key is not the organisation's" },
  ORG_HAS_VALIDATORS: { status: 409, arises: '`gov` removeOrganisation', meaning: 'the organisation runs validators; change the set first' },
});

declare module '../../ledger/errors.js' {
  interface ErrorRegistry extends DetailsOf<typeof ORG_ERRORS> {}
}
