/**
 * A FIFO of received byte chunks that hands out whole length-prefixed
 * messages. Taking a message that lies inside one chunk copies nothing; one
 * that spans chunks is copied once (a 16 MiB frame arrives in ~256 pieces and
 * is assembled in one pass, not by repeated concatenation).
 */
export interface ByteQueue {
  readonly length: number;
  push(chunk: Buffer): void;
  /** The unsigned big-endian integer in the first `bytes` (2 or 4) bytes; the caller checks `length` first. */
  peekUInt(bytes: 2 | 4): number;
  /** Remove and return the first `n` bytes; the caller checks `length` first. */
  take(n: number): Buffer;
  clear(): void;
}

export function createByteQueue(): ByteQueue {
  let chunks: Buffer[] = [];
  let head = 0; // offset into chunks[0]
  let length = 0;

  const byteAt = (i: number): number => {
    let k = 0;
    let at = head + i;
    while (at >= chunks[k]!.length) {
      at -= chunks[k]!.length;
      k++;
    }
    return chunks[k]![at]!;
  };

  return {
    get length() {
      return length;
    },
    push(chunk) {
      if (chunk.length === 0) return;
      chunks.push(chunk);
      length += chunk.length;
    },
    peekUInt(bytes) {
      if (length < bytes) throw new Error(`invariant broken: peek of ${bytes} bytes with ${length} queued`);
      const first = chunks[0]!;
      if (first.length - head >= bytes) return bytes === 2 ? first.readUInt16BE(head) : first.readUInt32BE(head);
      let v = 0;
      for (let i = 0; i < bytes; i++) v = v * 256 + byteAt(i);
      return v;
    },
    take(n) {
      if (n > length) throw new Error(`invariant broken: take of ${n} bytes with ${length} queued`);
      length -= n;
      const first = chunks[0];
      if (n === 0 || first === undefined) return Buffer.alloc(0);
      if (first.length - head >= n) {
        const out = first.subarray(head, head + n);
        head += n;
        if (head === first.length) {
          chunks.shift();
          head = 0;
        }
        return out;
      }
      const out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = chunks[0]!;
        const step = Math.min(c.length - head, n - filled);
        c.copy(out, filled, head, head + step);
        filled += step;
        head += step;
        if (head === c.length) {
          chunks.shift();
          head = 0;
        }
      }
      return out;
    },
    clear() {
      chunks = [];
      head = 0;
      length = 0;
    },
  };
}
