/**
 * The runtime image's entrypoint: read the pod's settings, fetch and verify
 * the app's artifact, write workerd's config, hand over to workerd. With
 * the argument `storage`, the same image runs the platform's storage
 * service instead (the apps' KV, D1 and R2 data, on a persistent volume).
 *
 * A start that cannot succeed prints one line on stderr and exits non-zero
 * with a code saying whose problem it is, so `kubectl get pods` and the
 * driver can tell a bad pod spec from a tampered artifact from an outage.
 */
import { runWorkerd } from './exec-workerd.ts';
import { prepareWorkerd, type WorkerdCommand } from './prepare.ts';
import { prepareStorage } from './prepare-storage.ts';
import { parseSettings, settingsError } from './settings.ts';
import { parseStorageSettings } from './storage-settings.ts';

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

/** Settings read, everything written: what to exec, and the line that says so. */
async function prepare(
  mode: string | undefined,
): Promise<{ command: WorkerdCommand; line: string }> {
  if (mode === 'storage') {
    const settings = parseStorageSettings(process.env);
    return {
      command: await prepareStorage(settings),
      line: `starting the storage service on ${settings.listenAddress} (data in ${settings.dataDir})`,
    };
  }
  if (mode !== undefined) {
    throw settingsError(`unknown mode "${mode}": run with no argument for an app, or "storage"`);
  }
  const settings = parseSettings(process.env);
  const command = await prepareWorkerd(settings);
  return {
    command,
    line: `starting ${command.id} on ${settings.listenAddress} (liveness ${settings.livenessAddress})`,
  };
}

async function main(): Promise<number> {
  let command: WorkerdCommand;
  try {
    const prepared = await prepare(process.argv[2]);
    command = prepared.command;
    process.stdout.write(`gov-runtime: ${prepared.line}\n`);
  } catch (error) {
    return refuse(error);
  }
  return runWorkerd(command.binary, command.args);
}

// exit() rather than exitCode: an idle keep-alive socket of the artifact
// fetch must not hold the container open once workerd is gone.
process.exit(await main());
