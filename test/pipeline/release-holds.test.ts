import { describe, expect, it } from 'vitest';
import {
  releaseHolds,
  type ReleaseApproval,
  type ReleaseHold,
} from '../../shared/core/pipeline/release-holds.ts';
import { releaseStages, type ReleaseStage } from '../../shared/core/pipeline/release-stages.ts';
import type { BuildDocumentStatus } from '../../shared/core/pipeline/workspace-documents.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { baseOrganization } from '../support/base-organization.ts';

const DEV = 'shop.development.api';
const STAGING = 'shop.staging.api';
const PRODUCTION = 'shop.production.api';
const EU = 'shop.production.eu';

/** development → staging → production (approved by two of sre); another track's stage. */
const STAGES: readonly ReleaseStage[] = [
  stage('mainline', 1, [DEV]),
  stage('mainline', 2, [STAGING]),
  stage('mainline', 3, [EU, PRODUCTION], {
    minApprovals: 2,
    groups: ['sre'],
    approvers: ['ana', 'bo', 'cy'],
  }),
];

function stage(
  trackName: string,
  position: number,
  workspaces: string[],
  approval?: ReleaseStage['approval'],
): ReleaseStage {
  return {
    track: `track:${trackName}`,
    trackName,
    position,
    environments: [],
    workspaces,
    ...(approval === undefined ? {} : { approval }),
  };
}

const approval = (login: string, stage?: string): ReleaseApproval => ({
  login,
  at: '2026-11-22T12:00:00Z',
  ...(stage === undefined ? {} : { stage }),
});

type Row = readonly [
  name: string,
  outcomes: Readonly<Record<string, BuildDocumentStatus>>,
  approvals: readonly ReleaseApproval[],
  held: Readonly<Record<string, ReleaseHold['kind']>>,
];

/** Every transition: what holds each stage's workspaces, given the builds and approvals. */
const TABLE: readonly Row[] = [
  [
    'nothing built: only the first stage starts',
    {},
    [],
    { [STAGING]: 'earlier-stage', [EU]: 'earlier-stage', [PRODUCTION]: 'earlier-stage' },
  ],
  [
    'the first stage running: the rest waits',
    { [DEV]: 'WORKING' },
    [],
    { [STAGING]: 'earlier-stage', [EU]: 'earlier-stage', [PRODUCTION]: 'earlier-stage' },
  ],
  [
    'the first stage applied: the second starts',
    { [DEV]: 'SUCCESS' },
    [],
    { [EU]: 'earlier-stage', [PRODUCTION]: 'earlier-stage' },
  ],
  [
    'the first stage failed: every later stage is held for it',
    { [DEV]: 'FAILURE' },
    [],
    { [STAGING]: 'earlier-failed', [EU]: 'earlier-failed', [PRODUCTION]: 'earlier-failed' },
  ],
  [
    'the first stage refused: as failed',
    { [DEV]: 'refused' },
    [],
    { [STAGING]: 'earlier-failed', [EU]: 'earlier-failed', [PRODUCTION]: 'earlier-failed' },
  ],
  [
    'the second stage failed: the third is held for it',
    { [DEV]: 'SUCCESS', [STAGING]: 'TIMEOUT' },
    [],
    { [EU]: 'earlier-failed', [PRODUCTION]: 'earlier-failed' },
  ],
  [
    'earlier stages applied: an approval policy holds the stage',
    { [DEV]: 'SUCCESS', [STAGING]: 'SUCCESS' },
    [],
    { [EU]: 'approval', [PRODUCTION]: 'approval' },
  ],
  [
    'one approval of two',
    { [DEV]: 'SUCCESS', [STAGING]: 'SUCCESS' },
    [approval('ana')],
    { [EU]: 'approval', [PRODUCTION]: 'approval' },
  ],
  [
    'the same approver twice counts once',
    { [DEV]: 'SUCCESS', [STAGING]: 'SUCCESS' },
    [approval('ana'), approval('ANA')],
    { [EU]: 'approval', [PRODUCTION]: 'approval' },
  ],
  [
    'an approval from outside the groups counts for nothing',
    { [DEV]: 'SUCCESS', [STAGING]: 'SUCCESS' },
    [approval('ana'), approval('mallory')],
    { [EU]: 'approval', [PRODUCTION]: 'approval' },
  ],
  [
    "the pusher's approval counts for nothing",
    { [DEV]: 'SUCCESS', [STAGING]: 'SUCCESS' },
    [approval('ana'), approval('pat')],
    { [EU]: 'approval', [PRODUCTION]: 'approval' },
  ],
  [
    'two approvers release the stage',
    { [DEV]: 'SUCCESS', [STAGING]: 'SUCCESS' },
    [approval('ana'), approval('Bo')],
    {},
  ],
  [
    'approvals given early count once the earlier stages applied, not before',
    { [DEV]: 'SUCCESS' },
    [approval('ana'), approval('bo')],
    { [EU]: 'earlier-stage', [PRODUCTION]: 'earlier-stage' },
  ],
  [
    "an operator's release of the stage releases it",
    { [DEV]: 'SUCCESS', [STAGING]: 'SUCCESS' },
    [approval('operator', 'mainline/3')],
    {},
  ],
  [
    "an operator's release of another stage releases nothing",
    { [DEV]: 'SUCCESS', [STAGING]: 'SUCCESS' },
    [approval('operator', 'mainline/2')],
    { [EU]: 'approval', [PRODUCTION]: 'approval' },
  ],
  [
    "an operator's release never skips the order",
    { [DEV]: 'SUCCESS' },
    [approval('operator', 'mainline/3')],
    { [EU]: 'earlier-stage', [PRODUCTION]: 'earlier-stage' },
  ],
  [
    'a workspace of the released stage that failed holds nothing after it',
    { [DEV]: 'SUCCESS', [STAGING]: 'SUCCESS', [PRODUCTION]: 'FAILURE' },
    [approval('ana'), approval('bo')],
    {},
  ],
];

