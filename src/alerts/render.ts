/**
 * Shared wording of alert messages: every channel says the same things in the same words and
 * only the markup differs. Pure functions over {@link Alert} and {@link AlertFacts}; text is plain
 * (channels escape it for HTML, Slack mrkdwn or Markdown themselves).
 *
 * Units shown to people: EPSS probability and percentile as percentages, CVSS scores 0–10 with
 * one decimal, priority 0–100, dates `YYYY-MM-DD` (UTC).
 *
 * `advisory` and `exploit` alerts also say which advisory (id, source, kind, dates, CVEs) and
 * link its page: for a CERT-FR bulletin the ANSSI page (`https://www.cert.ssi.gouv.fr/avis/<REF>/`,
 * the alert's `facts.link`, which every channel links).
 *
 * `intel` alerts say which document (title, source, dates, the CVEs it names, how many documents
 * tell the story) and link its page (`facts.link`); the matched words are in the match lines.
 * When their subject is the document itself, the facts shown are the document's instead of a
 * CVE's scores (which only appear when a CVE it names has them).
 *
 * `ioc` alerts say which watched indicator was sighted, as what, and its sightings so far, then
 * the document it was sighted in, as `intel` alerts do.
 *
 * `report` alerts carry the subscribers' report in their facts (reports/types.ts): the headline is
 * its title, the facts its key figures, the why-lines its sections, the text the whole report.
 */
import type { Alert, AlertAdvisory, AlertEventType, AlertFacts, AlertIntel, AlertIoc, MatchReason, MatchVia, ThresholdCheck } from '../model/alert.ts';
import type { Severity } from '../model/vulnerability.ts';
import { reportFigures, reportLines, reportSummary, reportText, reportTitle } from '../reports/text.ts';
import { isReportFacts } from '../reports/types.ts';
import type { AlertMessage } from './channels/types.ts';

/** One labelled fact of a CVE (`{ label: 'CVSS', value: '10.0 (CVSS 3.1) CVSS:3.1/AV:N/…' }`). */
export interface Fact {
  label: string;
  value: string;
}

const EVENT_LABELS: Record<AlertEventType, string> = {
  new: 'new',
  changed: 'changed',
  severity_raised: 'severity raised',
  cvss_raised: 'CVSS raised',
  kev_added: 'added to KEV',
  ransomware: 'used in ransomware campaigns',
  epss_threshold: 'EPSS over threshold',
  epss_jump: 'EPSS jumped',
  exploit: 'first public exploit',
  rejected: 'rejected',
  advisory: 'advisory',
  intel: 'in the news',
  ioc: 'indicator sighted',
  exposure: 'exposure over threshold',
  report: 'report',
};

const VIA_LABELS: Record<MatchVia, string> = {
  'nvd-cpe': "NVD's CPE data",
  'cna-affected': "the CNA's affected products",
  'adp-affected': "an ADP's affected products (CISA)",
  'cna-cpe': "the CNA's CPE list",
  text: 'the title or description',
  'cve-id': 'the CVE id',
  kev: 'the CISA KEV catalog',
  advisory: "the advisory's affected products or packages",
  'advisory-cve': 'a CVE the advisory names',
  intel: "the document's title or text",
  'intel-cve': 'a CVE the document names',
  ioc: 'an indicator in the document',
};

/** Words for an event type, as they read after a CVE id (`kev_added` → `added to KEV`). */
export function eventLabel(type: AlertEventType): string {
  return EVENT_LABELS[type];
}

/**
 * Shortens `text` to at most `max` characters (UTF-16 units), ending with `…` when cut. Cuts on
 * a word boundary when one is near the end, and never inside a surrogate pair.
 * @example truncate('PAN-OS: Arbitrary File Creation Leads to…', 32) // 'PAN-OS: Arbitrary File Creation…'
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return max === 1 ? '…' : '';
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  // Drop a word cut in half, unless that loses too much (one very long word).
  const space = /\s/.test(text[cut.length] ?? ' ') ? cut.length : cut.search(/\s\S*$/);
  if (space > max * 0.6) cut = cut.slice(0, space);
  return `${cut.replace(/[\s,;:.-]+$/, '')}…`;
}

/** Escapes text for HTML element content and attribute values (`&`, `<`, `>`, `"`, `'`). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);
}

/**
 * A probability (0–1) as a percentage for people: two decimals, never rounded up to 100%, and
 * two significant digits below 1% (`0.99999` → `99.99%`, `0.00042` → `0.042%`, `1` → `100%`).
 */
