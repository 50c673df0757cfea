import { FINAL_BUILD_STATES } from '../contracts/build-notification.ts';
import type { BuildDocument } from '../pipeline/workspace-documents.ts';

/** How one workspace of an apply stands, as the apply check groups them. */
export type WorkspaceApplyState =
  'waiting' | 'held' | 'running' | 'applied' | 'superseded' | 'failed';

/** The identifier of the apply check's button that approves the revision's held stages. */
export const APPROVE_RELEASE_ACTION = 'approve-release';

/** The apply check of one revision, as its backend shows it. */
export interface ApplyCheck {
  readonly status: 'queued' | 'in_progress' | 'completed';
  readonly conclusion: 'success' | 'failure';
  readonly title: string;
  /** Markdown: one row per workspace, then each failure's step and error lines. */
  readonly summary: string;
  /** The log of the first failed build, else of the first build that has one. */
  readonly detailsUrl?: string;
  /** Each workspace's state, in the order given. */
  readonly workspaces: readonly { readonly id: string; readonly state: WorkspaceApplyState }[];
  /** The approval button, while a stage waits for an approval. */
  readonly actions: readonly {
    readonly label: string;
    readonly description: string;
    readonly identifier: string;
  }[];
}

/** Where a build stands; no document yet: waiting. */
export function workspaceApplyState(build: BuildDocument | undefined): WorkspaceApplyState {
  const status = build?.status;
  if (status === undefined || status === 'requested' || status === 'queued-behind')
    return 'waiting';
  if (status === 'held') return 'held';
  if (status === 'superseded') return 'superseded';
  if (status === 'SUCCESS') return 'applied';
  if (status === 'refused' || FINAL_BUILD_STATES.has(status)) return 'failed';
  return status === 'WORKING' ? 'running' : 'waiting';
}

const SYMBOL: Record<WorkspaceApplyState, string> = {
  waiting: '⏳ waiting',
  held: '⏸️ held',
  running: '🔄 running',
  applied: '✅ applied',
  superseded: '⏭️ superseded',
  failed: '❌ failed',
};

/**
 * The `infrastream/apply` check of a revision, computed whole from its builds' documents
 * (`builds[i]` is `workspaces[i]`'s, when it has one): queued until a build runs or ends,
 * completed once every workspace's build has ended, failed when any failed.
 */
export function formatApplyCheck(
  workspaces: readonly string[],
  builds: readonly (BuildDocument | undefined)[],
): ApplyCheck {
  const rows = workspaces.map((id, index) => {
    const build = builds[index];
    return { id, build, state: workspaceApplyState(build) };
  });
  const count = (state: WorkspaceApplyState) => rows.filter((row) => row.state === state).length;
  const open = count('waiting') + count('held') + count('running');
  const status =
    open === 0
      ? 'completed'
      : open === rows.length && count('running') === 0
        ? 'queued'
        : 'in_progress';
  const failed = rows.filter((row) => row.state === 'failed');
  const parts = [
    `${count('applied')} applied`,
    ...(failed.length > 0 ? [`${failed.length} failed`] : []),
    ...(count('running') > 0 ? [`${count('running')} running`] : []),
    ...(count('held') > 0 ? [`${count('held')} held`] : []),
    ...(count('waiting') > 0 ? [`${count('waiting')} waiting`] : []),
    ...(count('superseded') > 0 ? [`${count('superseded')} superseded`] : []),
  ];
  const title =
    rows.length === 0
      ? 'Nothing to apply'
      : `${status === 'completed' ? '' : 'Applying: '}${parts.join(', ')} of ${rows.length} workspaces`;
  const link = (url: string | null | undefined) =>
    url !== null && url !== undefined && url.startsWith('https://') ? `[log](${url})` : '';
  const table = [
    '| workspace | status | failed step | created | changed | destroyed | log |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(({ id, build, state }) => {
      const changes = state === 'applied' ? build?.changes : undefined;
      const cell = (value: number | undefined) => (value === undefined ? '' : String(value));
      return `| \`${id}\` | ${SYMBOL[state]} | ${build?.failedStep ?? ''} | ${cell(changes?.create)} | ${cell(changes?.update)} | ${cell(changes?.destroy)} | ${link(build?.logUrl)} |`;
    }),
  ];
  const failures = failed.map(({ id, build }) => {
    const step = build?.failedStep === undefined ? '' : ` in step \`${build.failedStep}\``;
    const reason = (build?.reason ?? `the build ended ${build?.status ?? ''}`).replace(
      /```/g,
      "'''",
    );
    return `### \`${id}\` failed${step}\n\n\`\`\`\n${reason}\n\`\`\``;
  });
  const retry =
    failed.length > 0
      ? [
          'Re-run this check to build the failed workspaces again (`infrastream retry` does it too).',
        ]
      : [];
  // One line per hold: the workspaces of a stage share theirs.
  const holds = [
    ...new Set(rows.flatMap(({ build, state }) => (state === 'held' ? [build?.reason ?? ''] : []))),
  ];
  const awaitingApproval = rows.some(({ build }) => build?.hold?.kind === 'approval');
  const held =
    holds.length === 0
      ? []
      : [
          `### Held by the release tracks

${holds.map((reason) => `- ${reason}`).join('\n')}`,
          ...(awaitingApproval
            ? [
                "A member of the named groups approves with the **Approve release** button of this check; the pusher's approval does not count.",
              ]
            : []),
        ];
  const logs = [...failed, ...rows].map((row) => row.build?.logUrl);
  const detailsUrl = logs.find((url): url is string => url?.startsWith('https://') === true);
  return {
    status,
    conclusion: failed.length > 0 ? 'failure' : 'success',
    title,
    summary: [
      rows.length === 0 ? 'No workspace is affected.' : table.join('\n'),
      ...failures,
      ...retry,
      ...held,
    ].join('\n\n'),
    ...(detailsUrl === undefined ? {} : { detailsUrl }),
    workspaces: rows.map(({ id, state }) => ({ id, state })),
    actions: awaitingApproval
      ? [
          {
            label: 'Approve release',
            description: 'Approve the held stages of this revision',
            identifier: APPROVE_RELEASE_ACTION,
          },
        ]
      : [],
  };
}
