import type { ParseArgsConfig } from 'node:util';
import type { SecretInput } from './secret-input.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What a command handler receives: parsed flags and positionals, and where to write. */
export interface CommandInput {
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Where `gov secrets put` reads a value: standard input or a prompt, never a flag. */
  secretInput?: SecretInput;
}

/** A CLI command declared as data; `registry.ts` lists them all. */
export interface Command {
  /** Words that select it, e.g. ['apps', 'list']. */
  path: string[];
  summary: string;
  usage: string;
  options: OptionSpec;
  /** Names of the positionals, for help; '?' suffix means optional. */
  positionals: string[];
  run(input: CommandInput): Promise<void>;
}

export function defineCommand(command: Command): Command {
  return command;
}

/** What each flag means, for `gov <command> --help`: one wording everywhere. */
export const flagHelp: Readonly<Record<string, string>> = {
  'api-url': 'Gov API to talk to (default: GOV_API_URL, else http://127.0.0.1:7070)',
  json: 'print the result as JSON on stdout, for scripts',
  verbose: "more detail: wrangler's full output, stacks of unexpected errors",
  ministry:
    'ministry slug (default: "gov": { "ministry" } in the app\'s wrangler config, else your only ministry)',
  app: 'app slug (default: "name" in the wrangler config)',
  env: "one of the config's environments ([env.<name>]), as with wrangler deploy --env",
  file: 'a file of SQL statements to run, such as schema.sql',
  command: 'one SQL statement to run, its rows printed',
  since: 'how far back: a duration like 10m, 2h, 1d, or an instant (default: 1h)',
  follow: 'keep printing new lines as they come, until Ctrl+C',
  'timeout-ms': 'how long to wait for the new version to go live (default: 120000)',
  cron: 'which of the live version’s cron triggers to run (default: its first)',
};

/** Flags every command that talks to the API accepts. */
export const apiOptions: OptionSpec = {
  'api-url': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
};

/** Flags of a command that acts on one app: which app, ministry and environment, beside the API's. */
export const appOptions: OptionSpec = {
  ...apiOptions,
  app: { type: 'string' },
  ministry: { type: 'string' },
  env: { type: 'string' },
};