export function formatPercent(probability: number): string {
  const v = probability * 100;
  const s = v >= 1 ? (Math.floor(v * 100) / 100).toFixed(2) : v.toPrecision(2);
  return `${s.includes('.') ? s.replace(/\.?0+$/, '') : s}%`;
}

/** `YYYY-MM-DD` of an ISO 8601 time (or the input when it is not one). */
function day(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}/.test(iso) ? iso.slice(0, 10) : iso;
}

/** One line of text: whitespace runs (newlines included) become one space. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The one-line summary of an alert: severity, CVE id, what happened, title (or the start of
 * the description). Email subjects, card and embed titles use it.
 * @param max longest result in characters (default 120; Slack headers allow 150).
 * @example headline(alert) // 'CRITICAL CVE-2024-3400 added to KEV: PAN-OS: Arbitrary File Creation Leads to OS…'
 */
export function headline(alert: Alert, max = 120): string {
  const f = alert.facts;
  if (isReportFacts(f)) return truncate(reportTitle(f.report), max);
  const adv = alert.explanation.event.advisory;
  if (adv) {
    // `HIGH CERTFR-2026-AVI-0049 new bulletin: …`, `CRITICAL CVE-2022-22965 package advisory GHSA-…: …`
    const subject =
      f.cveId === adv.id ? adv.id : `${f.cveId} ${alert.event === 'exploit' ? `first public exploit ${adv.id}` : `${advisoryKindLabel(adv)} ${adv.id}`}`;
    const what = f.cveId === adv.id ? `${adv.changes.includes('created') ? 'new' : 'revised'} ${advisoryKindLabel(adv)}` : '';
    return truncate(`${f.severity ?? 'UNSCORED'} ${subject}${what ? ` ${what}` : ''}: ${oneLine(adv.title)}`, max);
  }
  const ioc = alert.explanation.event.ioc;
  if (ioc) {
    // `IOC evil.example.com sighted (bleepingcomputer): Hackers…`
    const where = alert.explanation.event.intel;
    return truncate(`IOC ${ioc.watched.value} sighted${where ? ` (${where.source}): ${oneLine(where.title)}` : `: ${oneLine(f.title ?? f.cveId)}`}`, max);
  }
  const doc = alert.explanation.event.intel;
  if (doc) {
    // `HIGH CVE-2025-53770 in the news (microsoft): Disrupting…`, `In the news (bleepingcomputer): BlackSuit…`
    const lead = f.cveId === doc.id ? `${f.severity ? `${f.severity} ` : ''}In the news` : `${f.severity ?? 'UNSCORED'} ${f.cveId} in the news`;
    return truncate(`${lead} (${doc.source}): ${oneLine(doc.title)}`, max);
  }
  // `Exposure of watchlist edge rose past 25: 27.31 on 2026-12-06` (exposure/alert.ts): no CVE, no severity.
  if (alert.event === 'exposure') return truncate(oneLine(f.title ?? f.cveId), max);
  const about = oneLine(f.title ?? f.description ?? 'no description yet');
  return truncate(`${f.severity ?? 'UNSCORED'} ${f.cveId} ${eventLabel(alert.event)}: ${about}`, max);
}

/** What kind of document an advisory is, for people: `CERT-FR bulletin`, `package advisory`, `exploit`. */
export function advisoryKindLabel(adv: Pick<AlertAdvisory, 'kind' | 'source'>): string {
  const by: Readonly<Record<string, string>> = { certfr: 'CERT-FR', certeu: 'CERT-EU', ghsa: 'GitHub', osv: 'OSV', csaf: 'CSAF', exploitdb: 'Exploit-DB' };
  const kinds: Readonly<Record<string, string>> = {
    package: 'package advisory',
    bulletin: 'bulletin',
    alert: 'alert',
    vendor: 'vendor advisory',
    vex: 'VEX document',
    exploit: 'exploit',
  };
  const who = by[adv.source];
  const kind = kinds[adv.kind] ?? adv.kind;
  return who && adv.kind !== 'package' ? `${who} ${kind}` : kind;
}

/**
 * The advisory of an `advisory` or `exploit` alert, one line each: what it is (id, kind, source,
 * published and revised dates, severity as the source words it), the CVEs it names, the exploit's
 * facts, and its page.
 */
