/**
 * Generates src/intel/sources/defaults.json, Vigil's curated default intel sources (issue 13),
 * from the feed lists of the real-data corpus (news/feedlists, see PROVENANCE.md §3):
 *
 *   npx tsx scripts/intel-defaults.ts            (VIGIL_DATA_DIR points at the corpus if moved)
 *
 * Each pick below names a feed URL; the script finds it in the lists (in {@link LISTS} order),
 * refuses a pick no list holds or that clivoa's feed_status.json does not report active, and
 * writes each source with its origin (repository, commit, path, title and category as listed).
 * The lists' URLs are facts; the JSON header carries their licences and the attribution due.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { parseOpml } from '../src/intel/feeds/opml.ts';
import { DEFAULT_TAGS, type DefaultsFile, type DefaultTag, type FeedList } from '../src/intel/sources/defaults.ts';
import { corpusPath } from '../src/testing/corpus.ts';

/** The corpus lists, preferred first (clivoa is MIT and health-checked). */
export const LISTS: readonly FeedList[] = [
  {
    id: 'clivoa',
    repository: 'clivoa/awesome-security-feeds',
    commit: 'f6c26f16842c7e4896794b7034ea8f47875436be',
    path: 'data/sec_feeds_active.xml',
    corpus: 'news/feedlists/clivoa_awesome-security-feeds/sec_feeds_active.xml',
    format: 'opml',
    licence: 'MIT: Copyright (c) 2025 clivoa, https://github.com/clivoa/awesome-security-feeds',
  },
  {
    id: 'awesome-threat-intel-blogs',
    repository: 'muchdogesec/awesome_threat_intel_blogs',
    commit: '9ba1498cd7985e1a014df33c58b8127d9de7b70b',
    path: 'README.md',
    corpus: 'news/feedlists/awesome_threat_intel_blogs/DERIVED_feeds.csv',
    format: 'csv',
    licence: 'CC-BY-4.0: "Awesome Threat Intel Blogs" by DOGESEC (muchdogesec), https://github.com/muchdogesec/awesome_threat_intel_blogs',
  },
  {
    id: 'allinfosecnews',
    repository: 'postmodern/allinfosecnews2opml',
    commit: '281bc99acc0aebb6265cfdb7a131f5a2c2897e53',
    path: 'allinfosecnews.opml',
    corpus: 'news/feedlists/allinfosecnews2opml/allinfosecnews.opml',
    format: 'opml',
    licence: 'none stated (feed URLs taken as facts, not the list as a work)',
  },
];

/** The health file of the clivoa list: `results[url].status` is `active`, `down` or `rate_limited`. */
const STATUS = 'news/feedlists/clivoa_awesome-security-feeds/feed_status.json';

interface Pick {
  name: string;
  url: string;
  tags: DefaultTag[];
}

const news = (name: string, url: string): Pick => ({ name, url, tags: ['news'] });
const cert = (name: string, url: string, advisory = false): Pick => ({ name, url, tags: advisory ? ['cert', 'advisory'] : ['cert'] });
const vendor = (name: string, url: string, kind: 'research' | 'advisory'): Pick => ({ name, url, tags: ['vendor', kind] });
const research = (name: string, url: string): Pick => ({ name, url, tags: ['research'] });

