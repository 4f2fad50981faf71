import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { denyAllEgress } from '@gov/runtime';
import type { VersionSpec } from '../drivers/driver.ts';
import { serveAgent } from '../drivers/local/agent/agent-server.ts';
import { LocalAgent, type LocalAgentOptions } from '../drivers/local/agent/local-agent.ts';
import { LocalDriver } from '../drivers/local/local-driver.ts';
import { newId } from '../ids.ts';
import { startArtifactServer } from './artifact-server.ts';

/**
 * A real local agent on a Unix socket in a temporary run directory, the
 * local driver talking to it, and a loopback artifact server: the local
 * driver as production runs it, without the control plane.
 */
export async function localAgentHarness(options: Partial<LocalAgentOptions> = {}) {
  const runDir = await mkdtemp(path.join(tmpdir(), 'gov-agent-'));
  const socketPath = path.join(runDir, 'agent.sock');
  const agentOptions: LocalAgentOptions = {
    runDir,
    idleTimeoutMs: 60_000,
    startTimeoutMs: 15_000,
    drainGraceMs: 50,
    ...options,
  };
  let agent = await LocalAgent.start(agentOptions);
  let server = await serveAgent(agent, socketPath);
  const artifacts = await startArtifactServer();
  const driver = new LocalDriver({ socketPath });
  let counter = 0;
  return {
    runDir,
    socketPath,
    artifacts,
    driver,
    get agent() {
      return agent;
    },
    /** A full spec around one ES module. */
    spec(source: string, overrides: Partial<VersionSpec> = {}): VersionSpec {
      counter += 1;
      const artifact = artifacts.put(source);
      return {
        deploymentId: newId('deployment'),
        appId: 'app_test',
        ministryId: 'min_test',
        ministry: 'test',
        app: 'essai',
        version: counter,
        generation: `g${counter}`,
        artifact,
        compatibilityDate: '2026-04-01',
        compatibilityFlags: [],
        vars: {},
        secrets: null,
        bindings: [],
        instances: 1,
        memoryMib: 128,
        cpuMillicores: 1000,
        egress: denyAllEgress,
        healthPath: null,
        crons: [],
        services: [],
        durableObjects: [],
        servedBefore: false,
        ...overrides,
      };
    },
    /** Stops the agent as a crash would not: cleanly, then starts a new one on the same directory. */
    async restartAgent(kill: 'graceful' | 'abandon' = 'graceful') {
      await server.close();
      if (kill === 'graceful') await agent.close();
      agent = await LocalAgent.start(agentOptions);
      server = await serveAgent(agent, socketPath);
    },
    async close() {
      await driver.close();
      await server.close();
      await agent.close();
      await artifacts.close();
      // A process the test left behind (an agent "killed" without closing) may
      // still write there for a moment: retry instead of failing on ENOTEMPTY.
      await rm(runDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
