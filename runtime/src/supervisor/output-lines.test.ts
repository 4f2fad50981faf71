import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { onOutputLines } from './output-lines.ts';

async function collect(chunks: Array<string | Buffer>, max?: number): Promise<string[]> {
  const stream = new PassThrough();
  const lines: string[] = [];
  onOutputLines(stream, (l) => lines.push(l), max);
  const ended = new Promise((resolve) => stream.on('end', resolve));
  for (const c of chunks) stream.write(c);
  stream.end();
  await ended;
  return lines;
}

describe('onOutputLines', () => {
  it('splits lines across chunk boundaries and keeps a last unterminated line', async () => {
    expect(await collect(['bon', 'jour\nà ', 'tous\r\nfin'])).toEqual(['bonjour', 'à tous', 'fin']);
  });

  it('never keeps more than the cap of one huge line, and says how much it dropped', async () => {
    const huge = Buffer.alloc(3 * 1024 * 1024, 0x61);
    const lines = await collect([huge, huge, 'suite\n', 'ok\n'], 1024);
    expect(lines).toHaveLength(2);
    expect(lines[0]?.startsWith('a'.repeat(1024))).toBe(true);
    expect(lines[0]).toContain(`[${6 * 1024 * 1024 - 1024 + 5} bytes dropped]`);
    expect(lines[1]).toBe('ok');
  });
});
