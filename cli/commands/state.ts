import { parseArgs } from 'node:util';
import {
  fromDocumentId,
  repositoryPaths,
  type CommitDocument,
  type PlanRefusal,
  type RepositoryDocument,
  type RepositoryPaths,
} from '../../shared/pipeline/state-documents.ts';
import type {
  DocumentData,
  DocumentStore,
  StoredDocument,
} from '../../shared/ports/document-store.ts';
import { formatGovernedRepository } from '../../shared/core/pipeline/governed-repository.ts';
import { findingJson } from '../../shared/core/drift/drift-report.ts';
import { openDriftFindings } from '../../shared/pipeline/drift-sweep.ts';
import { exitCodes, UsageError, type CliIo, type Command } from '../cli-io.ts';
import { commandSettings } from '../command-settings.ts';
import { checkStore, configuredStore, storeLocation } from '../configured-store.ts';
import { repositoryFolder } from '../repository-folder.ts';

export const stateUsage = `Usage: infrastream state [commits|resources|workspaces|builds|events|drift] [ID]
                         [--dir DIR] [--repository OWNER/NAME] [--format text|json]

Shows what the pipeline recorded: without a collection, the repository's current revision
and latest events; with one, its documents; with an ID, one document in full. \`drift\`
lists the open drift findings, as the last \`infrastream drift\` left them.
  --dir DIR        the repository folder of the embedded state (DIR/.infrastream), default .
  --repository R   which repository, when the store holds several: OWNER/NAME#ID (or
                   OWNER/NAME for a local folder), or GitHub's id
  --format F       text (default) or json
The store is the embedded one unless INFRASTREAM_PROJECT is set (see the README).`;

const collections = ['commits', 'resources', 'workspaces', 'builds', 'events', 'drift'] as const;
type Collection = (typeof collections)[number];

/** `infrastream state`: the recorded state, from whichever store is configured. */
export async function stateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      dir: { type: 'string', default: '.' },
      repository: { type: 'string' },
      format: { type: 'string', default: 'text' },
    },
  });
  const [collection, id, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0] ?? ''}"`);
  if (collection !== undefined && !isCollection(collection)) {
    throw new UsageError(
      `unknown collection "${collection}": expected one of ${collections.join(', ')}`,
    );
  }
  if (values.format !== 'text' && values.format !== 'json') {
    throw new UsageError(`--format must be text or json, found "${values.format}"`);
  }
  const directory = repositoryFolder(io, values.dir);
  const settings = commandSettings(io, 'state');
  const store = await configuredStore(settings, directory);
  await checkStore(store, 'read', storeLocation(settings, directory));
  const repositories = await store.list('repositories');
  const chosen = pickRepository(repositories, values.repository);
  if (chosen === undefined) {
    io.stderr(
      repositories.length === 0
        ? 'infrastream state: nothing recorded yet (run `infrastream run` first)\n'
        : `infrastream state: ${repositories.length} repositories recorded; choose one with --repository (${repositories.map(nameOf).join(', ')})\n`,
    );
    return exitCodes.issues;
  }
  const repository = chosen.data as unknown as RepositoryDocument;
  const paths = repositoryPaths(repository);
  const print = (value: unknown, text: () => string) => {
    io.stdout(values.format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : text());
  };

  if (collection === undefined) {
    const events = (await store.list(paths.events)).map((entry) => entry.data);
    const latest = sortBy(events, 'at').slice(-10);
    const current = repository.current;
    const refused = current === null ? undefined : await refusedRevision(store, paths, current);
    print({ repository, ...(refused === undefined ? {} : { refused }), events: latest }, () => {
      return [
        `repository ${formatGovernedRepository(repository)} (default branch ${repository.defaultBranch})`,
        current === null
          ? 'no revision recorded'
          : `current revision ${current.sequence}: ${current.commit} (recorded ${current.recordedAt})`,
        ...(refused === undefined
          ? []
          : [
              `  ${refused.refused.reason}`,
              ...refused.refused.issues.map(
                (issue) =>
                  `  ! ${issue.file}:${issue.line}:${issue.column} ${issue.rule}: ${issue.message}`,
              ),
              `  the next revision is planned against the last revision accepted${refused.base === undefined ? '' : `: ${refused.base?.slice(0, 7) ?? 'none'}`}`,
            ]),
        ...(repository.recording === null
          ? []
          : [
              `recording revision ${repository.recording.sequence}: ${repository.recording.commit}`,
            ]),
        '',
        'latest events:',
        ...latest.map(
          (event) => `  ${String(event.at)}  ${String(event.type)}  ${String(event.message)}`,
        ),
        '',
      ].join('\n');
    });
    return exitCodes.ok;
  }

  if (collection === 'drift') {
    if (id !== undefined) throw new UsageError('drift takes no ID: it lists the open findings');
    const { findings, lastSweep } = await openDriftFindings(store, repository);
    print({ sweep: lastSweep ?? null, findings: findings.map(findingJson) }, () =>
      [
        lastSweep === undefined
          ? 'no drift sweep recorded (run `infrastream drift` first)'
          : `last sweep ${lastSweep.at}: ${lastSweep.open} open, ${lastSweep.appeared} appeared, ${lastSweep.resolved} resolved`,
        ...findings.map(
          (finding) =>
            `${finding.severity.padEnd(8)} ${finding.summary}  (${finding.fingerprint}, since ${finding.firstSeen})`,
        ),
        '',
      ].join('\n'),
    );
    return exitCodes.ok;
  }
  const folder = {
    commits: `${paths.repository}/commits`,
    resources: paths.resources,
    workspaces: paths.workspaces,
    builds: paths.builds,
    events: paths.events,
  }[collection];
  const entries = await store.list(folder);
  if (id !== undefined) {
    const matches = entries.filter(
      (entry) =>
        fromDocumentId(entry.id) === id || (collection === 'commits' && entry.id.startsWith(id)),
    );
    if (matches.length !== 1) {
      io.stderr(
        `infrastream state: ${matches.length === 0 ? 'no' : 'more than one'} ${collection.replace(/s$/, '')} "${id}"\n`,
      );
      return exitCodes.issues;
    }
    const [match] = matches as [StoredDocument];
    print(match.data, () => `${JSON.stringify(match.data, null, 2)}\n`);
    return exitCodes.ok;
  }
  const rows = entries.map((entry) => ({ id: fromDocumentId(entry.id), ...entry.data }));
  print(rows, () => rows.map((row) => `${summary(collection, row)}\n`).join(''));
  return exitCodes.ok;
}

