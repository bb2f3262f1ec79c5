/**
 * A content-addressed Git object store (blobs, trees, commits) with real Git object ids, enough
 * for the Git Database API: read and write trees and commits, walk history.
 */
import { createHash } from 'node:crypto';

export type TreeEntryMode = '100644' | '100755' | '040000' | '160000' | '120000';

export interface TreeEntry {
  name: string;
  mode: TreeEntryMode;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

export interface GitIdentity {
  name: string;
  email: string;
  /** ISO 8601, seconds precision (`2024-05-01T12:00:00Z`). */
  date: string;
}

export interface GitCommit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: GitIdentity;
  committer: GitIdentity;
}

export interface FlatFile {
  mode: TreeEntryMode;
  type: 'blob' | 'commit';
  sha: string;
}

/** A change for {@link GitStore.writeTreeWithChanges}: `sha: null` deletes the path. */
export interface TreeChange {
  path: string;
  mode: TreeEntryMode;
  type: 'blob' | 'tree' | 'commit';
  sha?: string | null;
  content?: string;
}

export class GitError extends Error {
  override name = 'GitError';
}

export const EMPTY_TREE_SHA = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export class GitStore {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, TreeEntry[]>();
  readonly commits = new Map<string, GitCommit>();

  constructor() {
    this.trees.set(EMPTY_TREE_SHA, []);
  }

  writeBlob(content: string | Buffer): string {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const sha = hashObject('blob', data);
    this.blobs.set(sha, data);
    return sha;
  }

  writeTree(entries: readonly TreeEntry[]): string {
    const sorted = [...entries].sort((a, b) => compareTreeNames(a, b));
    const body = Buffer.concat(
      sorted.map((e) =>
        Buffer.concat([
          Buffer.from(`${e.mode === '040000' ? '40000' : e.mode} ${e.name}\0`, 'utf8'),
          Buffer.from(e.sha, 'hex'),
        ]),
      ),
    );
    const sha = hashObject('tree', body);
    this.trees.set(sha, sorted);
    return sha;
  }

  /** Builds (nested) trees from `{ 'dir/file.yaml': 'content' }`. */
  writeFiles(files: Readonly<Record<string, string>>): string {
    return this.writeTreeWithChanges(
      undefined,
      Object.entries(files).map(([path, content]) => ({ path, mode: '100644', type: 'blob', content })),
    );
  }

  /**
   * The Git Database API's tree creation: start from `baseTree` (or nothing), apply the changes
   * (nested paths allowed, `sha: null` deletes), return the new root tree's sha.
   */
  writeTreeWithChanges(baseTree: string | undefined, changes: readonly TreeChange[]): string {
    const flat = new Map<string, FlatFile>();
    if (baseTree !== undefined) for (const [path, file] of this.flatten(baseTree)) flat.set(path, file);
    for (const change of changes) {
      const path = change.path.replace(/^\/+|\/+$/g, '');
      if (path === '' || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
        throw new GitError(`tree.path contains a malformed path component`);
      }
      if (change.sha === null) {
        const prefix = `${path}/`;
        const doomed = [...flat.keys()].filter((p) => p === path || p.startsWith(prefix));
        if (doomed.length === 0) throw new GitError(`tree.path ${path} does not exist and cannot be deleted`);
        for (const p of doomed) flat.delete(p);
        continue;
      }
      if (change.type === 'tree') {
        if (change.sha === undefined) throw new GitError(`tree.sha is required for a tree entry (${path})`);
        const prefix = `${path}/`;
        for (const p of [...flat.keys()]) if (p === path || p.startsWith(prefix)) flat.delete(p);
        for (const [sub, file] of this.flatten(change.sha)) flat.set(`${path}/${sub}`, file);
        continue;
      }
      let sha = change.sha;
      if (change.content !== undefined) sha = this.writeBlob(change.content);
      if (sha === undefined) throw new GitError(`tree.sha or tree.content is required (${path})`);
      if (change.type === 'blob' && !this.blobs.has(sha))
        throw new GitError(`tree.sha ${sha} is not a valid blob`);
      // A file replaces a directory of the same name and vice versa, as Git does.
      const prefix = `${path}/`;
      for (const p of [...flat.keys()]) if (p.startsWith(prefix)) flat.delete(p);
      for (const dir of parentDirs(path)) flat.delete(dir);
      flat.set(path, { mode: change.mode, type: change.type, sha });
    }
    return this.#writeFlat(flat);
  }

  /** Every file (blob or submodule) under a tree, by full path. */
  flatten(treeSha: string, prefix = ''): Map<string, FlatFile> {
    const entries = this.trees.get(treeSha);
    if (!entries) throw new GitError(`tree ${treeSha} does not exist`);
    const out = new Map<string, FlatFile>();
    for (const e of entries) {
      const path = prefix + e.name;
      if (e.type === 'tree') {
        for (const [p, f] of this.flatten(e.sha, `${path}/`)) out.set(p, f);
      } else {
        out.set(path, { mode: e.mode, type: e.type, sha: e.sha });
      }
    }
    return out;
  }

  /** The text of every blob under a tree, by full path. */
  files(treeSha: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [path, file] of this.flatten(treeSha)) {
      if (file.type === 'blob') out[path] = this.blobs.get(file.sha)?.toString('utf8') ?? '';
    }
    return out;
  }

  /** Writes a commit object and returns its real Git id. */
  writeCommit(commit: Omit<GitCommit, 'sha'>): string {
    if (!this.trees.has(commit.tree)) throw new GitError(`tree ${commit.tree} does not exist`);
    for (const p of commit.parents)
      if (!this.commits.has(p)) throw new GitError(`parent ${p} does not exist`);
    const lines = [`tree ${commit.tree}`, ...commit.parents.map((p) => `parent ${p}`)];
    lines.push(
      `author ${identityLine(commit.author)}`,
      `committer ${identityLine(commit.committer)}`,
      '',
      commit.message,
    );
    const sha = hashObject('commit', Buffer.from(lines.join('\n'), 'utf8'));
    this.commits.set(sha, { ...commit, sha });
    return sha;
  }

  /** Stores a commit under an id the caller chose (tests like readable shas). */
  putCommit(commit: GitCommit): void {
    if (!this.trees.has(commit.tree)) throw new GitError(`tree ${commit.tree} does not exist`);
    this.commits.set(commit.sha, commit);
  }

  /** Whether `ancestor` is reachable from `descendant` (a commit is its own ancestor). */
  isAncestor(ancestor: string, descendant: string): boolean {
    return this.reachable(descendant).has(ancestor);
  }

  reachable(from: string): Set<string> {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const sha = stack.pop();
      if (sha === undefined || seen.has(sha)) continue;
      seen.add(sha);
      for (const p of this.commits.get(sha)?.parents ?? []) stack.push(p);
    }
    return seen;
  }

  /** Commits reachable from `head` but not from `base`, oldest first (as GitHub lists a PR's commits). */
  commitsBetween(base: string, head: string): string[] {
    const excluded = this.reachable(base);
    const out: string[] = [];
    const seen = new Set<string>();
    const visit = (sha: string): void => {
      if (seen.has(sha) || excluded.has(sha)) return;
      seen.add(sha);
      for (const p of this.commits.get(sha)?.parents ?? []) visit(p);
      out.push(sha);
    };
    visit(head);
    return out;
  }

  #writeFlat(flat: Map<string, FlatFile>): string {
    interface Dir {
      files: Map<string, FlatFile>;
      dirs: Map<string, Dir>;
    }
    const root: Dir = { files: new Map(), dirs: new Map() };
    for (const [path, file] of flat) {
      const parts = path.split('/');
      const name = parts.pop() ?? path;
      let dir = root;
      for (const part of parts) {
        let next = dir.dirs.get(part);
        if (!next) {
          next = { files: new Map(), dirs: new Map() };
          dir.dirs.set(part, next);
        }
        dir = next;
      }
      dir.files.set(name, file);
    }
    const write = (dir: Dir): string => {
      const entries: TreeEntry[] = [];
      for (const [name, sub] of dir.dirs)
        entries.push({ name, mode: '040000', type: 'tree', sha: write(sub) });
      for (const [name, f] of dir.files) entries.push({ name, mode: f.mode, type: f.type, sha: f.sha });
      return this.writeTree(entries);
    };
    return write(root);
  }
}

function hashObject(type: string, body: Buffer): string {
  return createHash('sha1')
    .update(Buffer.from(`${type} ${body.length}\0`, 'utf8'))
    .update(body)
    .digest('hex');
}

/** Git sorts tree entries by name, with directories compared as if they ended in `/`. */
function compareTreeNames(a: TreeEntry, b: TreeEntry): number {
  const ka = Buffer.from(a.type === 'tree' ? `${a.name}/` : a.name, 'utf8');
  const kb = Buffer.from(b.type === 'tree' ? `${b.name}/` : b.name, 'utf8');
  return Buffer.compare(ka, kb);
}

function identityLine(id: GitIdentity): string {
  const seconds = Math.floor(Date.parse(id.date) / 1000);
  return `${id.name} <${id.email}> ${seconds} +0000`;
}

function parentDirs(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}
