export * from './bundle.ts';
export * from './supervisor/probe.ts';
export * from './supervisor/supervisor.ts';
export type { LogLine } from './supervisor/worker-process.ts';
export * from './workerd/config.ts';
export * from './workerd/egress.ts';
