// GitHub's expression language, as far as `run-name` and step names can use it. The rules follow
// GitHub's docs, "Evaluate expressions in workflows and actions"
// (https://docs.github.com/actions/reference/workflows-and-actions/expressions):
// - literals: null, true, false, numbers (JSON numbers, plus hex `0x…` and exponents), strings in
//   single quotes with '' for a quote;
// - operators, tightest first: ( ), [ ], . (and the `*` object filter), !, < <= > >=, == !=, &&, ||;
//   && and || give one of their operands (so `a && b || c` works as a conditional), not a boolean;
// - comparison coercion: values of different types are compared as numbers (null → 0, true → 1,
//   false → 0, a string parsed as a JSON number with '' → 0, anything else NaN, arrays and objects
//   NaN); NaN is equal to nothing, NaN included; strings compare ignoring case; arrays and objects
//   are equal only to the same instance;
// - falsy: false, 0, -0, '', null (and NaN, as the runner's IsTruthy treats it); everything else truthy;
// - functions: contains, startsWith, endsWith, format, join, toJSON, fromJSON (their names in any case).
// A missing property is null, and null renders as the empty string.

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

export class ExpressionError extends Error {}

type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'context'; name: string }
  | { kind: 'member'; target: Node; key: Node | 'star' }
  | { kind: 'not'; operand: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node }
  | { kind: 'call'; name: string; args: Node[] };

type Token =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string }
  | { t: 'id'; v: string }
  | { t: 'op'; v: string }
  | { t: 'end' };

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', '.', ',', '*'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ExpressionError(`Unterminated string in: ${src}`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i++];
      }
      out.push({ t: 'str', v: s });
      continue;
    }
    // A number starts with a digit, or a sign or dot right before one where an operand is expected.
    const prev = out.at(-1);
    const operandExpected = !prev || (prev.t === 'op' && prev.v !== ')' && prev.v !== ']');
    if (/[0-9]/.test(c) || (operandExpected && /[-+.]/.test(c) && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^[-+]?(0x[0-9a-f]+|0o[0-7]+|(\d+\.?\d*|\.\d+)(e[-+]?\d+)?)/i.exec(src.slice(i))!;
      out.push({ t: 'num', v: parseNumber(m[0]) });
      i += m[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExpressionError(`Unexpected character '${c}' in: ${src}`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  out.push({ t: 'end' });
  return out;
}

/** A JSON number, hex (0x) or octal (0o) literal; anything else is NaN. */
function parseNumber(raw: string): number {
  const s = raw.trim();
  const sign = s.startsWith('-') ? -1 : 1;
  const body = s.replace(/^[-+]/, '');
  if (/^0x[0-9a-f]+$/i.test(body)) return sign * Number.parseInt(body.slice(2), 16);
  if (/^0o[0-7]+$/i.test(body)) return sign * Number.parseInt(body.slice(2), 8);
  if (/^(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(body)) return sign * Number(body);
  return Number.NaN;
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly src: string,
  ) {}

  parse(): Node {
    const node = this.or();
    if (this.peek().t !== 'end') throw this.error('Unexpected symbol');
    return node;
  }

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private expect(v: string): void {
    if (!this.isOp(v)) throw this.error(`Expected '${v}'`);
    this.i++;
  }
  private error(what: string): ExpressionError {
    return new ExpressionError(`${what} in expression: ${this.src}`);
  }

  private binary(ops: string[], sub: () => Node): Node {
    let left = sub();
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op' || !ops.includes(t.v)) return left;
      this.i++;
      left = { kind: 'binary', op: t.v, left, right: sub() };
    }
  }
  private or = (): Node => this.binary(['||'], this.and);
  private and = (): Node => this.binary(['&&'], this.equality);
  private equality = (): Node => this.binary(['==', '!='], this.comparison);
  private comparison = (): Node => this.binary(['<', '<=', '>', '>='], this.unary);

  private unary = (): Node => {
    if (this.isOp('!')) {
      this.i++;
      return { kind: 'not', operand: this.unary() };
    }
    return this.postfix(this.primary());
  };

  private primary(): Node {
    const t = this.next();
    if (t.t === 'num' || t.t === 'str') return { kind: 'literal', value: t.v };
    if (t.t === 'op' && t.v === '(') {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { kind: 'literal', value: t.v === 'true' };
      if (t.v === 'null') return { kind: 'literal', value: null };
      if (this.isOp('(')) {
        this.i++;
        const args: Node[] = [];
        if (!this.isOp(')')) {
          args.push(this.or());
          while (this.isOp(',')) {
            this.i++;
            args.push(this.or());
          }
        }
        this.expect(')');
        return { kind: 'call', name: t.v.toLowerCase(), args };
      }
      return { kind: 'context', name: t.v };
    }
    throw this.error('Unexpected symbol');
  }

  private postfix(node: Node): Node {
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const t = this.next();
        if (t.t === 'op' && t.v === '*') node = { kind: 'member', target: node, key: 'star' };
        else if (t.t === 'id') node = { kind: 'member', target: node, key: { kind: 'literal', value: t.v } };
        else throw this.error('Expected a property name');
      } else if (this.isOp('[')) {
        this.i++;
        if (this.isOp('*')) {
          this.i++;
          node = { kind: 'member', target: node, key: 'star' };
        } else node = { kind: 'member', target: node, key: this.or() };
        this.expect(']');
      } else return node;
    }
  }
}

