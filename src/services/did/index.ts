/**
 * Citizen and business identity: the did:polity DID method with key
 * rotation, deactivation and registrar recovery, and W3C DID Resolution over
 * HTTP, did:key included (spec/services/did.md, spec/did-method.md).
 */
import { defineService } from '../service.js';
import { didModule } from './module.js';
import { DID_ERRORS } from './errors.js';
import { didRoutes } from './routes.js';
import { keyOfDid } from './queries.js';
import { didCommands } from './cli.js';
import { didAuthorisation } from './authorisation.js';

export const did = defineService({
  name: 'did',
  title: 'Identity (DIDs)',
  module: didModule,
  errors: DID_ERRORS,
  tags: [{ name: 'identity', description: 'Resolve DIDs (W3C DID Resolution): did:polity from the chain, did:key locally (spec/did-method.md).' }],
  routes: didRoutes,
  resolveDidKey: keyOfDid,
  commands: didCommands,
  page: { path: '/did', title: 'Resolve a DID', nav: 'Resolve a DID' },
  authorisation: didAuthorisation,
  spec: 'spec/services/did.md',
});
