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
  get(key: string): Json | undefined;
  has(key: string): boolean;
  set(key: string, value: Json): void;
  delete(key: string): void;
  emit(event: TxEvent): void;
}

export interface ActionDefinition<S extends TSchema = TSchema> {
  /** JSON schema of the arguments (also published in the OpenAPI document). */
  args: S;
  description: string;
  execute(ctx: ActionContext, args: Static<S>): void;
}

export interface ModuleDefinition {
  name: string;
  description: string;
  actions: Record<string, ActionDefinition<any>>;
}

export function defineAction<S extends TSchema>(definition: ActionDefinition<S>): ActionDefinition<S> {
  return definition;
}
