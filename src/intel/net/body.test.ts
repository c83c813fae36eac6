/** Body reading within limits (every Content-Encoding, counted while streaming) and content types. */
import { Readable } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { acceptsContentType, BodyTooLargeError, readBody } from './body.ts';

const text = Buffer.from('<rss version="2.0"><channel><title>t</title></channel></rss>'.repeat(200));
const limits = { maxBodyBytes: 100_000, maxDecompressedBytes: 100_000 };

describe('readBody', () => {
  it.each([
    [undefined, text],
    ['identity', text],
    ['gzip', gzipSync(text)],
    ['x-gzip', gzipSync(text)],
    ['deflate', deflateSync(text)],
    ['br', brotliCompressSync(text)],
    ['gzip, br', brotliCompressSync(gzipSync(text))],
  ])('Content-Encoding %s', async (encoding, wire) => {
    expect((await readBody(Readable.from([wire]), encoding, limits)).equals(text)).toBe(true);
  });

  it('stops a bomb after decompression and a large body as received', async () => {
    const bomb = gzipSync(Buffer.alloc(10_000_000));
    expect(bomb.length).toBeLessThan(limits.maxBodyBytes);
    await expect(readBody(Readable.from([bomb]), 'gzip', limits)).rejects.toThrow(new BodyTooLargeError('decompressed', 100_000));
    await expect(readBody(Readable.from([Buffer.alloc(60_000), Buffer.alloc(60_000)]), undefined, limits)).rejects.toThrow(/over 100000 bytes as received/);
  });

  it('refuses an unknown coding and corrupt data', async () => {
    await expect(readBody(Readable.from([text]), 'compress', limits)).rejects.toThrow('unsupported Content-Encoding "compress"');
    await expect(readBody(Readable.from([text]), 'gzip', limits)).rejects.toThrow(/header/);
  });
});

describe('acceptsContentType', () => {
  it.each([
    ['feed', 'application/rss+xml; charset=utf-8', true],
    ['feed', 'application/atom+xml', true],
    ['feed', 'application/rdf+xml', true],
    ['feed', 'application/feed+json', true],
    ['feed', 'application/xml', true],
    ['feed', 'TEXT/XML', true],
    ['feed', 'application/json', true],
    ['feed', 'text/plain', true],
    ['feed', 'text/html', false],
    ['feed', 'application/octet-stream', false],
    ['feed', '', false],
    ['html', 'text/html; charset=iso-8859-1', true],
    ['html', 'application/xhtml+xml', true],
    ['html', 'application/rss+xml', false],
    ['html', 'image/png', false],
  ] as const)('%s accepts %s: %s', (accept, type, expected) => {
    expect(acceptsContentType(accept, type)).toBe(expected);
  });
});
