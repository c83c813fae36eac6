/**
 * What the API's plugins share: the services (decorated once on the root instance as `deps`),
 * the principal of each request and the access rule each route declares in its `config`.
 */
import type { VigilConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Role, Scope } from '../model/account.ts';
import type { IntelStore } from '../intel/types.ts';
import type { IocStore } from '../iocs/types.ts';
import type { RunSummary } from '../pipeline.ts';
import type { ExposureStore } from '../exposure/types.ts';
import type { CveExportStore } from '../export/cve-types.ts';
import type { TrendsStore } from '../trends/types.ts';
import type { AlertStore } from '../store/alerts.ts';
import type { AuthStore, JobStore, StatsStore, TriageStore } from '../store/server.ts';
import type { Store } from '../store/types.ts';
import type { EventHub } from './events-hub.ts';

/** Services of the API. */
export interface ApiDeps {
  config: VigilConfig;
  log: Logger;
  store: Store;
  alerts: AlertStore;
  auth: AuthStore & JobStore;
  triage: TriageStore;
  stats: StatsStore;
  /** Threat-intel sources and documents (`/api/v1/scraping/sources`, `/api/v1/intel`). */
  intel: IntelStore;
  /** Indicators, their sightings and document analyses (`/api/v1/iocs`, issue 14). */
  iocs: IocStore;
  /** The exposure index (`/api/v1/exposure`, issue 15); absent: that route answers 503. */
  exposure?: ExposureStore;
  /** The consolidated CVE export (`/api/v1/cves/export.csv|.jsonl`, issue 15); absent: those routes answer 500. */
  cveExport?: CveExportStore;
  /** Trends (`/api/v1/trends…`, issue 15); absent: those routes answer 503. */
  trends?: TrendsStore;
  /** Runs one sync of a source (through the daemon's queue when it runs). */
  sync: (sourceId: string) => Promise<RunSummary>;
  /** Whether the monitoring daemon runs in this process. */
  daemon: boolean;
  /** Clock (tests freeze it). */
  now: () => Date;
  /** The live event stream's source (created by buildApp when absent). */
  hub?: EventHub;
  /** The JWT signing key from the environment (api/auth/jwt-key.ts); absent: the store's `jwt.key`, made at the first start. */
  jwtKey?: string;
}

/** What the routes see (`app.deps`): the given {@link ApiDeps}, completed by buildApp once at start. */
export interface ServerDeps extends ApiDeps {
  hub: EventHub;
  /** The HS256 key access tokens are signed with (settings `jwt.key`, made at the first start). */
  jwtKey: string;
}

/** Who is calling. */
export interface Principal {
  user: string;
  role: Role;
  via: 'session' | 'token';
  /** Scopes of an API token; every scope for a session. */
  scopes: Scope[];
  tokenId: number | null;
}

/**
 * Access rule of a route (`config.access`). `public`: no credential. Otherwise the caller's
 * role must be at least `role`, an API token must carry `scope`, and `sessionOnly` routes refuse
 * API tokens altogether.
 */
export interface RouteAccess {
  role: Role | 'public';
  scope?: Scope;
  sessionOnly?: boolean;
  /** Audit action name for writes (`watchlist.create`); default `METHOD /route`. */
  action?: string;
  /** `false`: a POST that changes nothing (previews, analysis) is not audited unless refused. */
  audit?: false;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** What a write acted on, for the audit log (`watchlist:edge`). */
    auditTarget: string | null;
    /** The actor of a public write (sign-in): the user name attempted. */
    auditActor: string | null;
    auditDetail: Record<string, unknown> | null;
  }
  interface FastifyInstance {
    deps: ServerDeps;
  }
}
