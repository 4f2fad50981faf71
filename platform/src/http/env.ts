import type { Principal } from '../auth/principal.ts';
import type { PlatformConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Reconciler } from '../reconciler/reconciler.ts';

/** What every request handler can reach: set once per request by the app factory. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    db: Database;
    config: PlatformConfig;
    reconciler: Pick<Reconciler, 'enqueue'>;
    principal: Principal;
  };
}
