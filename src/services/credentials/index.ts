/**
 * Verifiable credentials: a registry of credential types and accredited
 * issuers under governance, W3C VC 2.0 credentials signed with
 * eddsa-jcs-2022, their hashes and Bitstring Status Lists on the chain, and
 * verification for anyone (spec/services/credentials.md).
 */
import { defineService } from '../service.js';
import { credentialsModule } from './module.js';
import { CREDENTIALS_ERRORS } from './errors.js';
import { credentialsRoutes } from './routes.js';
import { DESK_START_OPTIONS } from './routes-desk.js';
import { credentialCommands } from './cli.js';
import { walletCommands } from './cli-wallet.js';
import { credentialsAuthorisation } from './authorisation.js';
import { createCredentialsHost } from './host.js';

export const credentials = defineService({
  name: 'credentials',
  title: 'Credentials',
  module: credentialsModule,
  errors: CREDENTIALS_ERRORS,
  tags: [{ name: 'credentials', description: 'Verifiable credentials: types and trusted issuers, status lists, verification (spec/services/credentials.md).' }],
  routes: credentialsRoutes,
  host: createCredentialsHost,
  startOptions: DESK_START_OPTIONS,
  commands: { ...credentialCommands, ...walletCommands },
  page: { path: '/credentials', title: 'Check a credential', nav: 'Credentials' },
  morePages: [{ path: '/wallet', title: 'Your wallet', nav: 'Wallet', module: 'wallet-page' }],
  authorisation: credentialsAuthorisation,
  spec: 'spec/services/credentials.md',
});
