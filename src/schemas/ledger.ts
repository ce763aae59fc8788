/**
 * Schemas of the ledger's formats as they travel over HTTP: transactions,
 * results, headers, certificates, blocks, the genesis, validator-set
 * handovers and receipts (spec/transactions.md, blocks.md, receipts.md).
 *
 * The ledger keeps its own TypeScript interfaces (src/ledger/): every schema
 * here is checked at compile time to describe exactly the same JSON
 * (`sameType` below), so the two cannot drift apart. Objects whose members
 * are open (transaction arguments, event fields) say so; every other object
 * lists its members, and the server's serialiser drops anything else.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Block as LedgerBlock, BlockHeader as LedgerHeader, CommitCertificate as LedgerCertificate, TxResult as LedgerResult } from '../ledger/block.js';
import type { ErrorCode } from '../ledger/errors.js';
import type { Genesis as LedgerGenesis, Validator as LedgerValidator } from '../ledger/genesis.js';
import type { Receipt as LedgerReceipt } from '../ledger/receipt.js';
import type { SetHandover as LedgerHandover } from '../ledger/set-history.js';
import type { StateProof as LedgerStateProof } from '../ledger/state-tree.js';
import type { SignedTx as LedgerSignedTx } from '../ledger/transaction.js';
import { AnyJson, AnyOf, ChainId, Either, Hash, Hex32, Hex64, sameType, TimeMs, type Same } from './common.js';

const Int = (description?: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...(description ? { description } : {}) });

export const TxBody = Type.Object(
  {
    v: Type.Literal(1),
    chainId: ChainId,
    module: Type.String({ pattern: '^[a-z][a-zA-Z0-9]{0,31}$' }),
    action: Type.String({ pattern: '^[a-z][a-zA-Z0-9]{0,31}$' }),
    args: Type.Record(Type.String(), AnyJson, { description: "the action's arguments (its schema: GET /v1/modules)" }),
    signer: Hex32,
    nonce: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    expiresAt: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false, title: 'TxBody' },
);

export const SignedTx = Type.Object({ body: TxBody, sig: Hex64 }, { additionalProperties: false, title: 'SignedTx', description: 'A signed transaction (spec/transactions.md).' });

export const TxEvent = Type.Object(
  { type: Type.String() },
  { additionalProperties: AnyOf<string | number | boolean | null>(['string', 'number', 'boolean', 'null']), title: 'TxEvent', description: 'An event a transaction emitted: its type and flat fields.' },
);

export const TxResult = Type.Object(
  {
    txId: Hex32,
    code: Type.Unsafe<'OK' | ErrorCode>(Type.String({ description: '"OK", or the error code of a failed transaction' })),
    message: Type.Optional(Type.String()),
    events: Type.Array(TxEvent),
  },
  { title: 'TxResult' },
);

export const BlockHeader = Type.Object(
  {
    v: Type.Literal(1),
    chainId: ChainId,
    height: Int(),
    time: TimeMs,
    prevHash: Hex32,
    txRoot: Hex32,
    txCount: Int(),
    resultsRoot: Hex32,
    stateRoot: Hex32,
    historyRoot: Hex32,
    validatorSetHash: Hex32,
    nextValidatorSetHash: Type.Optional(Hex32),
    proposer: Hex32,
    lastCommitHash: Type.Optional(Hex32),
  },
  { title: 'BlockHeader' },
);

export const CommitSignature = Type.Object({ validator: Hex32, time: TimeMs, sig: Hex64 }, { title: 'CommitSignature' });
export const CommitCertificate = Type.Object(
  { height: Int(), round: Int(), blockHash: Hex32, signatures: Type.Array(CommitSignature) },
  { title: 'CommitCertificate', description: 'Precommit signatures of more than two thirds of the voting power (spec/blocks.md §8).' },
);

export const Block = Type.Object(
  { header: BlockHeader, txs: Type.Array(SignedTx), certificate: CommitCertificate, lastCommit: Type.Optional(CommitCertificate) },
  { title: 'Block' },
);

export const Validator = Type.Object({ name: Type.String(), pubKey: Hex32, power: Type.Integer({ minimum: 1 }) }, { title: 'Validator' });

export const Genesis = Type.Object(
  {
    v: Type.Literal(1),
    chainId: ChainId,
    genesisTime: TimeMs,
    validators: Type.Array(Validator),
    params: Type.Object({
      blockTxsMax: Int(),
      blockBytesMax: Int(),
      notaryBatchHashesMax: Int(),
      consensusTimeouts: Type.Optional(
        Type.Object({
          profile: Type.Optional(Type.Union([Type.Literal('lan'), Type.Literal('wan')])),
          proposeMs: Type.Optional(Type.Integer({ minimum: 1 })),
          proposeDeltaMs: Type.Optional(Type.Integer({ minimum: 0 })),
          prevoteMs: Type.Optional(Type.Integer({ minimum: 1 })),
          prevoteDeltaMs: Type.Optional(Type.Integer({ minimum: 0 })),
          precommitMs: Type.Optional(Type.Integer({ minimum: 1 })),
          precommitDeltaMs: Type.Optional(Type.Integer({ minimum: 0 })),
          commitMs: Type.Optional(Type.Integer({ minimum: 0 })),
        }),
      ),
      heartbeatMs: Type.Optional(Type.Integer({ minimum: 0 })),
      rulesVersion: Type.Optional(Type.Integer({ minimum: 1, description: 'the transition rules the chain starts under; absent: 1, release 0.1.0’s (spec/operations.md §"Rules versions")' })),
    }),
    organisations: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.String(),
          name: Type.String(),
          admins: Type.Array(Hex32),
          threshold: Type.Integer({ minimum: 1 }),
          nodes: Type.Array(Hex32),
          permissions: Type.Optional(Type.Array(Type.String())),
        }),
      ),
    ),
    governance: Type.Optional(Type.Object({ approvalNumerator: Int(), approvalDenominator: Int(), votingBlocks: Int() })),
  },
  { title: 'Genesis', description: 'The genesis document: what offline verifiers need (spec/blocks.md §2).' },
);

export const SetHandover = Type.Object(
  {
    since: Type.Integer({ minimum: 2, description: 'the first height the incoming set signs' }),
    validators: Type.Array(Validator, { description: 'the incoming set' }),
    header: BlockHeader,
    certificate: CommitCertificate,
  },
  { title: 'SetHandover', description: 'The last block an outgoing set signed (naming the next set), its certificate, and the incoming set (spec/blocks.md §8.5).' },
);

export const StateProof = Type.Object(
  {
    siblings: Type.Array(AnyOf<string | null>(['string', 'null'], { description: 'a 32-byte hex hash, or null for an empty subtree' })),
    terminal: Either('type', 'empty', Type.Object({ type: Type.Literal('empty') }), Type.Object({ type: Type.Literal('leaf'), keyHash: Hex32, valueHash: Hex32 })),
  },
  { title: 'StateProof', description: 'Inclusion or non-inclusion of a key in the state tree (spec/state.md).' },
);

export const Receipt = Type.Object(
  {
    type: Type.Literal('polity.notary.receipt'),
    v: Type.Literal(1),
    hash: Hash,
    chainId: ChainId,
    genesisHash: Hex32,
    batch: Type.Optional(Type.Object({ root: Hex32, index: Int(), size: Type.Integer({ minimum: 1 }), path: Type.Array(Hex32) })),
    tx: SignedTx,
    txIndex: Int(),
    txPath: Type.Array(Hex32),
    result: TxResult,
    resultPath: Type.Array(Hex32),
    header: BlockHeader,
    certificate: CommitCertificate,
    validators: Type.Array(Validator),
    validatorSets: Type.Optional(Type.Array(SetHandover)),
  },
  { title: 'Receipt', description: 'An offline-verifiable receipt: the record, its Merkle paths to a block header, and the commit certificate (spec/receipts.md).' },
);

// Each schema describes exactly the ledger's own type.
sameType<Same<Static<typeof SignedTx>, LedgerSignedTx>>();
sameType<Same<Static<typeof BlockHeader>, LedgerHeader>>();
sameType<Same<Static<typeof CommitCertificate>, LedgerCertificate>>();
sameType<Same<Static<typeof Block>, LedgerBlock>>();
sameType<Same<Static<typeof TxResult>, LedgerResult>>();
sameType<Same<Static<typeof Validator>, LedgerValidator>>();
sameType<Same<Static<typeof Genesis>, LedgerGenesis>>();
sameType<Same<Static<typeof SetHandover>, LedgerHandover>>();
sameType<Same<Static<typeof StateProof>, LedgerStateProof>>();
sameType<Same<Static<typeof Receipt>, LedgerReceipt>>();
