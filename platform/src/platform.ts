import type { PlatformConfig } from './config.ts';
import { type Logger, type RunningControlPlane, startControlPlane } from './control-plane.ts';
import { type RunningAgent, startLocalAgent } from './drivers/local/agent/start-agent.ts';
import { LocalDriver } from './drivers/local/local-driver.ts';
import { type RunningGateway, startGateway } from './gateway/start-gateway.ts';

export type { Logger };

export interface RunningPlatform extends Omit<RunningControlPlane, 'stop'> {
  gatewayUrl: string;
  storage: RunningControlPlane['database']['kind'];
  agent: RunningAgent;
  gateway: RunningGateway;
  /** The control plane alone, as a process restart would: apps and gateway keep running. */
  restartControlPlane(): Promise<RunningControlPlane>;
  /** Stops the control plane alone, as a crash or an outage would. */
  stopControlPlane(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole platform in this process: the local agent (which runs the apps),
 * a control plane and a gateway, each talking to the others through the
 * same sockets and routes as when `npm start` runs them as separate
 * processes. Tests use this; `bin/start.ts` starts the same three parts.
 */
export async function startPlatform(config: PlatformConfig, log: Logger): Promise<RunningPlatform> {
  const agent = await startLocalAgent(config, log, (deploymentId, line) =>
    log({ level: 'app', deploymentId, stream: line.stream, line: line.line }),
  );
  let controlPlane = await startControlPlane(config, {
    driver: new LocalDriver({ socketPath: agent.socketPath, log }),
    log,
  });
  const gateway = await startGateway(config, {
    resolver: new LocalDriver({ socketPath: agent.socketPath, log }),
    controlPlaneUrl: controlPlane.internalApiUrl,
    internalSecret: controlPlane.internalSecret,
    log,
  });
  const platform: RunningPlatform = {
    ...controlPlane,
    gatewayUrl: gateway.gatewayUrl,
    storage: controlPlane.database.kind,
    agent,
    gateway,
    config: { ...controlPlane.config, gatewayPort: gateway.port },
    async restartControlPlane() {
      await controlPlane.stop();
      controlPlane = await startControlPlane(
        { ...config, apiPort: controlPlane.config.apiPort },
        { driver: new LocalDriver({ socketPath: agent.socketPath, log }), log },
      );
      const { stop: _stop, ...fields } = controlPlane;
      Object.assign(platform, fields, {
        config: { ...controlPlane.config, gatewayPort: gateway.port },
      });
      return controlPlane;
    },
    stopControlPlane: () => controlPlane.stop(),
    async stop() {
      await gateway.stop();
      await controlPlane.stop();
      await agent.stop();
    },
  };
  return platform;
}
