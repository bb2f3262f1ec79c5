/**
 * The time expressions of a Prometheus `rangeQuery.start` / `end`. Argo evaluates them with expr-lang;
 * this covers what its docs and tests use:
 *
 *   now()                          the engine's clock
 *   duration("5m")                 a Go duration
 *   date("2023-08-14T00:00:00Z")   RFC 3339, `2006-01-02`, or `2006-01-02 15:04:05` (UTC)
 *   date("2023-08-14 00:00:00", "2006-01-02 15:04:05", "UTC")   with a Go layout and zone UTC/Local
 *   "2023-08-14T00:00:00Z"         a bare (or quoted) RFC 3339 timestamp
 *
 * combined with `+` and `-` (time ± duration, duration ± duration, time − time). Anything else is an
 * error that names the construct. `Local` is taken as UTC (what the controller's container runs in).
 */

import { goDurationMs } from './fields.ts';
import { ProviderError } from './types.ts';

type Value = { kind: 'time'; ms: number } | { kind: 'duration'; ms: number };

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseRfc3339(s: string): number | undefined {
  if (!RFC3339.test(s)) return undefined;
  const ms = Date.parse(s.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** Go layout → parser for the layouts people write: tokens 2006 01 02 15 04 05 .000 Z07:00. */
function parseWithLayout(value: string, layout: string): number | undefined {
  const tokens: [string, string, string][] = [
    ['2006', '(\\d{4})', 'Y'],
    ['01', '(\\d{2})', 'M'],
    ['02', '(\\d{2})', 'D'],
    ['15', '(\\d{2})', 'h'],
    ['04', '(\\d{2})', 'm'],
    ['05', '(\\d{2})', 's'],
    ['.000', '\\.(\\d{3})', 'f'],
    ['Z07:00', '(Z|[+-]\\d{2}:\\d{2})', 'z'],
  ];
  let re = '^';
  const order: string[] = [];
  let rest = layout;
  outer: while (rest.length > 0) {
    for (const [tok, pattern, name] of tokens) {
      if (rest.startsWith(tok)) {
        re += pattern;
        order.push(name);
        rest = rest.slice(tok.length);
        continue outer;
      }
    }
    re += rest[0]?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') ?? '';
    rest = rest.slice(1);
  }
  const m = new RegExp(`${re}$`).exec(value);
  if (!m) return undefined;
  const part: Record<string, string> = {};
  order.forEach((name, i) => (part[name] = m[i + 1] ?? ''));
  const zone = part['z'] === undefined || part['z'] === 'Z' ? 'Z' : part['z'];
  const iso = `${part['Y'] ?? '0000'}-${part['M'] ?? '01'}-${part['D'] ?? '01'}T${part['h'] ?? '00'}:${
    part['m'] ?? '00'
  }:${part['s'] ?? '00'}.${part['f'] ?? '000'}${zone}`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

function dateOf(args: string[]): number {
  const [value = '', layout, zone] = args;
  if (zone !== undefined && zone !== 'UTC' && zone !== 'Local') {
    throw new ProviderError(`date(): time zone ${JSON.stringify(zone)} is not supported (use UTC)`);
  }
  const ms =
    layout === undefined
      ? (parseRfc3339(value) ??
        (/^\d{4}-\d{2}-\d{2}$/.test(value) ? parseWithLayout(value, '2006-01-02') : undefined) ??
        parseWithLayout(value, '2006-01-02 15:04:05'))
      : parseWithLayout(value, layout);
  if (ms === undefined) {
    throw new ProviderError(
      `date(): cannot parse ${JSON.stringify(value)}${layout === undefined ? '' : ` as ${JSON.stringify(layout)}`}`,
    );
  }
  return ms;
}

class Parser {
  private pos = 0;
  private readonly src: string;
  private readonly now: Date;
  constructor(src: string, now: Date) {
    this.src = src;
    this.now = now;
  }

  private ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos] ?? '')) this.pos++;
  }

  private fail(what: string): never {
    throw new ProviderError(`${what} at column ${this.pos + 1} of ${JSON.stringify(this.src)}`);
  }

  private string(): string {
    const q = this.src[this.pos];
    if (q !== '"' && q !== "'" && q !== '`') this.fail('expected a string');
    const end = this.src.indexOf(q, this.pos + 1);
    if (end < 0) this.fail('unterminated string');
    const s = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    return s;
  }

  private term(): Value {
    this.ws();
    const rest = this.src.slice(this.pos);
    const bare = /^\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})/i.exec(rest);
    if (bare) {
      const ms = parseRfc3339(bare[0]);
      if (ms === undefined) this.fail(`invalid timestamp ${bare[0]}`);
      this.pos += bare[0].length;
      return { kind: 'time', ms };
    }
    if (rest.startsWith('"') || rest.startsWith("'") || rest.startsWith('`')) {
      const s = this.string();
      const ms = parseRfc3339(s);
      if (ms === undefined) this.fail(`${JSON.stringify(s)} is not an RFC 3339 time`);
      return { kind: 'time', ms };
    }
    if (rest.startsWith('(')) {
      this.pos++;
      const v = this.expr();
      this.ws();
      if (this.src[this.pos] !== ')') this.fail('expected )');
      this.pos++;
      return v;
    }
    const call = /^([A-Za-z_]\w*)\s*\(/.exec(rest);
    if (!call) this.fail('expected now(), duration("…"), date("…") or an RFC 3339 time');
    const name = call[1] ?? '';
    this.pos += call[0].length;
    const args: string[] = [];
    this.ws();
    while (this.src[this.pos] !== ')') {
      args.push(this.string());
      this.ws();
      if (this.src[this.pos] === ',') {
        this.pos++;
        this.ws();
      } else if (this.src[this.pos] !== ')') this.fail('expected , or )');
    }
    this.pos++;
    switch (name) {
      case 'now':
        if (args.length !== 0) this.fail('now() takes no arguments');
        return { kind: 'time', ms: this.now.getTime() };
      case 'duration':
        if (args.length !== 1) this.fail('duration() takes one string');
        return { kind: 'duration', ms: goDurationMs(args[0] ?? '') };
      case 'date':
        if (args.length < 1 || args.length > 3) this.fail('date() takes one to three strings');
        return { kind: 'time', ms: dateOf(args) };
      default:
        return this.fail(`unsupported function ${name}()`);
    }
  }

  expr(): Value {
    let left = this.term();
    for (;;) {
      this.ws();
      const op = this.src[this.pos];
      if (op !== '+' && op !== '-') return left;
      this.pos++;
      const right = this.term();
      left = combine(left, op, right, () => this.fail(`cannot ${op} a ${right.kind} and a ${left.kind}`));
    }
  }

  parse(): Value {
    const v = this.expr();
    this.ws();
    if (this.pos !== this.src.length) this.fail('unexpected text');
    return v;
  }
}

function combine(a: Value, op: '+' | '-', b: Value, bad: () => never): Value {
  if (a.kind === 'time' && b.kind === 'duration') {
    return { kind: 'time', ms: op === '+' ? a.ms + b.ms : a.ms - b.ms };
  }
  if (a.kind === 'duration' && b.kind === 'duration') {
    return { kind: 'duration', ms: op === '+' ? a.ms + b.ms : a.ms - b.ms };
  }
  if (a.kind === 'duration' && b.kind === 'time' && op === '+') return { kind: 'time', ms: a.ms + b.ms };
  if (a.kind === 'time' && b.kind === 'time' && op === '-') return { kind: 'duration', ms: a.ms - b.ms };
  return bad();
}

/** Evaluates a range-query time expression to an instant (epoch ms). */
export function evaluateTimeExpression(text: string, now: Date): number {
  const v = new Parser(text.trim(), now).parse();
  if (v.kind !== 'time') throw new ProviderError(`${JSON.stringify(text)} is a duration, not a time`);
  return v.ms;
}
