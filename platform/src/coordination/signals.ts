import { EventEmitter } from 'node:events';
import postgres from 'postgres';

/** What control-plane processes tell each other: an app to reconcile, routes that changed. */
export type SignalChannel = 'gov_reconcile' | 'gov_routes';

/**
 * A tap on the shoulder between control-plane processes, never the data
 * itself: receivers re-read the database. On PostgreSQL it is LISTEN/NOTIFY
 * (delivered to every control plane on the database, after commit); on
 * embedded PGlite there is only one process, so it stays in memory.
 */
export interface Signals {
  publish(channel: SignalChannel, payload: string): Promise<void>;
  subscribe(channel: SignalChannel, handler: (payload: string) => void): Promise<() => void>;
  close(): Promise<void>;
}

export function inProcessSignals(): Signals {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(100);
  return {
    async publish(channel, payload) {
      // Asynchronous, as NOTIFY is: the publisher never runs a handler inline.
      queueMicrotask(() => emitter.emit(channel, payload));
    },
    async subscribe(channel, handler) {
      emitter.on(channel, handler);
      return () => emitter.off(channel, handler);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

export function postgresSignals(url: string): Signals {
  const client = postgres(url, { max: 2, onnotice: () => {} });
  return {
    async publish(channel, payload) {
      await client.notify(channel, payload);
    },
    async subscribe(channel, handler) {
      // postgres.js keeps a dedicated connection for LISTEN and re-listens after a reconnect.
      const { unlisten } = await client.listen(channel, handler);
      return () => void unlisten().catch(() => {});
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}
