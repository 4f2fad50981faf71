export { loadConfig, type PlatformConfig } from './config.ts';
export { createApi } from './http/app.ts';
export { type RunningPlatform, startPlatform } from './platform.ts';
export type * from './routes/resources.ts';
