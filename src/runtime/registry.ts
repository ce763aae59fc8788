/**
 * The module registry: which modules a chain runs, with their argument
 * validators compiled once. Every node of a chain must register the same
 * modules; the registry is built at start-up and never changes while running.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { ActionDefinition, ModuleDefinition } from './module.js';

export interface RegisteredAction {
  module: string;
  name: string;
  definition: ActionDefinition;
  check: TypeCheck<TSchema>;
}

export interface ModuleRegistry {
  modules: readonly ModuleDefinition[];
  action(module: string, action: string): RegisteredAction | undefined;
  hasModule(module: string): boolean;
}

export function createModuleRegistry(modules: readonly ModuleDefinition[]): ModuleRegistry {
  const table = new Map<string, RegisteredAction>();
  const names = new Set<string>();
  for (const m of modules) {
    if (names.has(m.name)) throw new Error(`module ${m.name} registered twice`);
    names.add(m.name);
    for (const [name, definition] of Object.entries(m.actions)) {
      table.set(`${m.name}.${name}`, { module: m.name, name, definition, check: TypeCompiler.Compile(definition.args) });
    }
  }
  return {
    modules,
    action: (module, action) => table.get(`${module}.${action}`),
    hasModule: (module) => names.has(module),
  };
}

/** First schema error of `value`, as "path: message", for error messages. */
export function firstSchemaError(check: TypeCheck<TSchema>, value: unknown): string {
  const first = check.Errors(value).First();
  if (!first) return 'invalid';
  return `${first.path || '/'}: ${first.message}`;
}
