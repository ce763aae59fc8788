/**
 * The credentials service's part of `npm run bench`: credentials issued per
 * second — made, signed (eddsa-jcs-2022) and recorded by `credentials.issue`
 * on one node — and verified per second (signature, issuance record, trust
 * at issuance, claims schema, status, expiry) through POST
 * /v1/credentials/verify one by one and through POST
 * /v1/credentials/verify/batch, each beside the same run's Ed25519
 * ceilings; then status changes (suspensions) committed per second on a
 * status list of 1,048,576 entries (`credentials.openList`).
 *
 * Verification's signatures run in the node's verification workers (every
 * core); the rest — canonical JSON, SHA-256, state reads, the claims
 * schema — on the API's thread.
 *
 * One organisation's admin holds every role, so after governance defines the
 * type and accredits the organisation (one organisation: its vote is the
 * share), the admin issues. Signing is timed on its own and then counted
 * into the issuance rate: an issuer's cost is signing plus recording.
 */
import { randomUUID } from 'node:crypto';
import { signTx } from '../../ledger/sign.js';
import { decodeTx, type SignedTx } from '../../ledger/transaction.js';
import { adminKeyPath, loadKeyFile } from '../../node/data-dir.js';
import { committedPerSecond, line, now, rate, ratio, withNode, type BenchPart } from '../../../bench/part.js';
import { prepareCredential, type Prepared } from './issuer.js';
import { LIST_ENTRIES_MAX, statusIndexOf } from './status-list.js';

const SCHEMA = { type: 'object', properties: { id: { type: 'string' }, degree: { type: 'string', maxLength: 200 } }, required: ['degree'] };

