/**
 * The simulator's network: every message between simulated nodes goes
 * through here, where the seed's faults apply — delay (and so reordering),
 * loss and duplication until the network heals, and partitions, judged
 * when a message arrives. Each node's peer protocol sees it through the
 * same narrow transport interface a real node's protocol sees src/p2p's
 * network through (node/peer-protocol.ts), with the same guarantees:
 *
 * - gossip (`broadcast`) may be lost or duplicated, as a real node drops
 *   gossip for a peer whose queue is full and may hear it over two paths;
 * - direct messages, requests and answers travel on the link itself, which
 *   loses nothing while it stands (src/p2p never drops them); a partition
 *   cuts the link, and a request whose link is cut fails at once, as a real
 *   request fails when its link drops.
 */
import type { Topic } from '../p2p/network.js';
import type { PeerTransport } from '../node/peer-protocol.js';
import type { Agenda } from './agenda.js';
import type { Prng } from './prng.js';

export interface NetworkFaults {
  /** Virtual time at which loss, duplication and long delays stop. */
  healAt: number;
  dropRate: number;
  dupRate: number;
  delayMaxMs: number;
}

/** A node as the network reaches it. */
export interface Endpoint {
  readonly id: number;
  readonly name: string;
  readonly up: boolean;
  /** A gossip or direct message arrives. */
  receive(from: string, topic: Topic, data: Uint8Array): void;
  /** A request arrives; undefined when the node cannot answer (it is down). */
  serve(from: string, protocol: string, data: Uint8Array): Promise<Uint8Array> | undefined;
}

export class VirtualNetwork {
  /** Side of each node (by id) during a partition; undefined while whole. */
  partition: number[] | undefined;
  /** Message copies put on the wire (duplicates counted, lost ones not). */
  messages = 0;
  private readonly endpoints: Endpoint[] = [];

  constructor(
    private readonly agenda: Agenda,
    private readonly rng: Prng,
    private readonly faults: NetworkFaults,
  ) {}

  join(endpoint: Endpoint): void {
    this.endpoints.push(endpoint);
  }

  get nodes(): readonly Endpoint[] {
    return this.endpoints;
  }

  byName(name: string): Endpoint | undefined {
    return this.endpoints.find((e) => e.name === name);
  }

  /** On the same side of any partition in force now. */
  linked(a: Endpoint, b: Endpoint): boolean {
    return !this.partition || this.partition[a.id] === this.partition[b.id];
  }

  /**
   * Carry `run` from `from` to `to`, with the faults in force now: gossip may
   * be lost or duplicated before the network heals; a partition at arrival
   * cuts any message (then `cut` runs, if given).
   */
  carry(from: Endpoint, to: Endpoint, kind: 'gossip' | 'link', run: () => void, cut?: () => void): void {
    if (from === to) return;
    const lossy = kind === 'gossip' && this.agenda.now < this.faults.healAt;
    const copies = lossy && this.rng.chance(this.faults.dupRate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      if (lossy && this.rng.chance(this.faults.dropRate)) continue;
      const delay = 1 + this.rng.int(0, this.faults.delayMaxMs);
      this.messages++;
      this.agenda.at(this.agenda.now + delay, () => {
        if (this.linked(from, to)) run();
        else cut?.();
      });
    }
  }

  /** The transport of one node incarnation; nothing reaches it, and nothing it asked for is answered, once `alive()` is false. */
  transport(self: Endpoint, alive: () => boolean): SimTransport {
    const net = this;
    const others = (): Endpoint[] => net.endpoints.filter((e) => e !== self);
    const deliver = (to: Endpoint, kind: 'gossip' | 'link', topic: Topic, data: Uint8Array): void => {
      net.carry(self, to, kind, () => {
        if (to.up) to.receive(self.name, topic, data);
      });
    };
    return {
      peerNames: () => others().map((e) => e.name),
      connectedPeers: () => others().filter((e) => e.up && net.linked(self, e)).map((e) => e.name),
      broadcast(topic, data) {
        if (!alive()) return;
        for (const to of others()) deliver(to, 'gossip', topic, data);
      },
      send(peer, topic, data) {
        const to = net.byName(peer);
        if (!alive() || !to || to === self) return false;
        deliver(to, 'link', topic, data);
        return true;
      },
      request(peer, protocol, data, timeoutMs) {
        const to = net.byName(peer);
        if (!to || to === self || !to.up || !net.linked(self, to)) return Promise.reject(new Error(`not connected to ${peer}`));
        return new Promise<Uint8Array>((resolve, reject) => {
          let open = true;
          const settle = (finish: () => void): void => {
            if (!open || !alive()) return;
            open = false;
            finish();
          };
          const dropped = (): void => settle(() => reject(new Error(`the link to ${peer} is cut`)));
          net.agenda.at(net.agenda.now + timeoutMs, () => settle(() => reject(new Error(`${protocol} request to ${peer} got no answer in ${timeoutMs} ms`))));
          net.carry(
            self,
            to,
            'link',
            () => {
              // A crashed peer's links are down: the request fails at once.
              const answer = to.up ? to.serve(self.name, protocol, data) : undefined;
              if (!answer) return dropped();
              void answer.then(
                (reply) => net.carry(to, self, 'link', () => settle(() => resolve(reply)), dropped),
                (e: Error) => net.carry(to, self, 'link', () => settle(() => reject(e)), dropped),
              );
            },
            dropped,
          );
        });
      },
    };
  }
}

/** A transport that also names every peer, reachable or not (a Byzantine node addresses each one). */
export interface SimTransport extends PeerTransport {
  peerNames(): string[];
}
