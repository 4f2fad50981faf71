/**
 * Where a version's secrets are, for whoever starts it: their names and a
 * digest of their revisions are desired state (a change replaces the
 * instances); the values stay with the control plane until a runtime that
 * holds this version's capability asks for them.
 */
export interface SecretsRef {
  /** The app's secrets bound to the version, by name. */
  names: string[];
  /** Digest of names and revisions: part of the spec's generation. */
  digest: string;
  /** The control plane's route for this version's secrets. */
  url: string;
  /** A bearer capability for this one version (never a staff token). */
  token: string;
}

const BINDING_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function unavailable(message: string): Error & { code: 'secrets_unavailable' } {
  return Object.assign(new Error(message), { code: 'secrets_unavailable' as const });
}

/**
 * Fetches a version's secret values from the control plane, used by the
 * local agent and the Kubernetes driver alike. Only the names the spec binds
 * are kept: a secret set after the spec was made waits for its own spec.
 */
export async function fetchSecrets(
  ref: SecretsRef,
  options: { timeoutMs?: number } = {},
): Promise<Record<string, string>> {
  if (ref.names.length === 0) return {};
  let res: Response;
  try {
    res = await fetch(ref.url, {
      headers: { authorization: `Bearer ${ref.token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw unavailable(
      `the secrets could not be fetched: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw unavailable(`the secrets could not be fetched: HTTP ${res.status}`);
  }
  const body = (await res.json().catch(() => undefined)) as { secrets?: unknown } | undefined;
  const all = body?.secrets;
  if (typeof all !== 'object' || all === null || Array.isArray(all)) {
    throw unavailable('the secrets answer is not an object of names and values');
  }
  const values: Record<string, string> = {};
  for (const name of ref.names) {
    const value = (all as Record<string, unknown>)[name];
    if (!BINDING_NAME.test(name) || typeof value !== 'string') {
      throw unavailable(`secret ${name} is bound to this version but was not found`);
    }
    values[name] = value;
  }
  return values;
}
