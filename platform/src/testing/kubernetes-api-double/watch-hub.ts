import type { ServerResponse } from 'node:http';
import { apiErrors } from './api-error.ts';
import type { KubeObject } from './objects.ts';
import { apiVersionOf, type ResourceType } from './resource-types.ts';
import { filterMatches, type ObjectFilter } from './selectors.ts';
import type { ObjectStore, StoredEvent } from './store.ts';

export interface WatchRequest {
  type: ResourceType;
  namespace: string | undefined;
  filter: ObjectFilter;
  /** '' (from now, with the current state first), '0' (any: same here), or a resourceVersion to resume after. */
  resourceVersion: string;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutMs: number | undefined;
  /** How an object travels in an event: itself, or a one-row Table for `kubectl get -w`. */
  render: (object: KubeObject) => unknown;
}

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/**
 * Open watch streams. Each is a chunked response of JSON lines, as the real
 * server sends them: replayed history after the requested resourceVersion
 * (or the current state for a fresh watch), then live changes, with
 * bookmarks on a timer and a 410 ERROR event when the requested
 * resourceVersion has left the history.
 */
export class WatchHub {
  private readonly open = new Set<ServerResponse>();

  constructor(
    private readonly store: ObjectStore,
    private readonly bookmarkIntervalMs: number,
  ) {}

  get openCount(): number {
    return this.open.size;
  }

  serve(request: WatchRequest, res: ServerResponse): void {
    const { type, namespace, filter } = request;
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-cache, private',
      'transfer-encoding': 'chunked',
    });
    res.flushHeaders();
    const send = (eventType: WatchEventType, object: unknown) => {
      if (!res.writableEnded && !res.destroyed)
        res.write(`${JSON.stringify({ type: eventType, object })}\n`);
    };
    const sendObject = (eventType: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject) =>
      send(eventType, request.render(object));
    const inScope = (o: KubeObject | undefined) =>
      o !== undefined &&
      (namespace === undefined || o.metadata.namespace === namespace) &&
      filterMatches(filter, o);
    const bookmark = (annotations?: Record<string, string>) =>
      send('BOOKMARK', {
        kind: type.kind,
        apiVersion: apiVersionOf(type),
        metadata: {
          resourceVersion: String(this.store.resourceVersion),
          ...(annotations ? { annotations } : {}),
        },
      });

    // A label- or field-filtered watch sees an object leave (DELETED) or enter (ADDED) its selection.
    const deliver = (event: StoredEvent) => {
      if (event.resource !== type) return;
      const now = event.type !== 'DELETED' && inScope(event.object);
      const before = event.type !== 'ADDED' && inScope(event.previous);
      if (event.type === 'DELETED') {
        if (before) sendObject('DELETED', event.object);
      } else if (now && before) sendObject('MODIFIED', event.object);
      else if (now) sendObject('ADDED', event.object);
      else if (before) sendObject('DELETED', event.object);
    };

    let after = Number(request.resourceVersion);
    if (
      request.resourceVersion === '' ||
      request.resourceVersion === '0' ||
      request.sendInitialEvents
    ) {
      after = this.store.resourceVersion;
      for (const o of this.store.list(type, namespace))
        if (filterMatches(filter, o)) sendObject('ADDED', o);
      if (request.sendInitialEvents && request.allowBookmarks)
        bookmark({ 'k8s.io/initial-events-end': 'true' });
    } else if (!Number.isInteger(after) || after < 0) {
      send(
        'ERROR',
        apiErrors.badRequest(`invalid resource version: ${request.resourceVersion}`).status,
      );
      res.end();
      return;
    } else {
      const history = this.store.eventsSince(after);
      if (history === 'expired') {
        send(
          'ERROR',
          apiErrors.expired(
            `too old resource version: ${after} (${this.store.oldestWatchableResourceVersion + 1})`,
          ).status,
        );
        res.end();
        return;
      }
      for (const event of history) deliver(event);
      after = Math.max(after, history[history.length - 1]?.resourceVersion ?? after);
    }

    const unsubscribe = this.store.subscribe((event) => {
      if (event.resourceVersion > after) deliver(event);
    });
    const timers: NodeJS.Timeout[] = [];
    if (request.allowBookmarks) timers.push(setInterval(() => bookmark(), this.bookmarkIntervalMs));
    if (request.timeoutMs !== undefined)
      timers.push(setTimeout(() => res.end(), request.timeoutMs));
    this.open.add(res);
    res.on('close', () => {
      this.open.delete(res);
      unsubscribe();
      for (const t of timers) clearInterval(t);
    });
  }

  /** Cuts every stream without a proper end, as a dropped connection or an apiserver restart does. */
  dropAll(): void {
    for (const res of this.open) res.socket?.destroy();
  }

  /** Ends every stream cleanly (server shutdown). */
  endAll(): void {
    for (const res of this.open) res.end();
  }
}
