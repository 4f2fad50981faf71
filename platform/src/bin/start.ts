import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { DEMO_APP, DEMO_MINISTRY, deployDemo } from '../demo/seed.ts';
import { startLocalAgent } from '../drivers/local/agent/start-agent.ts';
import { citizenUrl } from '../gateway/hosts.ts';
import { pickFreePort } from '../net/free-port.ts';
import { processLogger, runMain } from './process-logger.ts';
import { type ChildReady, SupervisedChild } from './supervised-child.ts';

/**
 * `npm start`: the whole platform on this machine, as three kinds of process:
 * this launcher (which holds the local agent, and so every app's workerd
 * process), a control plane and a citizen gateway, each restarted if it
 * exits. Restarting the control plane interrupts no citizen. SIGTERM or
 * SIGINT to this process stops everything it started. Human-readable summary
 * on stdout; structured logs (one JSON object a line) on stderr.
 */
async function main(): Promise<void> {
  // Everything the platform writes (the database, apps' code and vars) is its user's alone.
  process.umask(0o077);
  const { values } = parseArgs({
    options: {
      demo: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const config = loadConfig();
  const log = processLogger('launcher', values.quiet);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const agent = await startLocalAgent(config, log, (deploymentId, line) =>
    log({ level: 'app', deploymentId, stream: line.stream, line: line.line }),
  );

  // Every port is fixed before any process starts: the control plane builds
  // citizen URLs from the gateway's port, and restarts keep the same URLs.
  const pinned: NodeJS.ProcessEnv = {
    GOV_API_PORT: String(config.apiPort || (await pickFreePort(config.bindHost))),
    GOV_GATEWAY_PORT: String(config.gatewayPort || (await pickFreePort(config.bindHost))),
    ...(config.oidc.kind === 'development'
      ? { GOV_DEV_IDP_PORT: String(config.oidc.port || (await pickFreePort(config.bindHost))) }
      : {}),
  };
  const childEnv = () => ({
    ...process.env,
    GOV_DATA_DIR: config.dataDir,
    GOV_DEMO: values.demo ? '1' : '0',
    ...pinned,
  });
  const processes: Record<string, number | undefined> = { launcher: process.pid };
  const recordPids = () =>
    writeFile(
      path.join(config.dataDir, 'run', 'processes.json'),
      `${JSON.stringify({ ...processes, controlPlane: controlPlane.pid, gateway: gateway.pid })}\n`,
      { mode: 0o600 },
    ).catch(() => {});
  const controlPlane = new SupervisedChild({
    name: 'control plane',
    script: 'control-plane.ts',
    env: childEnv,
    log,
    onReady: () => void recordPids(),
  });
  const gateway = new SupervisedChild({
    name: 'gateway',
    script: 'gateway.ts',
    env: childEnv,
    log,
    onReady: () => void recordPids(),
  });

  let stopping = false;
  const shutdown = (why: string) => {
    if (stopping) return;
    stopping = true;
    log({ level: 'info', message: `${why}: stopping` });
    (async () => {
      await gateway.stop();
      await controlPlane.stop();
      await agent.stop();
    })().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

  const cp = (await controlPlane.start()) as ChildReady & {
    apiUrl: string;
    internalApiUrl: string;
    bootstrapTokenFile: string;
    issuer: string;
    devProvider: boolean;
    storage: 'pglite' | 'postgres';
  };
  pinned.GOV_INTERNAL_API_URL = config.internalApiUrl ?? cp.internalApiUrl;
  const gw = (await gateway.start()) as ChildReady & { gatewayUrl: string; port: number };
  await recordPids();

  const storage =
    cp.storage === 'pglite'
      ? `embedded PGlite in ${config.dataDir}/db`
      : 'PostgreSQL (DATABASE_URL)';
  const lines = [
    'Gov platform is running',
    `  API:             ${cp.apiUrl}`,
    `  Citizen gateway: ${gw.gatewayUrl}  (apps at http://<app>.<ministry>.${config.baseDomain}:${gw.port}/)`,
    `  Storage:         ${storage}`,
    `  Operator token:  ${cp.bootstrapTokenFile}`,
    `  Admin panel:     ${cp.apiUrl}/admin`,
    cp.devProvider
      ? `  Sign-in:         development provider at ${cp.issuer} (accounts operateur, developpeur, auditeur; any password)`
      : `  Sign-in:         ${cp.issuer}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  if (values.demo) {
    const token = (await readFile(cp.bootstrapTokenFile, 'utf8')).trim();
    await deployDemo(cp.apiUrl, token, log);
    const url = citizenUrl({ ...config, gatewayPort: gw.port }, DEMO_MINISTRY.name, DEMO_APP);
    process.stdout.write(`  Demo service:    ${url}\n`);
  }
  process.stdout.write('Press Ctrl+C to stop.\n');
}

runMain('the platform', main);
