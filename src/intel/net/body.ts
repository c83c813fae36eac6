/**
 * Response bodies of the intel fetcher, read within limits: bytes as received and after
 * decompression are counted while streaming, so a gzip bomb stops at the limit, never in memory.
 * Content-Encoding (RFC 9110 §8.4): gzip (x-gzip), deflate, br, identity.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** A body over a limit: `which` says whether as received or after decompression; `limit` in bytes. */
export class BodyTooLargeError extends Error {
  readonly which: 'received' | 'decompressed';
  readonly limit: number;
  constructor(which: 'received' | 'decompressed', limit: number) {
    super(`body over ${limit} bytes ${which === 'received' ? 'as received' : 'after decompression'}`);
    this.name = 'BodyTooLargeError';
    this.which = which;
    this.limit = limit;
  }
}

/** Limits of {@link readBody}, bytes. */
export interface BodyLimits {
  maxBodyBytes: number;
  maxDecompressedBytes: number;
}

function counter(limit: number, which: 'received' | 'decompressed') {
  return async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    let n = 0;
    for await (const chunk of source) {
      n += chunk.length;
      if (n > limit) throw new BodyTooLargeError(which, limit);
      yield chunk;
    }
  };
}

function decoder(coding: string) {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      throw new Error(`unsupported Content-Encoding "${coding}"`);
  }
}

/**
 * Reads and decodes a body.
 * @param contentEncoding the response's Content-Encoding (codings in the order applied).
 * @throws BodyTooLargeError over a limit (the stream is destroyed); Error for an unknown coding or
 *   corrupt compressed data.
 */
export async function readBody(body: Readable, contentEncoding: string | undefined, limits: BodyLimits): Promise<Buffer> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity')
    .reverse();
  let decoders: ReturnType<typeof decoder>[];
  try {
    decoders = codings.map(decoder);
  } catch (err) {
    body.on('error', () => undefined);
    body.destroy();
    throw err;
  }
  const chunks: Buffer[] = [];
  const collect = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  };
  // pipeline's overloads do not take a spread of streams: the stages go in as one list.
  const run = pipeline as (...stages: unknown[]) => Promise<void>;
  await run(body, counter(limits.maxBodyBytes, 'received'), ...decoders, counter(limits.maxDecompressedBytes, 'decompressed'), collect);
  return Buffer.concat(chunks);
}

/** Content types a feed may come as (essence, lower case), besides any `+xml` / `+json` type. */
const FEED_TYPES: ReadonlySet<string> = new Set([
  'application/xml',
  'text/xml',
  'application/json',
  'text/json',
  'text/plain',
  'application/x-rss',
  'application/rss',
  'application/x-atom',
]);
const HTML_TYPES: ReadonlySet<string> = new Set(['text/html', 'application/xhtml+xml']);

/**
 * Whether a Content-Type suits what was asked: `feed` RSS/Atom/RDF/JSON Feed (`*+xml`, `*+json`,
 * XML, JSON, plain text), `html` text/html or application/xhtml+xml. Parameters are ignored.
 */
export function acceptsContentType(accept: 'feed' | 'html', contentType: string): boolean {
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  if (accept === 'html') return HTML_TYPES.has(essence);
  return FEED_TYPES.has(essence) || /^(application|text)\/[a-z0-9.+-]+\+(xml|json)$/.test(essence);
}
