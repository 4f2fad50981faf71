import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { AppLogEntry } from '@gov/contract';
import { SCHEDULED_TIMEOUT_MS, type ScheduledOutcome } from '@gov/runtime';
import {
  type ClusterDriver,
  DriverError,
  type DriverInfo,
  type DriverWatchEvent,
  type Endpoint,
  type EndpointResolver,
  type LogQuery,
  type MinistrySpec,
  type ObservedVersion,
  type RequestLogEntry,
  type ScheduledRequest,
  type SqlAnswer,
  type SqlRequest,
  type VersionSpec,
  type Watch,
} from '../driver.ts';
import { type AgentAnswer, AgentClient } from './agent/agent-client.ts';
import type { AgentEvent } from './agent/local-agent.ts';
import { ACTIVITY_REPORT_MS } from './agent/local-agent.ts';

export interface LocalDriverOptions {
  /** The local agent's socket: `<data dir>/run/agent.sock`. */
  socketPath: string;
  log?: (entry: Record<string, unknown>) => void;
}

/** Where the agent listens under a platform data directory. */
export function agentSocketPath(dataDir: string): string {
  return path.join(dataDir, 'run', 'agent.sock');
}

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;
/** Without any change, the gateway still says it is alive this often. */
const ACTIVITY_HEARTBEAT_MS = 2_000;

/**
 * The `local` driver: a client of the local agent, which runs each version
 * as workerd processes on this machine. The control plane uses its
 * ClusterDriver side; the gateway its EndpointResolver side. Endpoints come
 * from a watch kept in memory, so a citizen's request costs no round trip.
 */
export class LocalDriver implements ClusterDriver, EndpointResolver {
  readonly name = 'local' as const;
  readonly provides = { storage: true, durableObjects: true, services: true, crons: true };
  readonly #client: AgentClient;
  readonly #log: (entry: Record<string, unknown>) => void;
  readonly #clientId = `gw_${randomBytes(6).toString('hex')}`;
  readonly #listeners = new Set<(event: DriverWatchEvent) => void>();
  readonly #endpoints = new Map<string, Endpoint[]>();
  readonly #inFlight = new Map<string, number>();
  readonly #active = new Set<string>();
  #watching = false;
  #stopWatch: (() => void) | undefined;
  #resourceVersion = 0;
  #epoch = '';
  #reconnectMs = RECONNECT_MIN_MS;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #activityTimer: NodeJS.Timeout | undefined;
  #activityDirty = false;
  #lastReportAt = 0;
  #synced: Promise<void> | undefined;
  #listed = false;
  #expired = false;
  #closed = false;

  constructor(options: LocalDriverOptions) {
    this.#client = new AgentClient(options.socketPath);
    this.#log = options.log ?? (() => {});
  }

  async applyMinistry(spec: MinistrySpec): Promise<void> {
    expectOk(
      await this.#client.request('PUT', `/v1/ministries/${spec.ministryId}`, spec),
      'apply the ministry',
    );
  }

  async apply(spec: VersionSpec): Promise<void> {
    expectOk(
      await this.#client.request('PUT', `/v1/versions/${spec.deploymentId}`, spec),
      'apply the version',
    );
  }

  async remove(deploymentId: string): Promise<void> {
    expectOk(
      await this.#client.request('DELETE', `/v1/versions/${deploymentId}`),
      'remove the version',
    );
  }

  async storageUsage(ministryId: string): Promise<number> {
    const answer = expectOk(
      await this.#client.request('GET', `/v1/storage-usage/${ministryId}`),
      'count storage',
    );
    return Number(answer.json.used ?? 0);
  }

