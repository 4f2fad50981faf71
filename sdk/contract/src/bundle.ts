import { z } from 'zod';
import { assetsSchema, decodedBytes } from './assets.ts';
import { triggersSchema } from './cron.ts';
import { MAX_SECRETS_PER_APP, secretNameSchema } from './secrets.ts';
import { slugSchema } from './slug.ts';

/**
 * The unit a ministry developer uploads: the modules wrangler built, plus the
 * few settings workerd needs to run them. It is JSON so that it can be
 * validated field by field at the edge; module bodies travel as base64.
 */

/** Module names become file names in the runtime's working directory. */
const moduleName = z
  .string()
  .min(1)
  .max(200)
  .regex(
    /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._\-/@+]+$/,
    'module names are relative paths of letters, digits and ._-/@+ without "..", like "index.js" or "lib/util.js"',
  );

export const moduleTypes = ['esModule', 'commonJsModule', 'text', 'data', 'wasm', 'json'] as const;
export type ModuleType = (typeof moduleTypes)[number];

const base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'contentBase64 must be standard base64')
  .refine((s) => s.length % 4 === 0, 'contentBase64 has a truncated length (not a multiple of 4)');

export const bundleModuleSchema = z.strictObject({
  name: moduleName,
  type: z.enum(moduleTypes),
  contentBase64: base64,
});

/** As many plain-text vars as a Worker may have on Cloudflare: more belong in storage. */
export const MAX_VARS = 64;

/** workerd's first compatibility date: anything earlier names no behaviour it knows. */
export const OLDEST_COMPATIBILITY_DATE = '2021-11-03';

