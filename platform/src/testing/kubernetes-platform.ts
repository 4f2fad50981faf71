import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { type RunningControlPlane, startControlPlane } from '../control-plane.ts';
import { createScratchDatabase } from '../db/test-database.ts';
import { selectDriver } from '../drivers/select-driver.ts';
import { type RunningGateway, startGateway } from '../gateway/start-gateway.ts';
import { pickFreePort } from '../net/free-port.ts';
import type { KubernetesApiDouble } from './kubernetes-api-double/index.ts';

export interface KubernetesPlatform {
  controlPlane: RunningControlPlane;
  /** Present when asked for (`gateway: true`). */
  gateway: RunningGateway | undefined;
  /** The bootstrap operator token. */
  token: string;
  /** Stops the gateway and the control plane, drops the scratch database, restores KUBECONFIG. */
  stop(): Promise<void>;
}

/**
 * The platform as production runs it with GOV_DRIVER=kubernetes, wired as
 * bin/start.ts and bin/gateway.ts wire it, its kubeconfig pointing at the
 * Kubernetes API server DOUBLE: the control plane (on PostgreSQL when
 * DATABASE_URL is set, in a scratch database, else PGlite in `dataDir`)
 * and, if asked, a gateway that follows it. `env` adds to the platform's
 * settings. The API listens on a port fixed before it starts, so that the
 * URL pods fetch artifacts from is known in advance.
 */
export async function startKubernetesPlatform(options: {
  double: KubernetesApiDouble;
  dataDir: string;
  env?: Record<string, string>;
  gateway?: boolean;
}): Promise<KubernetesPlatform> {
  const previousKubeconfig = process.env.KUBECONFIG;
  process.env.KUBECONFIG = path.join(options.dataDir, 'kubeconfig');
  await writeFile(process.env.KUBECONFIG, options.double.kubeconfig);
  const scratch = process.env.DATABASE_URL
    ? await createScratchDatabase(process.env.DATABASE_URL)
    : undefined;
  const apiPort = await pickFreePort();
  const config = loadConfig({
    GOV_DATA_DIR: options.dataDir,
    GOV_API_PORT: String(apiPort),
    GOV_GATEWAY_PORT: '0',
    GOV_DEV_IDP_PORT: '0',
    GOV_DRIVER: 'kubernetes',
    GOV_RUNTIME_IMAGE: 'registry.gov.ml/gov/runtime:test',
    GOV_INTERNAL_API_URL: `http://127.0.0.1:${apiPort}`,
    ...options.env,
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
  });
  const log = () => {};
  const controlPlane = await startControlPlane(config, {
    driver: await selectDriver(config, log),
    log,
  });
  const token = (await readFile(controlPlane.bootstrapTokenFile, 'utf8')).trim();
  const gateway = options.gateway
    ? await startGateway(config, {
        resolver: await selectDriver(config, log),
        controlPlaneUrl: controlPlane.internalApiUrl,
        internalSecret: controlPlane.internalSecret,
        log,
      })
    : undefined;
  return {
    controlPlane,
    gateway,
    token,
    async stop() {
      await gateway?.stop();
      await controlPlane.stop();
      await scratch?.drop();
      if (previousKubeconfig === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = previousKubeconfig;
    },
  };
}
