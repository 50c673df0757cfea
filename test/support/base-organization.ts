import { fileURLToPath } from 'node:url';
import type { RepositoryFile } from '../../shared/core/validate/validate-repository.ts';
import { readTree } from './fixture-repository.ts';

/** The small valid organization that invalid-input and policy cases start from. */
export const baseOrganization: ReadonlyMap<string, Uint8Array> = readTree(
  fileURLToPath(new URL('../fixtures/invalid/_base', import.meta.url)),
);

/** One change to a file of the base organization. */
export type Edit =
  | { readonly file: string; readonly replace: string; readonly with: string }
  | { readonly file: string; readonly append: string }
  | { readonly file: string; readonly content: string };

/**
 * The base organization with some files edited as text. A `replace` that matches nothing
 * throws, so that a case can never silently test the unedited base.
 */
export function editedOrganization(...edits: readonly Edit[]): RepositoryFile[] {
  const files = new Map(baseOrganization);
  const decoder = new TextDecoder();
  for (const edit of edits) {
    const current = files.get(edit.file);
    let text: string;
    if ('content' in edit) text = edit.content;
    else if (current === undefined) throw new Error(`no base file ${edit.file}`);
    else if ('append' in edit) text = decoder.decode(current) + edit.append;
    else {
      const before = decoder.decode(current);
      if (!before.includes(edit.replace))
        throw new Error(`${edit.file} does not contain ${edit.replace}`);
      text = before.replace(edit.replace, edit.with);
    }
    files.set(edit.file, new TextEncoder().encode(text));
  }
  return [...files].map(([path, bytes]) => ({ path, bytes }));
}

/** A group of the organization, with alice in it. */
export function group(name: string): Edit & { readonly content: string } {
  return {
    file: `groups/${name}.yaml`,
    content: `apiVersion: lowops.manifests.v1
kind: OrganizationUserGroup
metadata:
  name: ${name}
  organization: acme
spec:
  description: The ${name}
  parent: ""
  members:
    users:
      - alice
`,
  };
}

/**
 * The base organization with its release track in one stage of both environments and no
 * approval policy: what tests of the build queue, retries and recovery apply, so that they
 * build every workspace at once, as they did before tracks ordered them. The release holds
 * are tested on the base organization itself.
 */
export const unstagedOrganization: ReadonlyMap<string, Uint8Array> = new Map([
  ...baseOrganization,
  [
    'payments/release-track.yaml',
    new TextEncoder().encode(`apiVersion: lowops.manifests.v1
kind: ReleaseTrack
metadata:
  name: main
  organizational-unit: payments
  organization: acme
spec:
  description: Staging and production together
  releaseStages:
    - environments:
        - staging
        - production
`),
  ],
]);
