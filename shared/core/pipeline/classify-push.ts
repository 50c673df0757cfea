import * as v from 'valibot';

const BRANCH_PREFIX = 'refs/heads/';
const TAG_PREFIX = 'refs/tags/';

/**
 * The few fields of a GitHub `push` webhook payload the pipeline reads. Loose objects: GitHub
 * sends many more fields and adds new ones, none of which may make a delivery fail.
 */
export const pushEventSchema = v.looseObject({
  ref: v.string(),
  before: v.string(),
  after: v.string(),
  created: v.boolean(),
  deleted: v.boolean(),
  forced: v.boolean(),
  repository: v.looseObject({
    /** GitHub's id of the repository: a rename keeps it, a fork or a namesake has another. */
    id: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
    name: v.string(),
    default_branch: v.string(),
    owner: v.looseObject({ login: v.string() }),
  }),
  pusher: v.looseObject({ name: v.string() }),
});

/** A GitHub `push` event payload, typed minimally. */
export type PushEvent = v.InferOutput<typeof pushEventSchema>;

/** What the pipeline does with a push. */
export type PushAction =
  /** The default branch moved: its tree is the desired state. */
  | 'apply'
  /** Another branch moved: show what it would change, apply nothing. */
  | 'plan'
  /** Kept for the audit trail only: it never changes the desired state. */
  | 'record';

/** The decision for one push and why, in one sentence. */
export interface PushClassification {
  readonly action: PushAction;
  readonly reason: string;
}

/**
 * Decides what a push means for the desired state. Tags and deletions are recorded only:
 * a deleted branch (even the default one) never means "the desired state is empty".
 */
export function classifyPush(
  event: Pick<PushEvent, 'ref' | 'deleted'> & {
    readonly repository: Pick<PushEvent['repository'], 'default_branch'>;
  },
): PushClassification {
  if (event.ref.startsWith(TAG_PREFIX)) {
    return { action: 'record', reason: `tag ${event.ref.slice(TAG_PREFIX.length)} is not applied` };
  }
  if (!event.ref.startsWith(BRANCH_PREFIX)) {
    return { action: 'record', reason: `ref ${event.ref} is neither a branch nor a tag` };
  }
  const branch = event.ref.slice(BRANCH_PREFIX.length);
  if (event.deleted) {
    return { action: 'record', reason: `branch ${branch} was deleted; desired state is kept` };
  }
  if (branch === event.repository.default_branch) {
    return { action: 'apply', reason: `default branch ${branch} moved` };
  }
  return { action: 'plan', reason: `branch ${branch} is not the default branch` };
}
