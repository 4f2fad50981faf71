import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './platform-process.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `gov` CLI as a ministry developer would, in a child process;
 * `input` is piped to its standard input (as `printf %s "$KEY" | gov …`).
 */
export function gov(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = repoRoot,
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'sdk/bin/gov.js'), ...args], {
      cwd,
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (input !== undefined) child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
