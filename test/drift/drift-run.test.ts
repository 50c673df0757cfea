import { describe, expect, it } from 'vitest';
import {
  advanceDriftRun,
  type DriftRunDocument,
  type DriftRunEvent,
  type DriftRunStep,
  type DriftRunWorkspace,
} from '../../shared/core/drift/drift-run.ts';

const AT = '2026-12-03T19:00:00.000Z';
const NOW = '2026-12-03T19:00:30.000Z';
const LATER = '2026-12-03T19:20:00.000Z';
const DEADLINE = '2026-12-04T19:00:00.000Z';
const TERMS = { window: 2, collectLeaseSeconds: 600 };
const COMMIT = 'c'.repeat(40);

const applied = (id: string) => ({ id, commit: COMMIT, sequence: 3 });
const workspace = (state: DriftRunWorkspace['state'], more: Partial<DriftRunWorkspace> = {}) => ({
  commit: COMMIT,
  sequence: 3,
  state,
  ...more,
});

function run(
  workspaces: Record<string, DriftRunWorkspace>,
  more: Partial<DriftRunDocument> = {},
): DriftRunDocument {
  return { at: AT, claimedAt: NOW, deadline: DEADLINE, status: 'building', workspaces, ...more };
}

const requested: DriftRunEvent = {
  kind: 'requested',
  at: AT,
  now: NOW,
  deadline: DEADLINE,
  workspaces: ['a', 'b', 'c'].map(applied),
};

/** What a step does, in short: the outcome, the builds to start, whether to collect, the states. */
function summary(step: DriftRunStep) {
  return {
    outcome: step.outcome,
    start: step.start,
    collect: step.collect,
    status: step.run?.status,
    states:
      step.run === undefined
        ? undefined
        : Object.fromEntries(
            Object.entries(step.run.workspaces).map(([id, item]) => [
              id,
              `${item.state}${item.build === undefined ? '' : ` ${item.build}`}`,
            ]),
          ),
  };
}

