/** One CVE (`GET /api/v1/cves/{id}`): the merged record with everything Vigil knows about it. */
import { ExploitTag } from '../advisory/ui.tsx';
import { request } from '../api.ts';
import { ErrorBox, KevTag, Loading, SeverityBadge } from '../components/ui.tsx';
import { AdvisoriesPanel, ConflictsNotice } from '../cve/AdvisoriesPanel.tsx';
import { CvssPanel } from '../cve/CvssPanel.tsx';
import { NewsPanel } from '../cve/NewsPanel.tsx';
import { CwePanel, EpssPanel, KevPanel, PriorityPanel, SsvcPanel } from '../cve/Panels.tsx';
import { ProductsPanel } from '../cve/ProductsPanel.tsx';
import { HistoryPanel, ReferencesPanel, SourcesPanel } from '../cve/SourcesPanel.tsx';
import { fmtDate } from '../format.ts';
import { useAsync, useTitle } from '../hooks.ts';
import { href, Link } from '../router.tsx';
import type { CveView } from '../types-advisories.ts';

export function CvePage({ id }: { id: string }) {
  useTitle(id);
  const cve = useAsync((signal) => request<CveView>(`/api/v1/cves/${encodeURIComponent(id)}`, { signal }), [id]);
  const v = cve.data;
  return (
    <div class="page" data-testid="cve-page">
      <nav aria-label="Breadcrumb" class="crumbs">
        <Link href={href('/cves')}>CVEs</Link> <span aria-hidden="true">›</span> <span aria-current="page">{id}</span>
      </nav>
      <ErrorBox error={cve.error} />
      {!v && cve.loading && <Loading />}
      {v && (
        <>
          <header class="cve-head">
            <h1 data-testid="cve-title">
              <span class="mono">{v.id}</span>
              {v.title ? <span class="cve-title-text">: {v.title}</span> : null}
            </h1>
            <p class="cve-meta">
              <SeverityBadge severity={v.severity} score={v.primaryCvss?.baseScore ?? null} />{' '}
              <KevTag kev={v.kev !== null} ransomware={v.kev?.knownRansomwareCampaignUse === 'Known'} />
              <ExploitTag count={v.exploits?.length} />
              {v.state !== 'PUBLISHED' && <span class="tag tag-warn">{v.state}</span>}
              <span class="muted">
                Published {fmtDate(v.published)} · modified {fmtDate(v.lastModified)}
                {v.assigner ? ` · assigner ${v.assigner}` : ''}
                {v.vulnStatus ? ` · NVD: ${v.vulnStatus}` : ''}
              </span>
            </p>
            {v.description && <p class="description">{v.description}</p>}
            <ConflictsNotice v={v} />
            <p class="small">
              <a href={`https://nvd.nist.gov/vuln/detail/${v.id}`} target="_blank" rel="noopener noreferrer">
                NVD
              </a>{' '}
              ·{' '}
              <a href={`https://www.cve.org/CVERecord?id=${v.id}`} target="_blank" rel="noopener noreferrer">
                CVE.org
              </a>
            </p>
          </header>
          <div class="grid-2">
            <PriorityPanel priority={v.priority} />
            <EpssPanel epss={v.epss} />
            <div class="span-2">
              <CvssPanel cvss={v.cvss} primary={v.primaryCvss} />
            </div>
            <div class="span-2">
              <AdvisoriesPanel v={v} />
            </div>
            <NewsPanel cveId={v.id} />
            <KevPanel kev={v.kev} />
            <SsvcPanel ssvc={v.ssvc} />
            <CwePanel cwes={v.cwes} />
            <SourcesPanel v={v} />
            <div class="span-2">
              <ProductsPanel v={v} />
            </div>
            <div class="span-2">
              <HistoryPanel history={v.history} />
            </div>
            <div class="span-2">
              <ReferencesPanel references={v.references} />
            </div>
          </div>
        </>
      )}
    </div>
  );
}
