/**
 * Reads of the membership layer: organisations, their officials and pending
 * operations, who a key is, and governance proposals with their full history
 * (spec/identity.md §7). All public: the consortium's make-up and decisions
 * are what every member and citizen may audit. Officials appear as keys and
 * roles only; the chain holds no names of people.
 *
 * Changes go through signed transactions (POST /v1/tx), authorised on chain.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { PolityError } from '../ledger/errors.js';
import type { PolityNode } from '../node/node.js';
import { callerOf, getOrg, listOrgs, memberKey, ORG_ID_PATTERN, type Member } from '../runtime/membership.js';
import { officialsKey, opKey, orgLogKey, pendingOpsKey } from '../services/org/module.js';
import { GOV_INDEX_KEY, govParams, proposalKey, statusAt, type Proposal, type ProposalStatus } from '../services/gov/module.js';
import * as S from './schemas.js';
import { builtinModules, ROLES } from '../services/index.js';

const OrgParams = Type.Object({ id: Type.String({ pattern: ORG_ID_PATTERN }) });
const KeyParams = Type.Object({ key: S.Hex32 });
const IdParams = Type.Object({ id: S.Hex32 });
const ProposalsQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(['open', 'executed', 'rejected', 'failed', 'expired'].map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    before: Type.Optional(S.Hex32),
  },
  { additionalProperties: false },
);

export function registerMembershipRoutes(app: FastifyInstance, node: PolityNode): void {
  const get = (key: string) => node.getState(key);
  const errors = { 400: S.ErrorBody, 404: S.ErrorBody };
  /** A proposal as read at the head: its status is the one a vote in the next block would meet. */
  const view = (p: Proposal): Omit<Proposal, 'status'> & { status: ProposalStatus } => ({ ...p, status: statusAt(p, node.height + 1) });

  // Who may call what: every action's access rule, published so that anyone can audit it.
  const modules = builtinModules.map((m) => ({
    name: m.name,
    description: m.description,
    actions: Object.entries(m.actions).map(([name, a]) => ({ name, description: a.description, access: a.access })),
  }));
  app.get('/v1/modules', { schema: { tags: ['membership'], summary: 'The modules the chain runs, each action with who may call it, and the roles officials can hold.' } }, async () => ({
    roles: ROLES.filter((r) => r !== 'admin'),
    modules,
  }));

  app.get('/v1/orgs', { schema: { tags: ['membership'], summary: 'Member organisations (active and removed), with the governance parameters.' } }, async () => ({
    height: node.height,
    organisations: listOrgs(get),
    governance: get('gov/params') ? govParams(get) : null,
  }));

  app.get(
    '/v1/orgs/:id',
    { schema: { tags: ['membership'], summary: 'One organisation: admins, threshold, nodes, permissions, officials, pending operations and the log of applied ones.', params: OrgParams, response: errors } },
    async (request) => {
      const { id } = request.params as { id: string };
      const org = getOrg(get, id);
      if (!org) throw new PolityError('ORG_UNKNOWN', `no member organisation ${id}`);
      const officials = ((get(officialsKey(id)) as string[] | undefined) ?? []).map((key) => ({ key, ...(get(memberKey(key)) as unknown as Member) }));
      const pending = ((get(pendingOpsKey(id)) as string[] | undefined) ?? [])
        .map((opId) => ({ id: opId, ...(get(opKey(id, opId)) as unknown as { expiresAt: number }) }))
        .filter((op) => op.expiresAt > node.height);
      return { height: node.height, organisation: org, officials, pending, log: (get(orgLogKey(id)) as unknown[] | undefined) ?? [] };
    },
  );

  app.get(
    '/v1/members/:key',
    { schema: { tags: ['membership'], summary: 'Who a key is: its organisation and roles (empty for a citizen or an unknown key).', params: KeyParams, response: errors } },
    async (request) => {
      const { key } = request.params as { key: string };
      const caller = callerOf(get, key);
      const nodeOf = listOrgs(get).find((o) => o.nodes.includes(key));
      return { key, ...caller, ...(nodeOf ? { nodeOf: nodeOf.id } : {}) };
    },
  );

  app.get(
    '/v1/gov/proposals',
    { schema: { tags: ['governance'], summary: 'Governance proposals, newest first, with their votes and outcome.', querystring: ProposalsQuery, response: errors } },
    async (request) => {
      const q = request.query as { status?: ProposalStatus; limit?: number; before?: string };
      const ids = ((get(GOV_INDEX_KEY) as string[] | undefined) ?? []).slice().reverse();
      const start = q.before ? ids.indexOf(q.before) + 1 : 0;
      if (q.before && start === 0) throw new PolityError('GOV_PROPOSAL_UNKNOWN', 'before: no such proposal');
      const out: ReturnType<typeof view>[] = [];
      for (let i = start; i < ids.length && out.length < (q.limit ?? 50); i++) {
        const p = view(get(proposalKey(ids[i]!)) as unknown as Proposal);
        if (!q.status || p.status === q.status) out.push(p);
      }
      return { height: node.height, proposals: out, total: ids.length };
    },
  );

  app.get(
    '/v1/gov/proposals/:id',
    { schema: { tags: ['governance'], summary: 'One proposal: the change, who proposed it, each organisation’s votes, and its outcome.', params: IdParams, response: errors } },
    async (request) => {
      const { id } = request.params as { id: string };
      const p = get(proposalKey(id)) as unknown as Proposal | undefined;
      if (!p) throw new PolityError('GOV_PROPOSAL_UNKNOWN', `no proposal ${id.slice(0, 16)}…`);
      return { height: node.height, proposal: view(p) };
    },
  );
}