/** The curated picks: well-known news, national CERTs, vendor research and advisories. */
const PICKS: readonly Pick[] = [
  news('bleepingcomputer', 'https://www.bleepingcomputer.com/feed'),
  news('the-hacker-news', 'https://feeds.feedburner.com/TheHackersNews'),
  news('the-record', 'https://therecord.media/feed'),
  news('securityweek', 'https://www.securityweek.com/feed'),
  news('dark-reading', 'https://www.darkreading.com/rss.xml'),
  news('krebs-on-security', 'https://krebsonsecurity.com/feed'),
  news('schneier-on-security', 'https://www.schneier.com/blog/atom.xml'),
  news('help-net-security', 'https://www.helpnetsecurity.com/feed'),
  news('security-affairs', 'https://securityaffairs.co/wordpress/feed'),
  news('cyberscoop', 'https://www.cyberscoop.com/feed'),
  news('infosecurity-magazine', 'https://www.infosecurity-magazine.com/rss/news'),
  news('the-register-security', 'https://www.theregister.com/security/headlines.atom'),
  news('ars-technica-security', 'https://arstechnica.com/security/feed'),
  news('wired-security', 'https://www.wired.com/feed/category/security/latest/rss'),
  news('cybersecurity-dive', 'https://www.cybersecuritydive.com/feeds/news'),
  news('graham-cluley', 'https://grahamcluley.com/feed'),
  news('troy-hunt', 'https://www.troyhunt.com/rss'),
  cert('cisa-advisories', 'https://www.cisa.gov/cybersecurity-advisories/all.xml', true),
  cert('cisa-ics-advisories', 'https://www.cisa.gov/cybersecurity-advisories/ics-advisories.xml', true),
  cert('cisa-news', 'https://www.cisa.gov/news.xml'),
  cert('cccs-alerts-advisories', 'https://www.cyber.gc.ca/api/cccs/rss/v1/get?feed=alerts_advisories&lang=en', true),
  cert('cert-eu-advisories', 'https://cert.europa.eu/publications/security-advisories-rss', true),
  cert('cert-fr-cti', 'https://www.cert.ssi.gouv.fr/cti/feed/'),
  cert('cert-pl', 'https://www.cert.pl/feed'),
  cert('cert-be', 'https://cert.be/en/rss', true),
  cert('cert-cc-vulnotes', 'https://kb.cert.org/vuls/atomfeed', true),
  cert('circl', 'https://www.circl.lu/atom.xml'),
  cert('jpcert', 'https://www.jpcert.or.jp/english/rss/jpcert-en.rdf', true),
  cert('jpcert-blog', 'https://blogs.jpcert.or.jp/en/atom.xml'),
  cert('ncsc-uk', 'https://www.ncsc.gov.uk/api/1/services/v1/all-rss-feed.xml'),
  cert('ncsc-nl-advisories', 'https://advisories.ncsc.nl/rss/advisories', true),
  cert('nhs-cyber-alerts', 'https://digital.nhs.uk/feed/cyber-alerts-feed.xml', true),
  cert('cis-advisories', 'https://www.cisecurity.org/feed/advisories', true),
  cert('sans-isc', 'https://isc.sans.edu/rssfeed_full.xml'),
  vendor('msrc-update-guide', 'https://api.msrc.microsoft.com/update-guide/rss', 'advisory'),
  vendor('cisco-psirt', 'https://sec.cloudapps.cisco.com/security/center/psirtrss20/CiscoSecurityAdvisory.xml', 'advisory'),
  vendor('palo-alto-advisories', 'https://security.paloaltonetworks.com/rss.xml', 'advisory'),
  vendor('fortiguard-psirt', 'https://www.fortiguard.com/rss/ir.xml', 'advisory'),
  vendor('siemens-productcert', 'https://cert-portal.siemens.com/productcert/rss/advisories.atom', 'advisory'),
  vendor('ubuntu-security-notices', 'https://ubuntu.com/security/notices/rss.xml', 'advisory'),
  vendor('zdi-published', 'https://www.zerodayinitiative.com/rss/published', 'advisory'),
  vendor('talos-vulnerability-reports', 'https://talosintelligence.com/vulnerability_reports/feed', 'advisory'),
  vendor('tenable-research-advisories', 'https://www.tenable.com/security/research/feed', 'advisory'),
  vendor('drupal-security', 'https://www.drupal.org/security/rss.xml', 'advisory'),
  vendor('cisco-talos', 'https://blog.talosintelligence.com/rss', 'research'),
  vendor('kaspersky-securelist', 'https://securelist.com/feed', 'research'),
  vendor('eset-welivesecurity', 'https://www.welivesecurity.com/en/rss/feed', 'research'),
  vendor('check-point-research', 'https://research.checkpoint.com/feed', 'research'),
  vendor('unit42', 'https://unit42.paloaltonetworks.com/feed', 'research'),
  vendor('google-threat-intelligence', 'https://cloudblog.withgoogle.com/topics/threat-intelligence/rss', 'research'),
  vendor('google-project-zero', 'https://googleprojectzero.blogspot.com/feeds/posts/default', 'research'),
  vendor('microsoft-security-blog', 'https://www.microsoft.com/en-us/security/blog/feed', 'research'),
  vendor('proofpoint-threat-insight', 'https://www.proofpoint.com/us/threat-insight-blog.xml', 'research'),
  vendor('sentinelone-labs', 'https://www.sentinelone.com/labs/feed', 'research'),
  vendor('elastic-security-labs', 'https://www.elastic.co/security-labs/rss/feed.xml', 'research'),
  vendor('malwarebytes-labs', 'https://www.malwarebytes.com/blog/feed/index.xml', 'research'),
  vendor('zscaler-research', 'https://www.zscaler.com/blogs/feeds', 'research'),
  vendor('group-ib', 'https://www.group-ib.com/blog/rss.xml', 'research'),
  vendor('recorded-future', 'https://www.recordedfuture.com/feed', 'research'),
  vendor('crowdstrike', 'https://www.crowdstrike.com/en-us/blog/feed', 'research'),
  vendor('huntress', 'https://www.huntress.com/blog/rss.xml', 'research'),
  vendor('red-canary', 'https://redcanary.com/blog/feed', 'research'),
  vendor('symantec', 'https://sed-cms.broadcom.com/rss/v1/blogs/rss.xml', 'research'),
  vendor('ahnlab-asec', 'https://asec.ahnlab.com/en/feed', 'research'),
  vendor('bitdefender-labs', 'https://www.bitdefender.com/blog/api/rss/labs', 'research'),
  vendor('volexity', 'https://www.volexity.com/blog/tag/malware/feed', 'research'),
  vendor('sekoia', 'https://blog.sekoia.io/feed/', 'research'),
  vendor('rapid7', 'https://blog.rapid7.com/rss', 'research'),
  vendor('watchtowr-labs', 'https://labs.watchtowr.com/rss', 'research'),
  research('the-dfir-report', 'https://thedfirreport.com/feed'),
  research('citizen-lab', 'https://citizenlab.ca/feed'),
  research('abuse-ch', 'https://abuse.ch/feed.xml'),
  research('trail-of-bits', 'https://blog.trailofbits.com/feed'),
  research('objective-see', 'https://objective-see.com/rss.xml'),
];

