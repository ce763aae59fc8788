/**
 * Deterministic block execution.
 *
 * For each transaction, in block order:
 *   1. stateless admission checks that depend on the block (chain id, expiry,
 *      nonce against the signer's account) — a transaction failing these is
 *      recorded with its error and changes nothing, not even its nonce;
 *   2. the signer's nonce advances (a committed transaction can never run twice);
 *   3. the module action runs against a transaction overlay; on success its
 *      writes join the block overlay, on failure they are discarded and the
 *      result carries the error code and message.
 *
 * Signatures are not checked here: the caller passes only transactions whose
 * signatures it has verified (the mempool verifies each once, in workers).
 * Execution uses no clock, randomness or I/O: the block's height and time
 * come in as arguments.
 */
import type { Json } from '../crypto/canonical-json.js';
import type { TxEvent, TxResult } from '../ledger/block.js';
import type { Validator } from '../ledger/genesis.js';
import { isPolityError, PolityError } from '../ledger/errors.js';
import type { DecodedTx } from '../ledger/transaction.js';
import type { Access, ActionContext, Caller } from './module.js';
import { callerOf, getOrg } from './membership.js';
import { firstSchemaError, type ModuleRegistry } from './registry.js';
import { RULES_VERSION_CURRENT } from './rules.js';
import { Overlay, STATE_KEY_MAX, type StateReader } from './state-view.js';

export interface BlockContext {
  chainId: string;
  height: number;
  time: number;
  /** The validator set that signs the block (modules that check consensus signatures need it). */
  validators: readonly Validator[];
  /** The transition rules of the block (runtime/rules.ts); default the newest this release knows. */
  rulesVersion?: number;
  /** Block 1 only: the genesis state (membership.ts `genesisState`), written before the first transaction. */
  initial?: ReadonlyMap<string, Json>;
}

export interface BlockExecution {
  results: TxResult[];
  /** Every key the block wrote, with its new value (`null` = deleted). */
  changes: Map<string, Json | null>;
}

export function accountKey(signer: string): string {
  return `account/${signer}`;
}

/** The nonce the signer's next transaction must carry. */
export function nextNonce(state: StateReader, signer: string): number {
  const account = state.get(accountKey(signer)) as { nonce: number } | undefined;
  return account ? account.nonce : 0;
}

export function executeBlock(registry: ModuleRegistry, base: StateReader, block: BlockContext, txs: readonly DecodedTx[]): BlockExecution {
  const blockOverlay = new Overlay(base);
  if (block.height === 1) for (const [key, value] of block.initial ?? []) blockOverlay.set(key, value);
  const results: TxResult[] = [];
  for (let i = 0; i < txs.length; i++) {
    results.push(executeTx(registry, blockOverlay, block, txs[i]!, i));
  }
  return { results, changes: blockOverlay.writes };
}

function executeTx(registry: ModuleRegistry, blockOverlay: Overlay, block: BlockContext, decoded: DecodedTx, txIndex: number): TxResult {
  const { body } = decoded.tx;
  const txId = decoded.id;
  const failed = (e: PolityError): TxResult => ({ txId, code: e.code, message: e.message, events: [] });

  if (body.chainId !== block.chainId) return failed(new PolityError('TX_WRONG_CHAIN', `transaction is for chain ${body.chainId}`));
  if (body.expiresAt !== undefined && body.expiresAt < block.height) {
    return failed(new PolityError('TX_EXPIRED', `transaction expired at height ${body.expiresAt}`));
  }
  const expected = nextNonce(blockOverlay, body.signer);
  if (body.nonce !== expected) {
    return failed(new PolityError('TX_NONCE_USED', `nonce ${body.nonce} is not the signer's next nonce ${expected}`));
  }
  blockOverlay.set(accountKey(body.signer), { nonce: expected + 1 });

  const rulesVersion = block.rulesVersion ?? RULES_VERSION_CURRENT;
  const found = registry.action(body.module, body.action);
  // An action a later rules version added is unknown to a chain below it, as it was to the release before.
  const action = found && found.sinceRules <= rulesVersion ? found : undefined;
  if (!action) {
    const code = registry.hasModule(body.module) ? 'TX_UNKNOWN_ACTION' : 'TX_UNKNOWN_MODULE';
    return failed(new PolityError(code, `no action ${body.module}.${body.action}`));
  }
  const check = action.checkAt(rulesVersion);
  if (!check.Check(body.args)) {
    return failed(new PolityError('TX_ARGS_INVALID', `${body.module}.${body.action} arguments: ${firstSchemaError(check, body.args)}`));
  }

  const overlay = new Overlay(blockOverlay);
  const events: TxEvent[] = [];
  let caller: Caller | undefined;
  const ctx: ActionContext = {
    chainId: block.chainId,
    height: block.height,
    time: block.time,
    txId,
    txIndex,
    signer: body.signer,
    validators: block.validators,
    rulesVersion,
    modules: registry.names,
    roles: registry.roles,
    get caller() {
      return (caller ??= callerOf((key) => overlay.get(key), body.signer));
    },
    get: (key) => overlay.get(key),
    has: (key) => overlay.get(key) !== undefined,
    set: (key, value) => {
      if (key.length === 0 || key.length > STATE_KEY_MAX) throw new Error(`invariant broken: state key of ${key.length} characters`);
      if (!action.mayWrite(key)) throw new Error(`invariant broken: ${body.module}.${body.action} wrote ${JSON.stringify(key.slice(0, 64))}, outside the keys of ${body.module}`);
      overlay.set(key, value);
    },
    delete: (key) => {
      if (!action.mayWrite(key)) throw new Error(`invariant broken: ${body.module}.${body.action} deleted ${JSON.stringify(key.slice(0, 64))}, outside the keys of ${body.module}`);
      overlay.delete(key);
    },
    emit: (event) => {
      events.push(event);
    },
  };
  try {
    authorise(action.definition.access, ctx, body.module);
    action.definition.execute(ctx, body.args as never);
  } catch (e) {
    if (isPolityError(e)) return failed(e);
    throw e; // a bug in a module is a broken invariant: crash rather than diverge
  }
  overlay.mergeInto(blockOverlay);
  return { txId, code: 'OK', events };
}

/**
 * May the signer call an action with this access rule? Throws the AUTH_*
 * refusal (spec/identity.md §4). Object-level rights of `anyone` actions are
 * the action's own check.
 */
export function authorise(access: Access, ctx: ActionContext, module: string): void {
  if (access === 'anyone') return;
  if (access === 'validator') {
    if (!ctx.validators.some((v) => v.pubKey === ctx.signer)) throw new PolityError('AUTH_NOT_VALIDATOR', `only a node key of the current validator set may call ${module} actions of this kind`);
    return;
  }
  const caller = ctx.caller;
  if (access === 'orgAdmin') {
    if (!caller.admin) throw new PolityError('AUTH_NOT_ORG_ADMIN', 'only an admin of an active member organisation may do this');
    return;
  }
  if (caller.org === undefined) throw new PolityError('AUTH_NOT_OFFICIAL', 'the signer is not an official of an active member organisation');
  const org = getOrg((key) => ctx.get(key), caller.org)!;
  if (!org.permissions.includes(module)) throw new PolityError('AUTH_ORG_NOT_PERMITTED', `organisation ${org.id} has no permission to act in module ${module}`);
  if (!access.roles.some((r) => caller.roles.includes(r))) throw new PolityError('AUTH_ROLE_MISSING', `this needs the role ${access.roles.join(' or ')}; the signer holds ${caller.roles.length ? caller.roles.join(', ') : 'none'}`);
}
