/**
 * Bad input, as the issue puts it: oversized bodies, wrong types, SQL/FTS metacharacters in
 * search, path traversal in ids, out-of-range numbers and garbage cursors get clean 4xx answers
 * from the error table (src/errors.ts), never a 500, and nothing in the store changes: every table
 * is digested before and after the whole table of requests. Left out of the digest: `audit_log`,
 * which by design records every refused write and every 401/403 (a refusal must leave a trace).
 * Search answers are also checked against the documented semantics computed here: every word
 * (letters, digits, `_`) becomes a quoted FTS5 term, ANDed; nothing else is query syntax.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../errors.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { hasCorpus } from '../testing/corpus.ts';

/** One bad request and the answer it must get. */
interface Row {
  name: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** Who asks (default `ana`, an analyst); `null`: no credential. */
  as?: string | null;
  /** A string is sent as is (with `type`, default application/json); anything else as JSON. */
  body?: unknown;
  type?: string;
  headers?: Record<string, string>;
  status: number;
  code: keyof typeof ErrorCodes;
  /** What the message must name (the field, the limit…). */
  names?: string | RegExp;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const MiB = 1024 * 1024;
const entry = { kind: 'vendor', value: 'fortinet' };

const bodies: Row[] = [
  { name: 'analyze body over 1 MiB', method: 'POST', url: '/api/analyze', body: JSON.stringify({ cves: ['x'.repeat(MiB + 10)] }), status: 413, code: 'VIGIL_PAYLOAD_TOO_LARGE', names: String(MiB) },
  { name: 'watchlist body over 1 MiB', method: 'POST', url: '/api/v1/watchlists', body: JSON.stringify({ name: 'big', entries: Array.from({ length: 3000 }, (_, i) => ({ kind: 'keyword', value: `${'k'.repeat(400)}${i}` })) }), status: 413, code: 'VIGIL_PAYLOAD_TOO_LARGE' },
  { name: 'sign-in body over 1 MiB', as: null, method: 'POST', url: '/api/v1/auth/login', body: JSON.stringify({ username: 'ana', password: 'p'.repeat(MiB) }), status: 413, code: 'VIGIL_PAYLOAD_TOO_LARGE' },
  { name: 'text/plain body', method: 'POST', url: '/api/v1/watchlists', body: 'name=x', type: 'text/plain', status: 415, code: 'VIGIL_UNSUPPORTED_MEDIA_TYPE', names: 'text/plain' },
  { name: 'form body', method: 'POST', url: '/api/v1/watchlists', body: 'name=x&entries=', type: 'application/x-www-form-urlencoded', status: 415, code: 'VIGIL_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'multipart body', method: 'POST', url: '/api/analyze', body: '--b\r\n\r\nx\r\n--b--', type: 'multipart/form-data; boundary=b', status: 415, code: 'VIGIL_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'XML body', method: 'PATCH', url: '/api/v1/alerts/1', body: '<triage>fixed</triage>', type: 'application/xml', status: 415, code: 'VIGIL_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'malformed JSON', method: 'POST', url: '/api/v1/watchlists', body: '{"name": "x", "entries": [', status: 400, code: 'VIGIL_BAD_REQUEST', names: /JSON/ },
  { name: 'empty JSON body', method: 'POST', url: '/api/v1/watchlists', body: '', status: 400, code: 'VIGIL_BAD_REQUEST' },
  { name: 'JSON null body', method: 'POST', url: '/api/v1/watchlists', body: 'null', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body' },
  { name: '__proto__ in a body', method: 'POST', url: '/api/v1/watchlists', body: '{"name":"p","entries":[],"__proto__":{"admin":true}}', status: 400, code: 'VIGIL_BAD_REQUEST' },
  { name: 'constructor.prototype in a body', method: 'POST', url: '/api/v1/watchlists', body: '{"name":"p","entries":[],"constructor":{"prototype":{"admin":true}}}', status: 400, code: 'VIGIL_BAD_REQUEST' },
];

const types: Row[] = [
  { name: 'a word for a number (preview limit)', method: 'POST', url: '/api/v1/watchlists/preview', body: { entries: [entry], limit: 'ten' }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/limit' },
  { name: 'a fraction for an integer', method: 'POST', url: '/api/v1/watchlists/preview', body: { entries: [entry], limit: 2.5 }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/limit' },
  { name: 'an object for an array (entries)', method: 'POST', url: '/api/v1/watchlists', body: { name: 'obj', entries: { kind: 'vendor' } }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/entries' },
  { name: 'an array for the body object', method: 'POST', url: '/api/v1/watchlists', body: [{ name: 'arr', entries: [] }], status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body must be object' },
  { name: 'an array for a string (comment)', method: 'POST', url: '/api/v1/alerts/1/comments', body: { body: ['sneaky'] }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/body' },
  { name: 'an array for a string (triage)', method: 'PATCH', url: '/api/v1/alerts/1', body: { triage: ['fixed'] }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/triage' },
  { name: 'an object for a user name (assignee)', method: 'PATCH', url: '/api/v1/alerts/1', body: { assignee: { name: 'ann' } }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/assignee' },
  { name: 'a string for a number (preview limit)', method: 'POST', url: '/api/v1/watchlists/preview', body: { entries: [], limit: '20' }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/limit' },
  { name: 'a number for a string (comment)', method: 'POST', url: '/api/v1/alerts/1/comments', body: { body: 42 }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/body' },
  { name: 'a string for a boolean (user disabled)', as: 'ada', method: 'PATCH', url: '/api/v1/users/ann', body: { disabled: 'true' }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/disabled' },
  { name: 'a string for a list (collect sources)', method: 'POST', url: '/api/collect', body: { sources: 'kev' }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/sources' },
  { name: 'a string for a list (analyze)', method: 'POST', url: '/api/analyze', body: { cves: 'CVE-2024-3400' }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/cves' },
  { name: 'an empty analyze list', method: 'POST', url: '/api/analyze', body: { cves: [] }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/cves' },
  { name: '101 inputs to analyze', method: 'POST', url: '/api/analyze', body: { cves: Array.from({ length: 101 }, () => 'CVE-2024-3400') }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/cves' },
  { name: 'an extra property', method: 'POST', url: '/api/v1/watchlists', body: { name: 'extra', entries: [], colour: 'red' }, status: 400, code: 'VIGIL_BAD_REQUEST', names: '"colour"' },
  { name: 'an extra property in an entry', method: 'POST', url: '/api/v1/watchlists', body: { name: 'extra', entries: [{ ...entry, weight: 3 }] }, status: 400, code: 'VIGIL_BAD_REQUEST', names: /entries\/0.*"weight"/ },
  { name: 'an unknown threshold', method: 'POST', url: '/api/v1/watchlists/preview', body: { entries: [{ ...entry, thresholds: { minScore: 1 } }] }, status: 400, code: 'VIGIL_BAD_REQUEST', names: '"minScore"' },
  { name: 'a list for the user name at sign-in', as: null, method: 'POST', url: '/api/v1/auth/login', body: { username: ['ana'], password: 'x' }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/username' },
  { name: 'a string for the token scopes', method: 'POST', url: '/api/v1/tokens', body: { name: 'scopes', scopes: 'read' }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/scopes' },
  { name: 'an unknown scope', method: 'POST', url: '/api/v1/tokens', body: { name: 'scopes', scopes: ['root'] }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/scopes/0' },
  { name: 'an unknown role', as: 'ada', method: 'POST', url: '/api/v1/users', body: { name: 'eve', role: 'root', password: 'correct horse battery staple 2' }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/role' },
  { name: 'a word for a boolean', as: 'ada', method: 'PATCH', url: '/api/v1/users/vic', body: { disabled: 'yes' }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body/disabled' },
  { name: 'an empty PATCH', method: 'PATCH', url: '/api/v1/alerts/1', body: {}, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'body' },
];

const ids: Row[] = [
  { name: 'dot segments in a CVE path', url: '/api/v1/cves/../../etc/passwd', status: 404, code: 'VIGIL_NOT_FOUND' },
  { name: 'encoded ../', url: '/api/v1/cves/%2e%2e%2f', status: 400, code: 'VIGIL_INVALID_CVE_ID', names: 'Invalid CVE id' },
  { name: 'encoded ../../etc/passwd', url: '/api/v1/cves/..%2F..%2Fetc%2Fpasswd', status: 400, code: 'VIGIL_INVALID_CVE_ID', names: 'Invalid CVE id' },
  { name: 'a NUL after the id', url: '/api/v1/cves/CVE-2024-3400%00', status: 400, code: 'VIGIL_INVALID_CVE_ID', names: 'Invalid CVE id' },
  { name: 'a NUL after the id (history)', url: '/api/v1/cves/CVE-2024-3400%00/history', status: 400, code: 'VIGIL_INVALID_CVE_ID', names: 'Invalid CVE id' },
  { name: 'dot segments after the id', url: '/api/v1/cves/CVE-2024-3400/../x', status: 400, code: 'VIGIL_INVALID_CVE_ID', names: 'Invalid CVE id' },
  { name: 'an encoded slash after the id', url: '/api/v1/cves/CVE-2024-3400%2F..%2Fx', status: 400, code: 'VIGIL_INVALID_CVE_ID', names: 'Invalid CVE id' },
  { name: 'a lower-case id', url: '/api/v1/cves/cve-2024-3400', status: 400, code: 'VIGIL_INVALID_CVE_ID', names: 'Invalid CVE id' },
  { name: 'a 120-digit id', url: `/api/v1/cves/CVE-2024-${'9'.repeat(120)}`, status: 400, code: 'VIGIL_INVALID_CVE_ID', names: 'Invalid CVE id' },
  { name: 'an id over the router’s parameter limit', url: `/api/v1/cves/CVE-2024-${'9'.repeat(300)}`, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'max param length' },
  { name: 'a malformed percent-encoding', url: '/api/v1/cves/CVE-2024-3400%E0%A4%A', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'not a valid url component' },
  { name: 'a watchlist name with traversal', url: '/api/v1/watchlists/..%2f..%2fetc', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/name' },
  { name: 'a hidden-file watchlist name', url: '/api/v1/watchlists/.edge', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/name' },
  { name: 'a NUL in a watchlist name (DELETE)', method: 'DELETE', url: '/api/v1/watchlists/edge%00', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/name' },
  { name: 'traversal in a watchlist name (PUT)', method: 'PUT', url: '/api/v1/watchlists/..%2Fedge', body: { entries: [] }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/name' },
  { name: 'a slash in a watchlist name (matches)', url: '/api/v1/watchlists/a%2Fb/matches', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/name' },
  { name: 'a 65-character watchlist name', url: `/api/v1/watchlists/${'w'.repeat(65)}`, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/name' },
  { name: 'traversal in a user name', as: 'ada', method: 'PATCH', url: '/api/v1/users/..%2Fada', body: { role: 'viewer' }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/name' },
  { name: 'alert id 0', url: '/api/v1/alerts/0', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/id' },
  { name: 'a negative alert id', url: '/api/v1/alerts/-1', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/id' },
  { name: 'a fractional alert id', url: '/api/v1/alerts/1.5', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/id' },
  { name: 'an alert id past 2^53', url: '/api/v1/alerts/99999999999999999999', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/id' },
  { name: 'an alert id past 2^53 (ack)', method: 'POST', url: '/api/v1/alerts/99999999999999999999/ack', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/id' },
  { name: 'a word for an alert id (comments)', method: 'POST', url: '/api/v1/alerts/one/comments', body: { body: 'x' }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/id' },
  { name: 'a word for a token id', method: 'DELETE', url: '/api/v1/tokens/abc', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/id' },
  { name: 'a job id that is not a UUID', url: '/api/collect/..%2F..%2Fetc%2Fpasswd', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'params/id' },
];

const queries: Row[] = [
  { name: 'garbage cursor', url: '/api/v1/cves?cursor=garbage', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'cursor' },
  { name: 'a cursor with an operator object', url: `/api/v1/cves?cursor=${b64({ s: 'priority', v: { $gt: 0 }, i: 'x' })}`, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'cursor' },
  { name: 'a cursor with SQL in it', url: `/api/v1/cves?cursor=${b64({ s: 'priority', v: '1) OR 1=1 --', i: "x' OR '1'='1" })}`, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'cursor' },
  { name: 'a relevance cursor with a negative offset', url: `/api/v1/search?q=windows&sort=relevance&cursor=${b64({ s: 'relevance', o: -7 })}`, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'cursor' },
  { name: 'a relevance cursor with a huge offset', url: `/api/v1/search?q=windows&sort=relevance&cursor=${b64({ s: 'relevance', o: 1e308 })}`, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'cursor' },
  { name: 'a cursor over 400 characters', url: `/api/v1/cves?cursor=${'A'.repeat(401)}`, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/cursor' },
  { name: 'a word for the alerts cursor', url: '/api/v1/alerts?cursor=abc', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/cursor' },
  { name: 'a negative deliveries cursor', url: '/api/v1/deliveries?cursor=-1', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/cursor' },
  { name: 'a garbage audit cursor', as: 'ada', url: '/api/v1/audit?cursor=1;DROP', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/cursor' },
  { name: 'an impossible since date', url: '/api/v1/cves?since=2024-13-45', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'since' },
  { name: 'SQL in since', url: `/api/v1/cves?since=${encodeURIComponent("2024-01-01' OR 1=1 --")}`, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/since' },
  { name: 'a word for minEpss', url: '/api/v1/cves?minEpss=high', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/minEpss' },
  { name: 'minEpss over 1', url: '/api/v1/cves?minEpss=2', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/minEpss' },
  { name: 'limit 0', url: '/api/v1/cves?limit=0', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/limit' },
  { name: 'limit 201', url: '/api/v1/cves?limit=201', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/limit' },
  { name: 'limit given twice', url: '/api/v1/cves?limit=5&limit=6', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/limit' },
  { name: 'an unknown sort', url: '/api/v1/cves?sort=random()', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/sort' },
  { name: 'sort=relevance without q', url: '/api/v1/cves?sort=relevance', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'sort=relevance' },
  { name: 'a word for kev', url: '/api/v1/cves?kev=maybe', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/kev' },
  { name: 'an unknown query parameter', url: '/api/v1/cves?orderBy=cve_id', status: 400, code: 'VIGIL_BAD_REQUEST', names: '"orderBy"' },
  { name: 'an empty search', url: '/api/v1/search?q=', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/q' },
  { name: 'a 10,000-character search', url: `/api/v1/search?q=${'a'.repeat(10_000)}`, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/q' },
  { name: 'an unknown triage filter', url: '/api/v1/alerts?triage=done', status: 400, code: 'VIGIL_BAD_REQUEST', names: 'querystring/triage' },
  { name: 'a long Last-Event-ID', url: '/api/v1/events', headers: { 'last-event-id': '9'.repeat(100) }, status: 400, code: 'VIGIL_BAD_REQUEST', names: 'last-event-id' },
];

const credentials: Row[] = [
  { name: 'no credential', as: null, url: '/api/v1/cves', status: 401, code: 'VIGIL_UNAUTHENTICATED' },
  { name: 'Basic credentials', as: null, url: '/api/v1/cves', headers: { authorization: 'Basic YW5hOng=' }, status: 401, code: 'VIGIL_UNAUTHENTICATED' },
  { name: 'a garbage bearer token', as: null, url: '/api/v1/cves', headers: { authorization: "Bearer ' OR 1=1 --" }, status: 401, code: 'VIGIL_UNAUTHENTICATED' },
  { name: 'an unknown API token', as: null, method: 'POST', url: '/api/analyze', body: { cves: ['CVE-2024-3400'] }, headers: { authorization: `Bearer vgl_${'A'.repeat(43)}` }, status: 401, code: 'VIGIL_UNAUTHENTICATED' },
  { name: 'an unsigned JWT', as: null, url: '/api/v1/cves', headers: { authorization: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'ada', role: 'admin' })}.` }, status: 401, code: 'VIGIL_UNAUTHENTICATED' },
  { name: 'a viewer writing', as: 'vic', method: 'POST', url: '/api/v1/watchlists', body: { name: 'viewer', entries: [entry] }, status: 403, code: 'VIGIL_FORBIDDEN' },
];

/** SQL/FTS5 metacharacters in search: each gives 200 with the quoted-words answer. */
const searches = [
  'pan-os "globalprotect',
  'pan*',
  'NEAR(pan os)',
  'pan OR fortinet',
  "'; DROP TABLE vulns; --",
  'title:command -injection',
  '^windows AND NOT kernel',
  '%',
  '\u0000',
  '(',
  '"',
  'CVE-2024-3400',
  '_',
  'Überprüfung café',
];

describe.skipIf(!hasCorpus())('bad input gets a clean 4xx from the error table and changes nothing', () => {
  let api: TestApi;
  const tokens: Record<string, string> = {};
  let before: Map<string, string>;
  let auditBefore: number;

  /** Digest of every table but `audit_log`: rows serialised, sorted, hashed (on the back end under test). */
  async function digest(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const put = (t: string, rows: string[]) => out.set(t, `${rows.length}:${createHash('sha256').update(rows.sort().join('\n')).digest('hex')}`);
    const json = (r: unknown) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const sqlite = api.sqlite;
    if (sqlite) {
      const tables = sqlite.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'audit_log' ORDER BY name").pluck().all() as string[];
      // Virtual tables have no rows of their own (their shadow tables are digested).
      const virtual = new Set(sqlite.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'").pluck().all() as string[]);
      for (const t of tables.filter((n) => !virtual.has(n))) put(t, [...sqlite.db.prepare(`SELECT * FROM "${t}"`).raw().iterate()].map(json));
      return out;
    }
    const tables = await api.sql<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename != 'audit_log' ORDER BY 1");
    for (const { name } of tables) put(name, (await api.sql(`SELECT * FROM "${name}"`)).map((r) => json(Object.values(r))));
    return out;
  }

  async function send(row: Row) {
    const headers: Record<string, string> = { ...(row.as !== null ? { authorization: `Bearer ${tokens[row.as ?? 'ana']}` } : {}), ...row.headers };
    const payload = row.body === undefined ? undefined : typeof row.body === 'string' ? row.body : JSON.stringify(row.body);
    if (payload !== undefined) headers['content-type'] = row.type ?? 'application/json';
    return api.app.inject({ method: row.method ?? 'GET', url: row.url, headers, ...(payload !== undefined ? { payload } : {}) });
  }

  beforeAll(async () => {
    api = await startTestApi();
    for (const u of ['ada', 'ana', 'vic']) tokens[u] = await api.login(u);
    before = await digest();
    auditBefore = (await api.sql<{ id: number }>('SELECT coalesce(max(id), 0) AS id FROM audit_log'))[0]?.id ?? 0;
    expect(before.size).toBeGreaterThan(20);
  });
  afterAll(async () => api?.close());

  describe.each([
    ['bodies', bodies],
    ['wrong types', types],
    ['ids in paths', ids],
    ['query strings and cursors', queries],
    ['credentials', credentials],
  ] as const)('%s', (_group, rows) => {
    it.each(rows)('$name → $status $code', async (row) => {
      const r = await send(row);
      expect(r.statusCode, r.body.slice(0, 500)).toBe(row.status);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      const body = r.json() as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['code', 'message', 'requestId', 'statusCode']);
      expect(body.code).toBe(row.code);
      expect(Object.keys(ErrorCodes)).toContain(body.code);
      expect(ErrorCodes[body.code as keyof typeof ErrorCodes].status).toBe(row.status);
      expect(body.statusCode).toBe(row.status);
      expect(body.requestId).toMatch(/\S/);
      expect(typeof body.message === 'string' && body.message.length > 0 && body.message.length < 2000).toBe(true);
      if (row.names instanceof RegExp) expect(body.message).toMatch(row.names);
      else if (row.names) expect(body.message).toContain(row.names);
    });
  });

  describe('search with SQL/FTS metacharacters answers by the quoted-words semantics', () => {
    /**
     * The documented semantics, computed here by SQLite's FTS5 itself: each word quoted, ANDed; no
     * word matches nothing. On PostgreSQL (null) the API's two answers are compared with each other;
     * src/store/records.test.ts checks that both back ends find the same CVEs for the same words.
     */
    function expected(q: string): string[] | null {
      const words = q.match(/[\p{L}\p{N}_]+/gu) ?? [];
      if (!api.sqlite) return words.length ? null : [];
      if (!words.length) return [];
      return api.sqlite.db
        .prepare(`SELECT v.cve_id FROM vulns_fts f JOIN vulns v ON v.rowid = f.rowid WHERE vulns_fts MATCH ? AND v.state != 'REJECTED' ORDER BY f.rank, v.cve_id LIMIT 200`)
        .pluck()
        .all(words.map((w) => `"${w}"`).join(' ')) as string[];
    }
    it.each(searches)('%j', async (q) => {
      const r = await api.app.inject({ url: `/api/v1/search?${new URLSearchParams({ q, sort: 'relevance', limit: '200' })}`, headers: { authorization: `Bearer ${tokens.vic}` } });
      expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
      const found = (r.json() as { items: { id: string }[] }).items.map((i) => i.id);
      const want = expected(q) ?? found;
      expect(found).toEqual(want);
      // The ranked list filters by the same words.
      const list = await api.app.inject({ url: `/api/v1/cves?${new URLSearchParams({ q, limit: '200' })}`, headers: { authorization: `Bearer ${tokens.vic}` } });
      expect(list.statusCode).toBe(200);
      expect((list.json() as { items: { id: string }[] }).items.map((i) => i.id).sort()).toEqual([...want].sort());
    });

    it('the answers are not all empty: the quoting keeps words searchable', async () => {
      const search = async (q: string) =>
        expected(q) ??
        ((await api.app.inject({ url: `/api/v1/search?${new URLSearchParams({ q, limit: '200' })}`, headers: { authorization: `Bearer ${tokens.vic}` } })).json() as { items: { id: string }[] }).items.map((i) => i.id);
      expect((await search('pan-os "globalprotect')).length).toBeGreaterThan(0);
      expect(await search('CVE-2024-3400')).toContain('CVE-2024-3400');
      expect(await search("'; DROP TABLE vulns; --")).toEqual([]);
    });
  });

  it('nothing in the store changed (every table but the audit log)', async () => {
    const after = await digest();
    const changed = [...after].filter(([t, d]) => before.get(t) !== d).map(([t]) => t);
    expect(changed).toEqual([]);
    expect([...after.keys()]).toEqual([...before.keys()]);
  });

  it('the audit log holds only refusals and failures from all that', async () => {
    const rows = await api.sql<{ outcome: string; status_code: number }>('SELECT outcome, status_code FROM audit_log WHERE id > ?', auditBefore);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.outcome).not.toBe('success');
      expect(r.status_code).toBeGreaterThanOrEqual(400);
      expect(r.status_code).toBeLessThan(500);
    }
  });
});
