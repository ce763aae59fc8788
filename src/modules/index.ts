/** The service modules every Polity chain runs, in registration order. */
import type { ModuleDefinition } from '../runtime/module.js';
import { COMMON_ROLES } from '../runtime/membership.js';
import { notaryModule } from './notary/notary.js';
import { evidenceModule } from './evidence/evidence.js';
import { validatorsModule } from './validators/validators.js';
import { didModule } from './did/did.js';
import { createOrgModule } from './org/org.js';
import { createGovModule } from './gov/gov.js';

/** The modules that do not manage membership themselves. */
const serviceModules: readonly ModuleDefinition[] = [notaryModule, evidenceModule, validatorsModule, didModule];
const names = [...serviceModules.map((m) => m.name), 'org', 'gov'];
/** Every role an official can hold: the common ones and those the modules define. */
export const ROLES: readonly string[] = [...new Set([...COMMON_ROLES, ...serviceModules.flatMap((m) => m.roles ?? [])])];

export const builtinModules: readonly ModuleDefinition[] = [...serviceModules, createOrgModule(ROLES), createGovModule(names)];
