/**
 * One advisory (`GET /api/v1/advisories/{id}`): a CERT bulletin, package advisory, vendor or VEX
 * document, or exploit, with its CVEs (linked to their pages), affected products and ranges,
 * text, links and history. Upstream text is rendered as text (advisory/RichText.tsx).
 */
import { request } from '../api.ts';
import { AffectedPanel, CvesPanel, ExploitPanel, LinksPanel, RevisionsPanel, ScoringPanel } from '../advisory/Panels.tsx';
import { RichText } from '../advisory/RichText.tsx';
import { safeUrl } from '../advisory/url.ts';
import { AdvisorySeverity, ExternalLink, KindTag, sourceName } from '../advisory/ui.tsx';
import { ErrorBox, Loading, Panel } from '../components/ui.tsx';
import { fmtDate, fmtDateTime } from '../format.ts';
import { useAsync, useTitle } from '../hooks.ts';
import { href, Link } from '../router.tsx';
import type { AdvisoryView } from '../types-advisories.ts';

/** Whether the advisory states anything for the scoring panel. */
function hasScoring(a: AdvisoryView): boolean {
  return Boolean(a.severity || a.cvss?.length || a.cwes?.length || a.aliases?.length);
}

function Head({ a }: { a: AdvisoryView }) {
  const original = safeUrl(a.url);
  return (
    <header class="cve-head">
      <h1 data-testid="advisory-title">
        <span class="mono">{a.id}</span>
        {a.title && a.title !== a.id ? <span class="cve-title-text">: {a.title}</span> : null}
      </h1>
      <p class="cve-meta">
        {a.severity && <AdvisorySeverity severity={a.severity} />} <KindTag kind={a.kind} />
        <span class="tag">{sourceName(a.source)}</span>
        {a.tlp && <span class={`tag tlp tlp-${a.tlp.toLowerCase().replace(/[^a-z]+/g, '-')}`}>TLP:{a.tlp.replace(/^TLP:/i, '')}</span>}
        {a.withdrawn && <span class="tag tag-warn">withdrawn {fmtDate(a.withdrawn)}</span>}
        <span class="muted">
          Published {fmtDate(a.published)} · modified {fmtDateTime(a.modified)}
          {a.firstSeen ? ` · first stored ${fmtDate(a.firstSeen)}` : ''}
        </span>
      </p>
      {a.summary && a.summary.trim() !== a.title.trim() && (
        <p class="description" data-testid="advisory-summary">
          {a.summary}
        </p>
      )}
      {original && (
        <p class="small">
          <ExternalLink url={original}>Original document ↗</ExternalLink>
        </p>
      )}
    </header>
  );
}

export function AdvisoryPage({ id }: { id: string }) {
  useTitle(id);
  const adv = useAsync((signal) => request<AdvisoryView>(`/api/v1/advisories/${encodeURIComponent(id)}`, { signal }), [id]);
  const a = adv.data;
  const vendorLinks = a?.vendorAdvisories ?? [];
  return (
    <div class="page" data-testid="advisory-page">
      <nav aria-label="Breadcrumb" class="crumbs">
        <Link href={href('/advisories')}>Advisories</Link> <span aria-hidden="true">›</span> <span aria-current="page">{id}</span>
      </nav>
      <ErrorBox error={adv.error} />
      {!a && adv.loading && <Loading />}
      {a && (
        <>
          <Head a={a} />
          <div class="grid-2">
            <CvesPanel a={a} />
            {a.exploit && <ExploitPanel exploit={a.exploit} />}
            {hasScoring(a) && <ScoringPanel a={a} />}
            {a.risks && a.risks.length > 0 && (
              <Panel title="Risks" id="adv-risks">
                <ul class="plain compact" data-testid="advisory-risks">
                  {a.risks.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              </Panel>
            )}
            {a.details && (
              <div class="span-2">
                <Panel title="Details" id="adv-details">
                  <RichText text={a.details} testId="advisory-details" />
                </Panel>
              </div>
            )}
            {(a.kind !== 'exploit' || (a.affected ?? []).length > 0) && (
              <div class="span-2">
                <AffectedPanel a={a} />
              </div>
            )}
            <div class={vendorLinks.length === 0 ? 'span-2' : undefined}>
              <LinksPanel title="References" id="adv-refs" links={a.references ?? []} empty="No references." />
            </div>
            {vendorLinks.length > 0 && <LinksPanel title="Vendor advisories" id="adv-vendor" links={vendorLinks} empty="" />}
            <div class="span-2">
              <RevisionsPanel a={a} />
            </div>
          </div>
        </>
      )}
    </div>
  );
}
