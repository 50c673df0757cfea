import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The island-venues organization lives beside the project, in ../shared; it is never
 * copied in. Tests that need it skip, with this reason, where it is absent.
 */
export const corpusDirectory = fileURLToPath(
  new URL('../../../shared/corpora/island-venues', import.meta.url),
);

export const corpusAvailable = existsSync(corpusDirectory);

export const corpusMissingReason = `the island-venues corpus is not at ${corpusDirectory}`;

/** The project's own example organization. */
export const examplesDirectory = fileURLToPath(new URL('../../examples', import.meta.url));
