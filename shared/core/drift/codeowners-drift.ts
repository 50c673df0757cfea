import type { DriftObservation } from './drift-finding.ts';

/** Where GitHub reads the file the pipeline writes. */
const CODEOWNERS_PATH = '.github/CODEOWNERS';

/**
 * The `codeowners` observation of the default branch's head: the committed CODEOWNERS
 * differs from the one generated from that same commit, so review no longer follows the
 * manifests' permissions. Critical: it is how a change reaches the cloud unreviewed.
 */
export function codeownersDrift(
  committed: string | undefined,
  generated: string,
  commit: string,
): DriftObservation[] {
  if (committed === generated) return [];
  const lines = (text: string) => new Set(text.split('\n'));
  const have = lines(committed ?? '');
  const want = lines(generated);
  const missing = [...want].filter((line) => !have.has(line));
  const extra = [...have].filter((line) => line !== '' && !want.has(line));
  return [
    {
      source: 'codeowners',
      attribute: CODEOWNERS_PATH,
      severity: 'critical',
      summary:
        committed === undefined
          ? `${CODEOWNERS_PATH} is missing at ${commit.slice(0, 12)}: no review is required by the manifests' owners`
          : `${CODEOWNERS_PATH} at ${commit.slice(0, 12)} is not the one generated from it: ${missing.length} lines missing, ${extra.length} not generated`,
      before: missing,
      after: extra,
    },
  ];
}
