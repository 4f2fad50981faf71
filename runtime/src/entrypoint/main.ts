/**
 * The runtime image's entrypoint: read the pod's settings, fetch and verify
 * the app's artifact, write workerd's config, hand over to workerd.
 *
 * A start that cannot succeed prints one line on stderr and exits non-zero
 * with a code saying whose problem it is, so `kubectl get pods` and the
 * driver can tell a bad pod spec from a tampered artifact from an outage.
 */
import { runWorkerd } from './exec-workerd.ts';
import { prepareWorkerd, type WorkerdCommand } from './prepare.ts';
import { parseSettings } from './settings.ts';

/** sysexits(3): restarting fixes an outage, never the other two. */
const EXIT_CODES: Record<string, number> = {
  settings_invalid: 78, // EX_CONFIG: the pod spec must change
  artifact_invalid: 65, // EX_DATAERR: wrong digest, not a Gov artifact, too large
  artifact_unavailable: 69, // EX_UNAVAILABLE: the control plane did not serve it
};

function refuse(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  // One line: whatever the message holds, a log collector keeps it whole.
  process.stderr.write(`gov-runtime: ${message.replace(/\s+/g, ' ')}\n`);
  return typeof code === 'string' ? (EXIT_CODES[code] ?? 1) : 1;
}

async function main(): Promise<number> {
  let command: WorkerdCommand;
  try {
    const settings = parseSettings(process.env);
    command = await prepareWorkerd(settings);
    process.stdout.write(
      `gov-runtime: starting ${command.id} on ${settings.listenAddress} (liveness ${settings.livenessAddress})\n`,
    );
  } catch (error) {
    return refuse(error);
  }
  return runWorkerd(command.binary, command.args);
}

// exit() rather than exitCode: an idle keep-alive socket of the artifact
// fetch must not hold the container open once workerd is gone.
process.exit(await main());
