import { describe, expect, it } from 'vitest';
import { type RenderContext, renderTemplates } from './render.ts';
import { loadDocuments } from './yaml.ts';

const context = (values: Record<string, unknown> = {}): RenderContext => ({
  Values: values,
  Release: { Name: 'gov', Namespace: 'gov-system', Service: 'Helm' },
  Chart: { Name: 'gov-platform', Version: '0.1.0', AppVersion: '0.1.0' },
});

/** Renders one template (plus optional helpers) and returns its output. */
function render(source: string, values?: Record<string, unknown>, helpers?: string): string {
  const files = new Map([['templates/t.yaml', source]]);
  if (helpers !== undefined) files.set('templates/_helpers.tpl', helpers);
  return renderTemplates(files, context(values)).get('templates/t.yaml') ?? '';
}

describe('template subset: what it renders as Helm does', () => {
  it('trims whitespace on the marked side of an action only', () => {
    expect(render('a:\n  {{- " b" }}  \n{{ "c" -}}   \nd')).toBe('a: b  \ncd');
  });

  it('treats missing values, false, 0, "" and empty lists and maps as false in if', () => {
    const t = '{{ if .Values.x }}yes{{ end }}';
    for (const x of [undefined, false, 0, '', [], {}]) expect(render(t, { x })).toBe('');
    for (const x of [true, 1, 'a', ['a'], { a: 1 }]) expect(render(t, { x })).toBe('yes');
  });

  it('gives a piped value to the function as its last argument', () => {
    expect(render('{{ .Values.tag | default .Chart.AppVersion | quote }}', { tag: '' })).toBe(
      '"0.1.0"',
    );
    expect(render('{{ .Values.tag | default "x" }}', { tag: 'v2' })).toBe('v2');
  });

  it('renders toYaml with sorted keys and nindent on every line', () => {
    const out = render('spec:\n  {{- toYaml .Values.m | nindent 2 }}', { m: { b: [1], a: 'on' } });
    expect(out).toBe("spec:\n  a: 'on'\n  b:\n    - 1");
  });

  it('ranges over a list with the element as . and the root as $', () => {
    const t = '{{- range .Values.l }}\n- {{ . }}.{{ $.Values.d }}{{ end }}';
    expect(render(t, { l: ['a', 'b'], d: 'x' })).toBe('\n- a.x\n- b.x');
    expect(render(t, { d: 'x' })).toBe('');
  });

  it('includes a define with the given data and hashes it', () => {
    const helpers = '{{- define "n" -}}\n{{ .Release.Name }}-cp\n{{- end }}';
    expect(render('{{ include "n" . }}', {}, helpers)).toBe('gov-cp');
    expect(render('{{ include "n" . | sha256sum }}', {}, helpers)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('prints numbers as Helm prints float64 values below 1e6, and big ones through toYaml', () => {
    expect(render('{{ .Values.n }} {{ .Values.n | quote }}', { n: 7070 })).toBe('7070 "7070"');
    expect(render('{{ .Values.n | toYaml }}', { n: 1000680000 })).toBe('1000680000');
  });
});

describe('template subset: what it refuses, by template and line', () => {
  const refusals: Array<[string, string, Record<string, unknown>?]> = [
    ['a\nb\n{{ .Values.x | upper }}', 't.yaml:3: function "upper" is outside the subset'],
    ['{{ if .Values.x }}a{{ else }}b{{ end }}', '"else" is outside the subset'],
    ['{{ with .Values.x }}{{ . }}{{ end }}', '"with" is outside the subset'],
    ['{{ $n := 1 }}', 'variables and assignments are outside the subset'],
    ['{{ range $i, $e := .Values.l }}{{ end }}', 'outside the subset'],
    ['{{ .Capabilities.KubeVersion }}', '.Capabilities is outside the subset'],
    ['{{ .Release.Revision }}', '.Release.Revision is outside the subset'],
    ['{{ tpl .Values.x . }}', 'function "tpl" is outside the subset'],
    ['{{ include (print "a") . }}', 'parentheses'],
    ['{{ "a\\"b" }}', 'escapes'],
    ['{{ .Values.missing }}', 'printing of a missing value'],
    ['{{ .Values.a.b }}', 'nil pointer evaluating .Values.a.b'],
    ['{{ .Values.m }}', 'printing of a map or list: use toYaml', { m: { a: 1 } }],
    ['{{ .Values.n }}', 'Helm prints 1000000 as a float64', { n: 1_000_000 }],
    ['{{ .Values.s | quote }}', 'non-ASCII or control characters', { s: 'é' }],
    ['{{ if .Values.x }}', 'block never ended'],
    ['{{ end }}', 'end without a block'],
    ['{{ include "nope" . }}', 'no template "nope"'],
    ['{{ define "x" }}{{ end }}', 'only at the top of a _*.tpl file'],
  ];
  it.each(refusals)('refuses %s', (source, message, values) => {
    expect(() => render(source, values)).toThrow(message);
  });

  it('names the define and the including template when an included define fails', () => {
    const helpers = '{{- define "n" -}}\n{{ .Values.gone }}\n{{- end }}';
    expect(() => render('x\n{{ include "n" . }}', {}, helpers)).toThrow(
      'templates/_helpers.tpl:2: printing of a missing value (Helm would print nothing) (included from templates/t.yaml:2)',
    );
  });

  it('refuses rendered scalars that YAML 1.1 and 1.2 read differently', () => {
    for (const scalar of ['on', 'no', '0755', '1_000', '1:30', '0o17']) {
      expect(() => loadDocuments(`a: ${scalar}`, 'x.yaml')).toThrow('quote it');
    }
    expect(loadDocuments('a: "on"\nb: \'0755\'\nc: 7070', 'x.yaml')).toEqual([
      { a: 'on', b: '0755', c: 7070 },
    ]);
  });
});
