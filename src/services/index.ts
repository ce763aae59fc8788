/**
 * The one list of the public services this build of Polity runs, in
 * registration order (the order of their modules, routes, commands and
 * navigation). Adding a service is its folder (src/services/<name>/, see
 * service.ts), one line here, and its page under spec/services/.
 */
import type { ServiceDefinition } from './service.js';
import { notary } from './notary/index.js';
import { evidence } from './evidence/index.js';
import { validators } from './validators/index.js';
import { did } from './did/index.js';
import { org } from './org/index.js';
import { gov } from './gov/index.js';
import { credentials } from './credentials/index.js';
import { invoices } from './invoices/index.js';
import { sharing } from './sharing/index.js';

export const SERVICES: readonly ServiceDefinition<any>[] = [notary, evidence, validators, did, org, gov, credentials, invoices, sharing];

/** The modules of the services: what a chain runs. */
export const builtinModules = SERVICES.map((s) => s.module);