interface Listed {
  title: string;
  category: string | null;
}

/** URL → how the list gives it, for one corpus list. */
export function readList(list: FeedList): Map<string, Listed> {
  const text = readFileSync(corpusPath(list.corpus), 'utf8');
  const out = new Map<string, Listed>();
  if (list.format === 'opml') {
    for (const f of parseOpml(text, list.corpus).feeds) out.set(f.xmlUrl, { title: f.title, category: f.category });
  } else {
    const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    for (const r of rows)
      if (r.feed_url && !out.has(r.feed_url)) out.set(r.feed_url, { title: r.name ?? '', category: [r.type, r.category].filter(Boolean).join(' / ') || null });
  }
  return out;
}

function main(): void {
  const lists = LISTS.map((l) => ({ list: l, feeds: readList(l) }));
  const status = (JSON.parse(readFileSync(corpusPath(STATUS), 'utf8')) as { results: Record<string, { status: string }> }).results;
  const sources: DefaultsFile['sources'] = [];
  const problems: string[] = [];
  for (const pick of PICKS) {
    if (pick.tags.some((t) => !DEFAULT_TAGS.includes(t))) problems.push(`${pick.name}: a tag outside ${DEFAULT_TAGS.join(', ')}`);
    const found = lists.find((l) => l.feeds.has(pick.url));
    if (!found) {
      problems.push(`${pick.name}: ${pick.url} is in none of the lists`);
      continue;
    }
    const health = status[pick.url] ?? status[pick.url.replace(/\/$/, '')];
    if (health && health.status !== 'active') problems.push(`${pick.name}: ${pick.url} is ${health.status} in feed_status.json`);
    const listed = found.feeds.get(pick.url)!;
    sources.push({ name: pick.name, kind: 'feed', url: pick.url, tags: pick.tags, enabled: false, origin: { list: found.list.id, ...listed } });
  }
  if (problems.length > 0) throw new Error(`defaults not written:\n  ${problems.join('\n  ')}`);
  const file: DefaultsFile = {
    note: 'Generated by scripts/intel-defaults.ts from the feed lists below (do not edit by hand). Feed URLs are facts taken from these lists; each source names its list in origin. Attribution is given here as the lists licence it.',
    lists: LISTS.filter((l) => sources.some((s) => s.origin.list === l.id)),
    healthFrom: { list: 'clivoa', path: 'data/feed_status.json', commit: 'ac85971b745ca2a6605797d07f81824d0f5641cc', checkedAt: '2026-08-22T03:54Z' },
    sources,
  };
  const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/intel/sources/defaults.json');
  writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
  // Formatted as `biome format` keeps it, so a regeneration shows only real changes.
  execFileSync(process.execPath, ['node_modules/@biomejs/biome/bin/biome', 'format', '--write', out], { stdio: 'inherit' });
  const by = new Map<string, number>();
  for (const s of sources) by.set(s.origin.list, (by.get(s.origin.list) ?? 0) + 1);
  console.log(`${sources.length} default sources written to ${out}: ${[...by].map(([l, n]) => `${n} from ${l}`).join(', ')}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
