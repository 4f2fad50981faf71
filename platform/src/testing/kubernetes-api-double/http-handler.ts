import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiErrors, KubernetesApiError } from './api-error.ts';
import type { PodLogLine } from './controllers/pod-runner.ts';
import type { DeleteOptions } from './deletion.ts';
import {
  apiGroupDocument,
  apiGroupListDocument,
  apiResourceListDocument,
  apiVersionsDocument,
  openApiV3Document,
  openApiV3Index,
  versionDocument,
} from './discovery.ts';
import type { FaultInjector } from './faults.ts';
import { checkUnknownFields, parseFieldValidation } from './field-validation.ts';
import { isJsonObject, type KubeObject } from './objects.ts';
import { patchObject } from './patch-request.ts';
import type { Registry, WriteOptions } from './registry.ts';
import { parseResourcePath, type ResourcePath } from './request-path.ts';
import { apiVersionOf } from './resource-types.ts';
import { scaleOf, writeScale } from './scale.ts';
import { parseObjectFilter } from './selectors.ts';
import { asTable, wantsTable } from './table.ts';
import type { WatchHub } from './watch-hub.ts';

export interface HandlerParts {
  registry: Registry;
  watches: WatchHub;
  faults: FaultInjector;
  /** A pod's container output, for the pods/log subresource (none without controllers). */
  podLogs?: (namespace: string, name: string) => PodLogLine[];
}

interface Reply {
  code: number;
  body: unknown;
  /** Sent as text/plain instead of JSON (pods/log). */
  text?: boolean;
  warnings?: string[];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | string[]> = {
    'content-type': reply.text ? 'text/plain' : 'application/json',
  };
  if (reply.warnings?.length)
    headers.warning = reply.warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(reply.code, headers);
  res.end(reply.text ? String(reply.body) : JSON.stringify(reply.body));
}

/**
 * GET pods/<name>/log as the API server answers it: the container's lines,
 * filtered by sinceSeconds or sinceTime, the last tailLines, each with its
 * timestamp first when asked, cut at limitBytes.
 */
function podLogText(lines: PodLogLine[], query: URLSearchParams, nowMs: number): string {
  const sinceSeconds = query.get('sinceSeconds');
  const sinceTime = query.get('sinceTime');
  const sinceMs = sinceSeconds
    ? nowMs - Number(sinceSeconds) * 1000
    : sinceTime
      ? Date.parse(sinceTime)
      : undefined;
  let kept = sinceMs === undefined ? lines : lines.filter((l) => Date.parse(l.at) >= sinceMs);
  const tail = query.get('tailLines');
  if (tail !== null) kept = kept.slice(Math.max(0, kept.length - Number(tail)));
  const timestamps = query.get('timestamps') === 'true';
  const text = kept.map((l) => `${timestamps ? `${l.at} ` : ''}${l.text}\n`).join('');
  const limit = query.get('limitBytes');
  return limit === null ? text : Buffer.from(text).subarray(0, Number(limit)).toString('utf8');
}

function discovery(pathname: string, host: string): unknown {
  const segments = pathname.split('/').filter((s) => s !== '');
  const path = segments.join('/');
  if (path === 'version') return versionDocument();
  if (path === 'healthz' || path === 'livez' || path === 'readyz') return 'ok';
  if (path === 'api') return apiVersionsDocument(host);
  if (path === 'apis') return apiGroupListDocument();
  if (segments[0] === 'api' && segments.length === 2)
    return apiResourceListDocument('', segments[1] ?? '');
  if (segments[0] === 'apis' && segments.length === 2) return apiGroupDocument(segments[1] ?? '');
  if (segments[0] === 'apis' && segments.length === 3)
    return apiResourceListDocument(segments[1] ?? '', segments[2] ?? '');
  if (path === 'openapi/v3') return openApiV3Index();
  if (segments[0] === 'openapi' && segments[1] === 'v3')
    return openApiV3Document(segments.slice(2).join('/'));
  return undefined;
}

