export * from './api-tokens.ts';
export * from './apps.ts';
export * from './artifacts.ts';
export * from './audit-log.ts';
export * from './deployments.ts';
export * from './ministries.ts';
