import yaml from 'js-yaml';

/**
 * js-yaml reads YAML 1.2; Helm and the API server read values and manifests
 * with Go YAML libraries that keep YAML 1.1's readings of some plain
 * scalars (`on` is true, `0755` is 493, `1_000` is 1000, `1:30` is 90,
 * `0o17` is a string).
 * Where the two readings differ, parsing here stops instead of checking a
 * document the cluster would read otherwise. Quoted scalars are not affected.
 */
const yaml11Ambiguity = new yaml.Type('tag:gov/yaml11-ambiguous', {
  kind: 'scalar',
  resolve: (data: unknown) =>
    typeof data === 'string' &&
    (/^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/.test(data) ||
      /^[-+]?0[0-9_]+$/.test(data) ||
      /^[-+]?0o[0-7]+$/.test(data) ||
      /^[-+]?[0-9][0-9]*_[0-9_]*$/.test(data) ||
      /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/.test(data)),
  construct: (data: string) => {
    throw new Error(
      `the plain scalar "${data}" reads differently in YAML 1.1 (Kubernetes, Helm) and 1.2: quote it`,
    );
  },
});

// @types/js-yaml omits `types`, which js-yaml 4 exports: the core schema's
// scalar types, needed to put the ambiguity check before them.
const core = (yaml as unknown as { types: Record<'null' | 'bool' | 'int' | 'float', yaml.Type> })
  .types;

const schema = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [yaml11Ambiguity, core.null, core.bool, core.int, core.float],
});

/** Every document of a YAML stream (empty ones dropped), as Helm splits a rendered file. */
export function loadDocuments(text: string, filename: string): unknown[] {
  return yaml
    .loadAll(text, null, { schema, filename })
    .filter((d) => d !== null && d !== undefined);
}

/** One YAML document: a values file or Chart.yaml. */
export function loadDocument(text: string, filename: string): unknown {
  return yaml.load(text, { schema, filename });
}

/** Helm's toYaml: keys sorted, no final newline, YAML 1.1 look-alikes quoted. */
export function yamlText(value: unknown): string {
  return yaml.dump(value, { sortKeys: true, lineWidth: -1, noRefs: true }).replace(/\n$/, '');
}
