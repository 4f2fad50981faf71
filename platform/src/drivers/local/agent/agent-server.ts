import { chmod, rm } from 'node:fs/promises';
import http from 'node:http';
import { z } from 'zod';
import { requestLogBatchSchema } from '../../../gateway/request-log.ts';
import type { SqlRequest, VersionSpec } from '../../driver.ts';
import type { AgentEventRecord, LocalAgent } from './local-agent.ts';

/** Largest request the agent reads: a spec with many vars, never a bundle. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const HEARTBEAT_MS = 5_000;

const egressSchema = z.object({ allowedHosts: z.array(z.string()) });

/** The agent trusts its socket's owner, but still refuses a spec it cannot act on. */
export const versionSpecSchema = z.object({
  deploymentId: z.string().regex(/^dep_[a-z2-7]+$/),
  appId: z.string().min(1),
  ministryId: z.string().min(1),
  ministry: z.string().min(1),
  app: z.string().min(1),
  version: z.number().int().min(1),
  generation: z.string().min(1),
  artifact: z.object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    url: z.string().url(),
    token: z.string().min(1),
  }),
  compatibilityDate: z.string(),
  compatibilityFlags: z.array(z.string()),
  vars: z.record(z.string(), z.string()),
  secrets: z
    .object({
      names: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/)).max(64),
      digest: z.string().min(1),
      url: z.string().url(),
      token: z.string().min(1),
    })
    .nullable(),
  bindings: z
    .array(
      z.object({
        kind: z.enum(['kv', 'd1', 'r2']),
        name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/),
      }),
    )
    .max(64),
  instances: z.number().int().min(1).max(100),
  memoryMib: z.number().int().min(16).max(65_536),
  cpuMillicores: z.number().int().min(10).max(64_000),
  egress: egressSchema,
  healthPath: z.string().startsWith('/').nullable(),
  crons: z.array(z.string().max(100)).max(5),
  services: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/),
        app: z.string().regex(/^[a-z][a-z0-9-]{0,38}[a-z0-9]$/),
      }),
    )
    .max(32),
  durableObjects: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/),
        className: z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]{0,99}$/),
        sql: z.boolean(),
      }),
    )
    .max(16),
  servedBefore: z.boolean(),
}) satisfies z.ZodType<VersionSpec>;

/** The gateway's own loopback address: the relay forwards service bindings there. */
const gatewayAnnounceSchema = z.strictObject({
  address: z.string().regex(/^127\.0\.0\.1:\d{1,5}$/, 'a loopback address like 127.0.0.1:8080'),
});

const scheduledSchema = z.strictObject({
  cron: z.string().min(1).max(100),
  scheduledTime: z.number().int().min(0),
});

const ministrySpecSchema = z.object({
  ministryId: z.string().min(1),
  ministry: z.string().min(1),
  quota: z.object({
    maxApps: z.number(),
    maxMemoryMibPerApp: z.number(),
    maxInstancesPerApp: z.number(),
    maxKvBytes: z.number().int().min(0),
  }),
  egress: egressSchema,
});

