import { z } from 'zod';

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

/** Variable names follow the JavaScript identifier rules workerd binds them under. */
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export const bundleSchema = z
  .strictObject({
    mainModule: moduleName,
    modules: z.array(bundleModuleSchema).min(1).max(200),
    compatibilityDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'compatibilityDate is a date like 2026-04-01'),
    compatibilityFlags: z
      .array(z.string().regex(/^[a-z0-9_]{1,64}$/, 'flags look like nodejs_compat'))
      .max(50)
      .default([]),
    vars: z.record(z.string(), z.string().max(5120)).default({}),
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

/** Total decoded size of the bundle's modules: what the size cap measures. */
export function bundleBytes(bundle: Pick<Bundle, 'modules'>): number {
  let total = 0;
  for (const m of bundle.modules) {
    const padding = m.contentBase64.endsWith('==') ? 2 : m.contentBase64.endsWith('=') ? 1 : 0;
    total += (m.contentBase64.length / 4) * 3 - padding;
  }
  return total;
}
