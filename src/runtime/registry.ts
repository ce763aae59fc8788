/**
 * The module registry: which modules a chain runs, with their argument
 * validators compiled once. Every node of a chain must register the same
 * modules; the registry is built at start-up and never changes while running.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Type, type TSchema } from '@sinclair/typebox';
import { ACTIONS_ADDED, ARGS_ADDED, RULES_VERSION_CURRENT, RULES_VERSION_FIRST } from './rules.js';
import { keyOwnedBy, type ActionDefinition, type ModuleDefinition } from './module.js';
import { COMMON_ROLES } from './membership.js';

export interface RegisteredAction {
  module: string;
  name: string;
  definition: ActionDefinition;
  check: TypeCheck<TSchema>;
  /** The argument check under a rules version: `argsByRules` for that version, else `args` without the arguments added later (rules.ts ARGS_ADDED). */
  checkAt(rulesVersion: number): TypeCheck<TSchema>;
  /** The rules version that added the action (rules.ts ACTIONS_ADDED; 1 for the others). */
  sinceRules: number;
  /** May this action write `key` (its module's keys, and those of the modules it writes through)? */
  mayWrite(key: string): boolean;
}

export interface ModuleRegistry {
  modules: readonly ModuleDefinition[];
  /** The modules' names, in registration order. */
  names: readonly string[];
  /** Every role an official can hold: the common ones and those the modules define. */
  roles: readonly string[];
  action(module: string, action: string): RegisteredAction | undefined;
  hasModule(module: string): boolean;
}

export function createModuleRegistry(modules: readonly ModuleDefinition[]): ModuleRegistry {
  const table = new Map<string, RegisteredAction>();
  const names = new Set<string>();
  for (const m of modules) {
    if (names.has(m.name)) throw new Error(`module ${m.name} registered twice`);
    names.add(m.name);
  }
  for (const m of modules) {
    const owned = [...m.state.owns];
    for (const other of m.state.writesOf ?? []) {
      const target = modules.find((x) => x.name === other);
      if (!target) throw new Error(`module ${m.name} writes the keys of ${other}, which this chain does not run`);
      owned.push(...target.state.owns);
    }
    const mayWrite = (key: string): boolean => keyOwnedBy(owned, key);
    for (const [name, definition] of Object.entries(m.actions)) {
      const check = TypeCompiler.Compile(definition.args);
      // One check per earlier rules version whose arguments differ; compiled once, here.
      const byRules = new Map<number, TypeCheck<TSchema>>();
      const added = ARGS_ADDED[`${m.name}.${name}`] ?? {};
      for (let v = RULES_VERSION_FIRST; v < RULES_VERSION_CURRENT; v++) {
        const own = definition.argsByRules?.[v];
        const later = Object.keys(added).filter((arg) => added[arg]! > v);
        if (own) byRules.set(v, TypeCompiler.Compile(own));
        else if (later.length > 0) byRules.set(v, TypeCompiler.Compile(Type.Omit(definition.args, later)));
      }
      const sinceRules = ACTIONS_ADDED[`${m.name}.${name}`] ?? RULES_VERSION_FIRST;
      table.set(`${m.name}.${name}`, { module: m.name, name, definition, check, checkAt: (v) => byRules.get(v) ?? check, sinceRules, mayWrite });
    }
  }
  return {
    modules,
    names: [...names],
    roles: [...new Set([...COMMON_ROLES, ...modules.flatMap((m) => m.roles ?? [])])],
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
