import { mapConcurrently } from '../core/async/map-concurrently.ts';
import {
  analyzeRepository,
  type RepositoryAnalysis,
} from '../core/governance/analyze-repository.ts';
import { compileGovernance, compileIncrementally } from '../core/governance/build-plan.ts';
import type { GovernanceModel } from '../core/governance/plan.ts';
import { readYamlFile, type YamlFileResult } from '../core/parse/read-yaml-file.ts';
import { defaultYamlLimits, type YamlLimits } from '../core/parse/yaml-limits.ts';
import type { RepositoryFile } from '../core/validate/validate-repository.ts';
import type { RepositoryRef, RepositorySource, TreeEntry } from '../ports/repository-source.ts';
import type { SnapshotStore } from './snapshot-store.ts';
import { repositoryName } from './state-documents.ts';

/**
 * What the stages use of a repository's analysis: counts and issues for the report, the
 * texts of its files for code frames, the desired state and CODEOWNERS. Not validation's
 * index and manifest list, which only serve to build the state: a revision read from its
 * snapshot has none.
 */
export type RevisionAnalysis = Pick<
  RepositoryAnalysis,
  'files' | 'manifestCount' | 'issues' | 'sources' | 'state' | 'codeowners'
>;

/** One commit of a repository, read, validated and turned into its desired state. */
export interface LoadedRevision {
  readonly repository: RepositoryRef;
  readonly commit: string;
  readonly analysis: RevisionAnalysis;
  /** The tree's `.github/CODEOWNERS`, when it has one. */
  readonly codeownersFile: string | undefined;
}

/** How much a loader keeps between loads. */
export interface RevisionLoaderOptions {
  readonly limits?: YamlLimits;
  /** Revisions kept, with their governance models: a push needs its own and the previous. */
  readonly revisions?: number;
  /** Parsed files kept, by blob and path. */
  readonly parsedFiles?: number;
  /**
   * Where parse leaves each valid revision's snapshot, for a cold instance to read instead
   * of the revision's files when a message names it. Without it every load reads and parses.
   */
  readonly snapshots?: SnapshotStore;
  /** Where a load says why it did not use a snapshot; a structured line on stdout by default. */
  readonly log?: (entry: SnapshotLogEntry) => void;
}

/** What happened to a snapshot that was not used, written or collected. */
export interface SnapshotLogEntry {
  /**
   * `INFO` when the snapshot named is not stored (collected); `WARNING` when it did not
   * check out, or one could not be written or collected.
   */
  readonly severity: 'INFO' | 'WARNING';
  readonly commit: string;
  readonly message: string;
}

/** How {@link RevisionLoader.load} may get a revision it does not hold. */
export interface LoadOptions {
  /**
   * The key of the revision's snapshot, read before its files, as the pipeline's message
   * for the commit names it. Never one found in the store: whoever can write the store can
   * write bytes that hash to a key of their own. Without it the files are read.
   */
  readonly snapshot?: string | undefined;
}

const YAML_FILE = /\.ya?ml$/i;
const SKIPPED = /(?:^|\/)(?:node_modules|\.infrastream)\//;
const CODEOWNERS_PATH = '.github/CODEOWNERS';
/** Blob reads in flight at once: enough to hide latency, few enough to stay under rate limits. */
const CONCURRENT_READS = 16;
const utf8 = new TextDecoder('utf-8');

/**
 * Reads revisions through a {@link RepositorySource} and remembers what it can: a warm stage
 * reads and parses only the files a push changed (blob ids name content), and compiles only
 * the workspaces it can reach. A cold one, given a {@link SnapshotStore}, reads the snapshot
 * parse left of a valid revision, as the message it works on names it, instead of its files.
 * Every stage that needs a revision's desired state gets it here, by reference, rather than
 * from a message.
 */
export class RevisionLoader {
  readonly #source: RepositorySource;
  readonly #limits: YamlLimits;
  readonly #revisionLimit: number;
  readonly #parsedLimit: number;
  readonly #log: (entry: SnapshotLogEntry) => void;
  readonly #snapshots: SnapshotStore | undefined;
  readonly #revisions = new Map<string, Promise<LoadedRevision>>();
  readonly #models = new Map<string, GovernanceModel>();
  #parsed = new Map<string, YamlFileResult>();
  /**
   * The last analysis per repository: the next revision takes the nodes of its unchanged
   * files (and CODEOWNERS, when ownership is the same) from it, so that a push rebuilds (and
   * record compares) only what changed.
   */
  readonly #latest = new Map<string, RepositoryAnalysis>();

  constructor(source: RepositorySource, options: RevisionLoaderOptions = {}) {
    this.#source = source;
    this.#limits = options.limits ?? defaultYamlLimits;
    this.#revisionLimit = options.revisions ?? 3;
    this.#parsedLimit = options.parsedFiles ?? 50_000;
    this.#snapshots = options.snapshots;
    this.#log =
      options.log ??
      ((entry) => {
        console.log(JSON.stringify(entry));
      });
  }

