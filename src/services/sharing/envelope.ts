/**
 * Private records of the data-sharing service, as bytes: their commitment
 * on the chain, the disclosure of some of their fields, and the envelope
 * that keeps them encrypted at rest and in transfer (spec/services/sharing.md
 * §Private store).
 *
 * Commitment. A record is `{fields: {name: value}}` under a random record id
 * in a dataset. Its holder draws a 32-byte random salt and derives from it,
 * with HMAC-SHA256 (domain separated):
 *
 *   commitKey  = HMAC(salt, "polity-sharing:v1:commit-key")
 *   fieldSalt  = HMAC(salt, "polity-sharing:v1:field-salt:" ‖ name)
 *   digest     = HMAC(fieldSalt, "polity-sharing:v1:field:" ‖ JCS([name, value]))
 *   commitment = HMAC(commitKey, "polity-sharing:v1:commit:" ‖ JCS({dataset, recordId, digests}))
 *
 * Why per-field digests: a consent names fields, and a reader gets only
 * those. A disclosure carries the commit key, the named fields with their
 * field salts, and the bare digests of the others, so the reader checks
 * the whole commitment without learning (or being able to guess, even for
 * a yes/no field) what it was not given — SD-JWT's salted disclosures, under
 * one HMAC. Without the salt, the commitment on the chain links to nothing:
 * erasure destroys the salt and the commitment stays.
 *
 * Envelope. The record (salt and all its fields) is encrypted with a fresh
 * AES-256-GCM key; that key is wrapped for each node that may open it: an
 * ephemeral X25519 key, X25519 with the node's key (the twin of its node
 * key on the chain, src/crypto/x25519.ts), HKDF-SHA256 over the shared
 * secret (salt: ephemeral ‖ recipient public key; info: domain ‖ record id)
 * gives the wrapping key, and AES-256-GCM wraps. The record id is in the
 * additional data of both layers, so an envelope or a wrap moved to another
 * record does not open.
 *
 * Pure: randomness comes in as an argument.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { canonicalJson, type Json } from '../../crypto/canonical-json.js';
import { concatBytes, equalBytes, fromHex, isHex, toHex, utf8Encode } from '../../crypto/bytes.js';
import { x25519, x25519PublicFromEd25519, x25519PublicOf } from '../../crypto/x25519.js';

/** Most fields in one record. */
export const RECORD_FIELDS_MAX = 64;
/** Most bytes of a record's canonical JSON (its fields and salt): a document-sized record, not a file store. */
export const RECORD_BYTES_MAX = 64 * 1024;
/** Most nodes a record's key is wrapped for. */
export const WRAPS_MAX = 64;
/** A field's name (the same rule as the directory's field names). */
export const RECORD_FIELD_RE = /^[a-z][a-zA-Z0-9_]{0,31}$/;
/** A record id: 32 random bytes, hex. */
export const RECORD_ID_RE = /^[0-9a-f]{64}$/;

const COMMIT_KEY_DOMAIN = 'polity-sharing:v1:commit-key';
const FIELD_SALT_DOMAIN = 'polity-sharing:v1:field-salt:';
const FIELD_DOMAIN = 'polity-sharing:v1:field:';
const COMMIT_DOMAIN = 'polity-sharing:v1:commit:';
const ENVELOPE_AAD_DOMAIN = 'polity-sharing:v1:envelope:';
const WRAP_INFO_DOMAIN = 'polity-sharing:v1:wrap:';

export type Random = (bytes: number) => Uint8Array;
export type RecordFields = { [name: string]: Json };

/** A record as its holders keep it (inside the envelope only). */
export interface PrivateRecord {
  v: 1;
  recordId: string;
  dataset: string;
  /** 32 bytes, hex. */
  salt: string;
  fields: RecordFields;
}

/** Some fields of a record, with what checks them against its commitment. */
export interface Disclosure {
  v: 1;
  recordId: string;
  dataset: string;
  /** HMAC(salt, commit-key domain), hex: checks the commitment, reveals nothing of other fields. */
  commitKey: string;
  /** The disclosed fields: value and field salt (hex). */
  fields: { [name: string]: { value: Json; salt: string } };
  /** The digests of the fields not disclosed, hex. */
  withheld: { [name: string]: string };
}

