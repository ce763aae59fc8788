/**
 * Byzantine validators in the simulator: a wrapper around what a node
 * sends, not a hook in the honest code. The node underneath is an honest
 * node; the wrapper holds its key, so it can sign whatever it likes in its
 * name — a second, conflicting vote, a conflicting proposal, a proposal of
 * a corrupted block — and it can stay silent, replay what it heard, or put
 * an honest validator's name on a message it cannot sign.
 *
 * Behaviours (chosen per Byzantine validator by the seed):
 * - `equivocate`: each peer gets the vote, or a conflicting one (nil for a
 *   block, a random block for nil);
 * - `conflictingProposal`: each peer gets the proposal, or one of another
 *   valid block at the same height and round;
 * - `invalidBlock`: most of its proposals carry a corrupted block instead (a
 *   transaction with a signature that does not verify, or a false state
 *   root), re-signed; its votes for the block name the corrupted one;
 * - `silent`: it sends proposals only, no votes;
 * - `replay`: with each message it sends one it received earlier;
 * - `forge`: with each message it sends one in an honest validator's name
 *   whose signature does not verify;
 * - `lyingCompact`: its proposals go out compact (spec/consensus.md §2.1)
 *   with a false list of transactions — in another order, one replaced by
 *   an id nobody holds or by another transaction its peers hold, or one
 *   more — or the true list with a signer dropped from the lastCommit,
 *   under the true header, a different lie to each peer. The block is valid; only its wire form lies, and
 *   honest validators must fetch the body rather than judge the block by
 *   it (the `honestRejected` checker);
 * - `tamperingRelay`: it forwards the proposals of others, as any node may,
 *   with their body edited under the true header (two transactions
 *   swapped, one dropped, one added, a signature or the lastCommit altered:
 *   `editBody`), and answers requests for a block's body with such a copy,
 *   and requests for committed blocks (catching up) with the last one so
 *   edited (its certificate kept).
 *   The block is valid; honest validators must take the copy for no body
 *   and fetch it again, not judge the block by it (`honestRejected`). The
 *   forwarding is world.ts's: it needs what the node received;
 * - `staleProposer` is not a wrapper either: its host makes no catch-up
 *   block (world.ts), so after an idle stretch its fresh block takes
 *   transactions at a time long past; honest validators must prevote nil
 *   (spec/consensus.md §5.1, the `backdated` checker);
 * - `twin` is not a wrapper: two nodes run the same key (world.ts).
 */
import { utf8Encode } from '../crypto/bytes.js';
import { signBytes } from '../crypto/ed25519.js';
import { blockHash } from '../ledger/block.js';
import type { Validator } from '../ledger/genesis.js';
import { signTx } from '../ledger/sign.js';
import { decodeTx, type DecodedTx } from '../ledger/transaction.js';
import { proposalSignBytes, voteSignBytes, type ConsensusMessage } from '../ledger/votes.js';
import { buildBlock, type BlockBody, type ChainContext, type ChainHead } from '../runtime/chain-core.js';
import type { SimTransport } from './network.js';
import type { Prng } from './prng.js';

export type Behaviour = 'twin' | 'equivocate' | 'conflictingProposal' | 'invalidBlock' | 'silent' | 'replay' | 'forge' | 'lyingCompact' | 'tamperingRelay' | 'staleProposer';
export const BEHAVIOURS: readonly Behaviour[] = ['twin', 'equivocate', 'conflictingProposal', 'invalidBlock', 'silent', 'replay', 'forge', 'lyingCompact', 'tamperingRelay', 'staleProposer'];

/** Share of its proposals a Byzantine `invalidBlock` validator corrupts. */
const CORRUPT_SHARE = 0.7;
/** Most of its mempool's transactions a conflicting proposal carries. */
const CONFLICT_TXS_MAX = 40;

/** What a Byzantine node holds: its key, its view of the chain and mempool, and what it heard. */
export interface ByzantineNode {
  readonly secretKey: string;
  readonly pubKey: string;
  readonly validators: readonly Validator[];
  /** The current chain context and head, while the node is up. */
  chain(): { context: ChainContext; head: ChainHead } | undefined;
  /** Transactions waiting in its mempool, for a block of `height`. */
  pendingTxs(height: number, limit: number): DecodedTx[];
  /** Consensus messages it received (bounded by the caller). */
  readonly heard: readonly ConsensusMessage[];
}

interface Wire {
  message: ConsensusMessage;
  block?: BlockBody;
  compact?: { header: BlockBody['header']; txs: string[]; lastCommit?: BlockBody['lastCommit'] };
}

/** A lastCommit short of its first signer (still a certificate's shape; no longer what lastCommitHash names), or undefined when it has none. */
const shortOfASigner = (lastCommit: BlockBody['lastCommit']): BlockBody['lastCommit'] | undefined =>
  lastCommit && lastCommit.signatures.length > 0 ? { ...lastCommit, signatures: lastCommit.signatures.slice(1) } : undefined;

