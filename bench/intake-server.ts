/**
 * The platform's own ceiling for `npm run bench:peers`: a process that
 * answers `POST /v1/tx` as soon as the transaction is decoded, hashed and
 * its signature verified, with the node's own intake (verify-pool.ts: a
 * worker per core) behind a bare `node:http` server. No mempool, no block,
 * no execution, no state tree, no storage, no API framework.
 *
 * Why: the closed-loop figures of Polity are read against etcd's, on the
 * same cores. This process does the part of a transaction's work that no
 * ledger on this platform avoids (an HTTP request in Node.js, a JSON parse,
 * the canonical encoding and hash that name the transaction, one Ed25519
 * verification), so its throughput is what Polity's node could reach if
 * everything else it does were free. A target above it is beyond the
 * platform on this machine, not beyond the node.
 *
 *   node dist/bench/intake-server.js PORT CHAIN_ID
 *
 * Answers 200 `{"result":{"code":"OK"}}` for a valid transaction of the
 * chain, 400 with the refusal's code otherwise; bodies over 64 KiB are
 * refused. It prints `listening` once it listens on 127.0.0.1.
 */
import { createServer } from 'node:http';
import { createVerifyPool } from '../src/node/verify-pool.js';

const [portArg, chainId] = process.argv.slice(2);
if (!portArg || !chainId) throw new Error('usage: intake-server PORT CHAIN_ID');
const BODY_BYTES_MAX = 64 * 1024;
const pool = createVerifyPool();
const OK = JSON.stringify({ result: { code: 'OK' } });

const answer = (res: import('node:http').ServerResponse, status: number, body: string): void => {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
};

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  let bytes = 0;
  req.on('data', (c: Buffer) => {
    bytes += c.length;
    if (bytes > BODY_BYTES_MAX) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return answer(res, 400, JSON.stringify({ code: 'BAD_REQUEST' }));
    }
    void pool.intake([value], chainId).then(([r]) => {
      if (r?.status === 'valid') return answer(res, 200, OK);
      answer(res, 400, JSON.stringify({ code: r?.status === 'refused' ? r.code : (r?.status ?? 'refused') }));
    });
  });
});

server.listen(Number(portArg), '127.0.0.1', () => process.stdout.write('listening\n'));
const stop = (): void => {
  server.close();
  void pool.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
