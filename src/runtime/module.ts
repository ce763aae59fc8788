/**
 * What a service module is: a name and a table of actions, each with the JSON
 * schema of its arguments and a deterministic state transition.
 *
 * A transition sees only its `ActionContext`: the transaction's signer and id,
 * the block's height and time, and key-value state. No clock, randomness or
 * I/O reaches it, so every node computes the same result from the same block.
 * To fail, an action throws `PolityError` with a domain code; the runtime turns
 * that into a failed result and discards every write the action made.
 */
import type { TSchema, Static } from '@sinclair/typebox';
import type { Json } from '../crypto/canonical-json.js';
import type { TxEvent } from '../ledger/block.js';
import type { Validator } from '../ledger/genesis.js';

export interface ActionContext {
  readonly chainId: string;
  readonly height: number;
  /** Block time, ms since the epoch (from the header, the same on every node). */
  readonly time: number;
  readonly txId: string;
  readonly txIndex: number;
  readonly signer: string;
  /** The validator set that signs this block. */
  readonly validators: readonly Validator[];
  /** The transition rules of this block (runtime/rules.ts): fixed for the whole block, the same on every node. */
  readonly rulesVersion: number;
  /** The signer's organisation and roles (computed on first use). */
  readonly caller: Caller;
  /** Names of the modules this chain runs (governance grants permissions in them). */
  readonly modules: readonly string[];
  /** Every role an official can hold on this chain: the common ones and those the modules define. */
  readonly roles: readonly string[];
  get(key: string): Json | undefined;
  has(key: string): boolean;
  set(key: string, value: Json): void;
  delete(key: string): void;
  emit(event: TxEvent): void;
}

/**
 * Who may call an action, checked by the runtime before the action runs
 * (spec/identity.md §4). A refusal is a failed transaction with an AUTH_*
 * code, and nothing but the signer's nonce changes.
 *
 * - `anyone`: any key — a citizen, a business, a holder of a DID. The action
 *   itself checks object-level rights (e.g. that the signer controls the DID
 *   it changes) and says so in its description.
 * - `validator`: a node key of the validator set that signs the block.
 * - `orgAdmin`: an admin key of an active member organisation.
 * - `{ roles }`: an official of an active member organisation that holds the
 *   module's permission, with at least one of these roles (an organisation's
 *   admins hold every role of their organisation).
 */
export type Access = 'anyone' | 'validator' | 'orgAdmin' | { roles: readonly string[] };

/** The signer as the membership layer knows it, given to actions that need it. */
export interface Caller {
  /** The active organisation the key belongs to (as official or admin), if any. */
  org?: string;
  /** Roles the key holds there (admins: 'admin' plus every role). */
  roles: readonly string[];
  /** True for an admin key of `org`. */
  admin: boolean;
}

export interface ActionDefinition<S extends TSchema = TSchema> {
  /** JSON schema of the arguments (also published in the OpenAPI document). */
  args: S;
  description: string;
  /** Who may call it (checked before `execute`). */
  access: Access;
  /**
   * The arguments under an earlier rules version, where they differed (runtime/rules.ts): a chain
   * at that version checks these instead, so its old blocks replay with the same refusals.
   */
  argsByRules?: Readonly<Record<number, TSchema>>;
  execute(ctx: ActionContext, args: Static<S>): void;
}

/**
 * The state keys a module owns. Its actions may write only these — and the
 * keys of the modules named in `writesOf`, through those modules' own
 * functions (governance changes organisations and the validator set). The
 * runtime stops a write outside them as a bug (a broken invariant), so one
 * service can never silently overwrite another's records.
 */
export interface StateKeys {
  /** Keys the module owns: an entry ending in "/" is a prefix, any other an exact key. */
  owns: readonly string[];
  /** Modules whose keys this module's actions also write. */
  writesOf?: readonly string[];
}

export interface ModuleDefinition {
  name: string;
  description: string;
  /** Roles this module's actions use beyond the common ones (admin, registrar, issuer, approver, auditor). */
  roles?: readonly string[];
  state: StateKeys;
  actions: Record<string, ActionDefinition<any>>;
}

/** Does `key` fall under one of `owned` (prefixes ending in "/", or exact keys)? */
export function keyOwnedBy(owned: readonly string[], key: string): boolean {
  for (const k of owned) if (k.endsWith('/') ? key.startsWith(k) : key === k) return true;
  return false;
}

export function defineAction<S extends TSchema>(definition: ActionDefinition<S>): ActionDefinition<S> {
  return definition;
}
