/**
 * GET /v1/validators/changes/{id} answers a change's deadline as the module
 * stored it (ms and ISO 8601, or a height under rules version 1) and, past a
 * time deadline, answers 404 as for an unknown change, even with no block cut
 * since (the read's time is the later of the head's time + 1 ms and the
 * clock). Registered on a bare Fastify with the API's request validation and
 * a stand-in node and state: no chain, no socket (inject).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Json } from '../../crypto/canonical-json.js';
import { PolityError } from '../../ledger/errors.js';
import type { RouteContext, TypedApp } from '../../api/route.js';
import { typeboxValidatorCompiler } from '../../api/validator.js';
import { changeKey, type Change } from './module.js';
import { validatorsRoutes } from './routes.js';

const KEY = 'cd'.repeat(32);
const validators = [{ name: 'a-0', pubKey: KEY, power: 1 }, { name: 'a-1', pubKey: 'ef'.repeat(32), power: 1 }];
const made = { validators, approvals: [KEY], proposer: KEY, proposedAt: 3 };
/** A head block of 2023, long before the far deadline and after the past one. */
const HEAD_MS = Date.UTC(2023, 10, 14);
const FAR_MS = Date.UTC(9000, 0, 1);
const changes: Record<string, Change> = {
  ['01'.repeat(32)]: { ...made, proposedAtMs: HEAD_MS - 1000, expiresAtMs: FAR_MS },
  ['02'.repeat(32)]: { ...made, proposedAtMs: HEAD_MS - 8 * 86_400_000, expiresAtMs: HEAD_MS - 86_400_000 },
  ['03'.repeat(32)]: { ...made, expiresAt: 10_003 },
};

async function app(): Promise<TypedApp> {
  const a = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
  a.setValidatorCompiler(typeboxValidatorCompiler);
  a.setErrorHandler((error, _request, reply) => (error instanceof PolityError ? reply.status(404).send({ code: error.code, message: error.message }) : reply.status(500).send({ code: 'INTERNAL' })));
  const node = { height: 40, genesis: { genesisTime: HEAD_MS - 40_000 }, lastHeader: () => ({ time: HEAD_MS }), validatorSetAt: () => ({ validators }) };
  const get = (key: string): Json | undefined => Object.entries(changes).find(([id]) => changeKey(id) === key)?.[1] as unknown as Json | undefined;
  validatorsRoutes(a as unknown as TypedApp, { node, get } as unknown as RouteContext);
  await a.ready();
  return a as unknown as TypedApp;
}

test('a change answers its time deadline in ms and ISO 8601 until it passes, then 404; a rules-version-1 change its height', async () => {
  const a = await app();
  try {
    const open = await a.inject({ method: 'GET', url: `/v1/validators/changes/${'01'.repeat(32)}` });
    assert.equal(open.statusCode, 200, open.body);
    const body = open.json();
    assert.deepEqual([body.expiresAtMs, body.expiresAtIso, body.proposedAtMs, body.proposedAtIso, body.expiresAt], [FAR_MS, new Date(FAR_MS).toISOString(), HEAD_MS - 1000, new Date(HEAD_MS - 1000).toISOString(), undefined]);
    assert.deepEqual([body.approvedPower, body.totalPower], [1, 2]);
    const past = await a.inject({ method: 'GET', url: `/v1/validators/changes/${'02'.repeat(32)}` });
    assert.equal(past.statusCode, 404);
    assert.equal(past.json().code, 'VALIDATORS_CHANGE_UNKNOWN');
    assert.match(past.json().message, /past its deadline/);
    const old = await a.inject({ method: 'GET', url: `/v1/validators/changes/${'03'.repeat(32)}` });
    assert.equal(old.statusCode, 200, old.body);
    assert.deepEqual([old.json().expiresAt, old.json().expiresAtMs], [10_003, undefined]);
  } finally {
    await a.close();
  }
});
