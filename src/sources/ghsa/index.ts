/**
 * GHSA source (`ghsa`): GitHub's global security advisories through its REST API, as
 * `kind: 'package'` advisories in the same shape the `osv` source gives GitHub's OSV export.
 * Offline, it imports REST answers saved as files; the github/advisory-database repository
 * (OSV files) is imported with `osv`. See readme.md.
 */
import { VigilError } from '../../errors.ts';
import { decodeText, describeHead, listFiles, readHead, readWholeFile } from '../files.ts';
import { AdvisoryBatcher } from '../osv/import.ts';
import type { Source, SourceContext, SourceEvent } from '../types.ts';
import { looksLikeGhsaRest, parseGhsaText } from './parse.ts';
import type { GhsaConfig } from './schema.ts';
import { syncGhsa } from './sync.ts';

export { GhsaConfigSchema, type GhsaConfig, GhsaRestAdvisory, type GhsaRestAdvisoryData, GhsaVulnerability } from './schema.ts';
export { parseVersionRange, restToAdvisory, severityWord, REST_TO_OSV_ECOSYSTEM, type ParsedVersionRange } from './normalise.ts';
export { looksLikeGhsaRest, parseGhsaText, parseGhsaValue } from './parse.ts';
export { firstPageUrl, GITHUB_API_VERSION, nextLink, syncGhsa } from './sync.ts';

const SOURCE_ID = 'ghsa';

/**
 * Imports saved REST answers: files holding a page (JSON array), one advisory, or JSON Lines of
 * advisories, gzipped or not, and folders of them (`.json`, `.jsonl`, `.gz`). Yields `advisories`
 * batches of at most 1,000 and `rejected` events by `ghsa_id` and field.
 * @throws {VigilError} VIGIL_INPUT_FORMAT, before anything is yielded, when a file named on the
 *   command line is not REST advisory JSON (an OSV file gets a hint to use `vigil import osv`);
 *   VIGIL_INPUT_UNREADABLE when a path cannot be read.
 * @example for await (const e of importGhsaFiles(['advisories-page1.json'], { log })) …
 */
export async function* importGhsaFiles(paths: string[], ctx: SourceContext): AsyncGenerator<SourceEvent> {
  const files: string[] = [];
  for (const root of paths) {
    const found = await listFiles(root, (f) => /\.(json|jsonl|ndjson)(\.gz)?$/i.test(f));
    if (found.length === 1 && found[0] === root) {
      const { head } = await readHead(root);
      if (head !== null && !looksLikeGhsaRest(head)) {
        const hint = /"schema_version"|"modified"\s*:/.test(head.toString('utf8'))
          ? 'an OSV record: import it with `vigil import osv`'
          : 'not GitHub REST advisory JSON (objects with "ghsa_id")';
        throw new VigilError('VIGIL_INPUT_FORMAT', [root, `${hint} (${describeHead(head)})`]);
      }
    }
    files.push(...found);
  }
  const batcher = new AdvisoryBatcher();
  for (const [i, file] of files.entries()) {
    ctx.signal?.throwIfAborted();
    let text: string;
    try {
      text = await decodeText(await readWholeFile(file));
    } catch (cause) {
      if (cause instanceof VigilError) throw cause;
      yield { type: 'rejected', where: { origin: file }, reason: `truncated or corrupt gzip (${(cause as Error).message})` };
      continue;
    }
    if (!looksLikeGhsaRest(Buffer.from(text.slice(0, 4096)))) {
      yield { type: 'rejected', where: { origin: file }, reason: 'not GitHub REST advisory JSON (objects with "ghsa_id")' };
      continue;
    }
    yield* batcher.add(parseGhsaText(text, file, SOURCE_ID));
    yield { type: 'progress', done: i + 1, total: files.length, unit: 'records', label: file };
  }
  yield* batcher.flush();
}

/** The ghsa source. */
export const ghsaSource: Source<GhsaConfig> = {
  id: SOURCE_ID,
  title: 'GitHub global security advisories (REST API)',
  importFiles: importGhsaFiles,
  sync: syncGhsa,
};
