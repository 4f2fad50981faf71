export type * from '@gov/contract';
export { loadConfig, type PlatformConfig } from './config.ts';
export { createApi } from './http/app.ts';
export { type RunningPlatform, startPlatform } from './platform.ts';
