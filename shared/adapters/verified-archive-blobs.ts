import { createHash } from 'node:crypto';
import { Parser, type ReadEntry } from 'tar';
import type { TreeEntry } from '../ports/repository-source.ts';

/** What a tree vouches for and how much of an archive may be kept. */
export interface ArchiveRead {
  /** The tree the archive claims to hold: only its paths, with its blob ids, are read. */
  readonly tree: readonly TreeEntry[];
  /** The blob ids wanted; files holding any other content are skipped. */
  readonly wanted: ReadonlySet<string>;
  /** Most bytes of file content kept in all. */
  readonly maxBytes: number;
}

/** Tar entry types that hold a file's content; links, devices and FIFOs hold none of their own. */
const REGULAR_FILE = new Set(['File', 'OldFile', 'ContiguousFile']);
/** Room above the tree's own size for pax headers and `export-subst` expansions. */
const ARCHIVE_SLACK_BYTES = 1024 * 1024;

/**
 * The wanted blobs found in a gzipped tar archive of a tree (GitHub's tarball: every path
 * under one top folder), by blob id. An archive vouches for nothing by itself: a file is
 * taken only when the tree lists its path and its content hashes to the blob id the tree
 * gives that path, so a tampered, stale or crafted archive can only make blobs missing,
 * never wrong. Links, devices, paths that leave the top folder and files past `maxBytes`
 * are skipped. Rejects when the archive is not a readable tar.gz or holds far more than
 * the tree.
 */
export function verifiedArchiveBlobs(
  archive: Uint8Array,
  read: ArchiveRead,
): Promise<Map<string, Uint8Array>> {
  const byPath = new Map<string, TreeEntry>();
  let treeBytes = 0;
  for (const entry of read.tree) {
    treeBytes += entry.size ?? 0;
    if (read.wanted.has(entry.blob)) byPath.set(entry.path, entry);
  }
  const maxArchiveBytes = treeBytes + ARCHIVE_SLACK_BYTES;
  const found = new Map<string, Uint8Array>();
  let keptBytes = 0;
  let archiveBytes = 0;
  let root: string | undefined;

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (error === undefined) resolve(found);
      else reject(error);
    };
    // Strict: a damaged archive is refused whole rather than read in part.
    const parser = new Parser({ strict: true });
    const stop = (error?: Error) => {
      finish(error);
      parser.abort(error ?? new Error('read all that was wanted'));
    };

    parser.on('entry', (entry: ReadEntry) => {
      archiveBytes += entry.size;
      if (archiveBytes > maxArchiveBytes) {
        entry.resume();
        stop(
          new Error(
            `the archive holds over ${String(maxArchiveBytes)} bytes, more than the tree's ` +
              `${String(treeBytes)}; it is not an archive of this tree`,
          ),
        );
        return;
      }
      root ??= entry.path.split('/')[0];
      const path = pathUnder(root, entry.path);
      const listed = path === undefined ? undefined : byPath.get(path);
      const wanted =
        listed !== undefined &&
        REGULAR_FILE.has(entry.type) &&
        !found.has(listed.blob) &&
        (listed.size === undefined || listed.size === entry.size) &&
        keptBytes + entry.size <= read.maxBytes;
      if (!wanted) {
        entry.resume();
        return;
      }
      const hash = createHash('sha1').update(`blob ${String(entry.size)}\0`);
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        chunks.push(chunk);
      });
      entry.on('end', () => {
        const bytes = new Uint8Array(Buffer.concat(chunks));
        if (hash.digest('hex') !== listed.blob || bytes.length !== entry.size) return;
        found.set(listed.blob, bytes);
        keptBytes += bytes.length;
        if (found.size === read.wanted.size) stop();
      });
    });
    parser.on('error', (error: Error) => {
      finish(new Error(`the archive is not a readable tar.gz: ${error.message}`));
    });
    parser.on('end', () => {
      finish();
    });
    parser.end(Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength));
  });
}

/**
 * `path` relative to the archive's top folder, or undefined when it is not strictly inside it
 * or names a folder by `.`/`..`: such a path could only be read by resolving it, and the
 * tree's paths never need that.
 */
function pathUnder(root: string | undefined, path: string): string | undefined {
  if (root === undefined || root === '' || !path.startsWith(`${root}/`)) return undefined;
  const relative = path.slice(root.length + 1);
  const segments = relative.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return undefined;
  }
  return relative;
}