export interface Wrap {
  /** The recipient node's key (Ed25519, hex). */
  node: string;
  /** Ephemeral X25519 public key, hex. */
  epk: string;
  /** The content key wrapped: AES-256-GCM ciphertext ‖ tag (48 bytes), hex. */
  key: string;
}

/** What is stored and sent: the record (or a disclosure) encrypted, and its key wrapped per node. */
export interface Envelope {
  v: 1;
  recordId: string;
  /** What is inside: a whole record (a holder's copy) or a disclosure (a reader's). */
  kind: 'record' | 'disclosure';
  /** 12 bytes, hex. */
  iv: string;
  /** AES-256-GCM ciphertext ‖ tag, base64. */
  ct: string;
  wraps: Wrap[];
}

/** Node keys mapped to X25519 once each (a field inversion: ~0.5 ms); bounded, cleared when full. */
const twins = new Map<string, Uint8Array>();
const TWINS_MAX = 4096;
function twinOf(node: string): Uint8Array {
  let u = twins.get(node);
  if (!u) {
    if (twins.size >= TWINS_MAX) twins.clear();
    u = x25519PublicFromEd25519(node);
    twins.set(node, u);
  }
  return u;
}

const hmac = (key: Uint8Array, ...parts: (string | Uint8Array)[]): Uint8Array => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(typeof p === 'string' ? utf8Encode(p) : p);
  return new Uint8Array(h.digest());
};

/** What is wrong with a record's fields, or undefined. Messages name fields, never values. */
export function fieldsProblem(fields: unknown): string | undefined {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return 'expected the fields as an object';
  const names = Object.keys(fields);
  if (names.length === 0) return 'expected at least one field';
  if (names.length > RECORD_FIELDS_MAX) return `expected at most ${RECORD_FIELDS_MAX} fields, got ${names.length}`;
  const bad = names.find((n) => !RECORD_FIELD_RE.test(n));
  if (bad !== undefined) return `expected field names matching ${RECORD_FIELD_RE.source}, got one of ${bad.length} characters that does not`;
  const bytes = utf8Encode(canonicalJson(fields)).length;
  if (bytes > RECORD_BYTES_MAX - 200) return `expected the fields within ${RECORD_BYTES_MAX - 200} bytes of JSON, got ${bytes}`;
  return undefined;
}

function fieldDigest(fieldSalt: Uint8Array, name: string, value: Json): Uint8Array {
  return hmac(fieldSalt, FIELD_DOMAIN, canonicalJson([name, value]));
}

function commitmentOf(commitKey: Uint8Array, dataset: string, recordId: string, digests: Record<string, string>): string {
  return toHex(hmac(commitKey, COMMIT_DOMAIN, canonicalJson({ dataset, recordId, digests })));
}

/** A new record: a random id (unless given) and salt. */
export function newRecord(dataset: string, fields: RecordFields, random: Random, recordId = toHex(random(32))): PrivateRecord {
  return { v: 1, recordId, dataset, salt: toHex(random(32)), fields };
}

/** The record's commitment (hex, 32 bytes): what `sharing.commit` puts on the chain. */
export function recordCommitment(record: PrivateRecord): string {
  const salt = fromHex(record.salt, 32);
  const digests: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.fields)) digests[name] = toHex(fieldDigest(hmac(salt, FIELD_SALT_DOMAIN, name), name, value));
  return commitmentOf(hmac(salt, COMMIT_KEY_DOMAIN), record.dataset, record.recordId, digests);
}

/** The named fields of a record with what checks them (fields the record lacks are left out: the reader sees which). */
export function disclose(record: PrivateRecord, names: readonly string[]): Disclosure {
  const salt = fromHex(record.salt, 32);
  const wanted = new Set(names);
  const out: Disclosure = { v: 1, recordId: record.recordId, dataset: record.dataset, commitKey: toHex(hmac(salt, COMMIT_KEY_DOMAIN)), fields: {}, withheld: {} };
  for (const [name, value] of Object.entries(record.fields)) {
    const fieldSalt = hmac(salt, FIELD_SALT_DOMAIN, name);
    if (wanted.has(name)) out.fields[name] = { value, salt: toHex(fieldSalt) };
    else out.withheld[name] = toHex(fieldDigest(fieldSalt, name, value));
  }
  return out;
}

