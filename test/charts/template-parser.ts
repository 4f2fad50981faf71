/**
 * Parses templates of the subset render.ts documents into nodes, refusing
 * anything else with the template's name and line.
 */

/** A template outside the subset, or wrong: the message starts with `template:line`. */
export class TemplateError extends Error {
  readonly code = 'template_unsupported';
}

export type Operand =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'field'; from: '.' | '$'; path: string[] };
export interface Command {
  fn?: string;
  args: Operand[];
}
export type Pipeline = Command[];
export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; pipeline: Pipeline; at: string }
  | { kind: 'if' | 'range'; pipeline: Pipeline; body: Node[]; at: string };

export interface Parsed {
  nodes: Node[];
  defines: Map<string, Node[]>;
}

/** The subset's functions and how many arguments each takes, the piped value included. */
export const FUNCTIONS: Record<string, number> = {
  include: 2,
  quote: 1,
  default: 2,
  toYaml: 1,
  nindent: 2,
  sha256sum: 1,
};

interface Action {
  body: string;
  line: number;
  trimLeft: boolean;
  trimRight: boolean;
  comment: boolean;
}

/** Splits a template into text and actions (comments dropped), applying trim markers. */
function tokenize(file: string, source: string): Array<string | Action> {
  // Go's trim markers remove ASCII space, tab, CR and LF only.
  const tokens: Array<string | Action> = [];
  const lineAt = (index: number) => source.slice(0, index).split('\n').length;
  let pos = 0;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    if (open < 0) {
      tokens.push(source.slice(pos));
      break;
    }
    tokens.push(source.slice(pos, open));
    const line = lineAt(open);
    const at = `${file}:${line}`;
    // Go: a trim marker is "-" with a space; "{{-3}}" is the number -3.
    const trimLeft = /^-[ \t\r\n]/.test(source.slice(open + 2, open + 4));
    const start = open + 2 + (trimLeft ? 2 : 0);
    let close: number;
    let body: string;
    const comment = source.startsWith('/*', start);
    if (comment) {
      const commentEnd = source.indexOf('*/', start + 2);
      if (commentEnd < 0) throw new TemplateError(`${at}: unclosed comment`);
      close = source.indexOf('}}', commentEnd);
      if (close < 0 || !/^([ \t\r\n]+-)?$/.test(source.slice(commentEnd + 2, close))) {
        throw new TemplateError(`${at}: a comment must end its action`);
      }
      body = '';
    } else {
      close = -1;
      let inString = false;
      for (let i = start; i < source.length - 1; i++) {
        const c = source[i];
        if (c === '`') throw new TemplateError(`${at}: raw strings are outside the subset`);
        if (inString && (c === '\\' || c === '\n')) {
          throw new TemplateError(`${at}: escapes and newlines in strings are outside the subset`);
        }
        if (c === '"') inString = !inString;
        else if (!inString && c === '}' && source[i + 1] === '}') {
          close = i;
          break;
        }
      }
      if (close < 0) throw new TemplateError(`${at}: unclosed action`);
      body = source.slice(start, close);
    }
    const inner = source.slice(start, close);
    const trimRight = /[ \t\r\n]-$/.test(inner);
    if (trimRight && body) body = body.slice(0, -1);
    tokens.push({ body: body.trim(), line, trimLeft, trimRight, comment });
    pos = close + 2;
  }
  tokens.forEach((token, t) => {
    if (typeof token === 'string') return;
    const before = tokens[t - 1];
    const after = tokens[t + 1];
    if (token.trimLeft && typeof before === 'string')
      tokens[t - 1] = before.replace(/[ \t\r\n]+$/, '');
    if (token.trimRight && typeof after === 'string')
      tokens[t + 1] = after.replace(/^[ \t\r\n]+/, '');
  });
  return tokens;
}

function parseOperand(word: string, at: string): Operand {
  if (/^"[^"\\]*"$/.test(word)) return { kind: 'string', value: word.slice(1, -1) };
  if (/^-?\d+$/.test(word)) return { kind: 'int', value: Number(word) };
  if (word === '.' || word === '$') return { kind: 'field', from: word, path: [] };
  const field = /^(\$?)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$/.exec(word);
  if (field) {
    return {
      kind: 'field',
      from: field[1] ? '$' : '.',
      path: (field[2] ?? '').split('.').slice(1),
    };
  }
  throw new TemplateError(
    `${at}: "${word}" is outside the subset (operands are ., $, fields, "strings", integers)`,
  );
}

