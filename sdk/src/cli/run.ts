import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Command, CommandInput } from './command.ts';
import { reportError, UserError } from './errors.ts';
import { commands } from './registry.ts';

export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
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
Token: GOV_TOKEN, or the local platform's .gov-data/bootstrap-token
`;
}

function commandHelp(command: Command): string {
  const flags = Object.entries(command.options)
    .map(([name, spec]) => `  --${name}${spec.type === 'string' ? ' <value>' : ''}`)
    .join('\n');
  return `${command.summary}\n\nUsage: ${command.usage}\n\nOptions:\n${flags}\n  --help\n`;
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
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const verbose = argv.includes('--verbose');
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.stdout(helpText());
      return 0;
    }
    if (argv[0] === '--version') {
      io.stdout(`${version()}\n`);
      return 0;
    }
    const found = findCommand(argv);
    if (!found) {
      throw new UserError(
        'unknown_command',
        `unknown command "${argv
          .filter((a) => !a.startsWith('-'))
          .slice(0, 2)
          .join(' ')}"`,
        {
          hint: `commands: ${commands.map((c) => c.path.join(' ')).join(', ')}; see gov --help`,
        },
      );
    }
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
      throw new UserError(
        'invalid_arguments',
        (error as Error).message.split('\n')[0] ?? 'invalid arguments',
        {
          hint: `usage: ${command.usage}`,
        },
      );
    }
    if (parsed.positionals.length > command.positionals.length) {
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