export function parseExpression(src: string): Node {
  return new Parser(tokenize(src), src).parse();
}

// ---- values -----------------------------------------------------------------------------------

const isObject = (v: Value): v is { [key: string]: Value } =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

export function truthy(v: Value): boolean {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') return v.length > 0;
  return true;
}

/** The docs' coercion table: what a value is when a comparison needs a number. */
export function toNumber(v: Value): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? 0 : parseNumber(v);
  return Number.NaN;
}

/** How a value reads as text: in `${{ }}`, and for the string functions. */
export function toText(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v, null, 2);
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  return Object.is(n, -0) ? '0' : String(n);
}

function sameType(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b);
  return typeof a === typeof b;
}

/** -1, 0, 1, or undefined when the two cannot be ordered (NaN, distinct objects). */
function compare(a: Value, b: Value): number | undefined {
  if (sameType(a, b)) {
    if (typeof a === 'string' && typeof b === 'string') {
      const x = a.toUpperCase();
      const y = b.toUpperCase();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a === null) return 0;
    if (typeof a === 'object') return a === b ? 0 : undefined;
  }
  const x = toNumber(a);
  const y = toNumber(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return undefined;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function looselyEqual(a: Value, b: Value): boolean {
  return compare(a, b) === 0;
}

function member(target: Value, key: Value): Value {
  if (Array.isArray(target)) {
    const n = toNumber(key);
    if (typeof key === 'string' && key.trim() === '') return null;
    return Number.isInteger(n) && n >= 0 && n < target.length ? (target[n] ?? null) : null;
  }
  if (isObject(target) && typeof key === 'string') {
    // Property names are case-insensitive (github.EVENT_NAME is github.event_name).
    if (key in target) return target[key] ?? null;
    const hit = Object.keys(target).find((k) => k.toLowerCase() === key.toLowerCase());
    return hit === undefined ? null : (target[hit] ?? null);
  }
  return null;
}

/** `x.*` / `x[*]`: the values of an object or the items of an array; applied to each item after it. */
function starred(node: Node): boolean {
  return node.kind === 'member' && (node.key === 'star' || starred(node.target));
}

export type Functions = Record<string, (args: Value[]) => Value>;

const FUNCTIONS: Functions = {
  contains([search = null, item = null]) {
    if (Array.isArray(search)) return search.some((v) => looselyEqual(v, item));
    return toText(search).toUpperCase().includes(toText(item).toUpperCase());
  },
  startswith([s = null, prefix = null]) {
    return toText(s).toUpperCase().startsWith(toText(prefix).toUpperCase());
  },
  endswith([s = null, suffix = null]) {
    return toText(s).toUpperCase().endsWith(toText(suffix).toUpperCase());
  },
  format([fmt = null, ...args]) {
    const text = toText(fmt);
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '{' && text[i + 1] === '{') {
        out += '{';
        i++;
      } else if (c === '}' && text[i + 1] === '}') {
        out += '}';
        i++;
      } else if (c === '{') {
        const m = /^\{(\d+)\}/.exec(text.slice(i));
        if (!m) throw new ExpressionError(`format: invalid format string '${text}'`);
        const n = Number(m[1]);
        if (n >= args.length)
          throw new ExpressionError(`format: '${text}' refers to argument ${n}, not given`);
        out += toText(args[n] ?? null);
        i += m[0].length - 1;
      } else if (c === '}') throw new ExpressionError(`format: invalid format string '${text}'`);
      else out += c;
    }
    return out;
  },
  join([items = null, sep = ',']) {
    if (Array.isArray(items)) return items.map(toText).join(toText(sep));
    return toText(items);
  },
  tojson([v = null]) {
    return JSON.stringify(v, null, 2);
  },
  fromjson([s = null]) {
    try {
      return JSON.parse(toText(s)) as Value;
    } catch {
      throw new ExpressionError(`fromJSON: '${toText(s)}' is not JSON`);
    }
  },
};

