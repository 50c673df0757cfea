import {
  ACKNOWLEDGEMENTS_FILE,
  readAcknowledgements,
} from '../core/drift/drift-acknowledgements.ts';
import type { DriftObservation } from '../core/drift/drift-finding.ts';
import type { DriftRunDocument } from '../core/drift/drift-run.ts';
import { manifestLocator } from '../core/drift/manifest-locator.ts';
import type { DriftReader } from '../ports/drift-reader.ts';
import { unavailableReader } from '../ports/drift-reader.ts';
import type { DriftReportDocument } from './drift-build-report.ts';
import { createCodeownersDriftReader, createPipelineDriftReader } from './drift-readers.ts';
import { runDriftSweep } from './drift-sweep.ts';
import { organizationFile } from './organization-file.ts';
import type { PipelinePorts } from './stage.ts';
import { fromDocumentId, repositoryPaths, type RepositoryDocument } from './state-documents.ts';

/**
 * The collecting step of a scheduled sweep: the `terraform` source from what its drift
 * builds reported (a workspace whose build did not report, failed or said nothing readable
 * is unread, and resolves nothing), the others read now, all set against the open findings
 * by `runDriftSweep`, as `infrastream drift` does. Returns a line for the log.
 */
export async function collectDriftSweep(ports: PipelinePorts, at: string): Promise<string> {
  const settings = ports.drift;
  if (settings === undefined) return 'drift sweeps are not configured here';
  const paths = repositoryPaths(ports.repository);
  const [run, recorded] = (await ports.store.getAll([paths.driftRun(at), paths.repository])) as [
    DriftRunDocument | undefined,
    RepositoryDocument | undefined,
  ];
  if (run === undefined) return `no sweep ${at}`;
  const head = recorded?.current?.commit;
  const revisions = ports.revisions;
  const noHead = 'no revision recorded as current yet';
  const readers: DriftReader[] = [
    reportedTerraformReader(ports, run),
    ...(head === undefined
      ? [
          unavailableReader('iam', noHead),
          unavailableReader('resources', noHead),
          unavailableReader('codeowners', noHead),
          unavailableReader('github', noHead),
        ]
      : [
          ...settings.liveReaders({ revisions, head }),
          createCodeownersDriftReader({ repository: ports.repository, revisions, head }),
        ]),
    createPipelineDriftReader({
      store: ports.store,
      repository: ports.repository,
      maxLagMinutes: settings.maxLagMinutes,
    }),
  ];
  const acknowledgements =
    head === undefined
      ? { acknowledgements: [], issues: [] }
      : readAcknowledgements(await acknowledgementsText(ports, head), ports.clock.now());
  const report = await runDriftSweep({
    store: ports.store,
    repository: ports.repository,
    readers,
    acknowledgements: acknowledgements.acknowledgements,
    ...(head === undefined ? {} : { acknowledgementsCommit: head }),
    clock: ports.clock,
    ...(head === undefined || settings.sweepPublisher === undefined
      ? {}
      : {
          publisher: settings.sweepPublisher({
            head,
            unlocatedFile: await organizationFile(revisions, ports.repository, head),
          }),
        }),
  });
  const { sweep } = report;
  return `${sweep.open} open, ${sweep.appeared} appeared, ${sweep.changed} changed, ${sweep.resolved} resolved, ${sweep.written} written`;
}

/** The acknowledgements file at `commit`, empty when it has none. */
async function acknowledgementsText(ports: PipelinePorts, commit: string): Promise<string> {
  const entry = (await ports.source.tree(ports.repository, commit)).find(
    (item) => item.path === ACKNOWLEDGEMENTS_FILE,
  );
  if (entry === undefined) return 'acknowledgements: []\n';
  return new TextDecoder().decode(await ports.source.blob(ports.repository, entry.blob));
}

/**
 * The `terraform` source of a scheduled sweep: the observations its drift builds reported,
 * located at the manifest entries of the commit each workspace was planned at.
 */
function reportedTerraformReader(ports: PipelinePorts, run: DriftRunDocument): DriftReader {
  return {
    name: 'terraform',
    async read() {
      const paths = repositoryPaths(ports.repository);
      const reports = new Map(
        (await ports.store.list(paths.driftReports(run.at))).map((entry) => [
          fromDocumentId(entry.id),
          entry.data as unknown as DriftReportDocument,
        ]),
      );
      const entries = Object.entries(run.workspaces);
      const observations: DriftObservation[] = [];
      const unread: { workspace: string; reason: string }[] = [];
      for (const [id, workspace] of entries) {
        const report = reports.get(id);
        if (workspace.state !== 'reported' || report === undefined) {
          unread.push({
            workspace: id,
            reason:
              workspace.reason ??
              (workspace.state === 'waiting'
                ? 'never started'
                : 'its build did not report in time'),
          });
          continue;
        }
        const found = report.observations as readonly DriftObservation[];
        if (found.length === 0) continue;
        // Only the workspaces that drifted have their revision loaded, to be located.
        const revision = await ports.revisions.load(ports.repository, workspace.commit);
        const model = ports.revisions.model(revision).workspaces.get(id);
        const locate =
          model === undefined ? () => undefined : manifestLocator(model, revision.analysis.sources);
        for (const observation of found) {
          const manifest =
            observation.address === undefined ? undefined : locate(observation.address);
          observations.push({ ...observation, ...(manifest === undefined ? {} : { manifest }) });
        }
      }
      const read = entries.length - unread.length;
      const listed = unread
        .slice(0, 3)
        .map((item) => `${item.workspace}: ${item.reason}`)
        .join('; ');
      return {
        status: unread.length === 0 ? 'ok' : read === 0 ? 'failed' : 'partial',
        detail:
          entries.length === 0
            ? 'no applied workspace to plan'
            : `${read} of ${entries.length} applied workspaces planned refresh-only in Cloud Build${unread.length === 0 ? '' : `; ${unread.length} unread (${listed}${unread.length > 3 ? '; …' : ''})`}`,
        observations,
        unreadWorkspaces: unread.map((item) => item.workspace),
      };
    },
  };
}
