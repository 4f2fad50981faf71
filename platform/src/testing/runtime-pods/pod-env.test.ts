import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../kubernetes-api-double/index.ts';
import { containerEnvironment } from './pod-env.ts';
import { materialiseVolumes } from './pod-volumes.ts';

/** A pod's environment and volumes, as the runner builds them from the double's objects. */
const b64 = (text: string) => Buffer.from(text).toString('base64');
const objects: Record<string, KubeObject> = {
  'Secret/token': {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'token', uid: 's', resourceVersion: '1', creationTimestamp: '' },
    data: { token: b64('capability\n'), user: b64('agent') },
  },
  'ConfigMap/vars': {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'vars', uid: 'c', resourceVersion: '1', creationTimestamp: '' },
    data: { 'vars.json': '{"GREETING":"bonjour"}', MODE: 'strict' },
  },
};
const read = (kind: string, _namespace: string, name: string) => objects[`${kind}/${name}`];
const context = { podIp: '127.77.0.9', read };

function pod(container: Record<string, unknown>, volumes: unknown[] = []): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1',
      namespace: 'gov-sante',
      uid: 'p',
      resourceVersion: '1',
      creationTimestamp: '',
    },
    spec: { containers: [{ name: 'app', image: 'x', ...container }], volumes },
  };
}

let root = '';
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gov-pod-env-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('a runtime pod’s environment', () => {
  it('reads values, Secret and ConfigMap keys, envFrom with its prefix, and the pod’s address', () => {
    const container = {
      envFrom: [{ configMapRef: { name: 'vars' }, prefix: 'CM_' }],
      env: [
        { name: 'PLAIN', value: 'a' },
        { name: 'USER', valueFrom: { secretKeyRef: { name: 'token', key: 'user' } } },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'vars', key: 'MODE' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        {
          name: 'ABSENT',
          valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } },
        },
      ],
    };
    const env = containerEnvironment(pod(container), container, context, []);
    expect(env).toEqual({
      'CM_vars.json': '{"GREETING":"bonjour"}',
      CM_MODE: 'strict',
      PLAIN: 'a',
      USER: 'agent',
      MODE: 'strict',
      IP: '127.77.0.9',
    });
  });

  it('refuses a missing Secret, so the kubelet tries the start again later', () => {
    const container = {
      env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'later', key: 'token' } } }],
    };
    expect(() => containerEnvironment(pod(container), container, context, [])).toThrow(
      'secret "later" not found',
    );
  });

  it('writes Secret, ConfigMap and emptyDir volumes, and points paths under them there', async () => {
    const container = {
      env: [
        { name: 'GOV_ARTIFACT_TOKEN_FILE', value: '/var/run/gov/token/token' },
        { name: 'GOV_VARS_FILE', value: '/var/run/gov/vars/vars.json' },
        { name: 'GOV_WORK_DIR', value: '/tmp/gov' },
        { name: 'ELSEWHERE', value: '/var/run/gov/tokens' },
      ],
      volumeMounts: [
        { name: 'token', mountPath: '/var/run/gov/token' },
        { name: 'vars', mountPath: '/var/run/gov/vars' },
        { name: 'work', mountPath: '/tmp/gov' },
      ],
    };
    const spec = pod(container, [
      { name: 'token', secret: { secretName: 'token', defaultMode: 0o440 } },
      { name: 'vars', configMap: { name: 'vars' } },
      { name: 'work', emptyDir: {} },
    ]);
    const mounts = await materialiseVolumes(spec, container, context, root);
    const env = containerEnvironment(spec, container, context, mounts);
    expect(await readFile(env.GOV_ARTIFACT_TOKEN_FILE ?? '', 'utf8')).toBe('capability\n');
    expect((await stat(env.GOV_ARTIFACT_TOKEN_FILE ?? '')).mode & 0o777).toBe(0o440);
    expect(JSON.parse(await readFile(env.GOV_VARS_FILE ?? '', 'utf8'))).toEqual({
      GREETING: 'bonjour',
    });
    expect((await stat(env.GOV_WORK_DIR ?? '')).isDirectory()).toBe(true);
    expect(env.GOV_WORK_DIR?.startsWith(root)).toBe(true);
    // A sibling path that merely starts with a mount's text is not under it.
    expect(env.ELSEWHERE).toBe('/var/run/gov/tokens');
  });

  it('refuses to start before a mounted Secret exists', async () => {
    const container = { volumeMounts: [{ name: 'token', mountPath: '/t' }] };
    const spec = pod(container, [{ name: 'token', secret: { secretName: 'later' } }]);
    await expect(materialiseVolumes(spec, container, context, root)).rejects.toThrow(
      'secret "later" not found',
    );
  });
});
