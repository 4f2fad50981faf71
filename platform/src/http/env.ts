import type { Principal } from '../auth/principal.ts';
import type { PlatformConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { MinistryRow } from '../db/schema/index.ts';
import type { StaffIdentity } from '../identity/staff-identity.ts';
import type { Reconciler } from '../reconciler/reconciler.ts';
import type { FixedWindowLimiter } from './rate-limit.ts';

/** What an audited route says it acted on, when the path alone does not say. */
export interface AuditTarget {
  type: string;
  id: string | null;
  details?: Record<string, unknown>;
}

/** What every request handler can reach: set per request by the app factory and middleware. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    db: Database;
    config: PlatformConfig;
    reconciler: Pick<Reconciler, 'enqueue'>;
    /** The configured OpenID Provider, when staff sign-in is set up. */
    identity: StaffIdentity | undefined;
    /** Sign-in attempts per client address. */
    loginAttempts: FixedWindowLimiter;
    principal: Principal;
    /** Set for ministry-scoped routes once access is granted. */
    ministry: MinistryRow;
    auditTarget: AuditTarget;
    /** Set when authorization refused the request, even if it answered 404 to hide the ministry. */
    accessDenied: boolean;
  };
}