const logQuerySchema = z.object({
  appId: z.string().regex(/^app_[A-Za-z0-9_]+$/),
  after: z
    .string()
    .regex(/^\d{13}-\d{6}$/)
    .optional(),
  sinceMs: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

const sqlRequestSchema = z.object({
  ministryId: z.string().regex(/^min_[A-Za-z0-9_]+$/),
  appId: z.string().regex(/^app_[A-Za-z0-9_]+$/),
  binding: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/),
  sql: z
    .string()
    .min(1)
    .max(1024 * 1024),
  mode: z.enum(['exec', 'query']),
}) satisfies z.ZodType<SqlRequest>;

const activitySchema = z.object({
  clientId: z.string().min(1).max(100),
  inFlight: z.record(z.string(), z.number().int().min(0)),
  active: z.array(z.string()),
});

class BadRequest extends Error {}

/**
 * The agent's API on a Unix socket in its run directory (mode 0600, in a
 * 0700 directory): only the platform's own user can reach it. JSON in and
 * out; `GET /v1/watch` streams one event per line.
 */
export async function serveAgent(
  agent: LocalAgent,
  socketPath: string,
): Promise<{ close(): Promise<void> }> {
  await rm(socketPath, { force: true });
  const watches = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    handle(agent, req, res, watches).catch((error: Error) => {
      const status = error instanceof BadRequest ? 400 : 500;
      if (!res.headersSent) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'bad_request', message: error.message }));
      } else res.destroy();
    });
  });
  // Clients keep connections open; the server must not close them first, or a
  // request sent on a connection it is closing fails with ECONNRESET.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  await chmod(socketPath, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of watches) res.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  agent: LocalAgent,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  watches: Set<http.ServerResponse>,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://agent');
  const parts = url.pathname.split('/').filter(Boolean);
  const [v1, resource, id, action] = parts;
  if (v1 !== 'v1') return reply(res, 404, { code: 'not_found', message: url.pathname });

  if (resource === 'versions' && !id && req.method === 'GET') {
    return reply(res, 200, {
      epoch: agent.epoch,
      resourceVersion: agent.resourceVersion,
      versions: agent.list(),
      endpoints: agent.allEndpoints(),
    });
  }
  if (resource === 'versions' && id && !action && req.method === 'PUT') {
    const spec = parse(versionSpecSchema, await readJson(req));
    if (spec.deploymentId !== id) throw new BadRequest('the spec names another version');
    await agent.apply(spec);
    return reply(res, 202, { accepted: true });
  }
  if (resource === 'versions' && id && !action && req.method === 'DELETE') {
    await agent.remove(id);
    return reply(res, 202, { accepted: true });
  }
  if (resource === 'versions' && id && action === 'wake' && req.method === 'POST') {
    const timeoutMs = Math.min(
      120_000,
      Math.max(1, Number(url.searchParams.get('timeoutMs')) || 10_000),
    );
    try {
      await agent.wake(id, timeoutMs);
      return reply(res, 200, { ready: true });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'unknown_version') {
        return reply(res, 404, { code, message: (error as Error).message });
      }
      return reply(res, 503, { code: 'wake_failed', message: (error as Error).message });
    }
  }
  if (resource === 'versions' && id && action === 'scheduled' && req.method === 'POST') {
    const event = parse(scheduledSchema, await readJson(req));
    return reply(res, 200, await agent.runScheduled({ deploymentId: id, ...event }));
  }
  if (resource === 'gateway' && req.method === 'PUT') {
    const { address } = parse(gatewayAnnounceSchema, await readJson(req));
    agent.announceGateway(address);
    return reply(res, 204, undefined);
  }
  if (resource === 'info' && req.method === 'GET') {
    return reply(res, 200, { epoch: agent.epoch, limits: agent.enforcement });
  }
  if (resource === 'versions' && id && action === 'pids' && req.method === 'GET') {
    return reply(res, 200, { pids: agent.pidsOf(id) });
  }
  if (resource === 'ministries' && id && req.method === 'PUT') {
    await agent.applyMinistry(parse(ministrySpecSchema, await readJson(req)));
    return reply(res, 200, { accepted: true });
  }
  if (resource === 'storage-usage' && id && req.method === 'GET') {
    if (!/^min_[A-Za-z0-9_]+$/.test(id)) return reply(res, 400, { message: 'ministry id' });
    return reply(res, 200, await agent.storageUsage(id));
  }
  if (resource === 'logs' && req.method === 'GET') {
    const query = parse(logQuerySchema, Object.fromEntries(url.searchParams));
    return reply(res, 200, { logs: await agent.readLogs(query) });
  }
  if (resource === 'request-log' && req.method === 'POST') {
    agent.recordRequests(parse(requestLogBatchSchema, await readJson(req)).entries);
    return reply(res, 204, undefined);
  }
  if (resource === 'sql' && req.method === 'POST') {
    const answer = await agent.executeSql(parse(sqlRequestSchema, await readJson(req)));
    return reply(res, answer.status, answer.body);
  }
  if (resource === 'activity' && req.method === 'POST') {
    const report = parse(activitySchema, await readJson(req));
    agent.reportActivity(report.clientId, report.inFlight, report.active);
    return reply(res, 204, undefined);
  }
  if (resource === 'watch' && req.method === 'GET') {
    const since = url.searchParams.has('resourceVersion')
      ? Number(url.searchParams.get('resourceVersion'))
      : undefined;
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    const write = (record: AgentEventRecord) => res.write(`${JSON.stringify(record)}\n`);
    const epoch = url.searchParams.get('epoch');
    const { replayed, unsubscribe } = agent.subscribe(since, write);
    if (!replayed || (epoch !== null && epoch !== agent.epoch)) {
      unsubscribe();
      res.end(`${JSON.stringify({ expired: true })}\n`);
      return;
    }
    watches.add(res);
    const heartbeat = setInterval(
      () => res.write(`${JSON.stringify({ heartbeat: agent.resourceVersion })}\n`),
      HEARTBEAT_MS,
    );
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      watches.delete(res);
    });
    return;
  }
  return reply(res, 404, { code: 'not_found', message: `${req.method} ${url.pathname}` });
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new BadRequest(
      result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  return result.data;
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequest('request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('request body is not JSON');
  }
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
