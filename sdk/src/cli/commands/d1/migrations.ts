import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type AppConfig, readAppConfig } from '../../../build/app-config.ts';
import { resolveApp, resolveMinistry } from '../../app-target.ts';
import { appOptions, type CommandInput, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { UserError } from '../../errors.ts';
import { table } from '../../table.ts';

const listUsage = 'gov d1 migrations list <BINDING> [--app a] [--ministry m] [--env e] [--json]';
const applyUsage = 'gov d1 migrations apply <BINDING> [--app a] [--ministry m] [--env e] [--json]';

/** wrangler's migration files: `0001_create_requests.sql`, applied in name order. */
const MIGRATION_FILE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.sql$/;

interface Plan {
  app: string;
  ministry: string;
  binding: string;
  dir: string;
  table: string;
  files: string[];
}

/** The app's D1 binding named on the command line, its migrations folder and table. */
async function plan(input: CommandInput, usage: string): Promise<Plan> {
  const binding = input.positionals[0];
  const config: AppConfig = readAppConfig(path.resolve(input.cwd), {
    env: input.flags.env as string | undefined,
  });
  const databases = config.bindings.filter((b) => b.kind === 'd1').map((b) => b.name);
  if (!binding || !databases.includes(binding)) {
    throw new UserError(
      'invalid_argument',
      `which database? "${binding ?? ''}" is not a D1 binding of ${path.basename(config.file)}`,
      {
        hint: databases.length
          ? `its D1 bindings: ${databases.join(', ')}; ${usage}`
          : 'add d1_databases = [{ binding = "DB" }] to the config',
      },
    );
  }
  const settings = config.d1Migrations[binding] ?? {
    dir: path.join(config.dir, 'migrations'),
    table: 'd1_migrations',
  };
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(settings.table)) {
    throw new UserError('invalid_config', `"${settings.table}" cannot be a migrations table`, {
      hint: 'migrations_table is a name of letters, digits and _, like d1_migrations',
    });
  }
  if (!existsSync(settings.dir)) {
    throw new UserError(
      'not_found',
      `no migrations folder ${path.relative(input.cwd, settings.dir) || '.'} for ${binding}`,
      { hint: 'create it with files such as 0001_create_requests.sql, or set migrations_dir' },
    );
  }
  const entries = (await readdir(settings.dir)).filter((f) => f.endsWith('.sql')).sort();
  const odd = entries.find((f) => !MIGRATION_FILE.test(f));
  if (odd !== undefined) {
    throw new UserError('invalid_config', `${odd} is not a name gov applies as a migration`, {
      hint: 'name migrations like 0002_add_status.sql: letters, digits, _ . and -',
    });
  }
  return {
    app: resolveApp(input),
    ministry: await resolveMinistry(input),
    binding,
    dir: settings.dir,
    table: settings.table,
    files: entries,
  };
}

type ExecAnswer = { count: number; duration: number };
type QueryAnswer = { columns: string[]; rows: unknown[][] };

/** The names recorded in the migrations table (made if it does not exist yet, as wrangler does). */
async function appliedNames(input: CommandInput, p: Plan): Promise<string[]> {
  const client = clientFor(input);
  const url = `/v1/ministries/${p.ministry}/apps/${p.app}/d1/${p.binding}/execute`;
  await client.createApp(p.ministry, p.app);
  await client.raw<ExecAnswer>('POST', url, {
    sql: `CREATE TABLE IF NOT EXISTS ${p.table} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`,
    mode: 'exec',
  });
  const answer = await client.raw<QueryAnswer>('POST', url, {
    sql: `SELECT name FROM ${p.table} ORDER BY id`,
    mode: 'query',
  });
  return answer.rows.map((row) => String(row[0]));
}

export const d1MigrationsList = defineCommand({
  path: ['d1', 'migrations', 'list'],
  summary: "List a D1 database's migrations and which of them are applied",
  usage: listUsage,
  positionals: ['binding'],
  options: appOptions,
  async run(input) {
    const p = await plan(input, listUsage);
    const applied = new Set(await appliedNames(input, p));
    const rows = p.files.map((f) => ({ name: f, applied: applied.has(f) }));
    if (input.flags.json) return input.stdout(`${JSON.stringify({ migrations: rows })}\n`);
    if (rows.length === 0) {
      input.stderr(`no migration in ${path.relative(input.cwd, p.dir) || '.'}\n`);
      return;
    }
    input.stdout(
      table(
        ['MIGRATION', 'APPLIED'],
        rows.map((r) => [r.name, r.applied ? 'yes' : 'no']),
      ),
    );
  },
});

export const d1MigrationsApply = defineCommand({
  path: ['d1', 'migrations', 'apply'],
  summary: "Apply a D1 database's pending migrations, in order, each whole or not at all",
  usage: applyUsage,
  positionals: ['binding'],
  options: appOptions,
  async run(input) {
    const p = await plan(input, applyUsage);
    const applied = new Set(await appliedNames(input, p));
    const pending = p.files.filter((f) => !applied.has(f));
    const client = clientFor(input);
    const done: string[] = [];
    for (const file of pending) {
      const sql = await readFile(path.join(p.dir, file), 'utf8');
      // The migration and its record in one script, which the database runs
      // as one transaction: it is applied and recorded together, or neither.
      try {
        await client.raw<ExecAnswer>(
          'POST',
          `/v1/ministries/${p.ministry}/apps/${p.app}/d1/${p.binding}/execute`,
          { sql: `${sql}\n;\nINSERT INTO ${p.table} (name) VALUES ('${file}');`, mode: 'exec' },
        );
      } catch (error) {
        if (error instanceof UserError) {
          throw new UserError(error.code, `${file}: ${error.message}`, {
            hint: `nothing of ${file} was kept${done.length ? `; applied before it: ${done.join(', ')}` : ''}. Fix it and run gov d1 migrations apply ${p.binding} again`,
          });
        }
        throw error;
      }
      done.push(file);
      if (!input.flags.json) input.stderr(`applied ${file}\n`);
    }
    if (input.flags.json) return input.stdout(`${JSON.stringify({ applied: done })}\n`);
    input.stderr(
      done.length === 0
        ? `${p.binding} of ${p.app} is up to date (${p.files.length} migration(s)).\n`
        : `${done.length} migration(s) applied to ${p.binding} of ${p.app}.\n`,
    );
  },
});
