import { describe, expect, it } from 'vitest';
import {
  buildRequests,
  decodeBuildRequestMessage,
  WORKSPACES_PER_BUILD_MESSAGE,
} from '../../shared/core/contracts/build-request-message.ts';

const repository = { owner: 'acme', name: 'platform', defaultBranch: 'main' };
const commit = 'a'.repeat(40);
const revision = { repository, commit, sequence: 3, apply: true };

describe('the builds message', () => {
  it('names up to 50 workspaces of one revision', () => {
    const message = { version: 2, ...revision, workspaces: ['shop', 'ledger'] };
    expect(decodeBuildRequestMessage(message)).toEqual({ ok: true, message });
  });

  it('still reads version 1, one workspace, as version 2', () => {
    expect(decodeBuildRequestMessage({ version: 1, ...revision, workspace: 'shop' })).toEqual({
      ok: true,
      message: { version: 2, ...revision, workspaces: ['shop'] },
    });
  });

  it('refuses no workspace, too many, one listed twice, and fields of the other version', () => {
    const issues = (data: unknown) => {
      const decoded = decodeBuildRequestMessage(data);
      return decoded.ok ? [] : decoded.issues.map(({ path, message }) => `${path}: ${message}`);
    };
    expect(issues({ version: 2, ...revision, workspaces: [] })).toEqual([
      'workspaces: at least one workspace',
    ]);
    const many = Array.from({ length: WORKSPACES_PER_BUILD_MESSAGE + 1 }, (_, i) => `w${i}`);
    expect(issues({ version: 2, ...revision, workspaces: many })).toEqual([
      'workspaces: at most 50 workspaces',
    ]);
    expect(issues({ version: 2, ...revision, workspaces: ['shop', 'shop'] })).toEqual([
      'workspaces: workspaces listed once each',
    ]);
    expect(issues({ version: 2, ...revision, workspace: 'shop' })).toEqual([
      'workspaces: Invalid key: Expected "workspaces" but received undefined',
      'workspace: Invalid key: Expected never but received "workspace"',
    ]);
    expect(issues({ version: 3, ...revision, workspaces: ['shop'] })).toHaveLength(1);
  });

  it('names the snapshot of the revision by its SHA-256 when it has one', () => {
    const message = { version: 2, ...revision, workspaces: ['shop'], snapshot: 'c'.repeat(64) };
    expect(decodeBuildRequestMessage(message)).toEqual({ ok: true, message });
    for (const snapshot of ['c'.repeat(63), 'C'.repeat(64), 'g'.repeat(64), 'c'.repeat(65), '']) {
      const decoded = decodeBuildRequestMessage({ ...message, snapshot });
      expect(
        decoded.ok ? [] : decoded.issues.map(({ path, message }) => `${path}: ${message}`),
        snapshot,
      ).toEqual(['snapshot: a SHA-256 in hex']);
    }
    expect(decodeBuildRequestMessage({ ...message, snapshot: null }).ok).toBe(false);
    expect(buildRequests({ ...revision, snapshot: 'c'.repeat(64) }, ['shop'])).toEqual([message]);
  });

  it('splits a revision’s workspaces into as few messages as the limit allows, in order', () => {
    const workspaces = Array.from({ length: 120 }, (_, i) => `w${String(i).padStart(3, '0')}`);
    const messages = buildRequests(revision, workspaces);
    expect(messages.map((message) => message.workspaces.length)).toEqual([50, 50, 20]);
    expect(messages.flatMap((message) => message.workspaces)).toEqual(workspaces);
    for (const message of messages) expect(decodeBuildRequestMessage(message).ok).toBe(true);
    expect(buildRequests(revision, [])).toEqual([]);
  });
});
