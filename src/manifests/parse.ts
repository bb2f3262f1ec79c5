import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import type { Diagnostic, SourceLocation } from '../util/errors.ts';

/** One YAML document of one file, with the line of every field so errors can point at it. */
export interface ManifestDoc {
  file: string;
  /** 0-based position of the document inside its file. */
  index: number;
  object: Record<string, unknown>;
  /** Field path (`spec.steps[0].setWeight`) to where its key (or item) starts. */
  positions: ReadonlyMap<string, SourceLocation>;
  location: SourceLocation;
}

export interface ParseResult {
  docs: ManifestDoc[];
  diagnostics: Diagnostic[];
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

/** Parses a multi-document YAML file. Pure: the caller supplies the text. */
export function parseManifestText(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const docs: ManifestDoc[] = [];
  const diagnostics: Diagnostic[] = [];
  const parsed = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const all = Array.isArray(parsed) ? parsed : [];
  if (!Array.isArray(parsed)) {
    // An empty stream (`parseAllDocuments` returns an EmptyStream): nothing to report.
    return { docs, diagnostics };
  }
  const at = (offset: number): SourceLocation => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  all.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        diagnostics.push({
          ...at(err.pos[0]),
          path: '',
          message: `invalid YAML: ${err.message.split('\n')[0] ?? err.code}`,
        });
      }
      return;
    }
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) return; // `---` with nothing
    const location = at(contents.range?.[0] ?? 0);
    if (!isMap(contents)) {
      diagnostics.push({ ...location, path: '', message: 'a manifest must be a YAML mapping (an object)' });
      return;
    }
    const positions = new Map<string, SourceLocation>();
    const walk = (node: Node | null, path: string): void => {
      if (isMap(node)) {
        for (const item of node.items) {
          if (!isPair(item)) continue;
          const keyNode = item.key;
          const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
          const childPath = joinPath(path, key);
          const range = isScalar(keyNode) ? keyNode.range : undefined;
          if (range) positions.set(childPath, at(range[0]));
          walk(item.value as Node | null, childPath);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => {
          const childPath = joinPath(path, i);
          const range = (item as Node | null)?.range;
          if (range) positions.set(childPath, at(range[0]));
          walk(item as Node | null, childPath);
        });
      }
    };
    walk(contents, '');
    let object: Record<string, unknown>;
    try {
      // Throws on an alias to a missing anchor or an alias explosion ("billion laughs").
      object = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      diagnostics.push({ ...location, path: '', message: `invalid YAML: ${reason}` });
      return;
    }
    docs.push({ file, index, object, positions, location });
  });
  return { docs, diagnostics };
}

/** The location of `path`, or of its nearest ancestor that has one. */
export function locate(doc: ManifestDoc, path: string): SourceLocation {
  let p = path;
  for (;;) {
    const hit = doc.positions.get(p);
    if (hit) return hit;
    if (p === '') return doc.location;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut <= 0 ? '' : p.slice(0, cut);
  }
}

export function diagnosticAt(doc: ManifestDoc, path: string, message: string): Diagnostic {
  return { ...locate(doc, path), path, message };
}
