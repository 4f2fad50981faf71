import { MAX_SECRET_BYTES } from '@gov/contract';
import { UserError } from './errors.ts';

/** Where a secret's value comes from: never a flag, so it never sits in a shell history. */
export interface SecretInput {
  /** True when a person types at a terminal (the value is then asked for, unechoed). */
  interactive: boolean;
  /** All of standard input, or what was typed at the prompt. */
  read(prompt: string): Promise<string>;
}

/**
 * The process's own standard input: piped (`printf %s "$KEY" | gov secrets
 * put API_KEY`), or a prompt that echoes nothing when it is a terminal.
 */
export function processSecretInput(
  stdin: NodeJS.ReadStream,
  stderr: NodeJS.WriteStream,
): SecretInput {
  return {
    interactive: Boolean(stdin.isTTY),
    read: (prompt) => (stdin.isTTY ? promptHidden(stdin, stderr, prompt) : readAll(stdin)),
  };
}

async function readAll(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stdin) {
    const bytes = Buffer.from(chunk as Buffer);
    total += bytes.length;
    // Stop reading early: a secret is short, and a mistaken pipe may be endless.
    if (total > MAX_SECRET_BYTES + 2) break;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function promptHidden(
  stdin: NodeJS.ReadStream,
  stderr: NodeJS.WriteStream,
  prompt: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    stderr.write(prompt);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003')
          return done(new UserError('cancelled', 'cancelled: nothing was set'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}

/** One trailing newline (from `echo` or a file) is not part of the secret. */
export function secretValueOf(raw: string): string {
  const value = raw.endsWith('\r\n')
    ? raw.slice(0, -2)
    : raw.endsWith('\n')
      ? raw.slice(0, -1)
      : raw;
  if (value === '') {
    throw new UserError('invalid_argument', 'the secret is empty: nothing was set', {
      hint: 'type the value at the prompt, or pipe it: printf %s "$VALUE" | gov secrets put NAME',
    });
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) {
    throw new UserError(
      'invalid_argument',
      `the secret is over ${MAX_SECRET_BYTES} bytes: nothing was set`,
      {
        hint: 'a secret is a key or a password; keep larger data in the app’s storage',
      },
    );
  }
  return value;
}
