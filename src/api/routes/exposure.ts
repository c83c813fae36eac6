/** Issue 15 routes (placeholder until its part lands). */
import type { FastifyPluginAsync } from 'fastify';

export const exposureRoutes: FastifyPluginAsync = async () => {};