  async readLogs(query: LogQuery): Promise<AppLogEntry[]> {
    const params = new URLSearchParams({ appId: query.appId });
    if (query.after) params.set('after', query.after);
    if (query.sinceMs !== undefined) params.set('sinceMs', String(query.sinceMs));
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const answer = expectOk(await this.#client.request('GET', `/v1/logs?${params}`), 'read logs');
    return answer.json.logs as AppLogEntry[];
  }

  async recordRequests(entries: RequestLogEntry[]): Promise<void> {
    expectOk(await this.#client.request('POST', '/v1/request-log', { entries }), 'record requests');
  }

  async executeSql(request: SqlRequest): Promise<SqlAnswer> {
    const answer = await this.#client.request('POST', '/v1/sql', request, 60_000);
    if (answer.status === 400 || answer.status === 413) {
      // The database's own refusal (a syntax error, a full quota): the user's to fix.
      throw Object.assign(new Error(String(answer.json?.error?.message ?? 'refused')), {
        code: 'sql_error' as const,
      });
    }
    return expectOk(answer, 'run the SQL').json as SqlAnswer;
  }

  async info(): Promise<DriverInfo> {
    const answer = expectOk(await this.#client.request('GET', '/v1/info'), 'describe itself');
    return { driver: 'local', limits: answer.json.limits as DriverInfo['limits'] };
  }

  async list(): Promise<ObservedVersion[]> {
    const answer = expectOk(await this.#client.request('GET', '/v1/versions'), 'list versions');
    return answer.json.versions as ObservedVersion[];
  }

  watch(onEvent: (event: DriverWatchEvent) => void): Watch {
    this.#listeners.add(onEvent);
    void this.#ensureWatching();
    return { close: () => this.#listeners.delete(onEvent) };
  }

  async endpoints(deploymentId: string): Promise<Endpoint[]> {
    if (!this.#watching) void this.#ensureWatching();
    await this.#synced;
    return this.#endpoints.get(deploymentId) ?? [];
  }

  async wake(deploymentId: string, timeoutMs: number): Promise<void> {
    let answer: AgentAnswer;
    try {
      answer = await this.#client.request(
        'POST',
        `/v1/versions/${deploymentId}/wake?timeoutMs=${Math.ceil(timeoutMs)}`,
        undefined,
        timeoutMs + 5_000,
      );
    } catch (error) {
      throw new DriverError('unavailable', (error as Error).message, 1_000);
    }
    if (answer.status === 200) {
      // The watch may be a moment behind the agent: take the endpoints now.
      const fresh = await this.#client.request('GET', '/v1/versions').catch(() => undefined);
      const endpoints = fresh?.json?.endpoints?.[deploymentId] as Endpoint[] | undefined;
      if (endpoints) this.#endpoints.set(deploymentId, endpoints);
      return;
    }
    if (answer.status === 404) {
      throw new DriverError('unknown_version', answer.json?.message ?? 'unknown version');
    }
    throw new DriverError(
      'wake_failed',
      answer.json?.message ?? 'the version did not start',
      5_000,
    );
  }

  track(deploymentId: string): () => void {
    this.#inFlight.set(deploymentId, (this.#inFlight.get(deploymentId) ?? 0) + 1);
    this.#active.add(deploymentId);
    this.#activityDirty = true;
    this.#ensureActivityReports();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.#inFlight.get(deploymentId) ?? 1) - 1;
      if (left <= 0) this.#inFlight.delete(deploymentId);
      else this.#inFlight.set(deploymentId, left);
      this.#active.add(deploymentId);
      this.#activityDirty = true;
    };
  }

  async announceGateway(address: string): Promise<void> {
    const answer = await this.#client.request('PUT', '/v1/gateway', { address });
    if (answer.status !== 204) {
      throw new Error(`the agent refused the gateway's address: HTTP ${answer.status}`);
    }
  }

  async runScheduled(request: ScheduledRequest): Promise<ScheduledOutcome> {
    try {
      const answer = await this.#client.request(
        'POST',
        `/v1/versions/${request.deploymentId}/scheduled`,
        { cron: request.cron, scheduledTime: request.scheduledTime },
        SCHEDULED_TIMEOUT_MS + 45_000,
      );
      if (answer.status === 200) return answer.json as ScheduledOutcome;
      return {
        outcome: 'unavailable',
        message: answer.json?.message ?? `the agent answered HTTP ${answer.status}`,
        durationMs: 0,
      };
    } catch (error) {
      return { outcome: 'unavailable', message: (error as Error).message, durationMs: 0 };
    }
  }

  /** Pids of a version's processes: the documented hook for fault tests and operators. */
  async pidsOf(deploymentId: string): Promise<number[]> {
    const answer = await this.#client.request('GET', `/v1/versions/${deploymentId}/pids`);
    return (answer.json?.pids as number[] | undefined) ?? [];
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#activityTimer);
    this.#stopWatch?.();
    this.#listeners.clear();
    this.#client.close();
  }

  /** One watch stream serves both the control plane's listeners and the endpoint cache. */
  #ensureWatching(): Promise<void> {
    if (this.#watching) return this.#synced ?? Promise.resolve();
    this.#watching = true;
    this.#synced = this.#relistAndWatch();
    return this.#synced;
  }

  async #relistAndWatch(): Promise<void> {
    if (this.#closed) return;
    try {
      const answer = expectOk(await this.#client.request('GET', '/v1/versions'), 'list versions');
      this.#endpoints.clear();
      for (const [id, eps] of Object.entries(answer.json.endpoints as Record<string, Endpoint[]>)) {
        this.#endpoints.set(id, eps);
      }
      this.#resourceVersion = answer.json.resourceVersion as number;
      this.#epoch = answer.json.epoch as string;
      this.#listed = true;
      this.#emit({ kind: 'resync' });
      this.#openStream();
    } catch (error) {
      this.#scheduleReconnect(error as Error);
    }
  }

  #openStream(): void {
    this.#stopWatch = this.#client.watch(
      this.#epoch,
      this.#resourceVersion,
      (line) => {
        if (line.expired) {
          // Too far behind for the agent's history: start over from a fresh list.
          this.#expired = true;
          this.#stopWatch?.();
          return;
        }
        if (typeof line.resourceVersion !== 'number') return;
        this.#reconnectMs = RECONNECT_MIN_MS;
        this.#resourceVersion = line.resourceVersion;
        this.#onAgentEvent(line.event as AgentEvent);
      },
      (error) => this.#scheduleReconnect(error),
    );
  }

  #scheduleReconnect(error?: Error): void {
    if (this.#closed) return;
    if (error)
      this.#log({
        level: 'warn',
        component: 'local-driver',
        message: `agent watch: ${error.message}`,
      });
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => {
      if (this.#expired || !this.#listed) {
        this.#expired = false;
        this.#synced = this.#relistAndWatch();
      } else {
        // Resume where the stream broke: the agent replays what was missed.
        this.#openStream();
      }
    }, this.#reconnectMs);
    this.#reconnectTimer.unref();
    this.#reconnectMs = Math.min(RECONNECT_MAX_MS, this.#reconnectMs * 2);
  }

