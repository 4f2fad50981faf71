import { loadInternalSecret } from '../auth/internal-secret.ts';
import { loadConfig } from '../config.ts';
import { hostForUrl } from '../control-plane.ts';
import { selectDriver } from '../drivers/select-driver.ts';
import { startGateway } from '../gateway/start-gateway.ts';
import { processLogger, runMain, stopOnSignals } from './process-logger.ts';

/** One citizen-gateway process: it keeps serving while control planes restart. */
async function main(): Promise<void> {
  // Everything the platform writes (the database, apps' code and vars) is its user's alone.
  process.umask(0o077);
  const config = loadConfig();
  const log = processLogger('gateway');
  const controlPlaneUrl =
    config.internalApiUrl ?? `http://${hostForUrl(config.bindHost)}:${config.apiPort}`;
  const gateway = await startGateway(config, {
    resolver: await selectDriver(config, log),
    controlPlaneUrl,
    internalSecret: await loadInternalSecret(config.dataDir, config.internalSecret),
    log,
  });
  stopOnSignals(() => gateway.stop(), log);
  process.send?.({ type: 'ready', gatewayUrl: gateway.gatewayUrl, port: gateway.port });
}

runMain('the gateway', main);
