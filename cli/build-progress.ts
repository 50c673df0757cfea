import type { InProcessBus } from '../shared/adapters/in-process-bus.ts';
import {
  BUILD_SUBSTITUTIONS,
  CLOUD_BUILDS_TOPIC,
  FINAL_BUILD_STATES,
  type BuildState,
} from '../shared/core/contracts/build-notification.ts';
import { BUILDS_TOPIC } from '../shared/core/contracts/build-request-message.ts';
import type { Stage } from '../shared/pipeline/stage.ts';
import type { CliIo } from './cli-io.ts';

/** Runs with at least this many workspaces to build get a progress line on a terminal. */
export const BUILD_PROGRESS_THRESHOLD = 20;

/**
 * Shows, on a terminal's stderr, how many of a run's builds have ended, once it builds
 * many workspaces: the `builds` and `cloud-builds` subscribers are wrapped to count the
 * workspaces requested and ended. Returns what clears the line; does nothing elsewhere.
 */
export function showBuildProgress(
  io: CliIo,
  pipeline: { readonly bus: InProcessBus; readonly stages: ReadonlyMap<string, Stage> },
): () => void {
  const builds = pipeline.stages.get(BUILDS_TOPIC);
  const statuses = pipeline.stages.get(CLOUD_BUILDS_TOPIC);
  if (!io.stderrIsTty || builds === undefined || statuses === undefined) return () => undefined;
  const requested = new Set<string>();
  const ended = new Set<string>();
  const failed = new Set<string>();
  let shown = false;
  const show = () => {
    if (requested.size < BUILD_PROGRESS_THRESHOLD) return;
    shown = true;
    io.stderr(
      `\r\x1b[Kbuilding: ${ended.size}/${requested.size} workspaces ended${failed.size > 0 ? `, ${failed.size} failed` : ''}`,
    );
  };
  pipeline.bus.subscribe(BUILDS_TOPIC, async (message) => {
    const outcome = await builds(message);
    const { workspaces } = message as { readonly workspaces?: unknown };
    if (Array.isArray(workspaces)) for (const id of workspaces) requested.add(String(id));
    show();
    return outcome;
  });
  pipeline.bus.subscribe(CLOUD_BUILDS_TOPIC, async (message) => {
    const outcome = await statuses(message);
    const { status, substitutions } = message as {
      readonly status?: BuildState;
      readonly substitutions?: Readonly<Record<string, string>>;
    };
    const workspace = substitutions?.[BUILD_SUBSTITUTIONS.workspace];
    if (workspace !== undefined && status !== undefined && FINAL_BUILD_STATES.has(status)) {
      ended.add(workspace);
      if (status === 'SUCCESS') failed.delete(workspace);
      else failed.add(workspace);
    }
    show();
    return outcome;
  });
  return () => {
    if (shown) io.stderr('\r\x1b[K');
  };
}
