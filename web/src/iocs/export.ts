/**
 * Downloads of the API's export routes (CSV of IOCs, STIX 2.1 bundle, MISP event) with the
 * session's `Authorization` header: a plain link would carry no credential. The answer becomes a
 * file the browser saves under the server's name (Content-Disposition) or `fallback`.
 */
import { ApiError, accessToken, refreshSession } from '../api.ts';

/** The file name of a `Content-Disposition` header, or null. */
function fileNameOf(disposition: string | null): string | null {
  const m = disposition?.match(/filename\*?=(?:UTF-8'')?"?([^";]+)"?/i);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

/**
 * Fetches `path` and saves the answer as a file.
 * @throws {ApiError} with the server's message when it refuses (a 401 is retried once after a refresh).
 */
export async function download(path: string, fallback: string): Promise<void> {
  const send = () => fetch(path, { headers: accessToken() ? { authorization: `Bearer ${accessToken()}` } : {} });
  let res = await send();
  if (res.status === 401 && (await refreshSession())) res = await send();
  if (!res.ok) {
    let body: { statusCode: number; code: string; message: string; requestId?: string };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      body = { statusCode: res.status, code: 'HTTP', message: `${path}: HTTP ${res.status}` };
    }
    throw new ApiError(body);
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileNameOf(res.headers.get('content-disposition')) ?? fallback;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
