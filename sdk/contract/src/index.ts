/**
 * @gov/contract: what the Gov API and its clients agree on. The platform and
 * the SDK both import it by name; it depends on nothing but zod.
 *
 * @example
 * import { type DeploymentResource, isSlug } from '@gov/contract';
 * if (!isSlug('etat-civil')) throw new Error('bad name');
 */
export * from './artifact.ts';
export * from './assets.ts';
export * from './audit-chain.ts';
export * from './bundle.ts';
export * from './cron.ts';
export * from './error-codes.ts';
export * from './instant.ts';
export * from './resources.ts';
export * from './roles.ts';
export * from './secrets.ts';
export * from './slug.ts';
export * from './text.ts';
