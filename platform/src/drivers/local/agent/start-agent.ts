import path from 'node:path';
import type { LogLine } from '@gov/runtime';
import type { PlatformConfig } from '../../../config.ts';
import { agentSocketPath } from '../local-driver.ts';
import { serveAgent } from './agent-server.ts';
import { LocalAgent } from './local-agent.ts';
import { storageDataDir } from './storage-service.ts';

export interface RunningAgent {
  agent: LocalAgent;
  socketPath: string;
  stop(): Promise<void>;
}

/** The local agent on `<data dir>/run`, serving its socket: the embedded default's "cluster". */
export async function startLocalAgent(
  config: PlatformConfig,
  log: (entry: Record<string, unknown>) => void,
  onLog?: (deploymentId: string, line: LogLine) => void,
): Promise<RunningAgent> {
  const socketPath = agentSocketPath(config.dataDir);
  const agent = await LocalAgent.start({
    runDir: path.dirname(socketPath),
    idleTimeoutMs: config.idleTimeoutMs,
    startTimeoutMs: config.startTimeoutMs,
    storageDir: storageDataDir(config.dataDir),
    logsDir: path.join(config.dataDir, 'logs'),
    logRetentionDays: config.logRetentionDays,
    baseDomain: config.baseDomain,
    durableObjectsDir: path.join(config.dataDir, 'durable-objects'),
    // A fixed gateway port is known now; one the OS picks is announced by the gateway.
    ...(config.gatewayPort !== 0 ? { gatewayAddress: `127.0.0.1:${config.gatewayPort}` } : {}),
    log,
    onLog,
  });
  const server = await serveAgent(agent, socketPath);
  let stopping: Promise<void> | undefined;
  return {
    agent,
    socketPath,
    stop: () => {
      stopping ??= (async () => {
        await server.close();
        await agent.close();
      })();
      return stopping;
    },
  };
}