const issueAndVerify: BenchPart = {
  name: 'credentials',
  title: 'credentials issued (signed + credentials.issue, one node), verified (POST /v1/credentials/verify, one by one and in batches) and suspended (1,048,576-entry list)',
  run: async ({ quick, ceilings, say }) =>
    withNode(async (url, t) => {
      const n = quick ? 1_000 : 10_000;
      const admin = await loadKeyFile(adminKeyPath(t.dir));
      const org = t.genesis.organisations![0]!.id;
      const chainId = t.genesis.chainId;
      let nonce = 0;
      const tx = (module: string, action: string, args: Record<string, unknown>): SignedTx => signTx({ v: 1, chainId, module, action, args: args as never, signer: admin.publicKey, nonce: nonce++ }, admin.secretKey);
      // Governance: define the type, accredit the organisation as issuer; each decision enacted.
      for (const decision of [
        { type: 'defineType', name: 'BenchDiploma', title: 'Bench diploma', schema: SCHEMA },
        { type: 'accredit', org, credentialType: 'BenchDiploma', role: 'issuer' },
      ]) {
        const propose = tx('gov', 'propose', { change: { type: 'serviceDecision', module: 'credentials', decision } });
        await committedPerSecond(url, t.node, [propose]);
        const setup = await committedPerSecond(url, t.node, [tx('credentials', 'enact', { proposal: decodeTx(propose).id })]);
        if (setup.failed > 0) throw new Error('enacting a bench decision failed');
      }
      // A list of 2^20 entries takes this bench's credentials (and their status changes).
      const opened = await committedPerSecond(url, t.node, [tx('credentials', 'openList', { entries: LIST_ENTRIES_MAX })]);
      if (opened.failed > 0) throw new Error('opening a 1,048,576-entry list failed');
      // Sign n credentials: slots from the nonces they will be sent with (probe 0, or the next free).
      const taken = new Set<number>();
      const t0 = now();
      const prepared: Prepared[] = [];
      const txs: SignedTx[] = [];
      for (let i = 0; i < n; i++) {
        let probe = 0;
        let index = statusIndexOf(chainId, admin.publicKey, nonce, probe, LIST_ENTRIES_MAX);
        while (taken.has(index)) index = statusIndexOf(chainId, admin.publicKey, nonce, ++probe, LIST_ENTRIES_MAX);
        taken.add(index);
        const p = prepareCredential({
          org,
          key: admin,
          slot: { list: 0, probe, index },
          credentialType: 'BenchDiploma',
          subject: { id: `did:example:${i}`, degree: 'MSc' },
          id: `urn:uuid:${randomUUID()}`,
          created: '2026-12-01T00:00:00Z',
          statusBaseUrl: url,
        });
        prepared.push(p);
        txs.push(tx('credentials', 'issue', p.args as unknown as Record<string, unknown>));
      }
      const signMs = now() - t0;
      const recorded = await committedPerSecond(url, t.node, txs);
      if (recorded.failed > 0) throw new Error(`${recorded.failed} issuances failed`);
      const signedPerSecond = rate(n, signMs);
      const issuedPerSecond = Math.round(1 / (1 / signedPerSecond + 1 / recorded.txsPerSecond));

      // Verify through the API, 32 in flight, in process.
      const m = quick ? 2_000 : 10_000;
      const bodies = prepared.map((p) => JSON.stringify({ credential: p.credential }));
      let done = 0;
      let bad = 0;
      const t1 = now();
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (done < m) {
            const body = bodies[done++ % bodies.length]!;
            const r = await t.app.inject({ method: 'POST', url: '/v1/credentials/verify', payload: body, headers: { 'content-type': 'application/json' } });
            if (!(r.json() as { verified: boolean }).verified) bad++;
          }
        }),
      );
      const verifiedPerSecond = rate(m, now() - t1);
      if (bad > 0) throw new Error(`${bad} verifications failed`);

      // The same through the batch route: 128 credentials a request, 4 requests in flight.
      const batchSize = 128;
      const batches: string[] = [];
      for (let i = 0; i < prepared.length; i += batchSize) batches.push(JSON.stringify({ credentials: prepared.slice(i, i + batchSize).map((p) => p.credential) }));
      let sent = 0;
      let badBatch = 0;
      const t2 = now();
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (sent < m) {
            const body = batches[(sent / batchSize) % batches.length | 0]!;
            sent += batchSize;
            const r = await t.app.inject({ method: 'POST', url: '/v1/credentials/verify/batch', payload: body, headers: { 'content-type': 'application/json' } });
            badBatch += (r.json() as { results: { verified: boolean }[] }).results.filter((x) => !x.verified).length;
          }
        }),
      );
      const batchVerifiedPerSecond = rate(sent, now() - t2);
      if (badBatch > 0) throw new Error(`${badBatch} batch verifications failed`);

      const k = Math.min(n, quick ? 500 : 5_000);
      const suspended = await committedPerSecond(url, t.node, prepared.slice(0, k).map((p) => tx('credentials', 'setStatus', { hash: p.hash, status: 'suspended' })));
      if (suspended.failed > 0) throw new Error(`${suspended.failed} suspensions failed`);

      say(line('signed (eddsa-jcs-2022)', signedPerSecond, '/s', 'one core, issuer side'));
      say(line('recorded (credentials.issue)', recorded.txsPerSecond, 'tx/s', `= ${ratio(recorded.txsPerSecond, ceilings.ed25519VerifyAllCoresPerSecond)} of all-core Ed25519 verify`));
      say(line('issued (signed + recorded)', issuedPerSecond, '/s', `= ${ratio(issuedPerSecond, ceilings.ed25519VerifyAllCoresPerSecond)} of all-core Ed25519 verify`));
      say(line('verified (POST …/verify, in process)', verifiedPerSecond, '/s', `= ${ratio(verifiedPerSecond, ceilings.ed25519VerifyOneCorePerSecond)} of one-core, ${ratio(verifiedPerSecond, ceilings.ed25519VerifyAllCoresPerSecond)} of all-core Ed25519 verify`));
      say(line('verified (POST …/verify/batch, 128 each)', batchVerifiedPerSecond, '/s', `= ${ratio(batchVerifiedPerSecond, ceilings.ed25519VerifyOneCorePerSecond)} of one-core, ${ratio(batchVerifiedPerSecond, ceilings.ed25519VerifyAllCoresPerSecond)} of all-core Ed25519 verify`));
      say(line('status changes (suspend)', suspended.txsPerSecond, 'tx/s', 'on a 1,048,576-entry list'));
      return {
        credentialsSignedPerSecond: signedPerSecond,
        credentialsRecordedPerSecond: recorded.txsPerSecond,
        credentialsIssuedPerSecond: issuedPerSecond,
        credentialsVerifiedPerSecond: verifiedPerSecond,
        credentialsVerifiedRatioToEd25519OneCore: verifiedPerSecond / ceilings.ed25519VerifyOneCorePerSecond,
        credentialsBatchVerifiedPerSecond: batchVerifiedPerSecond,
        credentialStatusChangesPerSecond: suspended.txsPerSecond,
      };
    }),
};

export const benches: BenchPart[] = [issueAndVerify];
