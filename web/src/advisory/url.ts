/** Links from upstream documents. */

/** The URL when it is `http:` or `https:`, else `null` (an upstream `javascript:` link is never made a link). */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}
