/**
 * Renders the subset of Helm's template language that charts/gov-platform
 * uses, because no Helm binary runs here. Anything outside the subset is
 * refused with the template's name and line, so a template change this
 * renderer cannot render faithfully fails the tests instead of passing on a
 * wrong rendering.
 *
 * The subset:
 *   actions    {{ pipeline }}; trim markers {{- and -}}; comments {{/* … *\/}}
 *   blocks     {{ define "name" }} (in _*.tpl files), {{ if pipeline }},
 *              {{ range pipeline }} over a list, {{ end }}. No else, with,
 *              template, block, variables or assignments.
 *   operands   . and $; fields .Values.a.b, $.Values.a.b, .Release.Name,
 *              .Release.Namespace, .Release.Service, .Chart.Name,
 *              .Chart.Version, .Chart.AppVersion; "strings" without
 *              escapes; integers
 *   functions  include "name" (. or $), quote, default, toYaml, nindent,
 *              sha256sum
 *   pipelines  a | f x: a becomes f's last argument, as in Go
 *
 * Go's and Helm's semantics are kept where the chart depends on them: `$`
 * is the data a template was called with; `if` is false for a missing
 * value, false, 0, "" and empty lists and maps; a field of a missing value
 * is an error; `default` treats those empty values as unset; `toYaml`
 * sorts keys and drops the final newline; `nindent` pads every line.
 *
 * Stricter than Helm, where Helm would render something quietly wrong:
 * printing (or quoting) a missing value, a map or a list, printing a number
 * that Go would print in exponent form (values files' numbers are float64
 * in Helm, so 1000000 prints as 1e+06; helm/helm#1707), quoting text that
 * Go's %q would escape differently from JSON.
 */
import { createHash } from 'node:crypto';
import {
  type Node,
  type Operand,
  type Pipeline,
  parseTemplate,
  TemplateError,
} from './template-parser.ts';
import { yamlText } from './yaml.ts';

export { TemplateError };

/** What `.Release` and `.Chart` expose: only the fields of the subset. */
export interface RenderContext {
  Values: Record<string, unknown>;
  Release: { Name: string; Namespace: string; Service: 'Helm' };
  Chart: { Name: string; Version: string; AppVersion: string };
}

const RELEASE_FIELDS = new Set(['Name', 'Namespace', 'Service']);
const CHART_FIELDS = new Set(['Name', 'Version', 'AppVersion']);

/** Go's fmt %v of a float64, where it agrees with JavaScript: integers below 1e6. */
function formatNumber(n: number, at: string): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e6) return String(n);
  throw new TemplateError(
    `${at}: Helm prints ${n} as a float64 (e.g. 1e+06): pipe it through toYaml, or quote it in values`,
  );
}

function printable(value: unknown, at: string, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value, at);
  if (typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) {
    throw new TemplateError(`${at}: ${what} of a missing value (Helm would print nothing)`);
  }
  throw new TemplateError(`${at}: ${what} of a map or list: use toYaml`);
}

/** Go's template.IsTrue. */
function isTrue(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Root || value instanceof Builtin) return true;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** The top-level data of a template (`.` at the start, `$` throughout). */
class Root {
  constructor(readonly context: RenderContext) {}
}

/** `.Release` or `.Chart`: only the subset's fields can be read. */
class Builtin {
  constructor(
    readonly name: 'Release' | 'Chart',
    readonly fields: Record<string, string>,
  ) {}
}

class Renderer {
  private depth = 0;
  constructor(private readonly defines: Map<string, Node[]>) {}

  render(nodes: Node[], dot: unknown, root: unknown): string {
    let out = '';
    for (const node of nodes) {
      if (node.kind === 'text') out += node.text;
      else if (node.kind === 'output') {
        out += printable(this.pipeline(node.pipeline, dot, root, node.at), node.at, 'printing');
      } else if (node.kind === 'if') {
        if (isTrue(this.pipeline(node.pipeline, dot, root, node.at))) {
          out += this.render(node.body, dot, root);
        }
      } else {
        const list = this.pipeline(node.pipeline, dot, root, node.at);
        if (list === undefined || list === null) continue;
        if (!Array.isArray(list))
          throw new TemplateError(`${node.at}: range over a map or scalar is outside the subset`);
        for (const item of list) out += this.render(node.body, item, root);
      }
    }
    return out;
  }

