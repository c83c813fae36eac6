/**
 * The configured-URL rule (issue 10, item 24), one row per form, and its use by every configured
 * URL: source settings and alert channel settings read through loadConfig.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { checkUrl } from './url-policy.ts';

describe('checkUrl', () => {
  it.each([
    // Accepted as written.
    ['https://services.nvd.nist.gov/rest/json/cves/2.0', 'https://services.nvd.nist.gov/rest/json/cves/2.0'],
    ['https://epss.empiricalsecurity.com', 'https://epss.empiricalsecurity.com'],
    ['https://10.1.2.3/mirror', 'https://10.1.2.3/mirror'],
    ['http://127.0.0.1:8025/hook', 'http://127.0.0.1:8025/hook'],
    ['http://127.0.0.2:9000', 'http://127.0.0.2:9000'],
    ['http://localhost:3000/', 'http://localhost:3000/'],
    ['http://[::1]:8080/x', 'http://[::1]:8080/x'],
    ['https://[2001:db8::1]/feed', 'https://[2001:db8::1]/feed'],
    // Numeric host forms normalised.
    ['https://0x7f000001:8443/a', 'https://127.0.0.1:8443/a'],
    ['https://2130706433/', 'https://127.0.0.1/'],
    ['https://0x0a.1/x', 'https://10.0.0.1/x'],
  ])('accepts %s as %s', (raw, url) => {
    expect(checkUrl(raw)).toEqual({ ok: true, url });
  });

  it.each([
    ['https://169.254.169.254/', /link-local, metadata/],
    ['http://169.254.169.254/latest/meta-data/', /link-local, metadata/],
    ['https://0xa9fea9fe/', /169\.254\.169\.254 is a link-local/],
    ['https://0251.0376.0251.0376/', /169\.254\.169\.254 is a link-local/],
    ['https://[::ffff:169.254.169.254]/', /link-local/],
    ['https://[fe80::1]/', /link-local/],
    ['https://[fd00:ec2::254]/', /metadata/],
    ['https://metadata.google.internal/computeMetadata/v1/', /metadata/],
    ['https://100.100.100.200/latest/meta-data/', /metadata/],
    ['https://0.0.0.0/', /unspecified/],
    ['https://[::]/', /unspecified/],
    ['https://224.0.0.1/', /link-local, metadata or unspecified/],
    ['http://127.0.0.1:6379/', /port 6379 belongs to a non-HTTP service/],
    ['https://127.0.0.1:11211/', /port 11211/],
    ['https://cache.internal:25/', /port 25/],
    ['http://0x7f000001/', /loopback hosts, written as 127\.0\.0\.1.*\(0x7f000001 reads as 127\.0\.0\.1\)/],
    ['http://2130706433:8080/', /reads as 127\.0\.0\.1/],
    ['http://127.1/', /reads as 127\.0\.0\.1/],
    ['http://[::ffff:127.0.0.1]/', /loopback hosts, written as/],
    ['http://example.org/feed.json', /plain http: is only allowed for loopback hosts/],
    ['http://10.0.0.5/hook', /plain http: is only allowed for loopback hosts/],
    ['gopher://127.0.0.1:70/_x', /unsupported protocol gopher:/],
    ['ftp://ftp.example.org/feed.json', /unsupported protocol ftp:/],
    ['file:///etc/passwd', /unsupported protocol file:/],
    ['javascript:alert(1)', /unsupported protocol/],
    ['not a url', /Invalid URL/],
  ])('refuses %s', (raw, problem) => {
    const r = checkUrl(raw);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.problem).toMatch(problem);
  });
});

describe('every configured URL follows the rule', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-url-policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** loadConfig of `yaml`; @returns the error message, or null. */
  function configError(yaml: string): string | null {
    const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    try {
      loadConfig(file, {});
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  }

  it.each([
    ['sources.kev.url', 'sources:\n  kev: { url: "gopher://127.0.0.1:70/_x" }', /sources\.kev\.url: unsupported protocol gopher:/],
    ['sources.kev.url', 'sources:\n  kev: { url: "ftp://ftp.example.org/kev.json" }', /sources\.kev\.url: unsupported protocol ftp:/],
    ['sources.nvd.baseUrl', 'sources:\n  nvd: { baseUrl: "https://169.254.169.254/" }', /sources\.nvd\.baseUrl: .*link-local/],
    ['sources.epss.baseUrl', 'sources:\n  epss: { baseUrl: "http://0x7f000001/" }', /sources\.epss\.baseUrl: plain http/],
    ['sources.cve5.releasesUrl', 'sources:\n  cve5: { releasesUrl: "http://127.0.0.1:6379/" }', /sources\.cve5\.releasesUrl: port 6379/],
    ['sources.cve5.apiUrl', 'sources:\n  cve5: { apiUrl: "http://cveawg.example.org/api" }', /sources\.cve5\.apiUrl: plain http/],
    ['a Slack channel', 'alerts:\n  channels:\n    s: { type: slack, url: "https://169.254.169.254/hooks" }', /alerts\.channels\.s: .*link-local/],
    ['a webhook channel', 'alerts:\n  channels:\n    w: { type: webhook, url: "http://0x7f000001/", secret: "0123456789abcdef0123" }', /alerts\.channels\.w: .*plain http/],
    ['a Telegram channel', 'alerts:\n  channels:\n    t: { type: telegram, botToken: "123:abc", apiBase: "http://127.0.0.1:6379" }', /alerts\.channels\.t: .*port 6379/],
  ])('refuses a bad %s', (_what, yaml, message) => {
    expect(configError(yaml)).toMatch(message);
  });

  it('keeps a normalised numeric host and accepts loopback http for relays and tests', () => {
    const file = path.join(dir, 'ok.yaml');
    writeFileSync(file, 'sources:\n  kev: { url: "https://0x7f000001:8443/kev.json" }\n  epss: { baseUrl: "http://127.0.0.1:9000" }\n');
    const config = loadConfig(file, {});
    expect((config.sources.kev!.config as { url: string }).url).toBe('https://127.0.0.1:8443/kev.json');
    expect((config.sources.epss!.config as { baseUrl: string }).baseUrl).toBe('http://127.0.0.1:9000');
  });
});
