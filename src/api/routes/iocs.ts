/** STUB: filled by its owner (issue 14). */
import type { FastifyPluginAsync } from 'fastify';

export const iocsRoutes: FastifyPluginAsync = async () => {};