/** A list as the real server encodes it: items without their own apiVersion and kind. */
function listDocument(
  resource: ResourcePath,
  page: {
    items: KubeObject[];
    resourceVersion: string;
    continue?: string;
    remainingItemCount?: number;
  },
) {
  return {
    kind: `${resource.type.kind}List`,
    apiVersion: apiVersionOf(resource.type),
    metadata: {
      resourceVersion: page.resourceVersion,
      ...(page.continue
        ? { continue: page.continue, remainingItemCount: page.remainingItemCount }
        : {}),
    },
    items: page.items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
  };
}

function deleteOptionsFrom(query: URLSearchParams, body: string): DeleteOptions {
  let parsed: Record<string, unknown> = {};
  if (body.trim() !== '') {
    try {
      const value: unknown = JSON.parse(body);
      if (isJsonObject(value)) parsed = value;
    } catch {
      throw apiErrors.badRequest('DeleteOptions must be JSON');
    }
  }
  const pre = isJsonObject(parsed.preconditions) ? parsed.preconditions : {};
  const dryRun =
    query.get('dryRun') === 'All' ||
    (Array.isArray(parsed.dryRun) && parsed.dryRun.includes('All'));
  const policy =
    query.get('propagationPolicy') ??
    (typeof parsed.propagationPolicy === 'string' ? parsed.propagationPolicy : undefined);
  const orphan = parsed.orphanDependents === true || query.get('orphanDependents') === 'true';
  return {
    dryRun,
    ...(policy || orphan ? { propagationPolicy: policy ?? 'Orphan' } : {}),
    preconditions: {
      ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
      ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
    },
  };
}

function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw apiErrors.badRequest(
      `the body of the request could not be decoded: ${(e as Error).message}`,
    );
  }
}

/**
 * The HTTP face of the double: fault injection and request recording
 * first, then discovery and OpenAPI, then the resource verbs.
 */