export function advisoryLines(adv: AlertAdvisory): string[] {
  const dates = [
    adv.published ? `published ${day(adv.published)}` : null,
    adv.modified && adv.modified !== adv.published ? `revised ${day(adv.modified)}` : null,
  ].filter(Boolean);
  const lines = [
    `Advisory: ${adv.id}, ${advisoryKindLabel(adv)} (${adv.source})${dates.length ? `, ${dates.join(', ')}` : ''}${adv.severity ? `, severity ${adv.severity}` : ''}`,
  ];
  lines.push(`  Title: ${truncate(oneLine(adv.title), 200)}`);
  if (adv.cveCount > 0) {
    const more = adv.cveCount > adv.cves.length ? ` …and ${adv.cveCount - adv.cves.length} more` : '';
    lines.push(`  CVEs (${adv.cveCount}): ${truncate(adv.cves.join(', '), 300)}${more}`);
  }
  if (adv.exploit) lines.push(`  Exploit: ${adv.exploit.type}, ${adv.exploit.platform}, ${adv.exploit.verified ? 'verified by Exploit-DB' : 'not verified'}`);
  if (adv.url) lines.push(`  Page: ${adv.url}`);
  return lines;
}

/**
 * The document of an `intel` alert, one line each: title, source and dates, the CVEs it names,
 * how many documents tell the same story, and its page.
 */
export function intelLines(doc: AlertIntel): string[] {
  const lines = [`Document: ${truncate(oneLine(doc.title), 200)}`];
  lines.push(
    `  Source: ${doc.source}${doc.published ? `, published ${day(doc.published)}` : ''}${doc.change === 'changed' ? ', text edited since first seen' : ''}`,
  );
  if (doc.cveCount > 0) {
    const more = doc.cveCount > doc.cves.length ? ` …and ${doc.cveCount - doc.cves.length} more` : '';
    lines.push(`  CVEs (${doc.cveCount}): ${truncate(doc.cves.join(', '), 300)}${more}`);
  }
  if (doc.clusterSize > 1) lines.push(`  Story: ${doc.clusterSize} documents tell it`);
  lines.push(`  Link: ${doc.url}`);
  return lines;
}

/**
 * The indicator of an `ioc` alert, one line each: the watched indicator, what the document
 * contained, and its sightings so far (first and last seen, count, sources, warninglist, TLP).
 */
export function iocLines(ioc: AlertIoc): string[] {
  const lines = [`Indicator: ${ioc.watched.type} ${ioc.watched.value}`];
  for (const s of ioc.sighted)
    lines.push(
      `  Sighted: ${s.type} ${truncate(s.value, 200)}${s.original && s.original !== s.value ? ` (written ${truncate(oneLine(s.original), 200)})` : ''}`,
    );
  const n = ioc.sightings;
  lines.push(
    `  Sightings: ${n} document${n === 1 ? '' : 's'}, first seen ${day(ioc.firstSeen)}, last seen ${day(ioc.lastSeen)}, sources: ${truncate(ioc.sources.join(', '), 200)}`,
  );
  if (ioc.warning) lines.push(`  On warninglist: ${ioc.warning.name} (${ioc.warning.list})`);
  lines.push(`  TLP:${ioc.tlp.toUpperCase()}`);
  return lines;
}

/** `10.0 (CVSS 3.1) CVSS:3.1/AV:N/…`, or `not scored yet`. */
export function formatCvss(cvss: AlertFacts['cvss']): string {
  return cvss ? `${cvss.score.toFixed(1)} (CVSS ${cvss.version}) ${cvss.vector}` : 'not scored yet';
}

/**
 * The facts every message shows, in display order: severity, CVSS, EPSS, KEV, SSVC, priority,
 * products, published (and the state when it is not `PUBLISHED`).
 */
