// A parser for the subset of Go's text/template that commit message templates use: text, {{- -}} trimming,
// comments, pipelines, variables, fields, function calls, parentheses, if/else if/else, range, with,
// break/continue. define/template/block are refused by name (TemplateUnsupportedError).

/** A template that does not parse (Go's wording: `template: <name>:<line>: …`). */
export class TemplateParseError extends Error {
  override readonly name = 'TemplateParseError';
}

/** A construct Go accepts that this implementation does not (named in the message). */
export class TemplateUnsupportedError extends Error {
  override readonly name = 'TemplateUnsupportedError';
}

export type Arg =
  | { t: 'field'; src: string; base: 'dot' | { v: string } | { pipe: Pipeline }; path: string[] }
  | { t: 'var'; src: string; name: string }
  | { t: 'str'; value: string }
  | { t: 'num'; value: number }
  | { t: 'bool'; value: boolean }
  | { t: 'nil' }
  | { t: 'ident'; name: string }
  | { t: 'pipe'; pipe: Pipeline };

export interface Command {
  args: Arg[];
}
export interface Pipeline {
  decl: string[];
  assign: boolean;
  cmds: Command[];
  line: number;
  src: string;
}
export type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipeline }
  | { t: 'if' | 'with'; pipe: Pipeline; then: Node[]; else: Node[] }
  | { t: 'range'; pipe: Pipeline; then: Node[]; else: Node[] }
  | { t: 'break' | 'continue'; line: number };

interface Action {
  body: string;
  line: number;
}

/** Splits the template into text and actions, applying Go's trim markers. */
function lex(name: string, src: string): (string | Action)[] {
  const out: (string | Action)[] = [];
  let pos = 0;
  let trimNext = false;
  const lineAt = (i: number) => src.slice(0, i).split('\n').length;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    let text = src.slice(pos, open === -1 ? undefined : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open === -1) {
      if (text) out.push(text);
      break;
    }
    let start = open + 2;
    if (/^-[\t\r\n ]/.test(src.slice(start, start + 2))) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) out.push(text);
    let i = start;
    let quote = '';
    for (; i < src.length; i++) {
      const c = src[i]!;
      if (quote) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = '';
        continue;
      }
      if (c === '"' || c === '`' || c === "'") quote = c;
      else if (src.startsWith('}}', i)) break;
    }
    if (i >= src.length) throw new TemplateParseError(`template: ${name}:${lineAt(open)}: unclosed action`);
    let body = src.slice(start, i);
    if (/[\t\r\n ]-$/.test(body)) {
      body = body.slice(0, -1);
      trimNext = true;
    }
    out.push({ body: body.trim(), line: lineAt(open) });
    pos = i + 2;
  }
  return out;
}

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|('(?:[^'\\]|\\.)')|(:=|=)|(\|)|(\()|(\))|(\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|(\.(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?)|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(,))/y;

