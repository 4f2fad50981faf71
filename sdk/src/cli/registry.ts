import type { Command } from './command.ts';
import { appsList } from './commands/apps/list.ts';
import { auditVerify } from './commands/audit/verify.ts';
import { deploy } from './commands/deploy.ts';
import { deploymentsList } from './commands/deployments/list.ts';
import { login } from './commands/login.ts';
import { rollback } from './commands/rollback.ts';

/** Every gov command, in the order `gov --help` lists them. */
export const commands: Command[] = [
  login,
  deploy,
  appsList,
  deploymentsList,
  rollback,
  auditVerify,
];
