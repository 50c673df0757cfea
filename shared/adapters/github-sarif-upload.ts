import { gzipSync } from 'node:zlib';
import type { Octokit } from '@octokit/rest';
import type { RepositoryRef } from '../ports/repository-source.ts';
import { gitHubError } from './github-error.ts';

/** One SARIF log to show in code scanning. */
export interface SarifUpload {
  readonly repository: RepositoryRef;
  /** The commit the log's locations are in, 40 hex. */
  readonly commit: string;
  /** The full ref it belongs to, `refs/heads/main`. */
  readonly ref: string;
  /** The SARIF log, as text; its `automationDetails.id` is the category uploads replace within. */
  readonly sarif: string;
}

/** GitHub's receipt: the id to poll the processing of the upload with. */
export interface SarifReceipt {
  readonly id: string;
  readonly url: string;
}

const OBJECT_ID = /^[0-9a-f]{40}$/;
/** GitHub refuses SARIF uploads larger than this once gzipped. */
const MAX_GZIPPED_BYTES = 10 * 1024 * 1024;

/**
 * Uploads a SARIF log to GitHub code scanning (`POST /repos/{owner}/{repo}/code-scanning/sarifs`),
 * gzipped and base64-encoded as GitHub wants it. GitHub replaces the previous upload of the
 * same tool and category for the ref, so uploading each sweep's whole log keeps one current
 * set of alerts. Needs the App's `security_events` write permission.
 */
export async function uploadSarif(octokit: Octokit, upload: SarifUpload): Promise<SarifReceipt> {
  const owner = upload.repository.owner;
  const repo = upload.repository.name;
  if (!OBJECT_ID.test(upload.commit)) {
    throw new Error(`SARIF upload: expected the commit as a 40-hex id, found "${upload.commit}"`);
  }
  if (!upload.ref.startsWith('refs/')) {
    throw new Error(
      `SARIF upload: expected a full ref such as refs/heads/main, found "${upload.ref}"`,
    );
  }
  const gzipped = gzipSync(Buffer.from(upload.sarif, 'utf8'));
  if (gzipped.byteLength > MAX_GZIPPED_BYTES) {
    throw new Error(
      `SARIF upload: the log is ${gzipped.byteLength} bytes gzipped; GitHub takes at most ${MAX_GZIPPED_BYTES}`,
    );
  }
  try {
    const { data } = await octokit.rest.codeScanning.uploadSarif({
      owner,
      repo,
      commit_sha: upload.commit,
      ref: upload.ref,
      sarif: gzipped.toString('base64'),
    });
    return { id: data.id ?? '', url: data.url ?? '' };
  } catch (error) {
    throw gitHubError(error, `uploading SARIF to ${owner}/${repo} at ${upload.commit}`);
  }
}