export function createHandler(parts: HandlerParts) {
  const { registry, watches, faults } = parts;

  function handleResource(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    resource: ResourcePath,
    body: string,
  ): Reply | undefined {
    const method = req.method ?? 'GET';
    const query = url.searchParams;
    const { type, namespace, name, subresource } = resource;
    const dryRun = query.get('dryRun') === 'All';
    const userAgent = String(req.headers['user-agent'] ?? 'unknown');
    const fieldManager = query.get('fieldManager');
    const writeOptions: WriteOptions = {
      manager: fieldManager || userAgent.split('/')[0] || 'unknown',
      subresource: subresource === 'status' ? 'status' : 'main',
      dryRun,
    };
    const table = wantsTable(req.headers.accept);

    if (name === undefined) {
      if (method === 'GET') {
        const filter = parseObjectFilter(query, type);
        const watch = query.get('watch');
        if (watch === 'true' || watch === '1') {
          const timeout = query.get('timeoutSeconds');
          watches.serve(
            {
              type,
              namespace,
              filter,
              resourceVersion: query.get('resourceVersion') ?? '',
              allowBookmarks: query.get('allowWatchBookmarks') === 'true',
              sendInitialEvents: query.get('sendInitialEvents') === 'true',
              timeoutMs: timeout ? Number(timeout) * 1000 : undefined,
              render: (o) => (table ? asTable(type, [o], o.metadata.resourceVersion, query) : o),
            },
            res,
          );
          return undefined;
        }
        const page = registry.list(
          type,
          namespace,
          filter,
          Number(query.get('limit') ?? 0),
          query.get('continue') ?? '',
        );
        return {
          code: 200,
          body: table
            ? asTable(type, page.items, page.resourceVersion, query)
            : listDocument(resource, page),
        };
      }
      if (method === 'POST') {
        const parsed = parseJsonBody(body);
        const warnings = isJsonObject(parsed)
          ? checkUnknownFields(type, parsed, parseFieldValidation(query.get('fieldValidation')))
          : [];
        return {
          code: 201,
          body: registry.create(type, namespace, parsed, writeOptions),
          warnings,
        };
      }
      if (method === 'DELETE') {
        const options = deleteOptionsFrom(query, body);
        const page = registry.list(type, namespace, parseObjectFilter(query, type));
        const deleted = page.items.map(
          (o) =>
            registry.delete(type, o.metadata.namespace, o.metadata.name, options)
              .object as KubeObject,
        );
        return {
          code: 200,
          body: listDocument(resource, {
            items: deleted,
            resourceVersion: String(registry.store.resourceVersion),
          }),
        };
      }
      throw apiErrors.methodNotAllowed();
    }

    if (subresource === 'log' && type.kind === 'Pod' && name !== undefined) {
      if (method !== 'GET') throw apiErrors.methodNotAllowed();
      registry.get(type, namespace, name);
      const lines = parts.podLogs?.(namespace ?? 'default', name) ?? [];
      return { code: 200, body: podLogText(lines, query, Date.now()), text: true };
    }
    if (
      subresource !== undefined &&
      subresource !== 'status' &&
      !(subresource === 'scale' && type.scaleSubresource)
    ) {
      throw apiErrors.pathNotFound();
    }
    if (subresource === 'scale') {
      if (method === 'GET')
        return { code: 200, body: scaleOf(registry.get(type, namespace, name)) };
      if (method === 'PUT' || method === 'PATCH') {
        return {
          code: 200,
          body: writeScale(
            registry,
            type,
            namespace,
            name,
            method,
            String(req.headers['content-type'] ?? ''),
            body,
            writeOptions,
          ),
        };
      }
      throw apiErrors.methodNotAllowed();
    }
    switch (method) {
      case 'GET': {
        const object = registry.get(type, namespace, name);
        return {
          code: 200,
          body: table ? asTable(type, [object], object.metadata.resourceVersion, query) : object,
        };
      }
      case 'PUT': {
        const parsed = parseJsonBody(body);
        const warnings = isJsonObject(parsed)
          ? checkUnknownFields(type, parsed, parseFieldValidation(query.get('fieldValidation')))
          : [];
        return {
          code: 200,
          body: registry.replace(type, namespace, name, parsed, writeOptions),
          warnings,
        };
      }
      case 'PATCH': {
        const contentType = String(req.headers['content-type'] ?? '');
        // Unknown fields are checked before the write, so Strict refuses without changing anything.
        const applied =
          contentType.startsWith('application/apply-patch') && body.trimStart().startsWith('{')
            ? parseJsonBody(body)
            : undefined;
        const warnings = isJsonObject(applied)
          ? checkUnknownFields(type, applied, parseFieldValidation(query.get('fieldValidation')))
          : [];
        const { object, created } = patchObject(
          registry,
          type,
          namespace,
          name,
          contentType,
          body,
          {
            ...writeOptions,
            fieldManagerGiven: Boolean(fieldManager),
            force: query.get('force') === 'true',
          },
        );
        return { code: created ? 201 : 200, body: object, warnings };
      }
      case 'DELETE': {
        if (subresource) throw apiErrors.methodNotAllowed();
        return {
          code: 200,
          body: registry.delete(type, namespace, name, deleteOptionsFrom(query, body)).object,
        };
      }
      default:
        throw apiErrors.methodNotAllowed();
    }
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kubernetes-api-double');
    try {
      const body = await readBody(req);
      const fault = faults.intercept(req, url);
      if (fault) throw fault;
      // Typed Go clients (kubectl create <generator>, kubectl run) send protobuf; the double speaks JSON only.
      const contentType = String(req.headers['content-type'] ?? '');
      if (contentType.startsWith('application/vnd.kubernetes.protobuf'))
        throw apiErrors.jsonOnly(contentType);
      const document =
        req.method === 'GET' ? discovery(url.pathname, String(req.headers.host ?? '')) : undefined;
      if (document !== undefined) return send(res, { code: 200, body: document });
      const resource = parseResourcePath(url.pathname);
      if (!resource) throw apiErrors.pathNotFound();
      const reply = handleResource(req, res, url, resource, body);
      if (reply) send(res, reply);
    } catch (e) {
      const error =
        e instanceof KubernetesApiError
          ? e
          : apiErrors.internal(e instanceof Error ? e.message : String(e));
      if (!res.headersSent) send(res, { code: error.status.code, body: error.status });
      else res.end();
    }
  };
}
