/** The service modules every Polity chain runs, in registration order. */
import type { ModuleDefinition } from '../runtime/module.js';
import { COMMON_ROLES } from '../runtime/membership.js';
import { notaryModule } from './notary/module.js';
import { evidenceModule } from './evidence/module.js';
import { validatorsModule } from './validators/module.js';
import { didModule } from './did/module.js';
import { orgModule } from './org/module.js';
import { govModule } from './gov/module.js';

export const builtinModules: readonly ModuleDefinition[] = [notaryModule, evidenceModule, validatorsModule, didModule, orgModule, govModule];
/** Every role an official can hold: the common ones and those the modules define. */
export const ROLES: readonly string[] = [...new Set([...COMMON_ROLES, ...builtinModules.flatMap((m) => m.roles ?? [])])];