/**
 * tamperingRelay: a copy of `body` edited under its header (which is kept,
 * so the copy still names the block), a different edit each call; undefined
 * when there is nothing to edit (an empty first block). `others`: a
 * transaction the block does not hold, to add.
 */
export function editBody(body: BlockBody, rng: Prng, others: readonly DecodedTx[]): BlockBody | undefined {
  const { txs } = body;
  const short = shortOfASigner(body.lastCommit);
  const flip = (hex: string): string => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
  const inBlock = new Set(txs.map((t) => t.sig));
  const extra = others.find((d) => !inBlock.has(d.tx.sig))?.tx;
  const edits: (() => BlockBody)[] = [
    ...(txs.length >= 2 ? [() => ({ ...body, txs: [txs[1]!, txs[0]!, ...txs.slice(2)] })] : []), // two swapped
    ...(txs.length >= 1 ? [() => ({ ...body, txs: txs.slice(1) })] : []), // one dropped
    ...(txs.length >= 1 ? [() => ({ ...body, txs: [{ ...txs[0]!, sig: flip(txs[0]!.sig) }, ...txs.slice(1)] })] : []), // a signature altered
    ...(extra ? [() => ({ ...body, txs: [...txs, extra] })] : []), // one added
    ...(short ? [() => ({ ...body, lastCommit: short })] : []), // a signer dropped from lastCommit
  ];
  return edits.length === 0 ? undefined : rng.pick(edits)();
}

const decoder = new TextDecoder();
const encode = (wire: Wire): Uint8Array =>
  utf8Encode(JSON.stringify(wire.block ? { message: wire.message, block: wire.block } : wire.compact ? { message: wire.message, compact: wire.compact } : { message: wire.message }));

/**
 * `onlyPassingLies`: a `lyingCompact` node tells, when it can, only the lies
 * that name known transactions of the right count — those a node that
 * skipped the txRoot check would believe (the honestRejected control).
 */