export function factLines(facts: AlertFacts): Fact[] {
  if (isReportFacts(facts)) return reportFigures(facts.report);
  const { epss, kev } = facts;
  const doc = facts.document;
  if (doc) {
    // An intel document: its source and CVEs; scores only when a CVE it names has them.
    const cves =
      doc.cveCount > 0
        ? `${truncate(doc.cves.join(', '), 300)}${doc.cveCount > doc.cves.length ? ` …and ${doc.cveCount - doc.cves.length} more` : ''}`
        : 'none named';
    return [
      { label: 'Source', value: doc.source },
      { label: 'Published', value: facts.published ? day(facts.published) : 'not stated' },
      { label: 'CVEs', value: cves },
      ...(doc.clusterSize > 1 ? [{ label: 'Story', value: `${doc.clusterSize} documents` }] : []),
      ...(facts.severity ? [{ label: 'Severity', value: `${facts.severity} (highest of the CVEs named)` }] : []),
      ...(facts.cvss ? [{ label: 'CVSS', value: formatCvss(facts.cvss) }] : []),
      ...(kev ? [{ label: 'CISA KEV', value: 'a CVE named is listed' }] : []),
    ];
  }
  const lines: Fact[] = [
    { label: 'Severity', value: facts.severity ?? 'not scored yet' },
    { label: 'CVSS', value: formatCvss(facts.cvss) },
    {
      label: 'EPSS',
      value: epss ? `${formatPercent(epss.score)} (percentile ${formatPercent(epss.percentile)}, ${epss.date})` : 'no score yet',
    },
    {
      label: 'CISA KEV',
      value: kev ? `added ${kev.dateAdded}${kev.dueDate ? `, due ${kev.dueDate}` : ''}, ransomware use: ${kev.ransomware ? 'known' : 'unknown'}` : 'not listed',
    },
    { label: 'SSVC', value: facts.ssvc ?? 'not assessed' },
    { label: 'Priority', value: `${Math.round(facts.priority * 10) / 10} / 100` },
    { label: 'Products', value: facts.products.length > 0 ? facts.products.join(', ') : 'not stated yet' },
    { label: 'Published', value: facts.published ? day(facts.published) : 'not yet' },
  ];
  if (facts.state !== 'PUBLISHED') lines.push({ label: 'State', value: facts.state });
  return lines;
}

/** The key facts on one line, for digests: `CVSS 10.0 · EPSS 99.99% · KEV · SSVC Act · priority 95`. */
export function compactFacts(facts: AlertFacts): string {
  if (isReportFacts(facts)) return reportSummary(facts.report);
  const doc = facts.document;
  if (doc) {
    const named = doc.cveCount === 0 ? 'no CVE' : doc.cveCount === 1 ? (doc.cves[0] ?? '1 CVE') : `${doc.cveCount} CVEs`;
    return [
      doc.source,
      named,
      ...(facts.cvss ? [`CVSS ${facts.cvss.score.toFixed(1)}`] : []),
      ...(doc.clusterSize > 1 ? [`${doc.clusterSize} documents`] : []),
    ].join(' · ');
  }
  const parts = [facts.cvss ? `CVSS ${facts.cvss.score.toFixed(1)}` : 'CVSS n/a'];
  if (facts.epss) parts.push(`EPSS ${formatPercent(facts.epss.score)}`);
  if (facts.kev) parts.push(facts.kev.ransomware ? 'KEV (ransomware)' : 'KEV');
  if (facts.ssvc) parts.push(`SSVC ${facts.ssvc}`);
  parts.push(`priority ${Math.round(facts.priority)}`);
  return parts.join(' · ');
}

function formatValue(name: ThresholdCheck['name'], value: number | string | boolean | null): string {
  if (value === null) return 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number' && (name === 'minEpss' || name === 'minPercentile')) return formatPercent(value);
  return String(value);
}

/** `version 10.2.5 in [10.2.0, 10.2.9-h1)` style line for one match. */
export function matchLine(match: MatchReason): string {
  const version = match.version ? `; version ${match.version}` : '';
  return `Matched ${match.kind} entry "${match.entry}" on ${VIA_LABELS[match.via]}: ${match.field} = "${truncate(oneLine(match.matched), 200)}"${version}`;
}

/** `Threshold minCvss: required 9, actual 10 (passed)`. */
export function thresholdLine(check: ThresholdCheck): string {
  const required = formatValue(check.name, check.required);
  const actual = formatValue(check.name, check.actual);
  return `Threshold ${check.name}: required ${required}, actual ${actual} (${check.passed ? 'passed' : 'not met'})`;
}

/** The provisional / confirmed note, or `null` when the match was on NVD's data from the start. */
export function statusLine(alert: Alert): string | null {
  if (alert.confirmedAt) return `Match confirmed by NVD CPE data on ${day(alert.confirmedAt)}`;
  if (alert.provisional) return `PROVISIONAL: ${alert.explanation.provisionalReason ?? "matched on the CNA's data before NVD analysis"}`;
  return null;
}

