/**
 * The notary: anchor document hashes — one signed transaction each, or
 * millions per block aggregated into one Merkle root — and receipts anyone
 * verifies offline (spec/services/notary.md).
 */
import { defineService } from '../service.js';
import { notaryModule } from './module.js';
import { NOTARY_ERRORS } from './errors.js';
import { notaryRoutes } from './routes.js';
import { StatusFields } from './schemas.js';
import { notaryCommands } from './cli.js';
import { notaryAuthorisation } from './authorisation.js';
import { notaryHost } from './host.js';

export const notary = defineService({
  name: 'notary',
  title: 'Notary',
  module: notaryModule,
  errors: NOTARY_ERRORS,
  tags: [{ name: 'notary', description: 'Anchor document hashes, look them up, and get receipts that verify offline (spec/services/notary.md).' }],
  routes: notaryRoutes,
  host: notaryHost(),
  status: StatusFields,
  commands: notaryCommands,
  page: { path: '/verify', title: 'Verify a document', nav: 'Verify a document' },
  authorisation: notaryAuthorisation,
  spec: 'spec/services/notary.md',
});