describe('advanceDriftRun', () => {
  it.each<[string, DriftRunDocument | undefined, DriftRunEvent, ReturnType<typeof summary>]>([
    [
      'a first trigger claims the time and starts a window of builds',
      undefined,
      requested,
      {
        outcome: 'claimed',
        start: ['a', 'b'],
        collect: false,
        status: 'building',
        states: { a: 'starting', b: 'starting', c: 'waiting' },
      },
    ],
    [
      'a redelivered trigger starts nothing while the window is full',
      run({
        a: workspace('started', { build: 'b1' }),
        b: workspace('starting'),
        c: workspace('waiting'),
      }),
      requested,
      { outcome: 'repeated', start: [], collect: false, status: undefined, states: undefined },
    ],
    [
      'a redelivered trigger of a swept time does nothing',
      run({ a: workspace('reported') }, { status: 'swept' }),
      requested,
      { outcome: 'repeated', start: [], collect: false, status: undefined, states: undefined },
    ],
    [
      'a trigger with no applied workspace collects at once',
      undefined,
      { ...requested, workspaces: [] },
      { outcome: 'claimed', start: [], collect: true, status: 'collecting', states: {} },
    ],
    [
      'a started build is recorded with its id',
      run({ a: workspace('starting') }),
      { kind: 'started', workspace: 'a', build: 'b1' },
      {
        outcome: 'progressed',
        start: [],
        collect: false,
        status: 'building',
        states: { a: 'started b1' },
      },
    ],
    [
      'a start recorded twice changes nothing',
      run({ a: workspace('started', { build: 'b1' }) }),
      { kind: 'started', workspace: 'a', build: 'b1' },
      { outcome: 'repeated', start: [], collect: false, status: undefined, states: undefined },
    ],
    [
      'a report frees a place in the window',
      run({ a: workspace('started', { build: 'b1' }), b: workspace('waiting') }),
      { kind: 'reported', workspace: 'a', build: 'b1', read: true },
      {
        outcome: 'progressed',
        start: [],
        collect: false,
        status: 'building',
        states: { a: 'reported b1', b: 'waiting' },
      },
    ],
    [
      'a report that comes before the start was recorded counts',
      run({ a: workspace('starting') }),
      { kind: 'reported', workspace: 'a', build: 'b1', read: true },
      {
        outcome: 'progressed',
        start: [],
        collect: false,
        status: 'building',
        states: { a: 'reported b1' },
      },
    ],
    [
      'a report of another build of the workspace changes nothing',
      run({ a: workspace('started', { build: 'b1' }) }),
      { kind: 'reported', workspace: 'a', build: 'b9', read: true },
      { outcome: 'repeated', start: [], collect: false, status: undefined, states: undefined },
    ],
    [
      'a redelivered report changes nothing',
      run({ a: workspace('reported', { build: 'b1' }) }),
      { kind: 'reported', workspace: 'a', build: 'b1', read: true },
      { outcome: 'repeated', start: [], collect: false, status: undefined, states: undefined },
    ],
    [
      'a failed build is unread',
      run({ a: workspace('started', { build: 'b1' }) }),
      {
        kind: 'reported',
        workspace: 'a',
        build: 'b1',
        read: false,
        reason: 'its build ended FAILURE',
      },
      {
        outcome: 'progressed',
        start: [],
        collect: false,
        status: 'building',
        states: { a: 'unread b1' },
      },
    ],
    [
      'a nudge fills the window',
      run({
        a: workspace('reported', { build: 'b1' }),
        b: workspace('started', { build: 'b2' }),
        c: workspace('waiting'),
      }),
      { kind: 'nudged', now: LATER },
      {
        outcome: 'progressed',
        start: ['c'],
        collect: false,
        status: 'building',
        states: { a: 'reported b1', b: 'started b2', c: 'starting' },
      },
    ],
    [
      'a nudge once every build reported collects',
      run({ a: workspace('reported', { build: 'b1' }), b: workspace('unread', { build: 'b2' }) }),
      { kind: 'nudged', now: LATER },
      {
        outcome: 'progressed',
        start: [],
        collect: true,
        status: 'collecting',
        states: { a: 'reported b1', b: 'unread b2' },
      },
    ],
    [
      'a nudge past the deadline collects without the builds still out',
      run({ a: workspace('started', { build: 'b1' }), b: workspace('waiting') }),
      { kind: 'nudged', now: '2026-12-04T19:00:00.000Z' },
      {
        outcome: 'progressed',
        start: [],
        collect: true,
        status: 'collecting',
        states: { a: 'started b1', b: 'waiting' },
      },
    ],
    [
      'the next sweep due collects the one still building',
      run({ a: workspace('started', { build: 'b1' }) }),
      { kind: 'nudged', now: LATER, due: true },
      {
        outcome: 'progressed',
        start: [],
        collect: true,
        status: 'collecting',
        states: { a: 'started b1' },
      },
    ],
    [
      'a nudge while another instance collects does nothing',
      run({ a: workspace('reported') }, { status: 'collecting', collectingSince: NOW }),
      { kind: 'nudged', now: '2026-12-03T19:05:00.000Z' },
      { outcome: 'repeated', start: [], collect: false, status: undefined, states: undefined },
    ],
    [
      'a collection held past its lease is taken over',
      run({ a: workspace('reported') }, { status: 'collecting', collectingSince: NOW }),
      { kind: 'nudged', now: '2026-12-03T19:10:31.000Z' },
      {
        outcome: 'progressed',
        start: [],
        collect: true,
        status: 'collecting',
        states: { a: 'reported' },
      },
    ],
    [
      'a start refused for good is unread',
      run({ a: workspace('starting') }),
      { kind: 'start-failed', workspace: 'a', reason: 'no workspace a' },
      {
        outcome: 'progressed',
        start: [],
        collect: false,
        status: 'building',
        states: { a: 'unread' },
      },
    ],
    [
      'a start that failed for now waits again',
      run({ a: workspace('starting') }),
      { kind: 'start-deferred', workspace: 'a' },
      {
        outcome: 'progressed',
        start: [],
        collect: false,
        status: 'building',
        states: { a: 'waiting' },
      },
    ],
    [
      'a collected sweep is swept',
      run({ a: workspace('reported') }, { status: 'collecting', collectingSince: NOW }),
      { kind: 'swept' },
      {
        outcome: 'progressed',
        start: [],
        collect: false,
        status: 'swept',
        states: { a: 'reported' },
      },
    ],
    [
      'a nudge of a swept sweep does nothing',
      run({ a: workspace('reported') }, { status: 'swept' }),
      { kind: 'nudged', now: LATER, due: true },
      { outcome: 'repeated', start: [], collect: false, status: undefined, states: undefined },
    ],
    [
      'an event of a sweep never claimed does nothing',
      undefined,
      { kind: 'reported', workspace: 'a', build: 'b1', read: true },
      { outcome: 'repeated', start: [], collect: false, status: undefined, states: undefined },
    ],
  ])('%s', (_, document, event, expected) => {
    expect(summary(advanceDriftRun(document, event, TERMS))).toEqual(expected);
  });

  it('keeps why a workspace is unread', () => {
    const step = advanceDriftRun(
      run({ a: workspace('started', { build: 'b1' }) }),
      {
        kind: 'reported',
        workspace: 'a',
        build: 'b1',
        read: false,
        reason: 'its build ended TIMEOUT',
      },
      TERMS,
    );
    expect(step.run?.workspaces['a']).toEqual(
      workspace('unread', { build: 'b1', reason: 'its build ended TIMEOUT' }),
    );
  });
});
