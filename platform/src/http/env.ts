import type { AppLogEntry } from '@gov/contract';
import type { ScheduledOutcome } from '@gov/runtime';
import type { RefusalAggregator } from '../audit/refusals.ts';
import type { Principal } from '../auth/principal.ts';
import type { PlatformConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { MinistryRow } from '../db/schema/index.ts';
import type {
  LogQuery,
  ProvidedBindings,
  RequestLogEntry,
  ScheduledRequest,
  SqlAnswer,
  SqlRequest,
} from '../drivers/driver.ts';
import type { CitizenRoute } from '../gateway/route-snapshot.ts';
import type { StaffIdentity } from '../identity/staff-identity.ts';
import type { SecretVault } from '../secrets/vault.ts';
import type { FixedWindowLimiter } from './rate-limit.ts';

/** How the API asks for an app to be reconciled: the leader hears it, wherever it runs. */
export interface ReconcileTrigger {
  enqueue(appId: string): void;
}

/** The routes gateways follow: API routes that change them say so. */
export interface RoutesChannel {
  readonly routes: CitizenRoute[];
  subscribe(listener: (routes: CitizenRoute[]) => void): () => void;
  onClose(listener: () => void): void;
  /** Re-read and push to every gateway, on every control plane. */
  changed(): Promise<void>;
}

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
    reconciler: ReconcileTrigger;
    routes: RoutesChannel;
    /** Seals and opens app secrets (envelope encryption). */
    vault: SecretVault;
    /** Which Workers bindings the cluster provides: a deploy asking for another is refused. */
    provides: ProvidedBindings;
    /** Runs SQL in an app's D1 database, where the driver provides them. */
    sql: ((request: SqlRequest) => Promise<SqlAnswer>) | undefined;
    scheduled: ((request: ScheduledRequest) => Promise<ScheduledOutcome>) | undefined;
    /** What a ministry keeps in KV and D1, where the driver stores them. */
    storageUsage: ((ministryId: string) => Promise<number>) | undefined;
    /** Reads an app's logs, where the driver keeps them. */
    logs: ((query: LogQuery) => Promise<AppLogEntry[]>) | undefined;
    /** Keeps the gateways' request records, where the control plane keeps the logs. */
    requestLogs: ((entries: RequestLogEntry[]) => Promise<void>) | undefined;
    /** Key of the capabilities the platform's own parts present. */
    internalSecret: Buffer;
    /** The configured OpenID Provider, when staff sign-in is set up. */
    identity: StaffIdentity | undefined;
    /** Sign-in attempts per client address. */
    loginAttempts: FixedWindowLimiter;
    principal: Principal;
    /** Set for ministry-scoped routes once access is granted. */
    ministry: MinistryRow;
    auditTarget: AuditTarget;
    /** The audit action of the route being served (resource.verb). */
    auditAction: string;
    /** Set once the route recorded its success in the transaction of its change. */
    auditRecorded: boolean;
    /** Set when authorization refused the request, even if it answered 404 to hide the ministry. */
    accessDenied: boolean;
    /** A ministry the caller probed without any role in it (answered 404), for the audit. */
    probedMinistryId: string;
    /** Refused attempts are written once, then counted: see audit/refusals.ts. */
    refusals: RefusalAggregator;
  };
}
