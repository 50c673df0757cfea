import type { VerifiedPush } from '../../functions/delivery-verifier.ts';

/** A verified push of the governed repository, as the verifier hands it on. */
export function verifiedPush(delivery: string, after = '2'.repeat(40)): VerifiedPush {
  return {
    delivery,
    push: {
      ...{ ref: 'refs/heads/main', before: '1'.repeat(40), after },
      ...{ created: false, deleted: false, forced: false },
      repository: { id: 42, name: 'platform', default_branch: 'main', owner: { login: 'acme' } },
      pusher: { name: 'octocat' },
    },
  };
}
