/**
 * The part of Kubernetes JSONPath (k8s.io/client-go/util/jsonpath) that web metrics use. A template
 * is text with `{…}` actions; text outside braces is literal output, as in kubectl.
 *
 * Supported inside braces: `$` (root; a leading `.` also starts at the root), `.field`, `.*`,
 * `['field']` / `["field"]`, `[n]` (negative counts from the end), `[*]`, slices `[a:b]` / `[a:b:c]`,
 * unions `[0,2]` / `['a','b']`. Not supported (rejected with an error that says so): recursive
 * descent `..`, filters `[?(…)]`, `range … end`, `@`, and functions.
 *
 * Evaluation follows the library: a missing field is an error (`x is not found`), so is an index out
 * of range, and each action yields a list of values (one per match).
 */

import { ProviderError } from './types.ts';

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start: number | undefined; end: number | undefined; step: number | undefined }
  | { kind: 'union'; items: ({ kind: 'field'; name: string } | { kind: 'index'; index: number })[] };

export type JsonPathNode = { kind: 'text'; text: string } | { kind: 'path'; source: string; steps: Step[] };

export interface JsonPath {
  readonly template: string;
  readonly nodes: readonly JsonPathNode[];
}

function unsupported(template: string, what: string): never {
  throw new ProviderError(`jsonPath ${JSON.stringify(template)}: ${what} is not supported`);
}

function invalid(template: string, what: string): never {
  throw new ProviderError(`jsonPath ${JSON.stringify(template)}: ${what}`);
}

const FIELD_CHAR = /[A-Za-z0-9_\-/$]/;

