export * from './artifact.ts';
export * from './limits/cgroups.ts';
export * from './scheduled/run-scheduled.ts';
export * from './secrets.ts';
export * from './storage/storage-config.ts';
export * from './storage/storage-keys.ts';
export * from './supervisor/failure.ts';
export { RUNTIME_OVERHEAD_MIB, SOFT_LIMIT_RATIO } from './supervisor/memory-watchdog.ts';
export * from './supervisor/output-lines.ts';
export * from './supervisor/probe.ts';
export * from './supervisor/supervisor.ts';
export {
  isStartFailure,
  type LogLine,
  type StartFailure,
  WorkerProcess,
} from './supervisor/worker-process.ts';
export { newestCompatibilityDate } from './workerd/binary.ts';
export * from './workerd/config.ts';
export * from './workerd/egress.ts';
