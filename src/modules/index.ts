/** The service modules every Polity chain runs, in registration order. */
import type { ModuleDefinition } from '../runtime/module.js';
import { notaryModule } from './notary/notary.js';
import { evidenceModule } from './evidence/evidence.js';
import { validatorsModule } from './validators/validators.js';

export const builtinModules: readonly ModuleDefinition[] = [notaryModule, evidenceModule, validatorsModule];