function parsePipeline(text: string, at: string): Pipeline {
  if (/[():=,]/.test(text.replace(/"[^"]*"/g, '""'))) {
    throw new TemplateError(
      `${at}: parentheses, variables and assignments are outside the subset: ${text}`,
    );
  }
  const commands = text.split(/\|(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((c) => c.trim());
  return commands.map((command, index) => {
    const words = command.match(/"[^"]*"|\S+/g) ?? [];
    const [first, ...rest] = words;
    if (first === undefined) throw new TemplateError(`${at}: empty command in "${text}"`);
    if (/^[A-Za-z][A-Za-z0-9]*$/.test(first)) {
      const arity = FUNCTIONS[first];
      if (arity === undefined) {
        throw new TemplateError(
          `${at}: function "${first}" is outside the subset (${Object.keys(FUNCTIONS).join(', ')})`,
        );
      }
      const given = rest.length + (index > 0 ? 1 : 0);
      if (given !== arity) {
        throw new TemplateError(
          `${at}: ${first} takes ${arity} argument(s) in the subset, given ${given}`,
        );
      }
      return { fn: first, args: rest.map((w) => parseOperand(w, at)) };
    }
    if (index > 0 || rest.length > 0) {
      throw new TemplateError(`${at}: "${command}" is not a function call`);
    }
    return { args: [parseOperand(first, at)] };
  });
}

/** Parses one template file into nodes and the templates it defines. */
export function parseTemplate(file: string, source: string): Parsed {
  const root: Node[] = [];
  const defines = new Map<string, Node[]>();
  const stack: Array<{ body: Node[]; at: string; define?: string }> = [{ body: root, at: file }];
  for (const token of tokenize(file, source)) {
    const current = stack[stack.length - 1] as { body: Node[] };
    if (typeof token === 'string') {
      if (token !== '') current.body.push({ kind: 'text', text: token });
      continue;
    }
    const at = `${file}:${token.line}`;
    const body = token.body;
    if (token.comment) continue;
    if (body === '') throw new TemplateError(`${at}: empty action`);
    const [keyword = '', ...restWords] = body.split(/\s+/);
    const rest = body.slice(keyword.length).trim();
    if (keyword === 'define') {
      const name = /^"([^"]+)"$/.exec(rest)?.[1];
      if (!name || restWords.length !== 1)
        throw new TemplateError(`${at}: define takes one "name"`);
      if (stack.length !== 1 || !file.split('/').pop()?.startsWith('_')) {
        throw new TemplateError(`${at}: define is in the subset only at the top of a _*.tpl file`);
      }
      if (defines.has(name)) throw new TemplateError(`${at}: template "${name}" defined twice`);
      const nodes: Node[] = [];
      defines.set(name, nodes);
      stack.push({ body: nodes, at, define: name });
    } else if (keyword === 'if' || keyword === 'range') {
      if (keyword === 'range' && /\$[A-Za-z_]|:=/.test(rest)) {
        throw new TemplateError(`${at}: range variables are outside the subset`);
      }
      const node: Node = { kind: keyword, pipeline: parsePipeline(rest, at), body: [], at };
      current.body.push(node);
      stack.push({ body: node.body, at });
    } else if (keyword === 'end') {
      if (stack.length === 1) throw new TemplateError(`${at}: end without a block`);
      stack.pop();
    } else if (
      ['else', 'with', 'template', 'block', 'break', 'continue', 'nil'].includes(keyword)
    ) {
      throw new TemplateError(`${at}: "${keyword}" is outside the subset`);
    } else {
      current.body.push({ kind: 'output', pipeline: parsePipeline(body, at), at });
    }
  }
  if (stack.length > 1)
    throw new TemplateError(`${stack[stack.length - 1]?.at}: block never ended`);
  if (!file.split('/').pop()?.startsWith('_') && defines.size > 0) {
    throw new TemplateError(`${file}: defines belong in _*.tpl files`);
  }
  return { nodes: root, defines };
}
