import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InProcessBus } from '../shared/adapters/in-process-bus.ts';
import { createLocalBuildRunner } from '../shared/adapters/local-build-runner.ts';
import { LocalBuildService } from '../shared/adapters/local-build-service.ts';
import { LocalCodeOwnersWriter } from '../shared/adapters/local-code-owners-writer.ts';
import { LocalCommitReporter } from '../shared/adapters/local-commit-reporter.ts';
import { LocalRepositorySource } from '../shared/adapters/local-repository-source.ts';
import { SqliteDocumentStore } from '../shared/adapters/sqlite-document-store.ts';
import { systemClock } from '../shared/adapters/system-clock.ts';
import type { GovernedRepository } from '../shared/core/pipeline/governed-repository.ts';
import type { RenderConfig } from '../shared/core/render/render-config.ts';
import { createPipeline, type Pipeline } from '../shared/pipeline/create-pipeline.ts';
import type { DocumentStore } from '../shared/ports/document-store.ts';

/** The embedded default, wired: every stage in this process over a local repository. */
export interface EmbeddedPipeline extends Pipeline {
  readonly bus: InProcessBus;
  readonly reporter: LocalCommitReporter;
  readonly codeOwners: LocalCodeOwnersWriter;
}

/** Where the embedded default keeps its state, beside the manifests. */
export function stateFolder(directory: string): string {
  return join(directory, '.infrastream');
}

/**
 * Makes the state folder, ignored by git from within, as pytest's cache does: the
 * repository holding it never shows it as untracked, and `run` never takes it for an
 * uncommitted change. An existing `.gitignore` there is left as it is.
 */
export function createStateFolder(directory: string): string {
  const folder = stateFolder(directory);
  mkdirSync(folder, { recursive: true });
  try {
    writeFileSync(join(folder, '.gitignore'), '# The state of infrastream, kept out of git.\n*\n', {
      flag: 'wx',
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return folder;
}

/** The database file of the embedded state store of a repository folder. */
export function stateDatabase(directory: string): string {
  return join(stateFolder(directory), 'state.sqlite');
}

/** The embedded state store of a repository folder. */
export function embeddedStore(directory: string): DocumentStore {
  return new SqliteDocumentStore({ file: stateDatabase(directory) });
}

/**
 * Wires the pipeline's stages to embedded adapters: an in-process bus, the state store in
 * `.infrastream/state.sqlite`, the repository's git object store as source, and builds rendered
 * under `.infrastream/builds` (applied with Terraform only when `apply` is set).
 */
export function createEmbeddedPipeline(options: {
  readonly directory: string;
  /** The repository whose pushes run: the configured one, or for `run` the local folder. */
  readonly repository: GovernedRepository;
  readonly render: RenderConfig;
  readonly apply: boolean;
  readonly store?: DocumentStore;
}): EmbeddedPipeline {
  const folder = createStateFolder(options.directory);
  const bus = new InProcessBus();
  const reporter = new LocalCommitReporter();
  const codeOwners = new LocalCodeOwnersWriter();
  const builds = new LocalBuildService({
    directory: join(folder, 'builds'),
    ...(options.apply ? { runner: createLocalBuildRunner({ stateDir: folder }) } : {}),
    publisher: bus,
    clock: systemClock,
  });
  const pipeline = createPipeline({
    repository: options.repository,
    store: options.store ?? embeddedStore(options.directory),
    publisher: bus,
    source: new LocalRepositorySource(options.directory),
    reporter,
    codeOwners,
    builds,
    clock: systemClock,
    render: options.render,
    apply: options.apply,
  });
  for (const [topic, stage] of pipeline.stages) bus.subscribe(topic, stage);
  return { ...pipeline, bus, reporter, codeOwners };
}
