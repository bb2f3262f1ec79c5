import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
} from 'yaml';
import type { Diagnostic, SourceLocation } from '../util/errors.ts';
import { joinPath, type ManifestDoc } from './manifest-doc.ts';

export interface ParseResult {
  docs: ManifestDoc[];
  diagnostics: Diagnostic[];
}

/** Deeper than any Kubernetes object needs, and far below what would overflow the stack. */
export const MAX_DEPTH = 100;

const TOO_DEEP = `nested more than ${MAX_DEPTH} levels deep; no Kubernetes object needs that (is the file generated wrongly?)`;

/** Parses a multi-document YAML file. Pure: the caller supplies the text. */
export function parseManifestText(file: string, text: string): ParseResult {
  try {
    return parseText(file, text);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    // The parser recursed past the stack: only nesting far beyond MAX_DEPTH gets here.
    return {
      docs: [],
      diagnostics: [{ file, line: 1, column: 1, path: '', message: `invalid YAML: ${TOO_DEEP}` }],
    };
  }
}

function parseText(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const docs: ManifestDoc[] = [];
  const diagnostics: Diagnostic[] = [];
  // Merge keys (`<<: *base`) as kubectl and Argo accept them (YAML 1.1).
  const parsed = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, merge: true });
  if (!Array.isArray(parsed)) {
    // An empty stream (`parseAllDocuments` returns an EmptyStream): nothing to report.
    return { docs, diagnostics };
  }
  const at: Locate = (offset) => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  parsed.forEach((doc, index) => {
    const read = readDocument(file, index, doc, at, diagnostics);
    if (read) docs.push(read);
  });
  return { docs, diagnostics };
}

/** The source location of a character offset in the file. */
type Locate = (offset: number) => SourceLocation;

/** One document of the stream: its object and field lines, or undefined with its diagnostics added. */
function readDocument(
  file: string,
  index: number,
  doc: Document.Parsed,
  at: Locate,
  diagnostics: Diagnostic[],
): ManifestDoc | undefined {
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const first = err.message.split('\n')[0] ?? err.code;
      diagnostics.push({
        ...at(err.pos[0]),
        path: '',
        message: `invalid YAML: ${/call stack/i.test(first) ? TOO_DEEP : first}`,
      });
    }
    return undefined;
  }
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) return undefined; // `---` with nothing
  const location = at(contents.range?.[0] ?? 0);
  if (!isMap(contents)) {
    diagnostics.push({ ...location, path: '', message: 'a manifest must be a YAML mapping (an object)' });
    return undefined;
  }
  const { positions, tooDeep, unresolved } = fieldPositions(doc, contents, at);
  if (unresolved !== undefined) {
    const message = `invalid YAML: alias *${unresolved.name} names no anchor (&${unresolved.name}) earlier in this document`;
    diagnostics.push({ ...unresolved.at, path: '', message });
    return undefined;
  }
  if (tooDeep !== undefined) {
    diagnostics.push({ ...tooDeep, path: '', message: `invalid YAML: ${TOO_DEEP}` });
    return undefined;
  }
  let object: Record<string, unknown>;
  try {
    // Throws on an alias to a missing anchor or an alias explosion ("billion laughs").
    object = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    diagnostics.push({ ...location, path: '', message: `invalid YAML: ${reason}` });
    return undefined;
  }
  return { file, index, object, positions, location };
}

interface FieldPositions {
  positions: Map<string, SourceLocation>;
  /** The first node nested deeper than MAX_DEPTH. */
  tooDeep?: SourceLocation;
  /** The first alias that names no anchor. */
  unresolved?: { at: SourceLocation; name: string };
}

/** Walks a document's nodes and records where each field path starts. */
function fieldPositions(doc: Document.Parsed, contents: Node, at: Locate): FieldPositions {
  const found: FieldPositions = { positions: new Map() };
  const { positions } = found;
  const checkAlias = (node: unknown): void => {
    if (isAlias(node) && found.unresolved === undefined && node.resolve(doc) === undefined) {
      found.unresolved = { at: at(node.range?.[0] ?? 0), name: node.source };
    }
  };
  // `merged`: fields that come from a `<<` merge keep the line of a key written in place.
  const visit = (
    node: unknown,
    childPath: string,
    range: Node['range'],
    depth: number,
    merged: boolean,
  ): void => {
    if (range && !(merged && positions.has(childPath))) positions.set(childPath, at(range[0]));
    checkAlias(node);
    if (!isAlias(node)) walk(node as Node | null, childPath, depth + 1, merged);
  };
  const walk = (node: Node | null, path: string, depth: number, merged: boolean): void => {
    if (depth > MAX_DEPTH) {
      found.tooDeep ??= at(node?.range?.[0] ?? 0);
      return;
    }
    const target = isAlias(node) ? node.resolve(doc) : node;
    if (isMap(target)) {
      for (const item of target.items) {
        if (!isPair(item)) continue;
        const keyNode = item.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        if (key === '<<') {
          const sources = isSeq(item.value) ? item.value.items : [item.value];
          for (const src of sources) walk(src as Node | null, path, depth + 1, true);
          continue;
        }
        visit(item.value, joinPath(path, key), isScalar(keyNode) ? keyNode.range : undefined, depth, merged);
      }
    } else if (isSeq(target)) {
      target.items.forEach((item, i) => {
        visit(item, joinPath(path, i), (item as Node | null)?.range, depth, merged);
      });
    }
  };
  walk(contents, '', 0, false);
  return found;
}

/** The location of `path`, or of its nearest ancestor that has one. */
