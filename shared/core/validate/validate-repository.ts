import { compareIssues, compareStrings, createIssue, type Issue } from '../issues/issue.ts';
import { DNS_LABEL } from '../manifests/fields.ts';
import { kindParents, type Kind } from '../manifests/kinds.ts';
import { normalizeLineBreaks } from '../parse/line-breaks.ts';
import { readYamlFile, type YamlFileResult } from '../parse/read-yaml-file.ts';
import type { SourceDocument } from '../parse/source-document.ts';
import { defaultYamlLimits, type YamlLimits } from '../parse/yaml-limits.ts';
import { checkRepository } from './check-repository.ts';
import {
  identityOf,
  RepositoryIndex,
  type IndexedManifest,
  type Scope,
} from './repository-index.ts';
import { validateManifest } from './validate-manifest.ts';

const lenientUtf8 = new TextDecoder('utf-8');

/**
 * Schema results by the parse they came from. A caller that keeps parses by content (the
 * pipeline keeps them by blob id between pushes) passes the same object for an unchanged
 * file, and its schema is not checked again: the result depends on the parse alone.
 */
const validated = new WeakMap<object, ReturnType<typeof validateManifest>>();

function validatedManifest(
  read: Extract<YamlFileResult, { status: 'parsed' }>,
): ReturnType<typeof validateManifest> {
  let result = validated.get(read);
  if (result === undefined)
    validated.set(read, (result = validateManifest(read.source, read.value)));
  return result;
}

/** A YAML file of the repository, as bytes: decoding is part of validation. */
export interface RepositoryFile {
  /** Repository-relative path with `/` separators. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** How to validate a repository. */
export interface ValidationOptions {
  readonly limits?: YamlLimits;
  /** Called every few hundred files, for a progress line. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Files already read (in parallel, or cached by content), by path. */
  readonly reads?: ReadonlyMap<string, YamlFileResult>;
}

/** Everything validation learnt about a repository. */
export interface RepositoryValidation {
  /** YAML files looked at. */
  readonly files: number;
  /** Files that are manifests of this format, valid or not. */
  readonly manifestCount: number;
  /** Manifests that passed their schema (whole-repository issues may still name them). */
  readonly manifests: readonly IndexedManifest[];
  /** Every declared manifest by identity, those whose spec is invalid included. */
  readonly index: RepositoryIndex;
  /** Every issue, in file, line and column order. */
  readonly issues: readonly Issue[];
  /** The text of every manifest file, for code frames. */
  readonly sources: ReadonlyMap<string, string>;
}

/**
 * Validates a whole repository: each file strictly on its own, then everything that
 * needs all of them. Every issue is reported, never only the first.
 */
export function validateRepository(
  files: readonly RepositoryFile[],
  options: ValidationOptions = {},
): RepositoryValidation {
  const { limits = defaultYamlLimits, onProgress, reads } = options;
  const ordered = [...files].sort((a, b) => compareStrings(a.path, b.path));
  const issues: Issue[] = [];
  if (ordered.length > limits.maxFiles) {
    const first = ordered[limits.maxFiles] as RepositoryFile;
    issues.push(
      createIssue(
        'limits/file-count',
        { file: first.path, pointer: '', line: 1, column: 1 },
        `expected at most ${limits.maxFiles} YAML files, found ${ordered.length}; nothing was validated`,
      ),
    );
    return {
      files: ordered.length,
      manifestCount: 0,
      manifests: [],
      index: new RepositoryIndex(),
      issues,
      sources: new Map(),
    };
  }

  const entries: IndexedManifest[] = [];
  const sources = new Map<string, string>();
  let manifestCount = 0;
  let done = 0;
  for (const file of ordered) {
    if (onProgress !== undefined && ++done % 500 === 0) onProgress(done, ordered.length);
    const given = reads?.get(file.path);
    const read = given ?? readYamlFile(file.path, file.bytes, limits);
    if (read.status === 'skipped') continue;
    if (read.status === 'invalid') {
      manifestCount++;
      issues.push(...read.issues);
      // The text is what makes a syntax error readable; replacement characters stand in
      // for bytes that are not UTF-8, and the BOM is dropped and lines end as the reader
      // had them.
      if (file.bytes.length <= limits.maxFileBytes)
        sources.set(file.path, normalizeLineBreaks(lenientUtf8.decode(file.bytes)));
      continue;
    }
    // Only a parse the caller kept can come again: one read here is checked, not kept.
    const result =
      given === undefined ? validateManifest(read.source, read.value) : validatedManifest(read);
    if (result.status === 'not-a-manifest') continue;
    manifestCount++;
    sources.set(file.path, read.source.text);
    if (result.status === 'valid') {
      const { kind } = result.manifest;
      const metadata = result.manifest.metadata as Scope & { name: string };
      const id = identityOf(kind, metadata, metadata.name) ?? '';
      entries.push({
        id,
        kind,
        name: metadata.name,
        metadata,
        source: read.source,
        manifest: result.manifest,
      });
      continue;
    }
    issues.push(...result.issues);
    const declared = result.kind && declaredIdentity(result.kind, read.value, read.source);
    if (declared) entries.push(declared);
  }

  const index = new RepositoryIndex();
  issues.push(...checkRepository(entries, index));
  issues.sort(compareIssues);
  return {
    files: ordered.length,
    manifestCount,
    manifests: entries.filter((entry) => entry.manifest !== undefined),
    index,
    issues,
    sources,
  };
}

/**
 * A manifest that fails its schema still declares an identity when its name and ancestors
 * are well formed; indexing it keeps references to it from being reported as dangling
 * too. Other mistakes in metadata (an unknown key) do not hide the identity.
 */
function declaredIdentity(
  kind: Kind,
  value: unknown,
  source: SourceDocument,
): IndexedManifest | undefined {
  const metadata = (value as { metadata?: unknown }).metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const declared: Record<string, string> = {};
  for (const key of ['name', ...kindParents[kind]]) {
    const name = (metadata as Record<string, unknown>)[key];
    if (typeof name !== 'string' || !DNS_LABEL.test(name)) return undefined;
    declared[key] = name;
  }
  const scope = declared as Scope & { name: string };
  const id = identityOf(kind, scope, scope.name);
  return id === undefined ? undefined : { id, kind, name: scope.name, metadata: scope, source };
}
