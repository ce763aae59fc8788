/**
 * Reads of member organisations (spec/services/org.md): organisations, their
 * officials and pending operations, who a key is. All public: the
 * consortium's make-up is what every member and citizen may audit. Changes
 * go through signed org.* transactions (POST /v1/tx), authorised on chain.
 */
import type { ServiceRoutes } from '../../api/route.js';
import { PolityError } from '../../ledger/errors.js';
import { GOV_PARAMS_KEY, listOrgs } from '../../runtime/membership.js';
import { errorResponses } from '../../schemas/common.js';
import type { PolityNode } from '../../node/node.js';
import { VOTING_SECONDS_DEFAULT } from '../gov/limits.js';
import { memberInfo, orgDetail, type ReadAt } from './queries.js';
import { MemberInfo, MemberParams, OrgDetail, OrgList, OrgParams, type OrgListT } from './schemas.js';

/**
 * Where a read stands (queries.ts ReadAt): the head, and the time the next
 * block would have as far as this node can tell, the later of the head
 * block's time + 1 ms and this node's clock. An idle chain cuts no block, so
 * the head's time alone would keep a deadline open long after it passed; the
 * chain itself decides by block time only (a transaction sent now meets a
 * block whose time is about now, or, on a BFT chain, the commit time of the
 * block before, at most a heartbeat old).
 */
export function readAtNow(node: PolityNode): ReadAt {
  const headTimeMs = node.lastHeader()?.time ?? node.genesis.genesisTime;
  return { height: node.height, timeMs: Math.max(headTimeMs + 1, Date.now()) };
}

export const orgRoutes: ServiceRoutes = (app, { node, get }) => {
  app.get(
    '/v1/orgs',
    { schema: { operationId: 'listOrgs', tags: ['membership'], summary: 'Member organisations (active and removed), with the governance parameters.', response: { 200: OrgList, ...errorResponses() } } },
    async () => ({
      height: node.height,
      organisations: listOrgs(get),
      governance: governance(get(GOV_PARAMS_KEY) as unknown as Omit<NonNullable<OrgListT['governance']>, 'votingSeconds'> & { votingSeconds?: number } | undefined),
    }),
  );

  app.get(
    '/v1/orgs/:id',
    {
      schema: {
        operationId: 'getOrg',
        tags: ['membership'],
        summary: 'One organisation: admins, threshold, nodes, permissions, officials, pending operations and the log of applied ones.',
        params: OrgParams,
        response: { 200: OrgDetail, ...errorResponses(404) },
      },
    },
    async (request) => {
      const detail = orgDetail(get, request.params.id, readAtNow(node));
      if (!detail) throw new PolityError('ORG_UNKNOWN', `no member organisation ${request.params.id}`);
      return detail;
    },
  );

  app.get(
    '/v1/members/:key',
    {
      schema: {
        operationId: 'getMember',
        tags: ['membership'],
        summary: 'Who a key is: its organisation and roles (empty for a citizen or an unknown key).',
        params: MemberParams,
        response: { 200: MemberInfo, ...errorResponses() },
      },
    },
    async (request) => memberInfo(get, request.params.key),
  );
};

/** gov/params as answered: `votingSeconds` always, the default where governance never set it (gov/module.ts). */
function governance(params: (Omit<NonNullable<OrgListT['governance']>, 'votingSeconds'> & { votingSeconds?: number }) | undefined): OrgListT['governance'] {
  return params ? { ...params, votingSeconds: params.votingSeconds ?? VOTING_SECONDS_DEFAULT } : null;
}
