import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../../shared/adapters/in-process-bus.ts';
import { CLOUD_BUILDS_TOPIC } from '../../shared/core/contracts/build-notification.ts';
import { BUILDS_TOPIC } from '../../shared/core/contracts/build-request-message.ts';
import type { Stage } from '../../shared/pipeline/stage.ts';
import { BUILD_PROGRESS_THRESHOLD, showBuildProgress } from '../../cli/build-progress.ts';
import type { CliIo } from '../../cli/cli-io.ts';

/** A run's bus with its two build subscribers, which only say what they were given. */
function wiredBus(io: CliIo, workspaces: number) {
  const bus = new InProcessBus();
  const stages = new Map<string, Stage>([
    [BUILDS_TOPIC, () => Promise.resolve({ status: 'done', detail: 'builds' })],
    [CLOUD_BUILDS_TOPIC, () => Promise.resolve({ status: 'done', detail: 'status' })],
  ]);
  for (const [topic, stage] of stages) bus.subscribe(topic, stage);
  const clear = showBuildProgress(io, { bus, stages });
  const ids = Array.from({ length: workspaces }, (_, index) => `unit.env.project-${index}`);
  const notification = (workspace: string, status: string) => ({
    id: `build-${workspace}`,
    status,
    substitutions: { _WORKSPACE: workspace },
  });
  return { bus, clear, ids, notification };
}

function terminal(isTty: boolean) {
  const written: string[] = [];
  const io: CliIo = {
    stdout: () => undefined,
    stderr: (text) => written.push(text),
    stdoutIsTty: isTty,
    stderrIsTty: isTty,
    cwd: '/',
    env: {},
  };
  return { io, written };
}

describe('the build progress line of run', () => {
  it('counts the builds that ended of many, on a terminal, and clears itself', async () => {
    const { io, written } = terminal(true);
    const { bus, clear, ids, notification } = wiredBus(io, BUILD_PROGRESS_THRESHOLD);
    await bus.publish(BUILDS_TOPIC, { workspaces: ids });
    await bus.publish(CLOUD_BUILDS_TOPIC, notification(ids[0] ?? '', 'WORKING'));
    await bus.publish(CLOUD_BUILDS_TOPIC, notification(ids[0] ?? '', 'SUCCESS'));
    await bus.publish(CLOUD_BUILDS_TOPIC, notification(ids[1] ?? '', 'FAILURE'));
    const outcomes = await bus.drain();
    clear();
    expect(outcomes.map((delivery) => delivery.outcome)).toEqual([
      { status: 'done', detail: 'builds' },
      ...Array.from({ length: 3 }, () => ({ status: 'done', detail: 'status' })),
    ]);
    expect(written).toEqual([
      '\r\x1b[Kbuilding: 0/20 workspaces ended',
      '\r\x1b[Kbuilding: 0/20 workspaces ended',
      '\r\x1b[Kbuilding: 1/20 workspaces ended',
      '\r\x1b[Kbuilding: 2/20 workspaces ended, 1 failed',
      '\r\x1b[K',
    ]);
  });

  it('says nothing of a few builds, nor when stderr is not a terminal', async () => {
    for (const [isTty, count] of [
      [true, BUILD_PROGRESS_THRESHOLD - 1],
      [false, BUILD_PROGRESS_THRESHOLD * 2],
    ] as const) {
      const { io, written } = terminal(isTty);
      const { bus, clear, ids, notification } = wiredBus(io, count);
      await bus.publish(BUILDS_TOPIC, { workspaces: ids });
      await bus.publish(CLOUD_BUILDS_TOPIC, notification(ids[0] ?? '', 'SUCCESS'));
      await bus.drain();
      clear();
      expect(written).toEqual([]);
    }
  });
});
