/**
 * Admission: what a transaction goes through before it may wait for a
 * block, and what a peer's block goes through before it is executed.
 *
 * A submitted transaction (from a client or a peer) is decoded and checked
 * in order — chain, expiry, a known action, its argument schema, the nonce
 * and the mempool's room — and only then is its signature verified, on the
 * verifier the node was given: a pool of worker threads in a real node
 * (verify-pool.ts), a cached synchronous check in the simulator. Every
 * element of a submission gets its own outcome, and a rejected one changes
 * nothing. Transactions that pass are added to the mempool in the
 * submission's order once their signatures are checked; transactions that
 * wait behind a nonce gap are bounded, expire and are evicted first
 * (mempool.ts).
 *
 * A verifier that offers `intake` (the worker pool) takes the stateless part
 * whole — decoding, canonical encoding, hashing and the signature — off the
 * main thread first; the checks that read the chain and the mempool then run
 * here on its answers, in the same order and with the same codes as the
 * inline path, so a submission gets the same outcomes either way.
 *
 * Each transaction's signature is verified once per node: the (id,
 * signature) pairs verified at admission are remembered (up to
 * `verifiedIdsMax`), and a peer's block verifies only the transactions this
 * node has not seen. The pair, not the id alone: a transaction's id covers
 * its body only, so a block may carry a body seen before with another
 * signature, which is checked like any other. They are kept in two
 * generations of half the bound each: when the newer fills, the older is
 * dropped, so what was verified last is always remembered (a single set
 * cleared when full forgot everything at once, and the mempool's waiting
 * transactions were all verified again when blocks named them). A solo node
 * validates no one else's blocks and remembers none.
 */
import { PolityError } from '../ledger/errors.js';
import { decodeTx, type DecodedTx, type SignedTx } from '../ledger/transaction.js';
import type { ModuleRegistry } from '../runtime/registry.js';
import { RULES_VERSION_CURRENT } from '../runtime/rules.js';
import type { CommittedBlock } from './chain-state.js';
import { createMempool, DEFAULT_MEMPOOL, type MempoolOptions } from './mempool.js';
import type { IntakeResult } from './tx-intake.js';


export type SubmitOutcome = { txId: string; status: 'accepted' } | { txId?: string; status: 'rejected'; code: string; message: string };

/** Checks transaction signatures. */
export interface TxVerifier {
  /** Resolves true when the transaction's signature is valid for its signer. */
  verify(tx: DecodedTx): Promise<boolean>;
  /** Optional: decode, hash and verify submitted values off the main thread, one answer per value (tx-intake.ts). */
  intake?(values: readonly unknown[], chainId: string | null): Promise<IntakeResult[]>;
}

/** The committed chain as admission reads it. */
export interface AdmissionChain {
  readonly chainId: string;
  readonly height: number;
  nextNonce(signer: string): number;
  /** The rules version the next block runs under (runtime/rules.ts); without it, the newest. */
  rulesVersion?(): number;
}

export interface AdmissionOptions {
  chain: AdmissionChain;
  registry: ModuleRegistry;
  verifier: TxVerifier;
  mempool?: MempoolOptions;
  /** Most verified transaction ids remembered (0: remember none, as a solo node). */
  verifiedIdsMax: number;
  /** Accepted transactions from clients (not from peers): to gossip. */
  onAccepted?(txs: readonly SignedTx[]): void;
  /** Some transaction was accepted: there is work for a block. */
  workAvailable(): void;
  /** Milliseconds now (the node's clock; the simulator's virtual one): when transactions behind a nonce gap expire. */
  now(): number;
}

/**
 * What `verifyBlockTxs` found: was a transaction's signature verified, and
 * the transactions decoded (in the workers), by index, so that block
 * validation does not decode and hash them again.
 */
export type BlockTxsChecked = ((tx: DecodedTx) => boolean) & { readonly decoded: readonly (DecodedTx | undefined)[] };

export interface Admission {
  /** Validate, verify and queue transactions. Every element gets an outcome; bad ones change nothing. */
  submit(values: readonly unknown[], options?: { fromPeer?: boolean }): Promise<SubmitOutcome[]>;
  /** Transactions waiting. */
  readonly size: number;
  /** Bytes of the transactions waiting (the metrics' mempool size). */
  readonly bytes: number;
  /** Transactions waiting behind a nonce gap: no block can take them yet (so their wait is no stall). */
  readonly gapped: number;
  has(txId: string): boolean;
  /** The waiting transaction with this id, decoded and verified here. */
  get(txId: string): DecodedTx | undefined;
  /**
   * Resolves once the peers' submissions in progress now are answered: what
   * a peer gossiped before a message that names its transactions by id (a
   * compact proposal) is then in the mempool, or was refused. Clients'
   * submissions are not waited for: a proposer can name a transaction only
   * once some node accepted and gossiped it, and that gossip is a peer's
   * submission here.
   */
  settled(): Promise<void>;
  /** Up to `limit` waiting transactions, in arrival order. */
  list(limit: number): SignedTx[];
  /** Transactions for the block at `height`: expired ones dropped first, then ready ones, fairly across signers. */
  reap(height: number, txsMax: number, bytesMax: number, which?: { only?: string; skip?: string }): DecodedTx[];
  /**
   * Verify the transactions of a peer's block this node has not verified
   * (those that do not decode are left to block validation to name). Returns
   * the test block validation uses: was this transaction's signature verified?
   * `known[i]`, when given, is the decoded transaction `raw[i]` is (the very
   * object, taken from the mempool): it is not decoded again.
   */
  verifyBlockTxs(raw: readonly unknown[], known?: readonly (DecodedTx | undefined)[]): Promise<BlockTxsChecked>;
  /** A block committed: drop its transactions and those whose nonces it used up. */
  committed(block: CommittedBlock): void;
}