/** The commitment a disclosure checks against (throws TypeError for a malformed one). */
export function disclosureCommitment(d: Disclosure): string {
  if (!isHex(d.commitKey, 32)) throw new TypeError('expected a 32-byte commit key');
  const digests: Record<string, string> = {};
  for (const [name, f] of Object.entries(d.fields)) {
    if (!isHex(f.salt, 32)) throw new TypeError(`expected a 32-byte salt for field ${name.slice(0, 32)}`);
    digests[name] = toHex(fieldDigest(fromHex(f.salt), name, f.value));
  }
  for (const [name, digest] of Object.entries(d.withheld)) {
    if (!isHex(digest, 32) || name in digests) throw new TypeError('expected each withheld field once, with a 32-byte digest');
    digests[name] = digest;
  }
  return commitmentOf(fromHex(d.commitKey), d.dataset, d.recordId, digests);
}

// --- the envelope -------------------------------------------------------------------

function wrapKey(shared: Uint8Array, epk: Uint8Array, recipient: Uint8Array, recordId: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', shared, concatBytes(epk, recipient), utf8Encode(WRAP_INFO_DOMAIN + recordId), 32));
}

function gcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  return concatBytes(c.update(plaintext), c.final(), c.getAuthTag());
}

/** Decrypts, or undefined when the tag does not check (wrong key, or altered bytes). */
function gcmOpen(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (sealed.length < 16) return undefined;
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return concatBytes(d.update(sealed.subarray(0, sealed.length - 16)), d.final());
  } catch {
    return undefined;
  }
}

/** Wrap a content key for one node (its Ed25519 key's X25519 twin), with a fresh ephemeral key. */
function wrapFor(contentKey: Uint8Array, node: string, recordId: string, random: Random): Wrap {
  const recipient = twinOf(node);
  const ephemeral = random(32);
  const epk = x25519PublicOf(ephemeral);
  const kek = wrapKey(x25519(ephemeral, recipient), epk, recipient, recordId);
  // The wrapping key is used once (a fresh ephemeral key each), so a fixed IV is safe.
  return { node, epk: toHex(epk), key: toHex(gcmSeal(kek, new Uint8Array(12), contentKey, fromHex(node))) };
}

/** The content key of an envelope, unwrapped as `node`; undefined when it has no wrap for it or the wrap does not open. */
function unwrap(envelope: Envelope, node: string, sharedSecret: (publicKey: Uint8Array) => Uint8Array): Uint8Array | undefined {
  const wrap = envelope.wraps.find((w) => w.node === node);
  if (!wrap) return undefined;
  const epk = fromHex(wrap.epk, 32);
  let shared: Uint8Array;
  try {
    shared = sharedSecret(epk);
  } catch {
    return undefined; // a low-order ephemeral key: not an envelope anyone sealed
  }
  const recipient = twinOf(node);
  return gcmOpen(wrapKey(shared, epk, recipient, envelope.recordId), new Uint8Array(12), fromHex(wrap.key, 48), fromHex(node));
}

/**
 * The same ciphertext with its content key wrapped for `forNodes` only (a node added to a holder
 * organisation after the record was sealed). Opens the key with this node's wrap; never decrypts the
 * record. Undefined when this node cannot open the key.
 */
export function rewrap(envelope: Envelope, node: string, sharedSecret: (publicKey: Uint8Array) => Uint8Array, forNodes: readonly string[], random: Random): Envelope | undefined {
  const recipients = [...new Set(forNodes)];
  if (recipients.length === 0 || recipients.length > WRAPS_MAX) throw new RangeError(`expected 1 to ${WRAPS_MAX} recipient nodes, got ${recipients.length}`);
  const contentKey = unwrap(envelope, node, sharedSecret);
  if (!contentKey) return undefined;
  const wraps = recipients.map((n) => wrapFor(contentKey, n, envelope.recordId, random));
  contentKey.fill(0);
  return { ...envelope, wraps };
}

