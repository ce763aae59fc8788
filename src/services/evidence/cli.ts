/** `polity evidence`: validators caught signing two conflicting consensus messages. */
import { COMMON_OPTIONS, NODE_TARGET_OPTIONS, type Command } from '../../cli/command.js';
import { apiUrl } from '../../cli/io.js';
import { createClient } from '../../sdk/client.js';
import type { Static } from '@sinclair/typebox';
import { EVIDENCE_PAGE_MAX, type EvidenceList } from './schemas.js';

/** Pages `polity evidence` reads at most (100,000 records). */
const CLI_PAGES_MAX = 200;

export const evidenceCommands: Record<string, Command> = {
  evidence: {
    summary: 'list the equivocation evidence recorded on the chain (who signed two conflicting votes, when)',
    usage: 'polity evidence [list] [--port N | --api URL]',
    options: { ...COMMON_OPTIONS, ...NODE_TARGET_OPTIONS },
    positionals: { min: 0, max: 1 },
    async run(values, positionals, io) {
      if (positionals[0] !== undefined && positionals[0] !== 'list') throw new Error(`unknown evidence command ${JSON.stringify(positionals[0].slice(0, 32))}; expected list`);
      const client = createClient({ url: apiUrl(values), timeoutMs: 10_000 });
      // Every page, newest first: evidence is rare, and a page is bounded by the API (EVIDENCE_PAGE_MAX).
      const evidence: Static<typeof EvidenceList>['evidence'] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < CLI_PAGES_MAX; pages++) {
        const page: Static<typeof EvidenceList> = await client.request<Static<typeof EvidenceList>>('GET', `/v1/evidence?limit=${EVIDENCE_PAGE_MAX}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
        evidence.push(...page.evidence);
        cursor = page.next;
        if (cursor === null) break;
      }
      const status = await client.status();
      if (values.json) {
        io.out(JSON.stringify({ ok: true, evidence }));
        return 0;
      }
      if (evidence.length === 0) {
        io.out('no equivocation evidence is recorded on this chain');
        return 0;
      }
      const names = new Map(status.validators.map((v) => [v.pubKey, v.name]));
      io.out(`${evidence.length} piece(s) of evidence, newest first:`);
      for (const e of evidence) {
        io.out(`  ${names.get(e.validator) ?? e.validator.slice(0, 16) + '…'}  signed two ${e.type}s at height ${e.height} round ${e.round}; recorded in block ${e.recordedAt}`);
      }
      return 0;
    },
  },
};
