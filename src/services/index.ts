/** The service modules every Polity chain runs, in registration order. */
import type { ModuleDefinition } from '../runtime/module.js';
import { COMMON_ROLES } from '../runtime/membership.js';
import { notaryModule } from './notary/module.js';
import { evidenceModule } from './evidence/module.js';
import { validatorsModule } from './validators/module.js';
import { didModule } from './did/module.js';
import { createOrgModule } from './org/module.js';
import { createGovModule } from './gov/module.js';
import type { NodeService } from '../node/service-host.js';
import { notaryHost } from './notary/host.js';
import { createEvidenceHost } from './evidence/host.js';

/** The modules that do not manage membership themselves. */
const serviceModules: readonly ModuleDefinition[] = [notaryModule, evidenceModule, validatorsModule, didModule];
const names = [...serviceModules.map((m) => m.name), 'org', 'gov'];
/** Every role an official can hold: the common ones and those the modules define. */
export const ROLES: readonly string[] = [...new Set([...COMMON_ROLES, ...serviceModules.flatMap((m) => m.roles ?? [])])];

export const builtinModules: readonly ModuleDefinition[] = [...serviceModules, createOrgModule(ROLES), createGovModule(names)];

/**
 * The services as the node runs them: each module with its host part, if
 * it has one (src/node/service-host.ts). Until the one service list
 * replaces this file.
 */
export const builtinServices: readonly NodeService[] = builtinModules.map((module) => ({
  name: module.name,
  module,
  ...(module.name === notaryModule.name ? { host: notaryHost() } : module.name === evidenceModule.name ? { host: createEvidenceHost } : {}),
}));
