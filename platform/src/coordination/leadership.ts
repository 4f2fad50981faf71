import postgres from 'postgres';

/** Any number: every Gov control plane on a database competes for the same one. */
const RECONCILER_LOCK_KEY = 7070_3001;
const CHECK_MS = 2_000;

export interface Leadership {
  /** Resolves when this process becomes the leader. */
  elected: Promise<void>;
  /** Resolves after the first attempt: true if this process leads from the start. */
  decided: Promise<boolean>;
  /** Called once if leadership is lost (the lock's connection dropped). */
  onLost(handler: () => void): void;
  close(): Promise<void>;
}

/** Embedded PGlite has one process by construction: it leads at once. */
export function soleLeadership(): Leadership {
  return {
    elected: Promise.resolve(),
    decided: Promise.resolve(true),
    onLost: () => {},
    close: async () => {},
  };
}

/**
 * Only one reconciler acts at a time on a database: the one holding a
 * PostgreSQL session advisory lock on a dedicated connection. Standbys keep
 * trying; when the leader dies its connection closes, the lock is released
 * and a standby takes over. If the leader's own connection drops, it has
 * lost the lock and must stop acting at once.
 */
export function postgresLeadership(
  url: string,
  log: (entry: Record<string, unknown>) => void,
): Leadership {
  const client = postgres(url, { max: 1, onnotice: () => {}, idle_timeout: 0 });
  let closed = false;
  let lostHandler: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reserved: postgres.ReservedSql | undefined;
  let decide: (leads: boolean) => void = () => {};
  const decided = new Promise<boolean>((resolve) => {
    decide = resolve;
  });

  const elected = (async () => {
    for (;;) {
      if (closed) return new Promise<void>(() => {});
      try {
        reserved ??= await client.reserve();
        const [row] =
          await reserved`select pg_try_advisory_lock(${RECONCILER_LOCK_KEY}) as got, pg_backend_pid() as pid`;
        decide(Boolean(row?.got));
        if (row?.got) {
          const pid = row.pid as number;
          log({
            level: 'info',
            component: 'leadership',
            message: 'this control plane now reconciles',
          });
          timer = setInterval(async () => {
            try {
              const [check] =
                await (reserved as postgres.ReservedSql)`select pg_backend_pid() as pid`;
              if (check?.pid !== pid) throw new Error('the lock connection was replaced');
            } catch (error) {
              if (closed) return;
              clearInterval(timer);
              log({
                level: 'error',
                component: 'leadership',
                message: `lost leadership: ${(error as Error).message}`,
              });
              lostHandler?.();
            }
          }, CHECK_MS);
          timer.unref();
          return;
        }
      } catch (error) {
        reserved?.release();
        reserved = undefined;
        log({
          level: 'warn',
          component: 'leadership',
          message: `cannot reach the database: ${(error as Error).message}`,
        });
      }
      await new Promise((r) => setTimeout(r, CHECK_MS));
    }
  })();

  return {
    elected,
    decided,
    onLost(handler) {
      lostHandler = handler;
    },
    async close() {
      closed = true;
      clearInterval(timer);
      reserved?.release();
      await client.end({ timeout: 5 });
    },
  };
}
