import { runCli } from './run.ts';
import { processSecretInput } from './secret-input.ts';

const code = await runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  secretInput: processSecretInput(process.stdin, process.stderr),
});
process.exitCode = code;
