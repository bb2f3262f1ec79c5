import type { Diagnostic, SourceLocation } from '../util/errors.ts';

// A parsed manifest document and the places of its fields: everything the rules and the engine's
// readers need of a parse, without the YAML parser (parse.ts), which a control command never loads.

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

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

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
