import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { DEMO_APP, DEMO_MINISTRY, seedDemo } from '../demo/seed.ts';
import { citizenUrl } from '../gateway/hosts.ts';
import { type Logger, startPlatform } from '../platform.ts';

/**
 * `npm start`: the whole platform on this machine. Human-readable summary on
 * stdout; structured logs (one JSON object a line) on stderr.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      demo: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const config = loadConfig();
  const log: Logger = (entry) => {
    if (values.quiet && entry.level === 'app') return;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  };
  const platform = await startPlatform(config, log);
  const shutdown = (signal: string) => {
    log({ level: 'info', message: `${signal}: stopping` });
    platform.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

  const storage =
    platform.storage === 'pglite'
      ? `embedded PGlite in ${config.dataDir}/db`
      : 'PostgreSQL (DATABASE_URL)';
  const lines = [
    'Gov platform is running',
    `  API:             ${platform.apiUrl}`,
    `  Citizen gateway: ${platform.gatewayUrl}  (apps at http://<app>.<ministry>.${config.baseDomain}:${platform.config.gatewayPort}/)`,
    `  Storage:         ${storage}`,
    `  Operator token:  ${platform.bootstrapTokenFile}`,
    `  Admin panel:     ${platform.apiUrl}/admin`,
    platform.devProvider
      ? `  Sign-in:         development provider at ${platform.devProvider.issuer} (accounts operateur, developpeur, auditeur; any password)`
      : `  Sign-in:         ${platform.identity.settings.issuer}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  if (values.demo) {
    await seedDemo(platform, log);
    const url = citizenUrl(platform.config, DEMO_MINISTRY.name, DEMO_APP);
    process.stdout.write(`  Demo service:    ${url}\n`);
  }
  process.stdout.write('Press Ctrl+C to stop.\n');
}

main().catch((error: Error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(
      `gov: ${error.message}\n  hint: fix the environment variables above and start again\n`,
    );
    process.exit(2);
  }
  process.stderr.write(
    `gov: the platform failed to start: ${error.message}\n${error.stack ?? ''}\n`,
  );
  process.exit(1);
});