/** What happened: the event summary, then the diff (`changed`) or the two EPSS days compared. */
export function eventLines(alert: Alert): string[] {
  const { event } = alert.explanation;
  const lines = [`Event: ${oneLine(event.summary)}`];
  if (event.type === 'changed') {
    for (const c of event.changes ?? []) {
      const from = c.old === null ? '(none)' : truncate(oneLine(c.old), 200);
      const to = c.new === null ? '(none)' : truncate(oneLine(c.new), 200);
      lines.push(`  ${c.field}: ${from} → ${to} (${c.source}, ${day(c.at)})`);
    }
  }
  if (event.advisory) lines.push(...advisoryLines(event.advisory));
  if (event.ioc) lines.push(...iocLines(event.ioc));
  if (event.intel) lines.push(...intelLines(event.intel));
  const e = event.epss;
  if (e) {
    const before = e.previousScore === null ? 'no earlier score' : `${formatPercent(e.previousScore)} on ${e.previousDate ?? '?'}`;
    lines.push(`  EPSS ${before} → ${formatPercent(e.score)} on ${e.date} (percentile ${formatPercent(e.percentile)})`);
  }
  return lines;
}

/**
 * Why the alert fired, one line each: the event (with its diff), each watchlist entry that
 * matched (field, value, version evaluation), each threshold checked, the provisional or
 * confirmed note, and the administrator fallback when it applies.
 */
export function whyLines(alert: Alert): string[] {
  if (isReportFacts(alert.facts)) return reportLines(alert.facts.report);
  const { explanation } = alert;
  const lines = eventLines(alert);
  if (alert.watchlist) lines.push(`Watchlist: ${alert.watchlist}`);
  if (explanation.fallback) lines.push('Sent to the administrator: a critical CVE that matched no watchlist');
  for (const m of explanation.matches) lines.push(matchLine(m));
  for (const t of explanation.thresholds) lines.push(thresholdLine(t));
  const status = statusLine(alert);
  if (status) lines.push(status);
  return lines;
}

/** Title of a message: the headline for one alert, `Vigil daily digest: 12 alerts (…)` for a digest. */
export function digestTitle(message: AlertMessage): string {
  const n = message.alerts.length;
  const count = `${n} alert${n === 1 ? '' : 's'}`;
  if (message.digest) {
    const { period, from, to } = message.digest;
    return `Vigil ${period} digest: ${count} (${day(from)} → ${day(to)})`;
  }
  const only = message.alerts[0];
  return n === 1 && only ? headline(only) : `Vigil: ${count}`;
}

/** The closing line of a list cut short: `…and 3 more`. */
export function moreLine(omitted: number): string {
  return `…and ${omitted} more`;
}

/**
 * Joins as many items as fit in `max` characters, adding {@link moreLine} when some are left
 * out (the line counts towards `max`). An item alone longer than `max` is truncated.
 * @returns the text and how many items it shows.
 */
export function fitList(items: string[], max: number, separator = '\n'): { text: string; shown: number } {
  let text = '';
  let shown = 0;
  for (const [i, item] of items.entries()) {
    const candidate = shown === 0 ? item : `${text}${separator}${item}`;
    const rest = items.length - i - 1;
    const tail = rest > 0 ? `${separator}${moreLine(rest)}` : '';
    if (candidate.length + tail.length > max) break;
    text = candidate;
    shown++;
  }
  if (shown === items.length) return { text, shown };
  if (shown === 0) {
    const rest = items.length - 1;
    const tail = rest > 0 ? `${separator}${moreLine(rest)}` : '';
    return { text: `${truncate(items[0] ?? '', Math.max(0, max - tail.length))}${tail}`, shown: 1 };
  }
  const more = moreLine(items.length - shown);
  return { text: `${text}${separator}${more}`, shown };
}

/** RGB colour (0xRRGGBB) for a severity: Discord embeds, card accents. */
export function severityColour(severity: Severity | null): number {
  const colours: Record<Severity, number> = { CRITICAL: 0x8b0000, HIGH: 0xd9534f, MEDIUM: 0xf0ad4e, LOW: 0x5bc0de, NONE: 0x999999 };
  return severity ? colours[severity] : 0x999999;
}

/**
 * One alert as plain text: headline, facts, description, why it matched and the link. Email's
 * text part and the webhook-less fallbacks use it.
 */
export function alertText(alert: Alert): string {
  if (isReportFacts(alert.facts)) return reportText(alert.facts.report);
  const f = alert.facts;
  const facts = factLines(f).map((x) => `${x.label}: ${x.value}`);
  const description = f.description ? ['', oneLine(f.description)] : [];
  return [headline(alert, 400), '', ...facts, ...description, '', 'Why you get this:', ...whyLines(alert).map((l) => `- ${l.trim()}`), '', f.link].join('\n');
}
