/**
 * The shape of a notary receipt, checked before any hash is computed: every
 * member the receipt schema names (src/schemas/ledger.ts, `Receipt`;
 * spec/receipts.md §2) has its type, numbers are safe integers in range,
 * hashes and signatures are lowercase hex of their length, lists are lists
 * and within their limits.
 *
 * Why a check of its own, before the hash links: a receipt is untrusted JSON,
 * and `JSON.parse` turns `1e400` into Infinity and lets `null` stand anywhere.
 * The hash and signature code below assumes well-typed input; checking the
 * shape first means each refusal names the member that is wrong
 * ("certificate.signatures[1]: expected an object, got null") instead of
 * surfacing as whatever a hash function throws.
 *
 * Written out rather than compiled from the TypeBox schema: this module is
 * pure ledger code that the browser's verify page loads too, below the
 * schemas in the layering (test/layers.test.ts). The property test
 * (receipt.test.ts) feeds it malformed receipts of every kind.
 *
 * Members the schema leaves open are open here too: transaction arguments and
 * event fields (any JSON), and unknown members of objects that are hashed
 * (the header, the result: an added member changes the hash, and the hash
 * check refuses it) or that a verifier does not read. The transaction
 * (`{body, sig}` and its body) is closed, as transactions are everywhere
 * (spec/transactions.md).
 */
import { isHex } from '../crypto/bytes.js';
import { HANDOVERS_MAX } from './set-history.js';
import { CHAIN_ID_RE, NAME_RE } from './transaction.js';

/** Most siblings in an inclusion path (spec/receipts.md §2). */
export const RECEIPT_PATH_HASHES_MAX = 64;
/** Most signatures in a certificate, entries in a validator list, events in a result: generous bounds on untrusted lists. */
const LIST_MAX = 10_000;

type Check = (value: unknown, at: string) => string | undefined;

/** What a value is, for an error: its type and size, never its content. */
function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'number') return Number.isFinite(value) ? (Number.isInteger(value) ? 'an integer out of range' : 'a fraction') : `${value}`;
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return `a ${typeof value}`;
}

const expected = (at: string, what: string, value: unknown): string => `${at || 'the receipt'}: expected ${what}, got ${kind(value)}`;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const int =
  (min: number): Check =>
  (v, at) =>
    Number.isSafeInteger(v) && (v as number) >= min ? undefined : expected(at, min === 0 ? 'a non-negative integer' : `an integer of at least ${min}`, v);
const hex =
  (bytes: number): Check =>
  (v, at) =>
    isHex(v, bytes) ? undefined : expected(at, `${bytes} bytes of lowercase hex`, v);
const literal =
  (want: string | number): Check =>
  (v, at) =>
    v === want ? undefined : `${at}: expected ${JSON.stringify(want)}`;
const text =
  (pattern?: RegExp, what = 'a string'): Check =>
  (v, at) =>
    typeof v === 'string' && (!pattern || pattern.test(v)) ? undefined : expected(at, what, v);
const list =
  (item: Check, max: number): Check =>
  (v, at) => {
    if (!Array.isArray(v)) return expected(at, 'a list', v);
    if (v.length > max) return `${at}: expected at most ${max} entries, got ${v.length}`;
    for (let i = 0; i < v.length; i++) {
      const error = item(v[i], `${at}[${i}]`);
      if (error) return error;
    }
    return undefined;
  };
const optional =
  (check: Check): Check =>
  (v, at) =>
    v === undefined ? undefined : check(v, at);
/** An object with these members; `closed`: no others. */
const object =
  (members: Record<string, Check>, closed = false): Check =>
  (v, at) => {
    if (!isObject(v)) return expected(at, 'an object', v);
    if (closed) for (const k of Object.keys(v)) if (!Object.hasOwn(members, k)) return `${at}: unexpected member ${JSON.stringify(k.slice(0, 40))}`;
    for (const [k, check] of Object.entries(members)) {
      const error = check(v[k], at ? `${at}.${k}` : k);
      if (error) return error;
    }
    return undefined;
  };
const jsonObject: Check = (v, at) => (isObject(v) ? undefined : expected(at, 'an object', v));
const eventField: Check = (v, at) =>
  v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) ? undefined : expected(at, 'a string, finite number, boolean or null', v);

const hex32 = hex(32);
const chainId = text(CHAIN_ID_RE, 'a chain id');

const txBody = object(
  {
    v: literal(1),
    chainId,
    module: text(NAME_RE, 'a module name'),
    action: text(NAME_RE, 'an action name'),
    args: jsonObject,
    signer: hex32,
    nonce: int(0),
    expiresAt: optional(int(1)),
  },
  true,
);

const txResult = object({
  txId: hex32,
  code: text(),
  message: optional(text()),
  events: list((v, at) => {
    if (!isObject(v)) return expected(at, 'an object', v);
    for (const [k, field] of Object.entries(v)) {
      const error = k === 'type' ? text()(field, `${at}.type`) : eventField(field, `${at}.${k}`);
      if (error) return error;
    }
    return v.type === undefined ? `${at}.type: expected a string` : undefined;
  }, LIST_MAX),
});

const header = object({
  v: literal(1),
  chainId,
  height: int(1),
  time: int(0),
  prevHash: hex32,
  txRoot: hex32,
  txCount: int(0),
  resultsRoot: hex32,
  stateRoot: hex32,
  historyRoot: hex32,
  validatorSetHash: hex32,
  nextValidatorSetHash: optional(hex32),
  proposer: hex32,
  lastCommitHash: optional(hex32),
});

const certificate = object({
  height: int(1),
  round: int(0),
  blockHash: hex32,
  signatures: list(object({ validator: hex32, time: int(0), sig: hex(64) }), LIST_MAX),
});

const validator = object({ name: text(), pubKey: hex32, power: int(1) });
const path = list(hex32, RECEIPT_PATH_HASHES_MAX);

const receipt = object({
  type: literal('polity.notary.receipt'),
  v: literal(1),
  hash: hex32,
  chainId,
  genesisHash: hex32,
  batch: optional(object({ root: hex32, index: int(0), size: int(1), path })),
  tx: object({ body: txBody, sig: hex(64) }, true),
  txIndex: int(0),
  txPath: path,
  result: txResult,
  resultPath: path,
  header,
  certificate,
  validators: list(validator, LIST_MAX),
  validatorSets: optional(list(object({ since: int(2), validators: list(validator, LIST_MAX), header, certificate }), HANDOVERS_MAX)),
});

/**
 * What is wrong with the shape of an untrusted receipt, naming the member
 * (`certificate.round: expected a non-negative integer, got Infinity`), or
 * undefined when every member has its type. Never throws.
 */
export function receiptShapeError(value: unknown): string | undefined {
  return receipt(value, '');
}