/** Encrypt a record or a disclosure for the given nodes (Ed25519 node keys, hex): a fresh content key, one wrap each. */
export function seal(content: PrivateRecord | Disclosure, kind: Envelope['kind'], nodes: readonly string[], random: Random): Envelope {
  const recipients = [...new Set(nodes)];
  if (recipients.length === 0 || recipients.length > WRAPS_MAX) throw new RangeError(`expected 1 to ${WRAPS_MAX} recipient nodes, got ${recipients.length}`);
  const plaintext = utf8Encode(canonicalJson(content));
  if (plaintext.length > RECORD_BYTES_MAX) throw new RangeError(`expected a record within ${RECORD_BYTES_MAX} bytes, got ${plaintext.length}`);
  const contentKey = random(32);
  const iv = random(12);
  const ct = gcmSeal(contentKey, iv, plaintext, utf8Encode(ENVELOPE_AAD_DOMAIN + kind + ':' + content.recordId));
  const wraps = recipients.map((node) => wrapFor(contentKey, node, content.recordId, random));
  contentKey.fill(0);
  return { v: 1, recordId: content.recordId, kind, iv: toHex(iv), ct: Buffer.from(ct).toString('base64'), wraps };
}

/** What is wrong with an envelope's shape, or undefined (bounds every part before any work). */
export function envelopeProblem(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return 'expected an envelope object';
  const v = e as Partial<Envelope>;
  if (v.v !== 1 || (v.kind !== 'record' && v.kind !== 'disclosure')) return 'expected an envelope of version 1 holding a record or a disclosure';
  if (typeof v.recordId !== 'string' || !RECORD_ID_RE.test(v.recordId)) return 'expected a 32-byte hex record id';
  if (!isHex(v.iv, 12)) return 'expected a 12-byte IV';
  if (typeof v.ct !== 'string' || v.ct.length > Math.ceil(((RECORD_BYTES_MAX + 16) * 4) / 3) + 4) return `expected a ciphertext of at most ${RECORD_BYTES_MAX + 16} bytes`;
  if (!Array.isArray(v.wraps) || v.wraps.length === 0 || v.wraps.length > WRAPS_MAX) return `expected 1 to ${WRAPS_MAX} wraps`;
  for (const w of v.wraps as unknown[]) {
    const x = w as Partial<Wrap>;
    if (typeof w !== 'object' || w === null || !isHex(x.node, 32) || !isHex(x.epk, 32) || !isHex(x.key, 48)) return 'expected each wrap as {node, epk, key} of 32, 32 and 48 bytes of hex';
  }
  return undefined;
}

/**
 * Open an envelope as `node` (its key), with the node's X25519 key agreement.
 * Undefined when it has no wrap for this node or its bytes do not decrypt (altered, or moved to another record).
 */
export function open(envelope: Envelope, node: string, sharedSecret: (publicKey: Uint8Array) => Uint8Array): PrivateRecord | Disclosure | undefined {
  const contentKey = unwrap(envelope, node, sharedSecret);
  if (!contentKey) return undefined;
  const plaintext = gcmOpen(contentKey, fromHex(envelope.iv, 12), new Uint8Array(Buffer.from(envelope.ct, 'base64')), utf8Encode(ENVELOPE_AAD_DOMAIN + envelope.kind + ':' + envelope.recordId));
  contentKey.fill(0);
  if (!plaintext) return undefined;
  let content: PrivateRecord | Disclosure;
  try {
    content = JSON.parse(new TextDecoder().decode(plaintext)) as PrivateRecord | Disclosure;
  } catch {
    return undefined;
  }
  plaintext.fill(0);
  if (content?.recordId !== envelope.recordId) return undefined;
  return content;
}

/** Constant-shape comparison of two hex commitments. */
export function sameCommitment(a: string, b: string): boolean {
  return isHex(a, 32) && isHex(b, 32) && equalBytes(fromHex(a), fromHex(b));
}
