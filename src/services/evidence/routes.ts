/** GET /v1/evidence: equivocation evidence recorded on the chain (spec/services/evidence.md). */
import type { ServiceRoutes } from '../../api/route.js';
import { isPosition, keyCursor, startBelow } from '../../api/paging.js';
import { errorResponses } from '../../schemas/common.js';
import { evidencePage } from './queries.js';
import { EVIDENCE_PAGE_DEFAULT, EvidenceList, EvidenceQuery, type EvidenceHostApi } from './schemas.js';

export const evidenceRoutes: ServiceRoutes<EvidenceHostApi | undefined> = (app, { host, get }) => {
  app.get(
    '/v1/evidence',
    {
      schema: {
        operationId: 'listEvidence',
        tags: ['evidence'],
        summary: 'Equivocation evidence recorded on the chain: validators that signed two conflicting consensus messages, newest first, a page at a time.',
        querystring: EvidenceQuery,
        response: { 200: EvidenceList, ...errorResponses() },
      },
    },
    async (request) => {
      const { limit = EVIDENCE_PAGE_DEFAULT, before, cursor } = request.query;
      const { next, ...page } = evidencePage(get, host?.recordedKeys() ?? [], limit, startBelow(cursor, before, isPosition));
      return { ...page, next: next !== undefined ? keyCursor(next) : null };
    },
  );
};
