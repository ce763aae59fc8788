/** GET /v1/evidence: equivocation evidence recorded on the chain (spec/services/evidence.md). */
import type { ServiceRoutes } from '../../api/route.js';
import { errorResponses } from '../../schemas/common.js';
import { evidenceRecords } from './queries.js';
import { EvidenceList, type EvidenceHostApi } from './schemas.js';

export const evidenceRoutes: ServiceRoutes<EvidenceHostApi | undefined> = (app, { host, get }) => {
  app.get(
    '/v1/evidence',
    {
      schema: {
        operationId: 'listEvidence',
        tags: ['evidence'],
        summary: 'Equivocation evidence recorded on the chain: validators that signed two conflicting consensus messages.',
        response: { 200: EvidenceList, ...errorResponses() },
      },
    },
    async () => ({ evidence: evidenceRecords(get, host?.recordedKeys() ?? []) }),
  );
};
