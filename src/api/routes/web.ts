/**
 * The dashboard: the built single-page app (web/, built by Vite into dist/web) under `/ui/`,
 * with every unknown `/ui/...` path answered by its index.html (client-side routes), and `/`
 * redirecting to it. Files are public (they hold no data: the API behind them checks every call).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { VigilError } from '../../errors.ts';

export const webRoutes: FastifyPluginAsync<{ webDir?: string | undefined }> = async (app, options) => {
  const dir = path.resolve(options.webDir ?? 'dist/web');
  const hidden = { hide: true };
  const pub = { access: { role: 'public' } } as const;
  app.get('/', { schema: hidden, config: pub }, async (_request, reply) => reply.redirect('/ui/'));
  if (!existsSync(path.join(dir, 'index.html'))) {
    app.get('/ui*', { schema: hidden, config: pub }, async () => {
      throw new VigilError('VIGIL_NOT_FOUND', ['the dashboard (build it with `npm run build`)']);
    });
    return;
  }
  await app.register(fastifyStatic, { root: dir, prefix: '/ui/', wildcard: false, index: false, schemaHide: true, decorateReply: true, maxAge: '1h', immutable: false });
  // Client-side routes: `/ui/` and any other /ui/... path get the app's index.html.
  app.get('/ui', { schema: hidden, config: pub }, async (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
  app.get('/ui/*', { schema: hidden, config: pub }, async (request, reply) => {
    const rel = (request.params as { '*': string })['*'];
    if (rel && !rel.includes('..') && existsSync(path.join(dir, rel)) && /\.[a-z0-9]+$/i.test(rel)) return reply.sendFile(rel);
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
};