  #onAgentEvent(event: AgentEvent): void {
    if (event.kind === 'endpoints') {
      if (event.endpoints.length === 0) this.#endpoints.delete(event.deploymentId);
      else this.#endpoints.set(event.deploymentId, event.endpoints);
      return;
    }
    if (event.kind === 'deleted') this.#endpoints.delete(event.deploymentId);
    this.#emit(event);
  }

  #emit(event: DriverWatchEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  #ensureActivityReports(): void {
    if (this.#activityTimer) return;
    this.#activityTimer = setInterval(() => void this.#reportActivity(), ACTIVITY_REPORT_MS);
    this.#activityTimer.unref();
  }

  async #reportActivity(): Promise<void> {
    const busy = this.#inFlight.size > 0;
    const due = Date.now() - this.#lastReportAt > ACTIVITY_HEARTBEAT_MS;
    if (!this.#activityDirty && !busy && !due) return;
    this.#activityDirty = false;
    this.#lastReportAt = Date.now();
    const active = [...this.#active];
    this.#active.clear();
    for (const id of this.#inFlight.keys()) active.push(id);
    await this.#client
      .request('POST', '/v1/activity', {
        clientId: this.#clientId,
        inFlight: Object.fromEntries(this.#inFlight),
        active,
      })
      .catch(() => {
        // The agent is briefly away; the next report says it all again.
        this.#activityDirty = true;
      });
  }
}

function expectOk(answer: AgentAnswer, what: string): AgentAnswer {
  if (answer.status >= 200 && answer.status < 300) return answer;
  throw new DriverError(
    'unavailable',
    `the local agent could not ${what}: HTTP ${answer.status} ${answer.json?.message ?? ''}`.trim(),
  );
}