function parseBracket(template: string, content: string): Step {
  const c = content.trim();
  if (c === '*') return { kind: 'wildcard' };
  if (c.startsWith('?')) unsupported(template, 'a filter [?(…)]');
  if (c.includes('@')) unsupported(template, '@');
  const parts = splitTopLevel(c, ',');
  if (parts.length > 1) {
    return {
      kind: 'union',
      items: parts.map((p) => {
        const one = parseBracket(template, p);
        if (one.kind !== 'field' && one.kind !== 'index') invalid(template, `bad union member ${p}`);
        return one;
      }),
    };
  }
  const quoted = /^(['"])(.*)\1$/s.exec(c);
  if (quoted) return { kind: 'field', name: quoted[2] ?? '' };
  if (/^[+-]?\d+$/.test(c)) return { kind: 'index', index: Number(c) };
  const slice = /^([+-]?\d+)?:([+-]?\d+)?(?::([+-]?\d+)?)?$/.exec(c);
  if (slice) {
    const n = (s: string | undefined) => (s === undefined || s === '' ? undefined : Number(s));
    const step = n(slice[3]);
    if (step === 0) invalid(template, 'slice step cannot be 0');
    return { kind: 'slice', start: n(slice[1]), end: n(slice[2]), step };
  }
  return invalid(template, `cannot read [${content}]`);
}

function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let quote: string | undefined;
  let cur = '';
  for (const ch of s) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      cur += ch;
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function parseAction(template: string, source: string): Step[] {
  const s = source.trim();
  if (s === '') invalid(template, 'empty {}');
  if (/^(range|end)\b/.test(s)) unsupported(template, 'range/end');
  if (s.startsWith('"') || s.startsWith("'")) unsupported(template, 'a quoted literal in {}');
  const steps: Step[] = [];
  let i = 0;
  if (s[0] === '$') i = 1;
  else if (s[0] === '@') unsupported(template, '@');
  else if (s[0] !== '.' && s[0] !== '[') invalid(template, `expected $, . or [ at ${JSON.stringify(s)}`);
  while (i < s.length) {
    const ch = s[i];
    if (ch === '.') {
      if (s[i + 1] === '.') unsupported(template, 'recursive descent (..)');
      i++;
      if (s[i] === '*') {
        steps.push({ kind: 'wildcard' });
        i++;
        continue;
      }
      let name = '';
      while (i < s.length && FIELD_CHAR.test(s[i] ?? '')) name += s[i++] ?? '';
      if (name === '') {
        if (i >= s.length && steps.length === 0) break; // `{.}` is the root
        invalid(template, `expected a field name after . in ${JSON.stringify(s)}`);
      }
      steps.push({ kind: 'field', name });
    } else if (ch === '[') {
      let j = i + 1;
      let quote: string | undefined;
      for (; j < s.length; j++) {
        const cj = s[j];
        if (quote !== undefined) {
          if (cj === quote) quote = undefined;
        } else if (cj === "'" || cj === '"') quote = cj;
        else if (cj === ']') break;
      }
      if (j >= s.length) invalid(template, 'unterminated [');
      steps.push(parseBracket(template, s.slice(i + 1, j)));
      i = j + 1;
    } else if (ch === ' ' || ch === '\t') {
      unsupported(template, `more than one expression in {${source}}`);
    } else if (ch === '(' || ch === '?') {
      unsupported(template, 'functions and filters');
    } else {
      invalid(template, `unexpected ${JSON.stringify(ch)} in ${JSON.stringify(s)}`);
    }
  }
  return steps;
}

/** Parses a template such as `{$.data.ok}`; an empty template means the whole body (`{$}`). */
export function parseJsonPath(template: string): JsonPath {
  const t = template === '' ? '{$}' : template;
  const nodes: JsonPathNode[] = [];
  let i = 0;
  while (i < t.length) {
    const open = t.indexOf('{', i);
    if (open < 0) {
      nodes.push({ kind: 'text', text: t.slice(i) });
      break;
    }
    if (open > i) nodes.push({ kind: 'text', text: t.slice(i, open) });
    let depth = 0;
    let quote: string | undefined;
    let close = -1;
    for (let j = open; j < t.length; j++) {
      const c = t[j];
      if (quote !== undefined) {
        if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) {
          close = j;
          break;
        }
      }
    }
    if (close < 0) invalid(template, 'unclosed {');
    const source = t.slice(open + 1, close);
    nodes.push({ kind: 'path', source, steps: parseAction(template, source) });
    i = close + 1;
  }
  return { template, nodes };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function applyStep(step: Step, values: unknown[]): unknown[] {
  const out: unknown[] = [];
  switch (step.kind) {
    case 'field': {
      for (const v of values) {
        if (isObject(v) && Object.hasOwn(v, step.name)) out.push(v[step.name]);
      }
      if (out.length === 0) throw new ProviderError(`${step.name} is not found`);
      return out;
    }
    case 'wildcard':
      for (const v of values) {
        if (Array.isArray(v)) out.push(...(v as unknown[]));
        else if (isObject(v)) out.push(...Object.values(v));
      }
      return out;
    case 'index':
      for (const v of values) {
        if (!Array.isArray(v)) throw new ProviderError(`${JSON.stringify(v)} is not array or slice`);
        const arr = v as unknown[];
        const i = step.index < 0 ? arr.length + step.index : step.index;
        if (i < 0 || i >= arr.length) {
          throw new ProviderError(`array index out of bounds: index ${step.index}, length ${arr.length}`);
        }
        out.push(arr[i]);
      }
      return out;
    case 'slice':
      for (const v of values) {
        if (!Array.isArray(v)) throw new ProviderError(`${JSON.stringify(v)} is not array or slice`);
        const arr = v as unknown[];
        const len = arr.length;
        const clamp = (n: number) => Math.min(len, Math.max(0, n < 0 ? len + n : n));
        const start = clamp(step.start ?? 0);
        const end = clamp(step.end ?? len);
        const stride = step.step ?? 1;
        if (stride > 0) for (let i = start; i < end; i += stride) out.push(arr[i]);
        else for (let i = end - 1; i >= start; i += stride) out.push(arr[i]);
      }
      return out;
    case 'union':
      for (const item of step.items) out.push(...applyStep(item, values));
      return out;
  }
}

/** Every node's matches, in template order (text nodes yield their text). */
export function findResults(path: JsonPath, data: unknown): unknown[][] {
  return path.nodes.map((node) => {
    if (node.kind === 'text') return [node.text];
    let values: unknown[] = [data];
    for (const step of node.steps) values = applyStep(step, values);
    return values;
  });
}

/** The first match, as Argo's web provider takes it; undefined when nothing matched. */
export function firstResult(path: JsonPath, data: unknown): { value: unknown } | undefined {
  for (const results of findResults(path, data)) {
    if (results.length > 0) return { value: results[0] };
  }
  return undefined;
}