  private pipeline(pipeline: Pipeline, dot: unknown, root: unknown, at: string): unknown {
    let value: unknown;
    pipeline.forEach((command, index) => {
      const args = command.args.map((a) => this.operand(a, dot, root, at));
      if (index > 0) args.push(value);
      value = command.fn ? this.call(command.fn, args, command.args, at) : args[0];
    });
    return value;
  }

  private operand(op: Operand, dot: unknown, root: unknown, at: string): unknown {
    if (op.kind !== 'field') return op.value;
    let value = op.from === '$' ? root : dot;
    op.path.forEach((name, i) => {
      const shown = `${op.from === '$' ? '$' : ''}.${op.path.slice(0, i + 1).join('.')}`;
      if (value instanceof Root) {
        if (name === 'Values') value = value.context.Values;
        else if (name === 'Release' || name === 'Chart') {
          value = new Builtin(name, { ...value.context[name] });
        } else throw new TemplateError(`${at}: .${name} is outside the subset`);
        return;
      }
      if (value instanceof Builtin) {
        const allowed = value.name === 'Release' ? RELEASE_FIELDS : CHART_FIELDS;
        if (!allowed.has(name)) throw new TemplateError(`${at}: ${shown} is outside the subset`);
        value = value.fields[name];
        return;
      }
      if (value === undefined || value === null) {
        throw new TemplateError(
          `${at}: nil pointer evaluating ${shown} (a value on the way is missing)`,
        );
      }
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw new TemplateError(
          `${at}: can't evaluate field ${name} in a ${Array.isArray(value) ? 'list' : typeof value}`,
        );
      }
      const record = value as Record<string, unknown>;
      value = Object.hasOwn(record, name) ? record[name] : undefined;
    });
    return value;
  }

  private call(fn: string, args: unknown[], ops: Operand[], at: string): unknown {
    const [a, b] = args;
    switch (fn) {
      case 'include': {
        const ctx = ops[1];
        if (ops[0]?.kind !== 'string' || ctx?.kind !== 'field' || ctx.path.length > 0) {
          throw new TemplateError(`${at}: include takes a "name" and . or $ in the subset`);
        }
        const body = this.defines.get(a as string);
        if (!body) throw new TemplateError(`${at}: no template "${a}"`);
        if (++this.depth > 50) throw new TemplateError(`${at}: include nested too deep`);
        try {
          return this.render(body, b, b);
        } catch (error) {
          if (error instanceof TemplateError) {
            throw new TemplateError(`${error.message} (included from ${at})`);
          }
          throw error;
        } finally {
          this.depth--;
        }
      }
      case 'quote':
        return goQuote(printable(a, at, 'quote'), at);
      case 'default':
        return isTrue(b) ? b : a;
      case 'toYaml':
        if (a === undefined || a === null)
          throw new TemplateError(`${at}: toYaml of a missing value`);
        return yamlText(a);
      case 'nindent':
        if (typeof a !== 'number' || typeof b !== 'string') {
          throw new TemplateError(`${at}: nindent takes an integer and a string`);
        }
        return `\n${b.replace(/^/gm, ' '.repeat(a))}`;
      case 'sha256sum':
        if (typeof a !== 'string') throw new TemplateError(`${at}: sha256sum takes a string`);
        return createHash('sha256').update(a).digest('hex');
      default:
        throw new TemplateError(`${at}: function "${fn}" is outside the subset`);
    }
  }
}

/** Go's %q, where it agrees with JSON: printable ASCII. */
function goQuote(text: string, at: string): string {
  if (!/^[\x20-\x7e]*$/.test(text)) {
    throw new TemplateError(
      `${at}: quote of non-ASCII or control characters is outside the subset`,
    );
  }
  return JSON.stringify(text);
}

/** Renders every file that is not a partial (`_*`), with the defines of all files. */
export function renderTemplates(
  files: Map<string, string>,
  context: RenderContext,
): Map<string, string> {
  const parsed = new Map([...files].map(([file, source]) => [file, parseTemplate(file, source)]));
  const defines = new Map<string, Node[]>();
  for (const [file, p] of parsed) {
    for (const [name, body] of p.defines) {
      if (defines.has(name)) throw new TemplateError(`${file}: template "${name}" defined twice`);
      defines.set(name, body);
    }
  }
  const renderer = new Renderer(defines);
  const out = new Map<string, string>();
  for (const [file, p] of parsed) {
    if (file.split('/').pop()?.startsWith('_')) continue;
    const root = new Root(context);
    out.set(file, renderer.render(p.nodes, root, root));
  }
  return out;
}
