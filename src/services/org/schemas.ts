/** Answers of the organisation routes (spec/services/org.md). Officials appear as keys and roles only. */
import { Type, type Static } from '@sinclair/typebox';
import type { Organisation as OrganisationT } from '../../runtime/membership.js';
import { Height, Hex32, sameType, Word, type Same } from '../../schemas/common.js';
import { deadlineFields } from '../deadline.js';
import { OrgId } from '../schemas.js';
import { OrgOp } from './module.js';


export const OrgParams = Type.Object({ id: OrgId });
export const MemberParams = Type.Object({ key: Hex32 });

export const Organisation = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    admins: Type.Array(Hex32, { description: 'Ed25519 keys of its admins' }),
    threshold: Type.Integer({ minimum: 1, description: 'how many admins must approve an operation (m of n)' }),
    nodes: Type.Array(Hex32, { description: 'node keys it runs; validators among them hold voting power' }),
    permissions: Type.Array(Type.String(), { description: "modules whose role-gated actions its officials may call" }),
    status: Word(['active', 'removed']),
    since: Height,
    removedAt: Type.Optional(Height),
  },
  { title: 'Organisation' },
);
sameType<Same<Static<typeof Organisation>, OrganisationT>>();

export const GovernanceParams = Type.Object(
  {
    approvalNumerator: Type.Integer(),
    approvalDenominator: Type.Integer(),
    votingSeconds: Type.Integer({ minimum: 1, description: 'the voting period in seconds of block time (the default, a week, where governance never set it)' }),
    votingBlocks: Type.Optional(Type.Integer({ description: 'written by the genesis of chains made before voting periods were time; ignored' })),
  },
  { title: 'GovernanceParams', description: 'A proposal executes once approvalNumerator/approvalDenominator of the active organisations approved it, within votingSeconds of block time.' },
);

export const OrgList = Type.Object(
  { height: Height, organisations: Type.Array(Organisation), governance: Type.Union([GovernanceParams, Type.Null()]) },
  { title: 'OrgList' },
);

export const Official = Type.Object(
  {
    key: Hex32,
    org: Type.String(),
    admin: Type.Optional(Type.Boolean()),
    roles: Type.Optional(Type.Array(Type.String())),
    since: Type.Optional(Height),
  },
  { title: 'Official' },
);

export const PendingOperation = Type.Object(
  {
    id: Hex32,
    op: OrgOp,
    approvals: Type.Array(Hex32),
    proposer: Hex32,
    ...deadlineFields('an approval', 'operations proposed before deadlines were times'),
  },
  { title: 'PendingOrgOperation', description: 'An operation of the organisation that waits for its threshold of admins.' },
);

export const OrgLogEntry = Type.Object(
  { height: Height, txId: Hex32, op: OrgOp },
  { title: 'OrgLogEntry', description: 'An operation the organisation applied: the block, the transaction that proposed it, and the operation.' },
);

export const OrgDetail = Type.Object(
  {
    height: Height,
    organisation: Organisation,
    officials: Type.Array(Official),
    pending: Type.Array(PendingOperation),
    log: Type.Array(OrgLogEntry, { description: 'the operations applied, oldest first (the latest 1,000)' }),
  },
  { title: 'OrgDetail' },
);

export const MemberInfo = Type.Object(
  {
    key: Hex32,
    org: Type.Optional(Type.String({ description: 'its active organisation, if any' })),
    roles: Type.Array(Type.String()),
    admin: Type.Boolean(),
    nodeOf: Type.Optional(Type.String({ description: 'the organisation that runs it as a node key' })),
  },
  { title: 'MemberInfo', description: 'Who a key is: empty roles for a citizen or an unknown key.' },
);

export type OrgDetailT = Static<typeof OrgDetail>;
export type OrgListT = Static<typeof OrgList>;
export type MemberInfoT = Static<typeof MemberInfo>;
export type OrgLogEntryT = Static<typeof OrgLogEntry>;
export type PendingOperationT = Static<typeof PendingOperation>;