/**
 * The current revision's refusal by its plan, if it was refused: recorded and current, and
 * yet not what the next revision is planned against.
 */
async function refusedRevision(
  store: DocumentStore,
  paths: RepositoryPaths,
  current: { readonly commit: string; readonly sequence: number },
): Promise<{ readonly refused: PlanRefusal; readonly base?: string | null } | undefined> {
  const commit = (await store.get(paths.commit(current.commit))) as CommitDocument | undefined;
  const deltas = commit?.stages.deltas;
  if (deltas?.sequence !== current.sequence || deltas.refused === undefined) return undefined;
  return { refused: deltas.refused, ...(deltas.base === undefined ? {} : { base: deltas.base }) };
}

function isCollection(name: string): name is Collection {
  return (collections as readonly string[]).includes(name);
}

function pickRepository(
  repositories: readonly StoredDocument[],
  wanted: string | undefined,
): StoredDocument | undefined {
  if (wanted !== undefined)
    return repositories.find(
      (entry) => fromDocumentId(entry.id) === wanted || nameOf(entry) === wanted,
    );
  return repositories.length === 1 ? repositories[0] : undefined;
}

/** `owner/name#id` as the repository document says, its key when it says nothing. */
function nameOf(entry: StoredDocument): string {
  const { owner, name, id } = entry.data as Partial<RepositoryDocument>;
  if (owner === undefined || name === undefined) return fromDocumentId(entry.id);
  return formatGovernedRepository({ owner, name, id });
}

function sortBy(documents: readonly DocumentData[], field: string): DocumentData[] {
  return [...documents].sort((a, b) => String(a[field]).localeCompare(String(b[field])));
}

/** One line per document, the fields an operator looks for first. */
function summary(
  collection: Exclude<Collection, 'drift'>,
  row: DocumentData & { id: string },
): string {
  const stages = row.stages as
    Record<string, { status?: string; refused?: unknown } | undefined> | undefined;
  const pointer = (value: unknown) => {
    const item = value as { commit?: string; sequence?: number } | null | undefined;
    return item?.commit === undefined ? '-' : `${String(item.sequence)}@${item.commit.slice(0, 7)}`;
  };
  switch (collection) {
    case 'commits':
      return `${row.id.slice(0, 12)}  ${String(row.ref)}  parse ${stages?.parse?.status ?? '-'}  record ${stages?.record?.status ?? '-'}  deltas ${deltaStatus(stages?.deltas)}  issues ${String(row.issueCount)}`;
    case 'resources':
      return `${row.id}  ${String(row.workspace)}`;
    case 'workspaces':
      return `${row.id}  applied ${pointer(row.lastApplied)}  running ${pointer(row.running)}  pending ${pointer(row.pending)}`;
    case 'builds': {
      const attempt = typeof row.attempt === 'number' ? `  attempt ${row.attempt}` : '';
      const step = typeof row.failedStep === 'string' ? `  in ${row.failedStep}` : '';
      // Its first line: the whole reason is in `state builds WORKSPACE@SHA`.
      const reason = typeof row.reason === 'string' ? `  ${row.reason.split('\n')[0] ?? ''}` : '';
      return `${String(row.workspace)}  ${String(row.commit).slice(0, 7)}  ${String(row.status)}  ${row.apply === true ? 'apply' : 'plan only'}  ${typeof row.build === 'string' ? row.build : ''}${attempt}${step}${reason}`;
    }
    case 'events':
      return `${String(row.at)}  ${String(row.type)}  ${String(row.message)}`;
  }
}

function deltaStatus(deltas: { readonly refused?: unknown } | undefined): string {
  if (deltas === undefined) return '-';
  return deltas.refused === undefined ? 'computed' : 'refused';
}

/** `infrastream state`, for the command table. */
export const command: Command = { run: stateCommand, usage: stateUsage };
