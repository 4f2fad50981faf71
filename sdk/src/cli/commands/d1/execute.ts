import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveApp, resolveMinistry } from '../../app-target.ts';
import { appOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { UserError } from '../../errors.ts';
import { table } from '../../table.ts';

const usage =
  'gov d1 execute <BINDING> (--file schema.sql | --command "SELECT …") [--app a] [--ministry m] [--json]';

/** At most what the API takes at once. */
const MAX_SQL_BYTES = 1024 * 1024;

type Answer =
  | { count: number; duration: number }
  | { columns: string[]; rows: unknown[][]; meta: Record<string, unknown> };

export const d1Execute = defineCommand({
  path: ['d1', 'execute'],
  summary: "Run SQL in one of an app's D1 databases: a file of statements, or one query",
  usage,
  positionals: ['binding'],
  options: {
    ...appOptions,
    file: { type: 'string' },
    command: { type: 'string' },
  },
  async run(input) {
    const binding = input.positionals[0];
    if (!binding || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(binding)) {
      throw new UserError(
        'invalid_argument',
        `which database? "${binding ?? ''}" is not a binding name`,
        {
          hint: `name the D1 binding of the app config, as in ${usage}`,
        },
      );
    }
    const file = input.flags.file as string | undefined;
    const command = input.flags.command as string | undefined;
    if ((file === undefined) === (command === undefined)) {
      throw new UserError('invalid_arguments', 'give either --file or --command', { hint: usage });
    }
    let sql = command ?? '';
    if (file !== undefined) {
      const where = path.resolve(input.cwd, file);
      sql = await readFile(where, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new UserError('not_found', `cannot read ${file} (${error.code ?? error.message})`, {
          hint: 'give the path of a .sql file, relative to the current folder',
        });
      });
    }
    if (!sql.trim()) throw new UserError('invalid_argument', 'the SQL is empty', { hint: usage });
    if (Buffer.byteLength(sql) > MAX_SQL_BYTES) {
      throw new UserError('invalid_argument', `the SQL is over ${MAX_SQL_BYTES} bytes`, {
        hint: 'split it into several files',
      });
    }
    const app = resolveApp(input);
    const ministry = await resolveMinistry(input);
    const client = clientFor(input);
    // Tables are often made before the first deploy: the app is made if needed.
    await client.createApp(ministry, app);
    const answer = await client.raw<Answer>(
      'POST',
      `/v1/ministries/${ministry}/apps/${app}/d1/${binding}/execute`,
      { sql, mode: command !== undefined ? 'query' : 'exec' },
    );
    if (input.flags.json) return input.stdout(`${JSON.stringify(answer)}\n`);
    if ('count' in answer) {
      input.stderr(
        `${answer.count} statement(s) run in ${binding} of ${app} (${answer.duration} ms).\n`,
      );
      return;
    }
    const cells = answer.rows.map((row) => row.map((v) => (v === null ? 'NULL' : String(v))));
    if (answer.columns.length > 0) input.stdout(table(answer.columns, cells));
    input.stderr(`${answer.rows.length} row(s); ${String(answer.meta.changes ?? 0)} changed.\n`);
  },
});
