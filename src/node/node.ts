/**
 * A Polity node: the wiring of its parts with real I/O.
 *
 * - chain state (chain-state.ts) over the LevelDB store: the committed view,
 *   rebuilt at start-up, and every read of it;
 * - admission (admission.ts): checks, signature verification on worker
 *   threads (verify-pool.ts), the mempool;
 * - the consensus engine (solo, or Tendermint for several validators) and
 *   its host (consensus-host.ts): the serial input queue, proposals,
 *   validation, commits, catching up;
 * - BFT: the peer protocol (peer-protocol.ts) over src/p2p's network;
 * - the services' host parts (service-host.ts), made from the service list
 *   the node is given: the node names no service.
 *
 * The simulator wires the same chain state, admission, consensus host and
 * peer protocol to an in-memory store, virtual time and a virtual network
 * (src/sim/world.ts), so what it checks is this code. The node knows
 * nothing of HTTP: src/api/ calls the methods below.
 */
import { RULES_VERSION_CURRENT } from '../runtime/rules.js';
import { DEFAULT_MEMPOOL } from './mempool.js';
import { publicKeyOf, signBytes, signRaw, verifyBytes } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/sha256.js';
import { x25519, x25519PublicOf, x25519SecretFromEd25519Seed } from '../crypto/x25519.js';
import { fromHex, toHex, utf8Encode } from '../crypto/bytes.js';
import { assert, PolityError } from '../ledger/errors.js';
import { signTx } from '../ledger/sign.js';
import type { TendermintEngine } from '../consensus/tendermint.js';
import { createP2PNetwork, type P2PNetwork } from '../p2p/network.js';
import { createModuleRegistry } from '../runtime/registry.js';
import { SETS_KEY } from '../runtime/validator-schedule.js';
import { access, constants, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createChainStore } from '../storage/chain-store.js';
import type { ChainStore } from '../storage/interface.js';
import { COMMIT_RECORD_FILE, createCommitRecordFile } from '../storage/commit-record.js';
import { CONSENSUS_WAL_FILE, createConsensusWal } from '../storage/consensus-wal.js';
import { genesisHash as hashOfGenesis } from '../ledger/genesis.js';
import { signFromHeight } from './signing-guard.js';
import { createAdmission } from './admission.js';
import { createChainState, recoveryAdvice, type ChainState } from './chain-state.js';
import { createStoreHealth, moveStoreAside } from './store-health.js';
import { clearDamageMarker, damageMarkerPath, loadDamageMarker, saveDamageMarker } from './damage-marker.js';
import { SCAN_BYTES_PER_SECOND } from './store-check.js';
import { systemClock, systemTimers } from './clock.js';
import { createConsensusHost, type ConsensusHost } from './consensus-host.js';
import { createEngine, runsSolo } from './engine.js';
import { clearSigningHold, createBackupRequests, loadSigningHold, saveSigningHold } from './backup.js';
import { migrateDataDir } from './data-format.js';
import type { NodeOptions, PolityNode } from './interface.js';
import { createLogger } from './log.js';
import { createNodeMetrics } from './metrics.js';
import { createStallWatch, type NodeHealth } from './stall-watch.js';
import { createPeerProtocol, type PeerProtocol } from './peer-protocol.js';
import type { HostContext, ServiceHost } from './service-host.js';
import { createTxStatusService } from './tx-status.js';
import { createVerifyPool } from './verify-pool.js';

import type { NodeStatus } from './interface.js';
export type { NodeOptions, NodeStatus, PolityNode, StateRead, SubmitOutcome, TxStatus } from './interface.js';

/**
 * BFT: verified transactions remembered (id and signature), so a peer's block
 * does not verify them again: this many times the mempool's bound, in two
 * generations (admission.ts). About 260 B each once the transaction has left
 * the mempool: at most about 100 MB with the default mempool.
 */
