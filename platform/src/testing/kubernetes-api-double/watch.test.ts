import { CoreV1Api, makeInformer, type V1ConfigMap, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfigFor } from './clients.ts';
import { type KubernetesApiDouble, startKubernetesApiDouble } from './start.ts';

let double: KubernetesApiDouble;
let core: CoreV1Api;
let watch: Watch;
const path = '/api/v1/namespaces/default/configmaps';

beforeAll(async () => {
  double = await startKubernetesApiDouble({
    controllers: false,
    bookmarkIntervalMs: 100,
    watchHistorySize: 50,
  });
  const kc = kubeConfigFor(double);
  core = kc.makeApiClient(CoreV1Api);
  watch = new Watch(kc);
});
afterAll(() => double.close());

interface Seen {
  type: string;
  name?: string;
  object: {
    code?: number;
    reason?: string;
    metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
  };
}

/** Opens a watch and collects its events; `ended` resolves with what `done` was called with. */
async function collect(query: Record<string, string | number | boolean>) {
  const events: Seen[] = [];
  let finish: (err: unknown) => void = () => {};
  const ended = new Promise<unknown>((resolve) => {
    finish = resolve;
  });
  const controller = await watch.watch(
    path,
    query,
    (type, object: Seen['object']) => events.push({ type, name: object.metadata?.name, object }),
    (err) => finish(err ?? null),
  );
  return { events, ended, stop: () => controller.abort() };
}

const create = (name: string, labels?: Record<string, string>) =>
  core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name, ...(labels ? { labels } : {}) } },
  });
const relabel = (name: string, labels: Record<string, string>) =>
  core.replaceNamespacedConfigMap({
    name,
    namespace: 'default',
    body: { metadata: { name, labels } },
  });

describe('watch', () => {
  it('replays the changes after a resourceVersion, in order', async () => {
    const first = await create('replay-a');
    await relabel('replay-a', { changed: 'yes' });
    await create('replay-b');
    await core.deleteNamespacedConfigMap({ name: 'replay-a', namespace: 'default' });

    const w = await collect({ resourceVersion: first.metadata?.resourceVersion ?? '' });
    await eventually(() => (w.events.length >= 3 ? true : undefined));
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual([
      'MODIFIED replay-a',
      'ADDED replay-b',
      'DELETED replay-a',
    ]);
  });

  it('starts a watch without resourceVersion with the current objects, then live changes', async () => {
    const w = await collect({ labelSelector: 'fresh=yes' });
    await create('fresh-1', { fresh: 'yes' });
    await eventually(() => (w.events.length >= 1 ? true : undefined));
    await create('fresh-2', { fresh: 'yes' });
    await eventually(() => (w.events.length >= 2 ? true : undefined));
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED fresh-1', 'ADDED fresh-2']);

    const again = await collect({ labelSelector: 'fresh=yes' });
    await eventually(() => (again.events.length >= 2 ? true : undefined));
    again.stop();
    expect(again.events.map((e) => `${e.type} ${e.name}`)).toEqual([
      'ADDED fresh-1',
      'ADDED fresh-2',
    ]);
  });

  it('reports an object leaving or entering a label selection as DELETED or ADDED', async () => {
    await create('moving', { stage: 'blue' });
    const w = await collect({ labelSelector: 'stage=blue', resourceVersion: '0' });
    await eventually(() => (w.events.length >= 1 ? true : undefined));
    await relabel('moving', { stage: 'green' });
    await relabel('moving', { stage: 'blue' });
    await eventually(() => (w.events.length >= 3 ? true : undefined));
    w.stop();
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED', 'ADDED']);
  });

  it('sends bookmarks carrying the current resourceVersion when allowed', async () => {
    const latest = await create('bookmarked');
    const w = await collect({
      resourceVersion: latest.metadata?.resourceVersion ?? '',
      allowWatchBookmarks: true,
    });
    const bookmark = await eventually(() => w.events.find((e) => e.type === 'BOOKMARK'));
    w.stop();
    expect(Number(bookmark.object.metadata?.resourceVersion)).toBeGreaterThanOrEqual(
      Number(latest.metadata?.resourceVersion),
    );
  });

  it('ends the stream after timeoutSeconds', async () => {
    const w = await collect({ timeoutSeconds: 1, labelSelector: 'none=here' });
    await expect(w.ended).resolves.toBeNull();
  });

  it('answers a resourceVersion older than the history with a 410 Expired ERROR event', async () => {
    const old = await create('expired');
    await relabel('expired', { before: 'compaction' });
    double.compactWatchHistory();
    const w = await collect({ resourceVersion: old.metadata?.resourceVersion ?? '' });
    await w.ended;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  });

  it('cuts open streams when asked to drop watches', async () => {
    const w = await collect({ labelSelector: 'cut=here' });
    await eventually(() => (double.openWatches > 0 ? true : undefined));
    double.dropWatches();
    await w.ended;
    await eventually(() => (double.openWatches === 0 ? true : undefined));
  });
});

describe('informer (ListWatch)', () => {
  it('follows adds, updates and deletes, and recovers from a dropped watch and an expired resourceVersion', async () => {
    const informer = makeInformer(
      kubeConfigFor(double),
      path,
      () => core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'informed=yes' }),
      'informed=yes',
    );
    const log: string[] = [];
    informer.on('add', (o: V1ConfigMap) => log.push(`add ${o.metadata?.name}`));
    informer.on('update', (o: V1ConfigMap) => log.push(`update ${o.metadata?.name}`));
    informer.on('delete', (o: V1ConfigMap) => log.push(`delete ${o.metadata?.name}`));
    // client-node leaves restarting after an error to its user, as a driver must do.
    informer.on('error', () => setTimeout(() => void informer.start(), 10));
    await informer.start();

    await create('informed-1', { informed: 'yes' });
    await relabel('informed-1', { informed: 'yes', version: '2' });
    await eventually(() => (log.length >= 2 ? true : undefined));

    // A change the informer does not see, then a compaction: its resourceVersion is now too old.
    await create('unrelated');
    double.compactWatchHistory();
    double.dropWatches();
    await create('informed-2', { informed: 'yes' });
    await core.deleteNamespacedConfigMap({ name: 'informed-1', namespace: 'default' });

    await eventually(() =>
      informer
        .list()
        .map((o) => o.metadata?.name)
        .join() === 'informed-2'
        ? true
        : undefined,
    );
    await informer.stop();
    // Resuming from the compacted resourceVersion got 410, so the informer listed again.
    const lists = double.requests.filter((r) => r.method === 'GET' && r.path === path && !r.watch);
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(log.slice(0, 2)).toEqual(['add informed-1', 'update informed-1']);
    expect(log).toContain('add informed-2');
    expect(log).toContain('delete informed-1');
  });
});
