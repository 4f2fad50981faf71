/**
 * Where the platform image holds Node and its two programs. The Helm chart's
 * commands name these paths (test/charts checks that they agree): the image
 * has no shell and no PATH to look `node` up in.
 */
export const IMAGE_ROOT = '/opt/gov';
export const IMAGE_NODE = `${IMAGE_ROOT}/node`;
export const IMAGE_PROGRAMS = {
  controlPlane: `${IMAGE_ROOT}/platform/bin/control-plane.mjs`,
  gateway: `${IMAGE_ROOT}/platform/bin/gateway.mjs`,
} as const;

/**
 * How an operator reads the first operator token in a control-plane pod
 * (`kubectl exec … -- <this>`, as the chart's NOTES.txt says): the image has
 * no shell and no cat, so its Node reads the file.
 */
export function readBootstrapTokenCommand(dataDir: string): string[] {
  return [
    IMAGE_NODE,
    '-p',
    `require('node:fs').readFileSync('${dataDir}/bootstrap-token', 'utf8').trim()`,
  ];
}