describe('releaseHolds', () => {
  it.each(TABLE)('%s', (_, outcomes, approvals, held) => {
    const decision = releaseHolds({
      stages: STAGES,
      outcomes: new Map(Object.entries(outcomes)),
      approvals,
      pusher: 'Pat',
    });
    expect(Object.fromEntries([...decision.held].map(([id, hold]) => [id, hold.kind]))).toEqual(
      held,
    );
  });

  it('says why, naming the stage and what it waits for', () => {
    const waiting = releaseHolds({ stages: STAGES, outcomes: new Map(), approvals: [] });
    expect(waiting.held.get(STAGING)?.reason).toBe(
      `held: stage mainline/2 waits for ${DEV} of stage mainline/1 to apply`,
    );
    const approving = releaseHolds({
      stages: STAGES,
      outcomes: new Map([
        [DEV, 'SUCCESS'],
        [STAGING, 'SUCCESS'],
      ]),
      approvals: [approval('ana')],
    });
    expect(approving.held.get(PRODUCTION)?.reason).toBe(
      'held: stage mainline/3 waits for 1 more approval from sre (approved by ana)',
    );
    expect(approving.stages.map((item) => [item.stage, item.state])).toEqual([
      ['mainline/1', 'released'],
      ['mainline/2', 'released'],
      ['mainline/3', 'approval'],
    ]);
  });

  it('holds a workspace in two tracks until both let it, for the strongest reason', () => {
    const other = [stage('nightly', 1, [EU]), stage('nightly', 2, [DEV])];
    const decision = releaseHolds({
      stages: [...STAGES, ...other],
      outcomes: new Map([[EU, 'FAILURE']]),
      approvals: [],
    });
    expect(decision.held.get(DEV)).toMatchObject({ kind: 'earlier-failed', stage: 'nightly/2' });
  });
});

describe('releaseStages', () => {
  it("orders the base organization's unit by its track, with the platform group as approvers", () => {
    const { state } = analyzeRepository(
      [...baseOrganization].map(([path, bytes]) => ({ path, bytes })),
    );
    expect(releaseStages(state, state.workspaces)).toEqual([
      expect.objectContaining({
        trackName: 'main',
        position: 1,
        environments: ['staging'],
        workspaces: ['payments.staging.shop'],
      }),
      expect.objectContaining({
        trackName: 'main',
        position: 2,
        environments: ['production'],
        workspaces: ['payments.production.shop'],
        approval: { minApprovals: 1, groups: ['platform'], approvers: ['alice-acme'] },
      }),
    ]);
    // A stage with none of the revision's workspaces is left out.
    expect(releaseStages(state, ['payments.production.shop']).map((item) => item.position)).toEqual(
      [2],
    );
  });
});