export function createAdmission(options: AdmissionOptions): Admission {
  const { chain, registry, verifier } = options;
  const mempool = createMempool(options.mempool ?? DEFAULT_MEMPOOL);
  /**
   * id -> signature of the transactions whose signature this node verified,
   * newer and older generation (the strings are the transactions' own: no
   * key is built).
   */
  let verifiedNewer = new Map<string, string>();
  let verifiedOlder = new Map<string, string>();
  const generationMax = Math.ceil(options.verifiedIdsMax / 2);
  /** A transaction's (id, signature) pair as one key (a block's own checks). */
  const seen = (d: DecodedTx): string => `${d.id}:${d.tx.sig}`;
  const wasVerified = (d: DecodedTx): boolean => verifiedNewer.get(d.id) === d.tx.sig || verifiedOlder.get(d.id) === d.tx.sig;
  const rememberVerified = (d: DecodedTx): void => {
    if (options.verifiedIdsMax === 0) return;
    if (verifiedNewer.size >= generationMax) {
      verifiedOlder = verifiedNewer;
      verifiedNewer = new Map();
    }
    verifiedNewer.set(d.id, d.tx.sig);
  };

  /** The checks of a decoded transaction before its signature counts; throws PolityError with the first failure. */
  const checkDecoded = (decoded: DecodedTx): void => {
    const body = decoded.tx.body;
    if (body.chainId !== chain.chainId) throw new PolityError('TX_WRONG_CHAIN', `transaction is for chain ${JSON.stringify(body.chainId)}, this is ${JSON.stringify(chain.chainId)}`);
    if (body.expiresAt !== undefined && body.expiresAt <= chain.height) {
      throw new PolityError('TX_EXPIRED', `transaction expired at height ${body.expiresAt}; the chain is at ${chain.height}`);
    }
    // As the next block will check it: a chain at an older rules version takes that version's arguments.
    const rulesVersion = chain.rulesVersion?.() ?? RULES_VERSION_CURRENT;
    const found = registry.action(body.module, body.action);
    const action = found && found.sinceRules <= rulesVersion ? found : undefined;
    if (!action) {
      const code = registry.hasModule(body.module) ? 'TX_UNKNOWN_ACTION' : 'TX_UNKNOWN_MODULE';
      throw new PolityError(code, `no action ${body.module}.${body.action}`);
    }
    const check = action.checkAt(rulesVersion);
    if (!check.Check(body.args)) {
      const first = check.Errors(body.args).First();
      throw new PolityError('TX_ARGS_INVALID', `${body.module}.${body.action} arguments: ${first ? `${first.path || '/'}: ${first.message}` : 'invalid'}`);
    }
    mempool.check(decoded, chain.nextNonce(body.signer));
  };

  /** The checks before the signature; throws PolityError with the first failure. */
  const precheck = (value: unknown): DecodedTx => {
    const decoded = decodeTx(value);
    checkDecoded(decoded);
    return decoded;
  };

  const rejection = (e: unknown): SubmitOutcome => {
    const err = e instanceof PolityError ? e : new PolityError('TX_MALFORMED', (e as Error).message);
    return { status: 'rejected', code: err.code, message: err.message };
  };
  const badSignature = (d: DecodedTx): SubmitOutcome => ({ txId: d.id, status: 'rejected', code: 'TX_BAD_SIGNATURE', message: 'the signature does not verify against body.signer' });

  /** Inline: decode and check each value, then verify the survivors' signatures on the verifier. */
  const checkInline = async (values: readonly unknown[], outcomes: SubmitOutcome[], verified: (DecodedTx | undefined)[]): Promise<void> => {
    const checks: Promise<void>[] = [];
    for (let i = 0; i < values.length; i++) {
      let d: DecodedTx;
      try {
        d = precheck(values[i]);
      } catch (e) {
        outcomes[i] = rejection(e);
        continue;
      }
      checks.push(
        verifier.verify(d).then((ok) => {
          if (!ok) {
            outcomes[i] = badSignature(d);
            return;
          }
          rememberVerified(d);
          verified[i] = d;
        }),
      );
    }
    await Promise.all(checks);
  };

  /** Through intake: decoded and verified off this thread, then the same checks in the same order. */
  const checkThroughIntake = async (intake: NonNullable<TxVerifier['intake']>, values: readonly unknown[], outcomes: SubmitOutcome[], verified: (DecodedTx | undefined)[]): Promise<void> => {
    const results = await intake(values, chain.chainId);
    for (let i = 0; i < values.length; i++) {
      const r = results[i]!;
      if (r.status === 'refused') {
        outcomes[i] = { status: 'rejected', code: r.code, message: r.message };
        continue;
      }
      try {
        checkDecoded(r.decoded);
      } catch (e) {
        outcomes[i] = rejection(e);
        continue;
      }
      // Intake skips the signature only of another chain's transactions, which checkDecoded refused.
      if (r.status !== 'valid') {
        outcomes[i] = badSignature(r.decoded);
        continue;
      }
      rememberVerified(r.decoded);
      verified[i] = r.decoded;
    }
  };

  /** Peers' submissions being answered: what `settled` waits for. */
  const inFlight = new Set<Promise<unknown>>();

  const submit = async (values: readonly unknown[], submitOptions?: { fromPeer?: boolean }): Promise<SubmitOutcome[]> => {
    const outcomes: SubmitOutcome[] = new Array(values.length);
    const accepted: SignedTx[] = [];
    const verified: (DecodedTx | undefined)[] = new Array(values.length);
    if (verifier.intake) await checkThroughIntake(verifier.intake.bind(verifier), values, outcomes, verified);
    else await checkInline(values, outcomes, verified);
    // Added in the submission's order, not in the order the workers finished: a client's
    // consecutive nonces then never look gapped to the mempool's limits on what cannot run.
    const nowMs = options.now();
    mempool.expire(nowMs);
    for (let i = 0; i < values.length; i++) {
      const d = verified[i];
      if (!d) continue;
      try {
        // Checked again: the mempool may have changed while the signature was verified.
        mempool.add(d, chain.nextNonce(d.tx.body.signer), nowMs);
        outcomes[i] = { txId: d.id, status: 'accepted' };
        accepted.push(d.tx);
      } catch (e) {
        const err = e as PolityError;
        outcomes[i] = { txId: d.id, status: 'rejected', code: err.code, message: err.message };
      }
    }
    // A peer's transactions are relayed by the network, not sent back out.
    if (accepted.length > 0 && !submitOptions?.fromPeer) options.onAccepted?.(accepted);
    if (accepted.length > 0) options.workAvailable();
    return outcomes;
  };

  return {
    submit(values, submitOptions) {
      const answered = submit(values, submitOptions);
      if (submitOptions?.fromPeer) {
        inFlight.add(answered);
        const done = (): void => void inFlight.delete(answered);
        answered.then(done, done);
      }
      return answered;
    },
    async settled() {
      if (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    get size() {
      return mempool.size;
    },
    get bytes() {
      return mempool.bytes;
    },
    get gapped() {
      return mempool.gappedCount;
    },
    has: (txId) => mempool.has(txId),
    get: (txId) => mempool.get(txId),
    list: (limit) => mempool.list(limit).map((d) => d.tx),
    reap(height, txsMax, bytesMax, which) {
      mempool.dropExpired(height);
      mempool.expire(options.now());
      return mempool.reap(txsMax, bytesMax, which);
    },
    async verifyBlockTxs(raw, known) {
      const verifiedHere = new Set<string>();
      const checks: Promise<void>[] = [];
      // Those not known are decoded and hashed in the workers when there are any (a refusal there,
      // such as a full queue, is decoded here instead: a peer's block never fails for this node's load).
      const given = (i: number): DecodedTx | undefined => (known?.[i] !== undefined && known[i]!.tx === raw[i] ? known[i] : undefined);
      const unknown: number[] = [];
      for (let i = 0; i < raw.length; i++) if (!given(i)) unknown.push(i);
      const intake: (IntakeResult | undefined)[] = new Array(raw.length);
      if (verifier.intake && unknown.length > 0) {
        const answers = await verifier.intake(unknown.length === raw.length ? raw : unknown.map((i) => raw[i]), null);
        unknown.forEach((i, k) => (intake[i] = answers[k]));
      }
      const decoded: (DecodedTx | undefined)[] = Array.from({ length: raw.length }, () => undefined);
      for (let i = 0; i < raw.length; i++) {
        const r = intake[i];
        let d: DecodedTx;
        const mine = given(i);
        if (mine) d = mine;
        else if (r && r.status !== 'refused') d = r.decoded;
        else {
          try {
            d = decodeTx(raw[i]);
          } catch {
            continue; // block validation names the malformed transaction
          }
        }
        decoded[i] = d;
        if (wasVerified(d)) continue;
        const tx = d;
        checks.push(
          verifier.verify(tx).then((ok) => {
            if (!ok) return;
            verifiedHere.add(seen(tx));
            rememberVerified(tx);
          }),
        );
      }
      await Promise.all(checks);
      return Object.assign((tx: DecodedTx) => verifiedHere.has(seen(tx)) || wasVerified(tx), { decoded });
    },
    committed(block) {
      const nonces = new Map<string, number>();
      for (const t of block.txs) nonces.set(t.tx.body.signer, chain.nextNonce(t.tx.body.signer));
      mempool.update(nonces, block.txs.map((t) => t.id));
    },
  };
}
