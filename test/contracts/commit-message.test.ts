import { describe, expect, it } from 'vitest';
import { decodeCommitMessage } from '../../shared/core/contracts/commit-message.ts';

const message = {
  version: 1,
  delivery: 'delivery-1',
  repository: { owner: 'acme', name: 'platform', defaultBranch: 'main' },
  ref: 'refs/heads/main',
  commit: 'a'.repeat(40),
  action: 'apply',
  forced: false,
  pusher: 'octocat',
};

function issues(data: unknown): string[] {
  const decoded = decodeCommitMessage(data);
  return decoded.ok ? [] : decoded.issues.map(({ path, message }) => `${path}: ${message}`);
}

describe('the manifests and desired-state message', () => {
  it('names a commit, and the snapshot of its revision by its SHA-256 when there is one', () => {
    expect(decodeCommitMessage(message)).toEqual({ ok: true, message });
    const named = { ...message, snapshot: 'b'.repeat(64) };
    expect(decodeCommitMessage(named)).toEqual({ ok: true, message: named });
  });

  it('refuses a snapshot that is not a SHA-256 in lowercase hex', () => {
    for (const snapshot of ['b'.repeat(63), 'B'.repeat(64), 'z'.repeat(64), 'b'.repeat(65), '']) {
      expect(issues({ ...message, snapshot }), snapshot).toEqual(['snapshot: a SHA-256 in hex']);
    }
    expect(issues({ ...message, snapshot: null })).toHaveLength(1);
    expect(issues({ ...message, snapshot: 42 })).toHaveLength(1);
  });
});
