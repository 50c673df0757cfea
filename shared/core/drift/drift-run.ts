/**
 * One scheduled drift sweep in Google Cloud, from its trigger to its sweep: the document
 * `drift-runs/{at}` and the one pure function that moves it. The document is created only
 * when absent, keyed by the scheduled time, so a redelivered trigger finds it and starts
 * nothing twice.
 */

/** How far one workspace's refresh-only build of the sweep has gone. */
export type DriftRunWorkspaceState =
  /** Not started yet: the window of builds in flight is full. */
  | 'waiting'
  /** Taken by a drift stage instance, which is submitting its build. */
  | 'starting'
  /** Cloud Build has its build; its end is awaited through build-status. */
  | 'started'
  /** Its build ended and its drift was read (`drift-runs/{at}/reports/{workspace}`). */
  | 'reported'
  /** Its build could not be started, failed, or said nothing readable: it resolves nothing. */
  | 'unread';

/** One workspace of a sweep: the revision it was last applied at, and its build. */
export interface DriftRunWorkspace {
  readonly commit: string;
  readonly sequence: number;
  readonly state: DriftRunWorkspaceState;
  readonly build?: string;
  /** Why it is unread. */
  readonly reason?: string;
}

/** `drift-runs/{at}`. */
export interface DriftRunDocument {
  /** The scheduled time, ISO-8601 to the minute: the claim's key and the sweep's id. */
  readonly at: string;
  /** When the stage took the trigger. */
  readonly claimedAt: string;
  /** From then the sweep is collected with what has reported; the others are unread. */
  readonly deadline: string;
  /** `building` until every build reported or the deadline passed, then `collecting`, `swept`. */
  readonly status: 'building' | 'collecting' | 'swept';
  /** When a stage instance took the collection: another takes it over after the lease. */
  readonly collectingSince?: string;
  readonly workspaces: Readonly<Record<string, DriftRunWorkspace>>;
}

/** What happened to a sweep. */
export type DriftRunEvent =
  /** The schedule fired: the applied workspaces of the moment, each at its last applied commit. */
  | {
      readonly kind: 'requested';
      readonly at: string;
      readonly now: string;
      readonly deadline: string;
      readonly workspaces: readonly {
        readonly id: string;
        readonly commit: string;
        readonly sequence: number;
      }[];
    }
  /**
   * Something reported (or the schedule fired again): start more builds, or collect. `due`
   * when the next sweep is due: collected now with what reported.
   */
  | { readonly kind: 'nudged'; readonly now: string; readonly due?: boolean }
  /** Cloud Build accepted a workspace's build. */
  | { readonly kind: 'started'; readonly workspace: string; readonly build: string }
  /** A workspace's build ended: read, or unread with why. */
  | {
      readonly kind: 'reported';
      readonly workspace: string;
      readonly build: string;
      readonly read: boolean;
      readonly reason?: string;
    }
  /** A workspace's build could not be started, for good. */
  | { readonly kind: 'start-failed'; readonly workspace: string; readonly reason: string }
  /** A workspace's build could not be started for now: it waits for the next start again. */
  | { readonly kind: 'start-deferred'; readonly workspace: string }
  /** The sweep was written. */
  | { readonly kind: 'swept' };

/** What the stage does after writing `run`. */
export interface DriftRunStep {
  /** The document to write; undefined when it does not change. */
  readonly run: DriftRunDocument | undefined;
  /** Workspaces whose builds to submit now (they are `starting` in `run`). */
  readonly start: readonly string[];
  /** Whether to collect the sweep now (the caller holds the collection). */
  readonly collect: boolean;
  /** `claimed` for a new sweep, `repeated` when the event changed nothing. */
  readonly outcome: 'claimed' | 'progressed' | 'repeated';
}

/** How a sweep is run: the builds in flight at most, and how long a collection holds. */
export interface DriftRunTerms {
  /** Drift builds in flight at once, so that applies keep Cloud Build's concurrency. */
  readonly window: number;
  /** How long an instance collecting holds the collection before another takes it over. */
  readonly collectLeaseSeconds: number;
}

/**
 * Ten drift builds in flight: a third of Cloud Build's default 30 concurrent builds per
 * region, so that applies keep the rest; a collection held for the functions' 540-second
 * timeout and then some.
 */
export const DEFAULT_DRIFT_RUN_TERMS: DriftRunTerms = { window: 10, collectLeaseSeconds: 600 };

/**
 * Moves a sweep's document on one event. Pure: the stage reads the document, calls this in a
 * transaction, writes what it returns, and then submits the builds and collects as told. A
 * trigger for a time already claimed, or an event about a build it does not know, changes
 * nothing.
 */
