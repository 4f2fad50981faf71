import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppLogStore, MAX_BYTES_PER_APP_DAY } from './log-store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gov-logs-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const line = (message: string, at?: Date) => ({
  deploymentId: 'dep_a',
  kind: 'console' as const,
  stream: 'stdout' as const,
  message,
  ...(at ? { at } : {}),
});

describe('AppLogStore', () => {
  it('keeps each app apart, in files only the platform reads, and reads them back in order', async () => {
    const store = new AppLogStore(dir, 7);
    store.add('app_un', line('premier'));
    store.add('app_deux', line('autre app'));
    store.add('app_un', line('second'));
    const un = await store.read({ appId: 'app_un' });
    expect(un.map((l) => l.message)).toEqual(['premier', 'second']);
    expect((un[0]?.id ?? '') < (un[1]?.id ?? '')).toBe(true);
    expect((await store.read({ appId: 'app_deux' })).map((l) => l.message)).toEqual(['autre app']);
    const [file] = await readdir(path.join(dir, 'app_un'));
    expect(((await stat(path.join(dir, 'app_un', file ?? ''))).mode & 0o077).toString(8)).toBe('0');
    // A follow reads what came after a line, from memory; a new store reads the files.
    expect((await store.read({ appId: 'app_un', after: un[0]?.id })).map((l) => l.message)).toEqual(
      ['second'],
    );
    const reopened = new AppLogStore(dir, 7);
    expect(
      (await reopened.read({ appId: 'app_un', after: un[0]?.id })).map((l) => l.message),
    ).toEqual(['second']);
  });

  it('cuts long lines, and keeps at most its daily share per app, counting what it refused', async () => {
    const store = new AppLogStore(dir, 7);
    store.add('app_un', line('x'.repeat(100_000)));
    expect((await store.read({ appId: 'app_un' }))[0]?.message.length).toBe(8 * 1024);
    const big = 'y'.repeat(8 * 1024);
    const lines = Math.ceil(MAX_BYTES_PER_APP_DAY / big.length) + 10;
    for (let i = 0; i < lines; i++) store.add('app_un', line(big));
    await store.read({ appId: 'app_un', limit: 1 });
    expect(store.droppedToday('app_un')).toBeGreaterThan(0);
    const [file] = await readdir(path.join(dir, 'app_un'));
    expect((await stat(path.join(dir, 'app_un', file ?? ''))).size).toBeLessThanOrEqual(
      MAX_BYTES_PER_APP_DAY,
    );
  });

  it('deletes days past the retention period', async () => {
    await mkdir(path.join(dir, 'app_un'), { recursive: true });
    await writeFile(path.join(dir, 'app_un', '2026-01-01.jsonl'), '');
    const store = new AppLogStore(dir, 7);
    store.add('app_un', line('aujourd’hui'));
    await store.read({ appId: 'app_un' });
    await store.prune();
    expect(await readdir(path.join(dir, 'app_un'))).toEqual([
      `${new Date().toISOString().slice(0, 10)}.jsonl`,
    ]);
  });
});

describe('AppLogStore ids', () => {
  it('follow lines by arrival: a line about an earlier moment, added later, still comes after', async () => {
    const dir2 = await mkdtemp(path.join(tmpdir(), 'gov-logs-order-'));
    try {
      const store = new AppLogStore(dir2, 7);
      store.add('app_un', line('printed by the handler'));
      const [printed] = await store.read({ appId: 'app_un' });
      // The gateway's record of that request arrives afterwards, dated when it began.
      store.add('app_un', line('GET / 200', new Date(Date.now() - 1_000)));
      const after = await store.read({ appId: 'app_un', after: printed?.id });
      expect(after.map((l) => l.message)).toEqual(['GET / 200']);
    } finally {
      await rm(dir2, { recursive: true, force: true });
    }
  });
});