function isCalendarDate(value: string): boolean {
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Variable names follow the JavaScript identifier rules workerd binds them under. */
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export const bundleSchema = z
  .strictObject({
    mainModule: moduleName,
    modules: z.array(bundleModuleSchema).min(1).max(200),
    compatibilityDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'compatibilityDate is a date like 2026-04-01')
      .refine(isCalendarDate, 'compatibilityDate is not a real date (like 2026-04-01)')
      .refine(
        (d) => d >= OLDEST_COMPATIBILITY_DATE,
        `compatibilityDate must be ${OLDEST_COMPATIBILITY_DATE} or later`,
      ),
    compatibilityFlags: z
      .array(z.string().regex(/^[a-z0-9_]{1,64}$/, 'flags look like nodejs_compat'))
      .max(50)
      .default([]),
    vars: z
      .preprocess(
        (raw, ctx) => {
          // JSON.parse keeps a "__proto__" key that a record would silently drop.
          if (raw && typeof raw === 'object' && Object.hasOwn(raw, '__proto__')) {
            ctx.issues.push({
              code: 'custom',
              input: raw,
              message:
                'variable "__proto__" is not a valid name: use letters, digits and _ like MY_VAR',
            });
          }
          return raw;
        },
        z.record(z.string(), z.string().max(5120)),
      )
      .refine((v) => Object.keys(v).length <= MAX_VARS, `at most ${MAX_VARS} vars`)
      .default({}),
    /**
     * A path the platform probes before the version takes traffic (and while
     * it runs): healthy when it answers 2xx or 3xx. Without it, a version is
     * ready once its modules evaluated.
     */
    healthPath: z
      .string()
      .regex(
        /^\/[\x21-\x7e]{0,199}$/,
        'healthPath is a path like /healthz (printable ASCII, no spaces)',
      )
      .optional(),
    /**
     * Secrets the app needs (`gov.secrets`): a deploy fails, naming the first
     * one missing, unless each was set with `gov secrets put`. Every secret the
     * app has is bound either way.
     */
    secrets: z.array(secretNameSchema).max(MAX_SECRETS_PER_APP).default([]),
    /**
     * Platform services bound into the app under a name (`env.KV`): a KV
     * namespace, a D1 database or an R2 bucket of the app's own, kept by the platform in
     * the country.
     */
    bindings: z
      .array(
        z.strictObject({
          kind: z.enum(['kv', 'd1', 'r2']),
          name: z
            .string()
            .regex(VAR_NAME, 'a binding name uses letters, digits and _, like KV (at most 64)'),
        }),
      )
      .max(64)
      .default([]),
    /**
     * Service bindings (`services`): another app of the same ministry, called
     * with `env.NAME.fetch(request)` as Workers does. Only an app's name is
     * given, never a ministry: a binding cannot lead out of the ministry.
     */
    services: z
      .array(
        z.strictObject({
          name: z
            .string()
            .regex(
              VAR_NAME,
              'a binding name uses letters, digits and _, like ETAT_CIVIL (at most 64)',
            ),
          app: slugSchema,
        }),
      )
      .max(32)
      .default([]),
    /**
     * Durable Object classes the app exports and binds (`durable_objects`),
     * with SQL storage or key-value storage as its migrations declared them.
     * Their state belongs to the app: every version finds it.
     */
    durableObjects: z
      .array(
        z.strictObject({
          name: z
            .string()
            .regex(
              VAR_NAME,
              'a binding name uses letters, digits and _, like COMPTEUR (at most 64)',
            ),
          className: z
            .string()
            .regex(/^[A-Za-z_$][A-Za-z0-9_$]{0,99}$/, 'a class name is a JavaScript identifier'),
          sql: z.boolean(),
        }),
      )
      .max(16)
      .default([]),
    /** Cron triggers (`triggers.crons`): the platform calls the app's `scheduled` handler. */
    triggers: triggersSchema.optional(),
    /** Static assets (wrangler's `assets`), served the way Workers serves them. */
    assets: assetsSchema.optional(),
    /** What the version asks for; checked against the ministry's quota at deploy. */
    limits: z
      .strictObject({
        memoryMib: z.number().int().min(32).max(4096).default(128),
        instances: z.number().int().min(1).max(20).default(1),
      })
      .default({ memoryMib: 128, instances: 1 }),
  })
  .superRefine((bundle, ctx) => {
    // Checked here rather than as the record's key schema so the user sees
    // this message instead of zod's generic "Invalid key in record".
    for (const name of Object.keys(bundle.vars)) {
      if (!VAR_NAME.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['vars', name],
          message: `variable "${name}" is not a valid name: use letters, digits and _ like MY_VAR`,
        });
      }
    }
    // One name, one binding: vars, platform services, other apps, objects and assets share env.
    const bound = new Set<string>(Object.keys(bundle.vars));
    const claim = (name: string, path: (string | number)[]) => {
      if (bound.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `"${name}" is bound twice (a var or another binding has that name)`,
        });
      }
      bound.add(name);
    };
    for (const [i, b] of bundle.bindings.entries()) claim(b.name, ['bindings', i, 'name']);
    for (const [i, s] of bundle.services.entries()) claim(s.name, ['services', i, 'name']);
    for (const [i, o] of bundle.durableObjects.entries()) {
      claim(o.name, ['durableObjects', i, 'name']);
    }
    if (bundle.assets?.binding !== undefined) claim(bundle.assets.binding, ['assets', 'binding']);
    if (bundle.durableObjects.length > 0 && bundle.limits.instances > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['limits', 'instances'],
        message:
          'an app with Durable Objects runs as one instance (each object lives in exactly one place): set gov.instances to 1',
      });
    }
    const names = new Set<string>();
    for (const [i, mod] of bundle.modules.entries()) {
      if (names.has(mod.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['modules', i, 'name'],
          message: `module "${mod.name}" appears twice`,
        });
      }
      names.add(mod.name);
    }
    const main = bundle.modules.find((m) => m.name === bundle.mainModule);
    if (!main) {
      ctx.addIssue({
        code: 'custom',
        path: ['mainModule'],
        message: `mainModule "${bundle.mainModule}" is not one of the uploaded modules`,
      });
    } else if (main.type !== 'esModule') {
      ctx.addIssue({
        code: 'custom',
        path: ['mainModule'],
        message: 'the main module must be an ES module exporting a default { fetch } handler',
      });
    }
  });

export type Bundle = z.infer<typeof bundleSchema>;
export type BundleInput = z.input<typeof bundleSchema>;
export type BundleModule = z.infer<typeof bundleModuleSchema>;

/** A module decoded and ready to be written for workerd. */
export interface AppModule {
  name: string;
  type: ModuleType;
  content: Uint8Array;
}

export function decodeModules(bundle: Pick<Bundle, 'modules'>): AppModule[] {
  return bundle.modules.map((m) => ({
    name: m.name,
    type: m.type,
    content: new Uint8Array(Buffer.from(m.contentBase64, 'base64')),
  }));
}

/** Total decoded size of the bundle's modules and assets: what the size cap measures. */
export function bundleBytes(
  bundle: Pick<Bundle, 'modules'> & { assets?: Pick<NonNullable<Bundle['assets']>, 'files'> },
): number {
  let total = 0;
  for (const m of bundle.modules) total += decodedBytes(m.contentBase64);
  for (const f of bundle.assets?.files ?? []) total += decodedBytes(f.contentBase64);
  return total;
}
