/**
 * E-invoices: issued by a business, acknowledged by the buyer, voided by the
 * seller or reimbursed exactly once by a designated agency, with the tax
 * authority's view of a business's invoices (spec/services/invoices.md).
 */
import { defineService } from '../service.js';
import { invoicesModule } from './module.js';
import { INVOICES_ERRORS } from './errors.js';
import { invoicesRoutes } from './routes.js';
import { invoiceCommands } from './cli.js';
import { invoicesAuthorisation } from './authorisation.js';

export const invoices = defineService({
  name: 'invoices',
  title: 'Invoices',
  module: invoicesModule,
  errors: INVOICES_ERRORS,
  tags: [{ name: 'invoices', description: "E-invoices traced from issuance to a single reimbursement; the tax authority's view of a business's invoices (spec/services/invoices.md)." }],
  routes: invoicesRoutes,
  commands: invoiceCommands,
  page: { path: '/invoices', title: 'Look up an invoice', nav: 'Invoices' },
  authorisation: invoicesAuthorisation,
  spec: 'spec/services/invoices.md',
});
