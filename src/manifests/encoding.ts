/**
 * Manifest files are UTF-8. Anything else is refused at the line of the first bad byte rather than
 * silently replaced (a U+FFFD in an image name or a URL would be deployed as written). Pure.
 */
import type { Diagnostic } from '../util/errors.ts';

/** A manifest file as read: its name for people and its text. */
export interface ManifestFile {
  /** Path as shown to people: relative to the workspace when inside it. */
  display: string;
  text: string;
  /** Set when the bytes are not UTF-8 text: the file is not parsed. */
  problem?: Diagnostic | undefined;
}

/** Offset of the first byte that does not belong to a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    const b1 = bytes[i + 1] ?? 0;
    // Overlong forms, surrogates and code points past U+10FFFF (RFC 3629).
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k < len; k++) {
      const c = bytes[i + k] ?? 0;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += len;
  }
  return -1;
}

function positionOf(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The file's text, or why it cannot be read as a manifest (with the line). */
export function decodeManifest(display: string, bytes: Uint8Array): ManifestFile {
  const refuse = (line: number, column: number, message: string): ManifestFile => ({
    display,
    text: '',
    problem: { file: display, line, column, path: '', message },
  });
  const [b0, b1] = [bytes[0], bytes[1]];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    return refuse(
      1,
      1,
      `the file is UTF-16 (it starts with a ${b0 === 0xff ? 'little' : 'big'}-endian byte-order mark); save it as UTF-8`,
    );
  }
  if (bytes.length >= 2 && (b0 === 0 || b1 === 0)) {
    return refuse(
      1,
      1,
      'the file is not UTF-8 text (it holds NUL bytes: UTF-16 or UTF-32 without a byte-order mark?); save it as UTF-8',
    );
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const { line, column } = positionOf(bytes, bad);
    return refuse(
      line,
      column,
      `byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')} is not valid UTF-8 (is the file Latin-1 or Windows-1252?); save it as UTF-8`,
    );
  }
  const start = b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return { display, text: new TextDecoder('utf-8').decode(bytes.subarray(start)) };
}