export function byzantineTransport(inner: SimTransport, behaviours: ReadonlySet<Behaviour>, node: ByzantineNode, rng: Prng, onlyPassingLies = false): SimTransport {
  /** invalidBlock: the corrupted block sent in place of each honest one, by the honest hash. */
  const substitutes = new Map<string, { hash: string; body: BlockBody } | null>();
  /** conflictingProposal: the other block proposed beside each honest one, by the honest hash. */
  const alternatives = new Map<string, { hash: string; body: BlockBody } | null>();

  /** Re-sign `m` with the node's key. */
  const resign = (m: ConsensusMessage): ConsensusMessage => {
    if (m.type === 'proposal') {
      const body = { type: m.type, chainId: m.chainId, height: m.height, round: m.round, blockHash: m.blockHash, polRound: m.polRound };
      return { ...body, proposer: node.pubKey, sig: signBytes(node.secretKey, proposalSignBytes(body)) };
    }
    const body = { type: m.type, chainId: m.chainId, height: m.height, round: m.round, blockHash: m.blockHash, time: m.time };
    return { ...body, validator: node.pubKey, sig: signBytes(node.secretKey, voteSignBytes(body)) };
  };

  /** A corrupted copy of a block: a transaction whose signature does not verify, or a false state root. */
  const corrupt = (body: BlockBody): BlockBody => {
    const copy = structuredClone(body);
    if (rng.chance(0.5)) {
      const other = node.validators.find((v) => v.pubKey !== node.pubKey)!.pubKey;
      const forged = signTx({ v: 1, chainId: copy.header.chainId, module: 'notary', action: 'anchor', args: { hash: rng.hex32() }, signer: other, nonce: 0 }, node.secretKey);
      copy.txs.push(forged);
      copy.header.txCount += 1;
    } else {
      copy.header.stateRoot = rng.hex32();
    }
    return copy;
  };

  /** invalidBlock: the wire with the corrupted block (and its hash) in place of the honest one. */
  const substituted = (wire: Wire): Wire => {
    const m = wire.message;
    if (m.type === 'proposal' && wire.block && !substitutes.has(m.blockHash)) {
      let sub: { hash: string; body: BlockBody } | null = null;
      if (rng.chance(CORRUPT_SHARE)) {
        const body = corrupt(wire.block);
        sub = { hash: blockHash(body.header), body };
      }
      substitutes.set(m.blockHash, sub);
    }
    const sub = m.blockHash === null ? undefined : substitutes.get(m.blockHash);
    if (!sub) return wire;
    const message = resign({ ...m, blockHash: sub.hash });
    return message.type === 'proposal' ? { message, block: sub.body } : { message };
  };

  /** conflictingProposal: another valid block for the same height and round, or null when none differs. */
  const alternative = (m: ConsensusMessage & { type: 'proposal' }, block: BlockBody): { hash: string; body: BlockBody } | null => {
    let alt = alternatives.get(m.blockHash);
    if (alt !== undefined) return alt;
    alt = null;
    const view = node.chain();
    if (view && view.head.height + 1 === m.height) {
      const txs = block.txs.length > 0 ? [] : node.pendingTxs(m.height, CONFLICT_TXS_MAX);
      const built = buildBlock(view.context, view.head, { txs, time: block.header.time, proposer: node.pubKey, ...(block.lastCommit ? { lastCommit: block.lastCommit } : {}) });
      if (built.hash !== m.blockHash) alt = { hash: built.hash, body: built.body };
    }
    alternatives.set(m.blockHash, alt);
    return alt;
  };

  /** lyingCompact: a proposal's body as a compact form that does not match its header (a fresh lie each call). */
  const lie = (wire: Wire): Wire => {
    const body = wire.block!;
    const ids = body.txs.map((t) => decodeTx(t).id);
    // Another transaction its peers hold: the list then names only known transactions, of the right count.
    const other = ids.length > 0 ? node.pendingTxs(body.header.height, CONFLICT_TXS_MAX).find((d) => !ids.includes(d.id))?.id : undefined;
    const unknown: (() => string[])[] = [
      () => [...ids, rng.hex32()], // one more, which nobody holds
      () => ids.map((id, i) => (i === 0 ? rng.hex32() : id)), // one replaced by an id nobody holds
    ];
    const passing: (() => string[])[] = [
      ...(ids.length >= 2 ? [() => [...ids].reverse()] : []), // in another order
      ...(other !== undefined ? [() => ids.map((id, i) => (i === 0 ? other : id))] : []), // one replaced by another transaction
    ];
    const { lastCommit } = body;
    // The true list with the lastCommit short of a signer: it still resolves, and does not hash to lastCommitHash.
    const short = shortOfASigner(lastCommit);
    if (short && rng.chance(0.2)) return { message: wire.message, compact: { header: body.header, txs: ids, lastCommit: short } };
    const txs = rng.pick(onlyPassingLies && passing.length > 0 ? passing : [...unknown, ...passing])();
    return { message: wire.message, compact: { header: body.header, txs, ...(lastCommit ? { lastCommit } : {}) } };
  };

  /** What one peer gets instead of `wire`. */
  const forPeer = (wire: Wire): Wire => {
    const m = wire.message;
    if (m.type !== 'proposal' && behaviours.has('equivocate') && rng.chance(0.5)) {
      return { message: resign({ ...m, blockHash: m.blockHash === null ? rng.hex32() : null }) };
    }
    if (m.type === 'proposal' && wire.block && behaviours.has('conflictingProposal')) {
      const alt = alternative(m, wire.block);
      if (alt && rng.chance(0.5)) return { message: resign({ ...m, blockHash: alt.hash }), block: alt.body };
    }
    if (m.type === 'proposal' && wire.block && behaviours.has('lyingCompact')) return lie(wire);
    return wire;
  };

  /** The wire as this node sends it, or undefined when it sends nothing. */
  const outgoing = (data: Uint8Array): Wire | undefined => {
    let wire = JSON.parse(decoder.decode(data)) as Wire;
    if (behaviours.has('invalidBlock')) wire = substituted(wire);
    if (behaviours.has('silent') && wire.message.type !== 'proposal') return undefined;
    return wire;
  };
  const perPeer = behaviours.has('equivocate') || behaviours.has('conflictingProposal') || behaviours.has('lyingCompact');

  return {
    ...inner,
    broadcast(topic, data) {
      if (topic !== 'consensus') return inner.broadcast(topic, data);
      const wire = outgoing(data);
      if (!wire) return;
      if (perPeer) for (const peer of inner.peerNames()) inner.send(peer, topic, encode(forPeer(wire)));
      else inner.broadcast(topic, encode(wire));
      if (behaviours.has('replay') && node.heard.length > 0) inner.broadcast(topic, encode({ message: rng.pick(node.heard) }));
      if (behaviours.has('forge')) {
        // A message in an honest validator's name with a signature that does not verify.
        const victim = rng.pick(node.validators).pubKey;
        const m = wire.message;
        const forged = m.type === 'proposal' ? { ...m, proposer: victim } : { ...m, validator: victim, blockHash: rng.hex32() };
        inner.broadcast(topic, encode({ message: forged, ...(wire.block ? { block: wire.block } : {}) }));
      }
    },
    send(peer, topic, data) {
      if (topic !== 'consensus') return inner.send(peer, topic, data);
      const wire = outgoing(data);
      return wire ? inner.send(peer, topic, encode(perPeer ? forPeer(wire) : wire)) : true;
    },
  };
}
