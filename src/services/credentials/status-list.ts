/**
 * Bitstring Status List v1.0 on the chain: one bit per credential, stored in
 * pages so that changing one credential's status rewrites 512 bytes, not the
 * whole 16 KiB list, and so that a list of a million entries costs the same
 * per update as one of 131,072.
 *
 * Each issuing organisation has numbered lists. A list has LIST_ENTRIES
 * indexes; each issued credential takes one index, the same in the list's
 * two bitstrings: `revocation` (1: revoked, for ever) and `suspension`
 * (1: suspended until reinstated). A third bitmap, `used`, records which
 * indexes are taken and is never published.
 *
 * Indexes are pseudo-random, not sequential, so an index says nothing about
 * when a credential was issued or which credentials are near it, and a
 * verifier who fetches the whole list reveals nothing about which credential
 * it checks (the spec's "herd privacy"). The index is derived from what the
 * issuer knows before signing and the chain can recompute: the chain id, the
 * issuing key, that key's transaction nonce and a probe number (0, 1, …) for
 * when a slot is taken. The issuer must know its credential's index before
 * it signs the credential, and the chain's own randomness (a block hash)
 * only exists after; the nonce is the chain's value that exists before.
 *
 * Pure: hashing only.
 */
import { fromHex, toHex, utf8Encode } from '../../crypto/bytes.js';
import { sha256 } from '../../crypto/sha256.js';

/** Entries of a list by default: 2^17, the spec's minimum (131,072, 16 KiB), for herd privacy. */
export const LIST_ENTRIES = 131_072;
/**
 * The sizes an organisation may choose for a list it opens (`credentials.openList`):
 * 2^17 to 2^20 entries (16 KiB to 128 KiB). Powers of two, so an index taken
 * modulo the size has no bias; a page is still 4,096 bits, so a status change
 * costs the same in a list of a million entries.
 */
export const LIST_SIZES = [131_072, 262_144, 524_288, 1_048_576] as const;
export const LIST_ENTRIES_MAX = 1_048_576;
/** Bits in one stored page: 4,096 bits = 512 bytes; a list has 32 pages. */
export const PAGE_BITS = 4_096;
export const PAGE_BYTES = PAGE_BITS / 8;
export const PAGES = LIST_ENTRIES / PAGE_BITS;
/** A list takes new credentials until it is three quarters full, so a free slot is found within few probes. */
export const LIST_CAPACITY = (LIST_ENTRIES / 4) * 3;
export const capacityOf = (entries: number): number => (entries / 4) * 3;
/** Probes an issuer may try for a free slot: with a list at most 3/4 full, all 64 are taken with probability below 1e-8. */
export const PROBES_MAX = 64;
/** Lists per organisation: 1,000 × 98,304 credentials. */
export const LISTS_MAX = 1_000;
export const PURPOSES = ['revocation', 'suspension'] as const;
export type StatusPurpose = (typeof PURPOSES)[number];
export const INDEX_DOMAIN = 'polity-status-index:v1:';

/**
 * The index a credential takes for a given probe: the first four bytes of
 * SHA-256("polity-status-index:v1:" ‖ chainId ‖ ":" ‖ signer ‖ ":" ‖ nonce ‖ ":" ‖ probe),
 * big-endian, modulo LIST_ENTRIES (a power of two: no bias).
 */
export function statusIndexOf(chainId: string, signer: string, nonce: number, probe: number, entries: number = LIST_ENTRIES): number {
  const h = sha256(utf8Encode(`${INDEX_DOMAIN}${chainId}:${signer}:${nonce}:${probe}`));
  return (((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0) % entries;
}

/** Page number and bit mask of an index; bit 0 of the list is the most significant bit of its first byte (the spec's order). */
export function locate(index: number, entries: number = LIST_ENTRIES_MAX): { page: number; byte: number; mask: number } {
  if (!Number.isSafeInteger(index) || index < 0 || index >= entries) throw new RangeError(`status index: expected 0 to ${entries - 1}`);
  const page = Math.floor(index / PAGE_BITS);
  const bit = index % PAGE_BITS;
  return { page, byte: bit >> 3, mask: 0x80 >> (bit & 7) };
}

/** A stored page (hex of 512 bytes) as bytes; an absent page is all zeros. */
export function pageBytes(stored: unknown): Uint8Array {
  return typeof stored === 'string' ? fromHex(stored, PAGE_BYTES) : new Uint8Array(PAGE_BYTES);
}

/** The bit of `index` in its stored page (the page of `index`: the caller reads it). */
export function bitOf(stored: unknown, index: number): boolean {
  const { byte, mask } = locate(index);
  return (pageBytes(stored)[byte]! & mask) !== 0;
}

/** The page with the index's bit set to `value`, for storing. */
export function withBit(stored: unknown, index: number, value: boolean): string {
  const { byte, mask } = locate(index);
  const bytes = pageBytes(stored).slice();
  bytes[byte] = value ? bytes[byte]! | mask : bytes[byte]! & ~mask;
  return toHex(bytes);
}

/** The whole bitstring of a list from its stored pages (entries / 4,096 reads). */
export function assemble(readPage: (page: number) => unknown, entries: number = LIST_ENTRIES): Uint8Array {
  const out = new Uint8Array(entries / 8);
  for (let p = 0; p < entries / PAGE_BITS; p++) out.set(pageBytes(readPage(p)), p * PAGE_BYTES);
  return out;
}
