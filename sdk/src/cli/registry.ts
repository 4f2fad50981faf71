import type { Command } from './command.ts';
import { appsDelete } from './commands/apps/delete.ts';
import { appsList } from './commands/apps/list.ts';
import { auditVerify } from './commands/audit/verify.ts';
import { cronsList } from './commands/crons/list.ts';
import { cronsRun } from './commands/crons/run.ts';
import { d1Execute } from './commands/d1/execute.ts';
import { d1MigrationsApply, d1MigrationsList } from './commands/d1/migrations.ts';
import { deploy } from './commands/deploy.ts';
import { deploymentsList } from './commands/deployments/list.ts';
import { login } from './commands/login.ts';
import { logs } from './commands/logs.ts';
import { ministriesCreate } from './commands/ministries/create.ts';
import { ministriesList } from './commands/ministries/list.ts';
import { quotaGet } from './commands/quota/get.ts';
import { quotaSet } from './commands/quota/set.ts';
import { rollback } from './commands/rollback.ts';
import { secretsDelete } from './commands/secrets/delete.ts';
import { secretsList } from './commands/secrets/list.ts';
import { secretsPut } from './commands/secrets/put.ts';

/** Every gov command, in the order `gov --help` lists them. */
export const commands: Command[] = [
  login,
  deploy,
  appsList,
  appsDelete,
  deploymentsList,
  rollback,
  logs,
  secretsPut,
  secretsList,
  secretsDelete,
  d1Execute,
  d1MigrationsList,
  d1MigrationsApply,
  cronsList,
  cronsRun,
  ministriesList,
  ministriesCreate,
  quotaGet,
  quotaSet,
  auditVerify,
];
