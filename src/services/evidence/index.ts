/**
 * Consensus evidence: proof, recorded on the chain, that a validator signed
 * two conflicting consensus messages (spec/services/evidence.md).
 */
import { defineService } from '../service.js';
import { evidenceModule } from './module.js';
import { EVIDENCE_ERRORS } from './errors.js';
import { evidenceRoutes } from './routes.js';
import { evidenceCommands } from './cli.js';
import { evidenceAuthorisation } from './authorisation.js';
import { createEvidenceHost } from './host.js';

export const evidence = defineService({
  name: 'evidence',
  title: 'Consensus evidence',
  module: evidenceModule,
  errors: EVIDENCE_ERRORS,
  tags: [{ name: 'evidence', description: 'Validators caught signing two conflicting consensus messages, with the proof (spec/services/evidence.md).' }],
  routes: evidenceRoutes,
  host: createEvidenceHost,
  commands: evidenceCommands,
  page: { path: '/evidence', title: 'Consensus evidence', nav: 'Evidence' },
  authorisation: evidenceAuthorisation,
  spec: 'spec/services/evidence.md',
});
