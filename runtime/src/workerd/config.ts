import { writeFile as fsWriteFile, mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { AppAssets, AppModule, ModuleType } from '@gov/contract';
import { writeAssetsService } from '../assets/assets-config.ts';
import { SCHEDULED_MODULE, scheduledEntrySource } from '../scheduled/scheduled-entry.ts';
import { d1BindingSource, kvBindingSource, r2BindingSource } from '../storage/sources.ts';
import { type EgressPolicy, egressGuardSource } from './egress.ts';

/** Everything needed to run one app version in workerd. */
export interface WorkerSpec {
  /** Stable label of the version, e.g. its deployment id. */
  id: string;
  mainModule: string;
  modules: AppModule[];
  compatibilityDate: string;
  compatibilityFlags: string[];
  vars: Record<string, string>;
  /** `secret_text` bindings: text like vars, but written only to `secretsDir` when one is given. */
  secrets?: Record<string, string>;
  /**
   * An absolute directory on a memory-backed filesystem (tmpfs) for the
   * secrets' files, linked from the config directory: a secret's value then
   * never reaches a disk. Removed with `removeSecretFiles`.
   */
  secretsDir?: string;
  egress: EgressPolicy;
  /** The app's platform bindings (a KV namespace…), served by the platform's storage service. */
  bindings?: PlatformBinding[];
  /** How this instance reaches the storage service, and who it is there; needed with `bindings`. */
  storage?: StorageAccess;
  /**
   * Service bindings to apps of the same ministry: each reaches the
   * platform's service relay, with headers workerd adds (the caller, the
   * target and a capability for exactly that pair) that the app never sees.
   */
  services?: ServiceAccess[];
  /** Static assets shipped with the version: served in front of the app, and as its binding. */
  assets?: AppAssets;
  /**
   * The app's Durable Objects: its own classes, with their storage on local
   * disk in `dir`. `key` names the app: the same key in every version keeps
   * every object's id, and so its stored state. One process may hold the
   * folder at a time; the platform sees to that.
   */
  durableObjects?: {
    key: string;
    dir: string;
    classes: Array<{ name: string; className: string; sql: boolean }>;
  };
  /**
   * The app has cron triggers: a loopback socket, `scheduled`, delivers
   * scheduled events to its handler (the platform's scheduler alone calls it).
   */
  scheduled?: boolean;
  /** Where the scheduled socket listens (default: loopback, any port). */
  scheduledAddress?: string;
  /** Asked of every scheduled event as a bearer token, where the socket is reachable beyond loopback. */
  scheduledToken?: string;
  /** JavaScript heap limit of the version's isolate; the supervisor also caps the process RSS. */
  memoryMib: number;
  /**
   * Where workerd listens: loopback on a port the OS picks (local driver),
   * or a fixed address in a container (`0.0.0.0:8080`).
   */
  listenAddress?: string;
  /**
   * Where the platform's liveness worker listens (null: none). It shares the
   * app's thread, so it stops answering when the app is stuck.
   */
  livenessAddress?: string | null;
}

/** A binding the platform provides, by the name the app reads it under (`env.KV`). */
export interface PlatformBinding {
  kind: 'kv' | 'd1' | 'r2';
  name: string;
}

/**
 * An instance's way to the storage service: its address, and the identity
 * workerd adds to every request there (the app never sees these headers, so
 * it cannot present another app's).
 */
export interface StorageAccess {
  address: string;
  appId: string;
  ministryId: string;
  /** HMAC of the app and ministry under the storage service's key. */
  capability: string;
}

/** One service binding, as the platform grants it. */
export interface ServiceAccess {
  /** The binding's name in the app's env. */
  name: string;
  /** The service relay's loopback address. */
  address: string;
  /** Headers workerd adds to each request: who calls, which app, and the capability. */
  headers: Record<string, string>;
}

/** The liveness worker: answers 204, and only when its thread is free. */
const livenessSource =
  'export default { fetch() { return new Response(null, { status: 204 }); } };\n';

const moduleField: Record<ModuleType, string> = {
  esModule: 'esModule',
  commonJsModule: 'commonJsModule',
  text: 'text',
  data: 'data',
  wasm: 'wasm',
  json: 'json',
};

/** Cap'n Proto string literal; names are validated upstream, this is belt and braces. */
function capnpString(value: string): string {
  return JSON.stringify(value);
}

/**
 * Writes the version's modules and a workerd config into `dir` and returns
 * the config path. Every value coming from the user (module bodies, vars) is
 * `embed`ded from a file instead of being spliced into the config text, so no
 * escaping bug can change the config's meaning.
 */
export async function writeWorkerdConfig(spec: WorkerSpec, dir: string): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  const modulesDir = path.join(dir, 'modules');
  const varsDir = path.join(dir, 'vars');
  // The app's code and vars belong to the platform's user alone.
  await mkdir(modulesDir, { recursive: true, mode: 0o700 });
  await mkdir(varsDir, { recursive: true, mode: 0o700 });
  const writeFile = (file: string, data: string | Uint8Array) =>
    fsWriteFile(file, data, { mode: 0o600 });

  // workerd loads the main module first: order it first.
  const ordered = [...spec.modules].sort(
    (a, b) => Number(b.name === spec.mainModule) - Number(a.name === spec.mainModule),
  );
  const moduleEntries: string[] = [];
  if (spec.scheduled) {
    // The entry that adds the scheduled socket's handler stands first, as the main module.
    await writeFile(
      path.join(modulesDir, 'scheduled-entry'),
      scheduledEntrySource(spec.mainModule, spec.scheduledToken),
    );
    moduleEntries.push(
      `(name = ${capnpString(SCHEDULED_MODULE)}, esModule = embed "modules/scheduled-entry")`,
    );
  }
  for (const [i, mod] of ordered.entries()) {
    const file = path.join(modulesDir, `${i}`);
    await writeFile(file, mod.content);
    moduleEntries.push(
      `(name = ${capnpString(mod.name)}, ${moduleField[mod.type]} = embed ${capnpString(path.relative(dir, file))})`,
    );
  }
  const bindings: string[] = [];
  for (const [i, [name, value]] of Object.entries(spec.vars).entries()) {
    const file = path.join(varsDir, `${i}`);
    await writeFile(file, value);
    bindings.push(
      `(name = ${capnpString(name)}, text = embed ${capnpString(path.relative(dir, file))})`,
    );
  }
  const secrets = Object.entries(spec.secrets ?? {});
  if (secrets.length > 0) {
    const secretsLink = path.join(dir, 'secrets');
    if (spec.secretsDir) {
      // workerd embeds only paths below its config: a link leads there.
      await rm(spec.secretsDir, { recursive: true, force: true });
      await mkdir(spec.secretsDir, { recursive: true, mode: 0o700 });
      await symlink(spec.secretsDir, secretsLink);
    } else {
      await mkdir(secretsLink, { mode: 0o700 });
    }
    for (const [i, [name, value]] of secrets.entries()) {
      await writeFile(path.join(secretsLink, `${i}`), value);
      bindings.push(`(name = ${capnpString(name)}, text = embed ${capnpString(`secrets/${i}`)})`);
    }
  }
  const platformBindings = spec.bindings ?? [];
  const storage = platformBindings.length > 0 ? spec.storage : undefined;
  if (platformBindings.length > 0 && !storage) {
    throw new Error(`${spec.id} has platform bindings but no storage service to serve them`);
  }
  if (storage) {
    await writeFile(path.join(dir, 'gov-kv.js'), await kvBindingSource());
    await writeFile(path.join(dir, 'gov-d1.js'), await d1BindingSource());
    await writeFile(path.join(dir, 'gov-r2.js'), await r2BindingSource());
    for (const binding of platformBindings) {
      bindings.push(
        `(name = ${capnpString(binding.name)}, wrapped = (moduleName = "gov:${binding.kind}", innerBindings = [(name = "storage", service = "gov-storage"), (name = "binding", text = ${capnpString(binding.name)})]))`,
      );
    }
  }
  const objects = spec.durableObjects?.classes.length ? spec.durableObjects : undefined;
  if (objects) {
    await mkdir(objects.dir, { recursive: true, mode: 0o700 });
    for (const object of objects.classes) {
      bindings.push(
        `(name = ${capnpString(object.name)}, durableObjectNamespace = ${capnpString(object.className)})`,
      );
    }
  }
  const uniqueClasses = [
    ...new Map((objects?.classes ?? []).map((o) => [o.className, o])).values(),
  ];
  const objectsConfig = objects
    ? `
      durableObjectNamespaces = [${uniqueClasses
        .map(
          (o) =>
            `(className = ${capnpString(o.className)}, uniqueKey = ${capnpString(`${objects.key}:${o.className}`)}, enableSql = ${o.sql})`,
        )
        .join(', ')}],
      durableObjectStorage = (localDisk = "gov-objects-disk"),`
    : '';
  const objectsDisk = objects
    ? `    (name = "gov-objects-disk", disk = (path = ${capnpString(path.resolve(objects.dir))}, writable = true)),
`
    : '';
  const assetsService = spec.assets ? await writeAssetsService(spec.assets, dir, writeFile) : '';
  const serviceEntries = (spec.services ?? []).map((service, i) => {
    bindings.push(`(name = ${capnpString(service.name)}, service = "gov-service-${i}")`);
    const inject = Object.entries(service.headers)
      .map(([name, value]) => `(name = ${capnpString(name)}, value = ${capnpString(value)})`)
      .join(', ');
    return `    (name = "gov-service-${i}", external = (address = ${capnpString(service.address)}, http = (injectRequestHeaders = [${inject}]))),
`;
  });
  if (spec.assets?.binding !== undefined) {
    bindings.push(
      `(name = ${capnpString(spec.assets.binding)}, service = (name = "assets", entrypoint = "AssetsBinding"))`,
    );
  }
  await writeFile(path.join(dir, 'egress-guard.js'), egressGuardSource);
  const liveness = spec.livenessAddress === undefined ? '127.0.0.1:0' : spec.livenessAddress;
  if (liveness !== null) await writeFile(path.join(dir, 'liveness.js'), livenessSource);

  const config = `using Workerd = import "/workerd/workerd.capnp";

# Generated by Gov for ${spec.id}. Do not edit: regenerated on every start.
const config :Workerd.Config = (
  services = [
    (name = "app", worker = (
      modules = [${moduleEntries.join(', ')}],
      compatibilityDate = ${capnpString(spec.compatibilityDate)},
      compatibilityFlags = [${spec.compatibilityFlags.map(capnpString).join(', ')}],
      bindings = [${bindings.join(', ')}],
      globalOutbound = "egress-guard",${objectsConfig}
    )),
${
  storage
    ? `    (name = "gov-storage", external = (address = ${capnpString(storage.address)}, http = (injectRequestHeaders = [(name = "x-gov-app", value = ${capnpString(storage.appId)}), (name = "x-gov-ministry", value = ${capnpString(storage.ministryId)}), (name = "x-gov-capability", value = ${capnpString(storage.capability)})]))),
`
    : ''
}${assetsService}${serviceEntries.join('')}${objectsDisk}    (name = "egress-guard", worker = (
      modules = [(name = "egress-guard.js", esModule = embed "egress-guard.js")],
      compatibilityDate = "2026-04-01",
    )),${
      liveness === null
        ? ''
        : `
    (name = "liveness", worker = (
      modules = [(name = "liveness.js", esModule = embed "liveness.js")],
      compatibilityDate = "2026-04-01",
    )),`
    }
  ],
  sockets = [
    (name = "http", address = ${capnpString(spec.listenAddress ?? '127.0.0.1:0')}, http = (), service = ${spec.assets ? '"assets"' : '"app"'}),${
      spec.scheduled
        ? `
    (name = "scheduled", address = ${capnpString(spec.scheduledAddress ?? '127.0.0.1:0')}, http = (), service = (name = "app", entrypoint = "GovScheduled")),`
        : ''
    }${
      liveness === null
        ? ''
        : `
    (name = "liveness", address = ${capnpString(liveness)}, http = (), service = "liveness"),`
    }
  ],
${storage ? `  extensions = [(modules = [(name = "gov:kv", esModule = embed "gov-kv.js", internal = true), (name = "gov:d1", esModule = embed "gov-d1.js", internal = true), (name = "gov:r2", esModule = embed "gov-r2.js", internal = true)])],\n` : ''}  v8Flags = ["--max-old-space-size=${Math.max(16, Math.floor(spec.memoryMib))}"],
);
`;
  const configPath = path.join(dir, 'workerd.capnp');
  await writeFile(configPath, config);
  return configPath;
}

/** Removes what `writeWorkerdConfig` put in a spec's `secretsDir`, once no process needs it. */
export async function removeSecretFiles(spec: Pick<WorkerSpec, 'secretsDir'>): Promise<void> {
  if (spec.secretsDir) await rm(spec.secretsDir, { recursive: true, force: true });
}