/** Parses one pipeline (`$a := f .X | g "y"`), Go's grammar for what is inside an action. */
function parsePipeline(name: string, src: string, line: number): Pipeline {
  const toks: { k: string; v: string; sp: boolean }[] = [];
  TOKEN.lastIndex = 0;
  let rest = src.trim();
  while (rest.trim().length > 0) {
    TOKEN.lastIndex = 0;
    const m = TOKEN.exec(rest);
    if (!m || m[0].length === 0)
      throw new TemplateParseError(`template: ${name}:${line}: unexpected "${rest[0]}" in command`);
    const kinds = ['str', 'raw', 'char', 'decl', 'bar', 'lp', 'rp', 'var', 'field', 'num', 'ident', 'comma'];
    const idx = m.slice(1).findIndex((x) => x !== undefined);
    toks.push({ k: kinds[idx]!, v: m[idx + 1]!, sp: /^\s/.test(m[0]) });
    rest = rest.slice(m[0].length);
  }
  let i = 0;
  const fail = (msg: string): never => {
    throw new TemplateParseError(`template: ${name}:${line}: ${msg}`);
  };
  const pipeline = (inParen: boolean): Pipeline => {
    const p: Pipeline = { decl: [], assign: false, cmds: [], line, src };
    // Declarations: `$x :=`, `$k, $v :=`, `$x =`.
    const save = i;
    const vars: string[] = [];
    while (toks[i]?.k === 'var' && !toks[i]!.v.includes('.')) {
      vars.push(toks[i]!.v);
      i++;
      if (toks[i]?.k === 'comma') i++;
      else break;
    }
    if (vars.length > 0 && toks[i]?.k === 'decl') {
      p.decl = vars;
      p.assign = toks[i]!.v === '=';
      i++;
    } else i = save;
    let cmd: Command = { args: [] };
    for (; i < toks.length; i++) {
      const tk = toks[i]!;
      if (tk.k === 'rp') {
        if (!inParen) fail('unexpected right paren');
        break;
      }
      if (tk.k === 'bar') {
        if (cmd.args.length === 0) fail('missing command');
        p.cmds.push(cmd);
        cmd = { args: [] };
        continue;
      }
      cmd.args.push(arg(tk));
    }
    if (cmd.args.length === 0 && (p.cmds.length > 0 || p.decl.length > 0 || inParen)) fail('missing value for command');
    if (cmd.args.length > 0) p.cmds.push(cmd);
    return p;
  };
  const arg = (tk: { k: string; v: string; sp: boolean }): Arg => {
    switch (tk.k) {
      case 'str':
        return { t: 'str', value: JSON.parse(tk.v) as string };
      case 'raw':
        return { t: 'str', value: tk.v.slice(1, -1) };
      case 'char':
        return {
          t: 'num',
          value: (JSON.parse(`"${tk.v.slice(1, -1).replace(/"/g, '\\"')}"`) as string).codePointAt(0)!,
        };
      case 'num':
        return { t: 'num', value: Number(tk.v) };
      case 'var': {
        const [v, ...path] = tk.v.split('.');
        return path.length === 0 ? { t: 'var', src: tk.v, name: v! } : { t: 'field', src: tk.v, base: { v: v! }, path };
      }
      case 'field':
        return { t: 'field', src: tk.v, base: 'dot', path: tk.v === '.' ? [] : tk.v.slice(1).split('.') };
      case 'ident':
        if (tk.v === 'true' || tk.v === 'false') return { t: 'bool', value: tk.v === 'true' };
        if (tk.v === 'nil') return { t: 'nil' };
        return { t: 'ident', name: tk.v };
      case 'lp': {
        i++;
        const inner = pipeline(true);
        if (toks[i]?.k !== 'rp') fail('unclosed left paren');
        // `(pipeline).Field` chains a field access onto the parenthesised value.
        const next = toks[i + 1];
        if (next?.k === 'field' && next.v !== '.' && !next.sp) {
          i++;
          return { t: 'field', src: next.v, base: { pipe: inner }, path: next.v.slice(1).split('.') };
        }
        return { t: 'pipe', pipe: inner };
      }
      default:
        return fail(`unexpected "${tk.v}" in command`);
    }
  };
  const p = pipeline(false);
  if (i < toks.length) fail(`unexpected "${toks[i]!.v}" in operand`);
  return p;
}

/** Parses a template into nodes; `name` is used in messages as Go does (`template: <name>:<line>: …`). */
export function parseTemplate(name: string, src: string): Node[] {
  const items = lex(name, src);
  let pos = 0;
  const block = (closers: readonly string[]): { nodes: Node[]; closer: string; rest: string; line: number } => {
    const nodes: Node[] = [];
    while (pos < items.length) {
      const item = items[pos++]!;
      if (typeof item === 'string') {
        nodes.push({ t: 'text', text: item });
        continue;
      }
      const { body, line } = item;
      if (body.startsWith('/*')) {
        if (!body.endsWith('*/')) throw new TemplateParseError(`template: ${name}:${line}: unclosed comment`);
        continue;
      }
      const word = /^[a-z]+/.exec(body)?.[0] ?? '';
      const rest = body.slice(word.length).trim();
      if (closers.includes(word)) return { nodes, closer: word, rest, line };
      if (word === 'end' || word === 'else')
        throw new TemplateParseError(`template: ${name}:${line}: unexpected {{${word}}}`);
      if (word === 'define' || word === 'template' || word === 'block')
        throw new TemplateUnsupportedError(
          `{{${word}}} (line ${line}) is not supported; write the message in one template`,
        );
      if (word === 'break' || word === 'continue') {
        nodes.push({ t: word, line });
        continue;
      }
      if (word === 'if' || word === 'with' || word === 'range') {
        nodes.push(control(word, rest, line));
        continue;
      }
      if (body === '') throw new TemplateParseError(`template: ${name}:${line}: missing value for command`);
      nodes.push({ t: 'action', pipe: parsePipeline(name, body, line) });
    }
    if (closers.length > 0) throw new TemplateParseError(`template: ${name}: unexpected EOF`);
    return { nodes, closer: '', rest: '', line: 0 };
  };
  const control = (word: 'if' | 'with' | 'range', src: string, line: number): Node => {
    const pipe = parsePipeline(name, src, line);
    if (pipe.cmds.length === 0) throw new TemplateParseError(`template: ${name}:${line}: missing value for ${word}`);
    const body = block(['end', 'else']);
    let elseNodes: Node[] = [];
    if (body.closer === 'else') {
      const chained = /^(if|with)\b/.exec(body.rest)?.[1];
      if (chained) {
        // `{{else if …}}` is an if inside the else branch that shares the outer {{end}}.
        elseNodes = [control(chained as 'if' | 'with', body.rest.slice(chained.length).trim(), body.line)];
      } else {
        const tail = block(['end']);
        elseNodes = tail.nodes;
      }
    }
    return { t: word, pipe, then: body.nodes, else: elseNodes };
  };
  return block([]).nodes;
}
