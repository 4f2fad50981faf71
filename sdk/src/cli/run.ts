import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Command, type CommandInput, flagHelp } from './command.ts';
import { reportError, UserError } from './errors.ts';
import { commands } from './registry.ts';
import type { SecretInput } from './secret-input.ts';

export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  secretInput?: SecretInput;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

function helpText(): string {
  const lines = commands.map((c) => `  ${c.path.join(' ').padEnd(18)} ${c.summary}`);
  return `gov: put public services online on the Gov platform

Usage: gov <command> [options]

Commands:
${lines.join('\n')}

Common options: --api-url <url> (or GOV_API_URL), --json, --verbose, --help
Token: GOV_TOKEN, else your \`gov login\`, else (local API only) .gov-data/bootstrap-token
Help on one command: gov <command> --help
`;
}

function commandHelp(command: Command): string {
  const flags = [...Object.entries(command.options), ['help', { type: 'boolean' }] as const].map(
    ([name, spec]) => [`--${name}${spec.type === 'string' ? ' <value>' : ''}`, name] as const,
  );
  const width = Math.max(...flags.map(([f]) => f.length));
  const lines = flags.map(([f, name]) => `  ${f.padEnd(width)}  ${flagHelp[name] ?? 'this help'}`);
  return `${command.summary}\n\nUsage: ${command.usage}\n\nOptions:\n${lines.join('\n')}\n`;
}

/** The hint names the verbs of a known noun (`gov apps`), else every command. */
function unknownCommand(argv: string[]): UserError {
  if (argv[0]?.startsWith('-')) {
    return new UserError(
      'invalid_arguments',
      `options go after the command: ${argv[0]} came first`,
      {
        hint: `for example: gov deploy ${argv[0]}; see gov --help`,
      },
    );
  }
  const words = argv.filter((a) => !a.startsWith('-')).slice(0, 2);
  const sameNoun = commands.filter((c) => c.path.length > 1 && c.path[0] === words[0]);
  const hint = sameNoun.length
    ? `try ${sameNoun.map((c) => `\`gov ${c.path.join(' ')}\``).join(', ')}`
    : `commands: ${commands.map((c) => c.path.join(' ')).join(', ')}; see gov --help`;
  return new UserError('unknown_command', `unknown command "${words.join(' ')}"`, { hint });
}

/**
 * Node's argument parser speaks of "positional arguments" and `--`: say
 * instead which flag is wrong and which ones the command takes.
 */
function argumentError(command: Command, error: Error & { code?: string }): UserError {
  const name = `gov ${command.path.join(' ')}`;
  const flags = Object.keys(command.options).map((f) => `--${f}`);
  const flag = /'(-[^' ]+)/.exec(error.message)?.[1] ?? '';
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return new UserError('invalid_arguments', `${name} has no option ${flag}`, {
      hint: `its options: ${flags.join(', ')}; see ${name} --help`,
    });
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const takesValue = command.options[flag.replace(/^--/, '')]?.type === 'string';
    return new UserError(
      'invalid_arguments',
      takesValue ? `${flag} needs a value` : `${flag} takes no value`,
      { hint: `usage: ${command.usage}` },
    );
  }
  return new UserError('invalid_arguments', `invalid arguments for ${name}`, {
    hint: `usage: ${command.usage}`,
  });
}

/** Finds the command named by the first words of argv. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  const matches = commands
    .filter((c) => c.path.every((word, i) => argv[i] === word))
    .sort((a, b) => b.path.length - a.path.length);
  const command = matches[0];
  return command ? { command, rest: argv.slice(command.path.length) } : undefined;
}

/** Runs the CLI and returns its exit code. Separate from main.ts so tests can call it. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const verbose = args.includes('--verbose');
  // `gov help deploy` is `gov deploy --help`.
  const argv = args[0] === 'help' && args.length > 1 ? [...args.slice(1), '--help'] : args;
  try {
    if (argv.length === 0) {
      // No command is a mistake, not a request for help: scripts must see it fail.
      io.stderr(helpText());
      return 1;
    }
    if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.stdout(helpText());
      return 0;
    }
    if (argv[0] === '--version' || argv[0] === '-v') {
      io.stdout(`${version()}\n`);
      return 0;
    }
    const found = findCommand(argv);
    if (!found) throw unknownCommand(argv);
    const { command, rest } = found;
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(commandHelp(command));
      return 0;
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        options: command.options,
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw argumentError(command, error as Error & { code?: string });
    }
    const variadic = command.positionals.at(-1)?.endsWith('...') ?? false;
    if (!variadic && parsed.positionals.length > command.positionals.length) {
      throw new UserError(
        'invalid_arguments',
        `too many arguments: ${parsed.positionals.join(' ')}`,
        {
          hint: `usage: ${command.usage}`,
        },
      );
    }
    const input: CommandInput = {
      flags: parsed.values as CommandInput['flags'],
      positionals: parsed.positionals,
      ...io,
    };
    await command.run(input);
    return 0;
  } catch (error) {
    return reportError(error, verbose, io.stderr);
  }
}