const VERIFIED_IDS_PER_MEMPOOL_TX = 2;
/** Exit status of a node stopped by an internal failure (EX_SOFTWARE). */
const EXIT_INTERNAL_FAILURE = 70;
/** How often readiness is judged and a stall looked for (stall-watch.ts), ms. */
const HEALTH_CHECK_EVERY_MS = 1000;
/** A peer's height is remembered this long for "caught up", ms (the peer protocol re-sends every second). */
const PEER_HEIGHT_TTL_MS = 30_000;
/** How often a restored validator under a signing hold looks whether a peer has been heard, ms. */
const HOLD_PEER_POLL_MS = 200;
/** Domain of the attestation key's derivation: SHA-256(domain ‖ node secret) is its seed. */
const ATTEST_KEY_DOMAIN = 'polity-attestation-key:v1:';

export async function createNode(options: NodeOptions): Promise<PolityNode> {
  const { genesis, services } = options;
  const log = options.log ?? createLogger('info');
  const clock = options.clock ?? systemClock;
  const nodeKey = publicKeyOf(options.nodeSecretKey);
  // The attestation key: derived from the node key with its own domain, so a document the node
  // attests (a signed status list) can never be taken for a vote, a block or a transaction.
  const attestSecret = toHex(sha256(new Uint8Array([...utf8Encode(ATTEST_KEY_DOMAIN), ...fromHex(options.nodeSecretKey, 32)])));
  const attest = { publicKey: publicKeyOf(attestSecret), sign: (message: Uint8Array) => signRaw(attestSecret, message) };
  // The X25519 twin of the node key (src/crypto/x25519.ts): others encrypt to it from the node key on the chain.
  const agreeSecret = x25519SecretFromEd25519Seed(fromHex(options.nodeSecretKey, 32));
  // A one-validator genesis runs solo, unless the node has network settings: a pilot growing into a BFT network (engine.ts).
  const solo = runsSolo(genesis, options.p2p !== undefined);
  // Checked before anything is opened, so a misconfigured node exits at once.
  if (solo && genesis.validators[0]!.pubKey !== nodeKey) throw new Error('the node key is not the genesis validator (a one-validator chain runs solo consensus on its validator; a node joining a pilot that grows into a BFT network needs network settings, <data>/network.json)');
  if (!solo && !options.p2p) throw new Error('a chain with several validators needs network settings (<data>/network.json: listen address and peers)');
  for (const s of services) assert(s.name === s.module.name, `service ${s.name} carries module ${s.module.name}`);
  const registry = createModuleRegistry(services.map((s) => s.module));
  // The data directory (spec/storage.md §1): the block store, and apart from it the
  // commit record and (BFT) the consensus log, so that losing one cannot erase the others.
  const chainPath = join(options.dataDir, 'chain');
  const health = createStoreHealth(log, chainPath, (detail) => saveDamageMarker(options.dataDir, chainPath, detail, clock.now()));
  const commitRecord = createCommitRecordFile(join(options.dataDir, COMMIT_RECORD_FILE), {
    chainId: genesis.chainId,
    genesisHash: hashOfGenesis(genesis),
    nodeKey,
    sign: (message) => signBytes(options.nodeSecretKey, message),
    verify: verifyBytes,
  });
  /**
   * Damage found after an earlier start (the marker, damage-marker.ts) counts as the start-up
   * check refusing the store: a BFT validator moves it aside and resyncs, anyone else refuses.
   * A marker without a store (moved aside by hand) has nothing left to say: it is removed.
   */
  const repairMarkedStore = async (moveAside: (reason: string) => Promise<void>): Promise<void> => {
    const marker = await loadDamageMarker(options.dataDir);
    if (!marker) return;
    const markerPath = damageMarkerPath(options.dataDir);
    const storeExists = await stat(chainPath).then(() => true, () => false);
    const found = `the chain store ${chainPath} was found damaged while the node ran (${marker.foundAt}: ${marker.detail.replace(/^the chain store \S+ is damaged: /, '')}; recorded in ${markerPath})`;
    if (storeExists && (solo || options.repair === false)) {
      throw new PolityError('STORE_CORRUPT', `${found}; the start-up check reads only part of the store and cannot clear it. ${recoveryAdvice(chainPath, !solo)} Delete ${markerPath} only once the store is replaced, or once \`polity check --data ${options.dataDir}\` finds it intact.`);
    }
    if (storeExists) await moveAside(found);
    await clearDamageMarker(options.dataDir);
  };
  const openChain = async (): Promise<{ store: ChainStore; chain: ChainState }> => {
    const store = createChainStore(chainPath, { onDamage: health.damaged });
    return { store, chain: await createChainState({ store, genesis, registry, log, commitRecord, resync: !solo }) };
  };
  const moveAside = async (reason: string): Promise<void> => {
    const aside = await moveStoreAside(chainPath, clock.now());
    log.error('store.movedAside', {
      path: chainPath,
      to: aside,
      reason,
      next: 'starting on an empty store and fetching every block from the peers; the commit record and consensus log are kept, so nothing is signed again at a height this node signed',
      notaryLeaves: `the leaves of notary batches this node aggregated live only in ${aside}: restore them from there or a backup`,
    });
  };
  // The data format (data-format.ts): migrations from older releases run before any store opens; a newer format is refused.
  await mkdir(options.dataDir, { recursive: true });
  for (const m of await migrateDataDir(options.dataDir)) log.info('data.migrated', { from: m.from, to: m.from + 1, what: m.what });
  await repairMarkedStore(moveAside);
  let opened: Awaited<ReturnType<typeof openChain>>;
  try {
    opened = await openChain();
  } catch (e) {
    // A BFT node repairs a store the start-up check refuses from its peers (spec/storage.md §8.4);
    // a solo node has nobody to resync from, and a store in use or of another chain is no damage.
    if (!(e instanceof PolityError && e.code === 'STORE_CORRUPT') || solo || options.repair === false) throw e;
    await moveAside(e.message.replace(/\. To recover:.*$/s, ''));
    opened = await openChain();
  }
  const { store, chain } = opened;
  const wal = createConsensusWal(join(options.dataDir, CONSENSUS_WAL_FILE));
  let signFrom: number | undefined;
  /**
   * A validator restored from a backup without its newer signing records
   * (backup.ts, `signing-hold.json`): it signs nothing until it has heard its
   * peers, then only above the height they were deciding, which it cannot
   * have reached before it was lost. Read by the consensus host at each
   * start of the engine (at start-up and after catching up).
   */
  let hold = solo ? undefined : await loadSigningHold(options.dataDir);
  const heldSignFrom = (): number | undefined => {
    if (!hold) return signFrom;
    let held = hold.signFromHeight;
    if (held === undefined) {
      if (highestPeerHeight === 0) return Number.MAX_SAFE_INTEGER; // no peer heard yet: follow only
      held = Math.max(signFrom ?? 1, highestPeerHeight + 2);
      hold = { ...hold, signFromHeight: held };
      log.warn('consensus.signingHold', { reason: hold.reason, peersDeciding: highestPeerHeight, signFromHeight: held });
      void saveSigningHold(options.dataDir, hold).catch((e: Error) => log.error('consensus.signingHoldNotSaved', { reason: e.message }));
    }
    return Math.max(signFrom ?? 1, held);
  };
  if (!solo) {
    const opened = await wal.open(chain.genesisHash);
    const head = chain.validatorSetAt(chain.height).validators;
    const soloHead = chain.height > 0 && head.length === 1 && head[0]!.pubKey === nodeKey;
    const guard = signFromHeight({ storeHeight: chain.height, committedHeight: chain.committedAtStart, wal: opened, soloHead });
    signFrom = guard.height;
    if (guard.reason) log.warn('consensus.doubleSignGuard', { reason: guard.reason, signFromHeight: guard.height });
    if (hold) log.warn('consensus.signingHold', { reason: hold.reason, signFromHeight: hold.signFromHeight ?? 'once the peers are heard' });
  }

  // Bound below, once the consensus host exists; service hosts and admission only call through it later.
  let consensus: ConsensusHost | undefined;
  let protocol: PeerProtocol | undefined;
  let p2p: P2PNetwork | undefined;
  const hostContext: Omit<HostContext, 'peers'> = {
    dataDir: options.dataDir,
    genesis,
    nodeKey,
    log,
    chain,
    attachment: (txId) => chain.attachment(txId),
    workAvailable: () => consensus?.workAvailable(),
    running: () => consensus?.failure === undefined,
    signOwnTx: (body) => signTx({ v: 1, chainId: chain.chainId, ...body, signer: nodeKey }, options.nodeSecretKey),
    // Bound when admission exists (below); hosts submit only after they are opened.
    submitOwnTx: (tx) => admission.submit([tx]).then((outcomes) => outcomes[0]!),
    keyAgreement: { publicKey: x25519PublicOf(agreeSecret), sharedSecret: (publicKey) => x25519(agreeSecret, publicKey) },
  };
  const hostPeers = (service: string): HostContext['peers'] => ({
    connectedPeers: () => protocol?.connectedPeers() ?? [],
    request: (peer, data, timeoutMs) => (protocol ? protocol.requestService(peer, service, data, timeoutMs) : Promise.reject(new Error('a solo node has no peers'))),
  });
  const hosts = new Map<string, ServiceHost>();
  for (const s of services) if (s.host) hosts.set(s.name, s.host({ ...hostContext, peers: hostPeers(s.name) }));
  for (const h of hosts.values()) await h.open?.();

  const verifyPool = createVerifyPool(options.verifyWorkers);
  const admission = createAdmission({
    chain,
    registry,
    verifier: verifyPool,
    ...(options.mempool ? { mempool: options.mempool } : {}),
    verifiedIdsMax: solo ? 0 : VERIFIED_IDS_PER_MEMPOOL_TX * (options.mempool ?? DEFAULT_MEMPOOL).txsMax,
    onAccepted: (txs) => protocol?.gossipTxs(txs),
    workAvailable: () => consensus?.workAvailable(),
    now: () => clock.now(),
  });
  const engine = createEngine({
    ...options,
    nodeKey,
    validatorSetAt: (height) => chain.validatorSetAt(height),
    bft: !solo,
    onSoloEnd: (height, validators) =>
      log.warn('consensus.soloEnded', { height, validators, next: `the validator set of height ${height} has ${validators} validators: this pilot now grows into a BFT network; restart it with network settings (<data>/network.json) and it runs Tendermint from height ${height} (spec/operations.md)` }),
  });
  // The metrics count what the engine asks for (its own proposals); the engine itself stays pure.
  const engineStep = engine.step.bind(engine);
  engine.step = (input) => {
    const effects = engineStep(input);
    metrics.engineEffects(effects);
    return effects;
  };
  /** Genesis validators by short key (16 hex digits, as the P2P log names peers): organisation names for the log. */
  const genesisNames = new Map(genesis.validators.map((v) => [v.pubKey.slice(0, 16), v.name]));
  /**
   * The highest height a peer has spoken of, and when: a node behind it is catching up. Forgotten
   * after PEER_HEIGHT_TTL_MS, so one peer's message naming a far height (unchecked here) cannot keep
   * the node "catching up" for good; a peer really ahead keeps re-sending its messages.
   */
  let highestPeerHeight = 0;
  let highestPeerHeightAt = 0;
  if (!solo) {
    const settings = options.p2p!;
    p2p = createP2PNetwork({
      nodeSecretKey: options.nodeSecretKey,
      // Nodes of another chain cannot even complete a handshake with this one.
      networkId: chain.genesisHash,
      listen: settings.listen,
      peers: settings.peers,
      isAllowed: (pubKey) => {
        const next = chain.height + 1;
        return [chain.validatorSetAt(next), chain.validatorSetAt(next + 1)].some((s) => s.validators.some((v) => v.pubKey === pubKey)) || (settings.observers ?? []).includes(pubKey);
      },
      onMessage: (from, topic, data) => protocol!.onMessage(from, topic, data),
      onRequest: (from, name, data) => protocol!.onRequest(from, name, data),
      ...(settings.tap ? { tap: settings.tap } : {}),
      // A peer's link coming up or going down is an operator's event (info, named peer.up and peer.down); the rest is debug.
      log: (event, fields) => {
        const f = fields as Record<string, string | number | boolean | undefined>;
        if (event === 'peer.connected' || event === 'peer.disconnected') {
          const peer = genesisNames.get(String(f.peer)) ?? undefined;
          log.info(event === 'peer.connected' ? 'peer.up' : 'peer.down', { ...f, validator: peer, connected: p2p?.connectedPeers().length });
        } else log.debug(`p2p.${event}`, f);
      },
    });
    protocol = createPeerProtocol({
      transport: p2p,
      chain,
      consensus: {
        receive: (from, message, block, compact) => {
          if (message.height >= highestPeerHeight) [highestPeerHeight, highestPeerHeightAt] = [message.height, clock.now()];
          if (message.type === 'proposal') metrics.proposalReceived();
          consensus!.receive(from, message, block, compact);
        },
        proposedBody: (hash) => consensus!.proposedBody(hash),
      },
      submitTxs: (txs) => admission.submit(txs, { fromPeer: true }),
      timers: systemTimers,
      log,
      serviceRequest: async (from, service, data) => {
        const host = hosts.get(service);
        if (!host?.onPeerRequest) throw new Error(`no ${service} requests are served here`);
        return host.onPeerRequest(from, data);
      },
      ...(options.resendIntervalMs ? { limits: { resendIntervalMs: options.resendIntervalMs } } : {}),
    });
  }
  consensus = createConsensusHost({
    chain,
    engine,
    admission,
    ...(protocol ? { peers: protocol } : {}),
    wal,
    ...(signFrom !== undefined ? { signFromHeight: heldSignFrom } : {}),
    hosts: [...hosts.values()],
    signer: { publicKey: nodeKey, signTx: (body) => signTx(body, options.nodeSecretKey) },
    verify: verifyBytes,
    clock,
    timers: systemTimers,
    log,
    onBody: (how) => metrics.proposalBody(how),
    onFatal: (error) => {
      // A failure to store a block is unrecoverable here: stop rather than diverge.
      process.exitCode = EXIT_INTERNAL_FAILURE;
      setImmediate(() => {
        throw error;
      });
    },
  });

  // --- readiness, stalls and metrics (stall-watch.ts, metrics.ts) ---
  const watch = createStallWatch(clock.now(), log, options.stallWatch);
  let storageWritable = true;
  const healthInputs = () => ({
    nowMs: clock.now(),
    consensus: engine.kind,
    height: chain.height,
    // What a block could take now: a transaction behind a nonce gap waits for its sender, not for consensus.
    pendingWork: consensus!.pendingWork(),
    validators: chain.validatorSetAt(chain.height + 1).validators,
    selfKey: nodeKey,
    connected: p2p?.connectedPeers() ?? [],
    highestPeerHeight: clock.now() - highestPeerHeightAt < PEER_HEIGHT_TTL_MS ? highestPeerHeight : 0,
    storage: health.status(),
    storageWritable,
    ...(consensus!.failure ? { failure: consensus!.failure.message } : {}),
  });
  const checkHealth = (): NodeHealth => watch.check(healthInputs());
  const metrics = createNodeMetrics(
    {
      height: () => chain.height,
      lastBlockTimeMs: () => chain.head().time,
      nowMs: () => clock.now(),
      mempool: () => ({ txs: admission.size, bytes: admission.bytes, txsMax: (options.mempool ?? DEFAULT_MEMPOOL).txsMax, bytesMax: (options.mempool ?? DEFAULT_MEMPOOL).bytesMax }),
      peers: () => ({ connected: p2p?.connectedPeers().length ?? 0, expected: options.p2p?.peers.length ?? 0 }),
      validators: () => ({ count: chain.validatorSetAt(chain.height + 1).validators.length, signing: chain.lastCertificate()?.signatures.length ?? 0 }),
      round: () => (engine as Partial<TendermintEngine>).round ?? 0,
      p2pBytes: () => p2p?.bytesTotal() ?? { received: 0, sent: 0 },
      health: () => watch.last,
      serviceGauges: () => Object.fromEntries([...hosts.values()].flatMap((h) => Object.entries(h.status?.() ?? {}).filter(([, v]) => typeof v === 'number'))) as Record<string, number>,
    },
    { defaults: options.processMetrics ?? false },
  );
  chain.onCommit((committed) => metrics.blockCommitted(committed, chain.lastCertificate()?.round ?? 0, clock.now()));
  let healthTimer: ReturnType<typeof setInterval> | undefined;
  const healthTick = (): void => {
    // The data directory accepts writes (a read-only remount, lost permissions); the result is used at the next tick.
    void access(options.dataDir, constants.W_OK).then(() => (storageWritable = true), () => (storageWritable = false));
    void backups.poll();
    checkHealth();
  };

  // A changed validator schedule changes who may connect.
  chain.onCommit(({ changes }) => void (changes.has(SETS_KEY) && p2p?.refreshMembership()));
  // A restored validator's hold ends once the chain has passed the height it may sign from.
  chain.onCommit(() => {
    if (hold?.signFromHeight !== undefined && chain.height >= hold.signFromHeight) void clearSigningHold(options.dataDir);
  });
  // Backups asked by `polity backup` through the data directory (backup.ts), checked with the health tick.
  const openStores = new Map([...hosts.values()].flatMap((h) => [...(h.backupStores?.() ?? new Map<string, (target: string) => Promise<unknown>>())]));
  const backups = createBackupRequests({ dataDir: options.dataDir, store, openStores, chainId: chain.chainId, genesisHash: chain.genesisHash, log, now: () => clock.now() });
  const txs = createTxStatusService(chain, admission);
  const notReady = (): void => {
    if (consensus!.failure) throw new PolityError('NODE_NOT_READY', 'the node has stopped after an internal failure');
  };
  let closed = false;
  let scan: Promise<void> | undefined;

  return {
    genesis,
    chainId: chain.chainId,
    genesisHash: chain.genesisHash,
    nodeKey,
    log,
    get height() {
      return chain.height;
    },
    async start() {
      if (p2p) await p2p.start();
      protocol?.start();
      if (hold && hold.signFromHeight === undefined) {
        // A restored validator's hold is settled by its peers' height (heldSignFrom): its engine starts once a
        // peer is heard, unless catching up from that peer started it first. Until then it signs nothing.
        const waitForPeers = setInterval(() => {
          if (closed || highestPeerHeight === 0) return void (closed && clearInterval(waitForPeers));
          clearInterval(waitForPeers);
          if ((engine as Partial<TendermintEngine>).phase === 'stopped') consensus!.start();
        }, HOLD_PEER_POLL_MS);
        waitForPeers.unref();
      } else consensus!.start();
      healthTimer = setInterval(healthTick, HEALTH_CHECK_EVERY_MS);
      healthTimer.unref();
      log.info('node.started', { chainId: chain.chainId, height: chain.height, stateKeys: chain.stateKeyCount() });
      // Every value read back once, in the background and paced (store-check.ts), not before the node answers.
      if (options.storeScan !== false) scan = health.scan(store, { bytesPerSecond: options.storeScan?.bytesPerSecond ?? SCAN_BYTES_PER_SECOND, stopped: () => closed });
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(healthTimer);
      await scan;
      await health.settled();
      await consensus!.close();
      txs.close();
      protocol?.close();
      await p2p?.stop();
      await verifyPool.close();
      for (const h of [...hosts.values()].reverse()) await h.close?.();
      if (!solo) await wal.close();
      await chain.close();
    },
    status() {
      const head = chain.head();
      const bft = engine as Partial<TendermintEngine>;
      return {
        chainId: chain.chainId,
        genesisHash: chain.genesisHash,
        nodeKey,
        consensus: engine.kind,
        height: head.height,
        latestBlockHash: head.blockHash,
        latestBlockTime: head.time,
        stateRoot: chain.stateRoot(),
        stateKeys: chain.stateKeyCount(),
        mempoolTxs: admission.size,
        rulesVersion: chain.rulesVersion(),
        rulesVersionNewest: RULES_VERSION_CURRENT,
        health: healthStatus(checkHealth(), chain.head().time, clock.now()),
        ...Object.assign({}, ...[...hosts.values()].map((h) => h.status?.() ?? {})),
        validators: chain.validatorSetAt(head.height + 1).validators.map((v) => ({ name: v.name, pubKey: v.pubKey, power: v.power })),
        peers: p2p?.connectedPeers() ?? [],
        storage: health.status(),
        ...(engine.kind === 'bft' ? { round: bft.round ?? 0, step: bft.phase ?? 'stopped' } : {}),
      };
    },
    async submitTxs(values, submitOptions) {
      notReady();
      const outcomes = await admission.submit(values, submitOptions);
      metrics.txsSubmitted(outcomes, clock.now());
      return outcomes;
    },
    health: checkHealth,
    metrics,
    txStatus: (txId) => txs.txStatus(txId),
    waitForTx: (txId, timeoutMs) => txs.waitForTx(txId, timeoutMs),
    pendingTxs: (limit) => admission.list(limit),
    getState: (key) => chain.getState(key),
    readState: (key, withProof) => chain.readState(key, withProof),
    verifySignature: (pubKey, message, sig) => verifyPool.verifySignature(pubKey, message, sig),
    attest,
    nextNonce: (signer) => chain.nextNonce(signer),
    getBlock: (height) => chain.getBlock(height),
    getBlockByHash: (hash) => chain.getBlockByHash(hash),
    getSignedHeader: (height) => chain.getSignedHeader(height),
    getResults: (height) => chain.getResults(height),
    setHandovers: (height) => chain.setHandovers(height),
    validatorSetAt: (height) => chain.validatorSetAt(height),
    lastCertificate: () => chain.lastCertificate(),
    lastHeader: () => chain.lastHeader(),
    historyInclusion: (height, headHeight) => chain.historyInclusion(height, headHeight),
    historyConsistency: (fromHeight, toHeight) => chain.historyConsistency(fromHeight, toHeight),
    onCommit: (listener) => chain.onCommit(listener),
    host: <T extends ServiceHost>(name: string) => hosts.get(name) as T | undefined,
  };
}

/** The `health` member of GET /v1/status: readiness and quorum in numbers and words (`polity status` prints them). */
function healthStatus(h: NodeHealth, headTimeMs: number, nowMs: number): NodeStatus['health'] {
  return {
    ready: h.ready,
    reasons: h.reasons,
    quorum: h.quorum.ok,
    heardPower: h.quorum.heardPower,
    totalPower: h.quorum.totalPower,
    heardFrom: h.quorum.heardFrom,
    missing: h.quorum.missing,
    stalled: h.stalled,
    caughtUp: h.caughtUp,
    lastBlockAgeMs: Math.max(0, nowMs - headTimeMs),
  };
}
