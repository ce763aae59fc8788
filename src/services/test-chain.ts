/**
 * An in-memory chain for module tests: the real registry, executor and
 * genesis state, blocks of one or more transactions, and a state map that
 * each block's writes are applied to. No storage, consensus or network.
 * (Used by tests only; it lives beside the modules so their tests and the
 * authorisation matrix share one harness.)
 */
import type { Json } from '../crypto/canonical-json.js';
import { generateKeyPair, type KeyPair } from '../crypto/ed25519.js';
import type { TxResult } from '../ledger/block.js';
import type { Genesis, GenesisOrganisation, Validator } from '../ledger/genesis.js';
import { signTx } from '../ledger/sign.js';
import { decodeTx } from '../ledger/transaction.js';
import { executeBlock, nextNonce } from '../runtime/executor.js';
import { genesisState } from '../runtime/membership.js';
import type { ModuleDefinition } from '../runtime/module.js';
import { createModuleRegistry } from '../runtime/registry.js';
import { RULES_VERSION_CURRENT, rulesVersionAt } from '../runtime/rules.js';
import { SETS_KEY, validatorSetAt, type ScheduledSet } from '../runtime/validator-schedule.js';

/** One transaction of a block: `key` signs it with its next nonce (within the block too) unless `nonce` is given. */
export interface Call {
  key: KeyPair;
  module: string;
  action: string;
  args: Record<string, unknown>;
  nonce?: number;
  chainId?: string;
}

export interface TestChain {
  readonly genesis: Genesis;
  readonly state: Map<string, Json>;
  readonly height: number;
  /** The last block's time, ms since the epoch (the genesis time before block 1). */
  readonly timeMs: number;
  /** Commit one block of calls; its results, its writes (null = deleted) and its height. */
  block(calls: readonly Call[]): { results: TxResult[]; changes: Map<string, Json | null>; height: number };
  /** Sign `action` of `module` with `key` (the next nonce unless given) and commit it alone in a block. */
  run(key: KeyPair, module: string, action: string, args: Record<string, unknown>, options?: { nonce?: number; chainId?: string }): TxResult;
  /** Commit empty blocks (each one step of time later). */
  skip(blocks?: number): void;
  /** Move the clock on by `ms` without a block: the next block's time is `ms` later than it would have been (deadlines are times). */
  advance(ms: number): void;
  get(key: string): Json | undefined;
}

export interface TestOrg {
  id: string;
  admins: KeyPair[];
  nodes: KeyPair[];
  threshold?: number;
  permissions?: string[];
}

/** Genesis organisations from key pairs; every node of every organisation is a validator of power 1. */
export function testGenesis(orgs: TestOrg[], extra: Partial<Genesis> = {}): Genesis {
  const organisations: GenesisOrganisation[] = orgs.map((o) => ({
    id: o.id,
    name: `Department ${o.id}`,
    admins: o.admins.map((k) => k.publicKey),
    threshold: o.threshold ?? 1,
    nodes: o.nodes.map((k) => k.publicKey),
    ...(o.permissions ? { permissions: o.permissions } : {}),
  }));
  const validators: Validator[] = orgs.flatMap((o) => o.nodes.map((k, i) => ({ name: `${o.id}-${i}`, pubKey: k.publicKey, power: 1 })));
  return { v: 1, chainId: 'polity-test', genesisTime: 1_700_000_000_000, validators, params: { blockTxsMax: 100, blockBytesMax: 1_000_000, notaryBatchHashesMax: 1000, rulesVersion: RULES_VERSION_CURRENT }, organisations, ...extra };
}

export function testOrg(id: string, admins = 1, nodes = 1, more: Partial<TestOrg> = {}): TestOrg {
  return { id, admins: Array.from({ length: admins }, () => generateKeyPair()), nodes: Array.from({ length: nodes }, () => generateKeyPair()), ...more };
}

/**
 * `blockMs`: block time step (block h's time is genesisTime + h × blockMs,
 * plus whatever `advance` added before it);
 * `extraState`: entries block 1 writes beside the genesis state (e.g. an
 * official the test needs without running the org module).
 */
export function createTestChain(genesis: Genesis, modules: readonly ModuleDefinition[], options: { blockMs?: number; extraState?: ReadonlyMap<string, Json> } = {}): TestChain {
  const registry = createModuleRegistry(modules);
  const initial = genesisState(genesis, modules.map((m) => m.name));
  for (const [k, v] of options.extraState ?? []) initial.set(k, v);
  const blockMs = options.blockMs ?? 1000;
  const state = new Map<string, Json>();
  let height = 0;
  let timeMs = genesis.genesisTime;
  let advancedMs = 0;
  const reader = { get: (key: string) => state.get(key) };
  const block = (calls: readonly Call[]): { results: TxResult[]; changes: Map<string, Json | null>; height: number } => {
    height++;
    const nonces = new Map<string, number>();
    const txs = calls.map((c) => {
      const nonce = c.nonce ?? nonces.get(c.key.publicKey) ?? nextNonce(reader, c.key.publicKey);
      nonces.set(c.key.publicKey, nonce + 1);
      return decodeTx(signTx({ v: 1, chainId: c.chainId ?? genesis.chainId, module: c.module, action: c.action, args: c.args as never, signer: c.key.publicKey, nonce }, c.key.secretKey));
    });
    const sets = state.get(SETS_KEY) as unknown as { sets: ScheduledSet[] } | undefined;
    const validators = validatorSetAt(sets, genesis.validators, height).validators;
    timeMs = genesis.genesisTime + height * blockMs + advancedMs;
    // As the chain core: the rules of the state after the previous block (runtime/rules.ts).
    const rulesVersion = rulesVersionAt((key) => state.get(key), genesis.params);
    const exec = executeBlock(registry, reader, { chainId: genesis.chainId, height, time: timeMs, validators, rulesVersion, initial }, txs);
    for (const [k, v] of exec.changes) {
      if (v === null) state.delete(k);
      else state.set(k, v);
    }
    return { results: exec.results, changes: exec.changes, height };
  };
  return {
    genesis,
    state,
    get height() {
      return height;
    },
    get timeMs() {
      return timeMs;
    },
    block,
    run(key, module, action, args, options = {}) {
      return block([{ key, module, action, args, ...options }]).results[0]!;
    },
    skip(blocks = 1) {
      for (let i = 0; i < blocks; i++) block([]);
    },
    advance(ms) {
      if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`advance: expected a whole number of ms, at least 0, got ${ms}`);
      advancedMs += ms;
    },
    get: (key) => state.get(key),
  };
}