export function advanceDriftRun(
  run: DriftRunDocument | undefined,
  event: DriftRunEvent,
  terms: DriftRunTerms,
): DriftRunStep {
  const unchanged: DriftRunStep = {
    run: undefined,
    start: [],
    collect: false,
    outcome: 'repeated',
  };
  if (event.kind === 'requested') {
    if (run !== undefined) return advanceDriftRun(run, { kind: 'nudged', now: event.now }, terms);
    const created: DriftRunDocument = {
      at: event.at,
      claimedAt: event.now,
      deadline: event.deadline,
      status: 'building',
      workspaces: Object.fromEntries(
        event.workspaces.map((workspace) => [
          workspace.id,
          { commit: workspace.commit, sequence: workspace.sequence, state: 'waiting' as const },
        ]),
      ),
    };
    return { ...progress(created, event.now, terms), outcome: 'claimed' };
  }
  if (run === undefined || run.status === 'swept') return unchanged;
  switch (event.kind) {
    case 'nudged': {
      const step = progress(run, event.now, terms, event.due === true);
      return step.run === undefined ? unchanged : step;
    }
    case 'started': {
      const workspace = run.workspaces[event.workspace];
      if (workspace?.state !== 'starting') return unchanged;
      return changed(
        withWorkspace(run, event.workspace, { ...workspace, state: 'started', build: event.build }),
      );
    }
    case 'reported': {
      const workspace = run.workspaces[event.workspace];
      // A build of this sweep reported before its start was recorded is its build all the same.
      if (workspace?.state !== 'started' && workspace?.state !== 'starting') return unchanged;
      if (workspace.build !== undefined && workspace.build !== event.build) return unchanged;
      const { reason: _, ...rest } = workspace;
      return changed(
        withWorkspace(run, event.workspace, {
          ...rest,
          build: event.build,
          state: event.read ? 'reported' : 'unread',
          ...(event.read
            ? {}
            : { reason: event.reason ?? `build ${event.build} said nothing readable` }),
        }),
      );
    }
    case 'start-failed': {
      const workspace = run.workspaces[event.workspace];
      if (workspace?.state !== 'starting') return unchanged;
      return changed(
        withWorkspace(run, event.workspace, {
          ...workspace,
          state: 'unread',
          reason: event.reason,
        }),
      );
    }
    case 'start-deferred': {
      const workspace = run.workspaces[event.workspace];
      if (workspace?.state !== 'starting') return unchanged;
      return changed(withWorkspace(run, event.workspace, { ...workspace, state: 'waiting' }));
    }
    case 'swept':
      return changed({ ...run, status: 'swept' });
  }
}

/** Starts builds up to the window, or takes the collection once nothing is left to wait for. */
function progress(
  run: DriftRunDocument,
  now: string,
  terms: DriftRunTerms,
  due = false,
): DriftRunStep {
  const none = { run: undefined, start: [], collect: false, outcome: 'repeated' } as const;
  if (run.status === 'collecting') {
    const since = Date.parse(run.collectingSince ?? run.claimedAt);
    if (Date.parse(now) < since + terms.collectLeaseSeconds * 1000) return none;
    return {
      run: { ...run, collectingSince: now },
      start: [],
      collect: true,
      outcome: 'progressed',
    };
  }
  const entries = Object.entries(run.workspaces);
  const pastDeadline = due || Date.parse(now) >= Date.parse(run.deadline);
  const waiting = entries.filter(([, workspace]) => workspace.state === 'waiting');
  const inFlight = entries.filter(
    ([, workspace]) => workspace.state === 'starting' || workspace.state === 'started',
  ).length;
  if (pastDeadline || (waiting.length === 0 && inFlight === 0)) {
    return {
      run: { ...run, status: 'collecting', collectingSince: now },
      start: [],
      collect: true,
      outcome: 'progressed',
    };
  }
  const start = waiting.slice(0, Math.max(0, terms.window - inFlight)).map(([id]) => id);
  if (start.length === 0) return none;
  let next = run;
  for (const id of start) {
    const workspace = next.workspaces[id] as DriftRunWorkspace;
    next = withWorkspace(next, id, { ...workspace, state: 'starting' });
  }
  return { run: next, start, collect: false, outcome: 'progressed' };
}

function withWorkspace(
  run: DriftRunDocument,
  id: string,
  workspace: DriftRunWorkspace,
): DriftRunDocument {
  return { ...run, workspaces: { ...run.workspaces, [id]: workspace } };
}

function changed(run: DriftRunDocument): DriftRunStep {
  return { run, start: [], collect: false, outcome: 'progressed' };
}
