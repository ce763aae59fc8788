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
import { memberInfo, orgDetail } from './queries.js';
import { MemberInfo, MemberParams, OrgDetail, OrgList, OrgParams, type OrgListT } from './schemas.js';

export const orgRoutes: ServiceRoutes = (app, { node, get }) => {
  app.get(
    '/v1/orgs',
    { schema: { operationId: 'listOrgs', tags: ['membership'], summary: 'Member organisations (active and removed), with the governance parameters.', response: { 200: OrgList, ...errorResponses() } } },
    async () => ({
      height: node.height,
      organisations: listOrgs(get),
      governance: (get(GOV_PARAMS_KEY) as unknown as OrgListT['governance'] | undefined) ?? null,
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
      const detail = orgDetail(get, request.params.id, node.height);
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
