import { loadConfig } from '../config.ts';
import { startControlPlane } from '../control-plane.ts';
import { selectDriver } from '../drivers/select-driver.ts';
import { processLogger, runMain, stopOnSignals } from './process-logger.ts';

/**
 * One control-plane process: API, admin panel, reconciler (when it leads).
 * Started by `npm start`'s launcher, or on its own (a second replica, a pod).
 */
async function main(): Promise<void> {
  // Everything the platform writes (the database, apps' code and vars) is its user's alone.
  process.umask(0o077);
  const config = loadConfig();
  const log = processLogger('control-plane');
  const controlPlane = await startControlPlane(config, {
    driver: await selectDriver(config, log),
    log,
    // Another control plane may be acting now: stop at once, the supervisor starts us again.
    onLeadershipLost: () => process.exit(1),
  });
  stopOnSignals(() => controlPlane.stop(), log);
  process.send?.({
    type: 'ready',
    apiUrl: controlPlane.apiUrl,
    internalApiUrl: controlPlane.internalApiUrl,
    bootstrapTokenFile: controlPlane.bootstrapTokenFile,
    issuer: controlPlane.identity.settings.issuer,
    devProvider: controlPlane.devProvider !== undefined,
    idpPort: controlPlane.devProvider
      ? Number(new URL(controlPlane.devProvider.issuer).port)
      : undefined,
    storage: controlPlane.database.kind,
  });
}

runMain('the control plane', main);