const ARITY: Record<string, [number, number]> = {
  contains: [2, 2],
  startswith: [2, 2],
  endswith: [2, 2],
  format: [1, Number.POSITIVE_INFINITY],
  join: [1, 2],
  tojson: [1, 1],
  fromjson: [1, 1],
};

export function evaluate(node: Node, contexts: Record<string, Value>): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'context':
      return member(contexts, node.name);
    case 'not':
      return !truthy(evaluate(node.operand, contexts));
    case 'member': {
      const target = evaluate(node.target, contexts);
      if (node.key === 'star') {
        if (Array.isArray(target)) return starred(node.target) ? target : [...target];
        return isObject(target) ? Object.values(target) : [];
      }
      const key = evaluate(node.key, contexts);
      // After a `*`, a property applies to each item, and items without it drop out.
      if (starred(node.target) && Array.isArray(target)) {
        return target.map((item) => member(item, key)).filter((v) => v !== null);
      }
      return member(target, key);
    }
    case 'binary': {
      const left = evaluate(node.left, contexts);
      if (node.op === '&&') return truthy(left) ? evaluate(node.right, contexts) : left;
      if (node.op === '||') return truthy(left) ? left : evaluate(node.right, contexts);
      const c = compare(left, evaluate(node.right, contexts));
      switch (node.op) {
        case '==':
          return c === 0;
        case '!=':
          return c !== 0;
        case '<':
          return c === -1;
        case '<=':
          return c === -1 || c === 0;
        case '>':
          return c === 1;
        default:
          return c === 1 || c === 0;
      }
    }
    case 'call': {
      const fn = FUNCTIONS[node.name];
      const arity = ARITY[node.name];
      if (!fn || !arity) throw new ExpressionError(`Unrecognized function: '${node.name}'`);
      if (node.args.length < arity[0] || node.args.length > arity[1]) {
        throw new ExpressionError(`Wrong number of arguments to '${node.name}'`);
      }
      return fn(node.args.map((a) => evaluate(a, contexts)));
    }
  }
}

/** One expression (without `${{ }}`). */
export function evaluateExpression(src: string, contexts: Record<string, Value>): Value {
  return evaluate(parseExpression(src), contexts);
}

/**
 * A string with `${{ … }}` parts, each replaced by its value as text. An expression that does not
 * parse or evaluate renders as the empty string here (GitHub refuses such a workflow file; the sim
 * only renders titles and step names).
 */
export function interpolate(template: string, contexts: Record<string, Value>): string {
  let out = '';
  let i = 0;
  for (;;) {
    const open = template.indexOf('${{', i);
    if (open < 0) return out + template.slice(i);
    const close = findClose(template, open + 3);
    if (close < 0) return out + template.slice(i);
    out += template.slice(i, open);
    try {
      out += toText(evaluateExpression(template.slice(open + 3, close), contexts));
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
    }
    i = close + 2;
  }
}

/** The `}}` that ends an expression, skipping any inside a string literal. */
function findClose(s: string, from: number): number {
  let inString = false;
  for (let i = from; i < s.length - 1; i++) {
    if (s[i] === "'") inString = !inString;
    else if (!inString && s[i] === '}' && s[i + 1] === '}') return i;
  }
  return -1;
}