  /**
   * The revision at `commit`: from memory when it was loaded recently, else from the
   * snapshot `options.snapshot` names when it is stored and checks out, else read and parsed.
   */
  load(
    repository: RepositoryRef,
    commit: string,
    options: LoadOptions = {},
  ): Promise<LoadedRevision> {
    const key = `${repositoryName(repository)}@${commit}`;
    const cached = this.#revisions.get(key);
    if (cached !== undefined) {
      // Map order is insertion order: moving the entry to the end keeps the newest last.
      this.#revisions.delete(key);
      this.#revisions.set(key, cached);
      return cached;
    }
    const loading =
      this.#snapshots !== undefined && options.snapshot !== undefined
        ? this.#fromSnapshot(this.#snapshots, repository, commit, options.snapshot)
        : this.#read(repository, commit);
    this.#revisions.set(key, loading);
    // A failed read (a network error) must not stay cached as the answer.
    loading.catch(() => this.#revisions.delete(key));
    while (this.#revisions.size > this.#revisionLimit) {
      const oldest = this.#revisions.keys().next().value as string;
      this.#revisions.delete(oldest);
      this.#models.delete(oldest);
    }
    return loading;
  }

  /**
   * The governance model of a loaded revision. Given the revision it follows, only the
   * workspaces the change can reach are compiled again.
   */
  model(revision: LoadedRevision, base?: LoadedRevision): GovernanceModel {
    const key = `${repositoryName(revision.repository)}@${revision.commit}`;
    const known = this.#models.get(key);
    if (known !== undefined) return known;
    const baseModel = base && this.#models.get(`${repositoryName(base.repository)}@${base.commit}`);
    const model =
      base !== undefined && baseModel !== undefined
        ? compileIncrementally(
            { state: base.analysis.state, model: baseModel },
            revision.analysis.state,
          ).model
        : compileGovernance(revision.analysis.state);
    if (this.#revisions.has(key)) this.#models.set(key, model);
    return model;
  }

  /**
   * Leaves the snapshot of a valid revision for the stages after parse, when the loader
   * keeps snapshots, and returns its key for the message that hands the commit on. It never
   * fails: without it they parse the revision, so a failure to write it is logged, not
   * thrown, and there is no key.
   */
  async saveSnapshot(revision: LoadedRevision, now: string): Promise<string | undefined> {
    try {
      return await this.#snapshots?.save(revision, now);
    } catch (error) {
      this.#log({
        severity: 'WARNING',
        commit: revision.commit,
        message: `the snapshot of ${revision.commit} was not written: ${String(error)}`,
      });
      return undefined;
    }
  }

  /**
   * Deletes the snapshots no stage is likely to read again, once revision `sequence` is
   * recorded (see `SnapshotStore.collect`). A failure is logged: the next revision collects
   * what this one left.
   */
  async collectSnapshots(commit: string, sequence: number): Promise<void> {
    try {
      await this.#snapshots?.collect(sequence);
    } catch (error) {
      this.#log({
        severity: 'WARNING',
        commit,
        message: `snapshots were not collected after revision ${sequence}: ${String(error)}`,
      });
    }
  }

  async #fromSnapshot(
    snapshots: SnapshotStore,
    repository: RepositoryRef,
    commit: string,
    key: string,
  ): Promise<LoadedRevision> {
    const found = await snapshots.read(key);
    if (found.status === 'found') return { repository, commit, ...found.contents };
    this.#log(
      found.status === 'missing'
        ? { severity: 'INFO', commit, message: `snapshot ${key} of ${commit} is gone: parsing it` }
        : {
            severity: 'WARNING',
            commit,
            message: `snapshot ${key} of ${commit} ignored, ${found.reason}: parsing it`,
          },
    );
    return this.#read(repository, commit);
  }

  async #read(repository: RepositoryRef, commit: string): Promise<LoadedRevision> {
    const tree = await this.#source.tree(repository, commit);
    const yaml = tree.filter((entry) => YAML_FILE.test(entry.path) && !SKIPPED.test(entry.path));
    const codeowners = tree.find((entry) => entry.path === CODEOWNERS_PATH);
    const reads = new Map<string, YamlFileResult>();
    const files: RepositoryFile[] = [];
    const unread: TreeEntry[] = [];
    for (const entry of yaml) {
      const parsed = this.#parsed.get(parsedKey(entry));
      if (parsed === undefined) unread.push(entry);
      else {
        reads.set(entry.path, parsed);
        // Validation reads bytes only for files it has no result for.
        files.push({ path: entry.path, bytes: new Uint8Array(0) });
      }
    }
    // Past the file limit validation reports the count and reads nothing: neither do we.
    if (yaml.length <= this.#limits.maxFiles) {
      const blobs = await mapConcurrently(unread, CONCURRENT_READS, (entry) =>
        this.#source.blob(repository, entry.blob),
      );
      for (const [index, entry] of unread.entries()) {
        const bytes = blobs[index] as Uint8Array;
        const result = readYamlFile(entry.path, bytes, this.#limits);
        // Invalid files keep their bytes for code frames; they are rare and not kept.
        if (result.status !== 'invalid') this.#remember(parsedKey(entry), result);
        reads.set(entry.path, result);
        files.push({ path: entry.path, bytes });
      }
    } else {
      for (const entry of unread) files.push({ path: entry.path, bytes: new Uint8Array(0) });
    }
    const previous = this.#latest.get(repositoryName(repository));
    const analysis = analyzeRepository(files, {
      limits: this.#limits,
      reads,
      ...(previous === undefined ? {} : { previous }),
    });
    this.#latest.set(repositoryName(repository), analysis);
    const codeownersFile =
      codeowners === undefined
        ? undefined
        : utf8.decode(await this.#source.blob(repository, codeowners.blob));
    return { repository, commit, analysis, codeownersFile };
  }

  #remember(key: string, result: YamlFileResult): void {
    // Simpler than an LRU and as good here: a repository's files fit, and a burst of
    // unrelated repositories only costs one re-parse.
    if (this.#parsed.size >= this.#parsedLimit) this.#parsed = new Map();
    this.#parsed.set(key, result);
  }
}

/** The parse of a blob depends on its path too: issues and sources name the file. */
function parsedKey(entry: TreeEntry): string {
  return `${entry.blob}\0${entry.path}`;
}
