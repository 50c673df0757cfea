/**
 * The repository a pipeline governs. GitHub's numeric id is what identifies it: the id
 * survives a rename and a transfer, and a repository created later under the same name
 * (after a rename or a deletion) or a fork never has it. The embedded `run` reads a local
 * folder, which has no id: it is named `local/<folder>`.
 */
export interface GovernedRepository {
  readonly owner: string;
  readonly name: string;
  /** GitHub's repository id; absent for a local folder. */
  readonly id?: number;
}

/** A repository as something names it: a message, a build, a payload. */
export interface NamedRepository {
  readonly owner: string;
  readonly name: string;
  readonly id?: number | undefined;
}

/** How the setting is written, in messages that say what was expected. */
export const GOVERNED_REPOSITORY_FORMAT = 'OWNER/NAME#ID';

/** GitHub's rules: an owner is a login, a name has letters, digits, `.`, `_` and `-`. */
const SETTING =
  /^([A-Za-z0-9][A-Za-z0-9-]{0,38})\/((?!\.\.?(?:#|$))[A-Za-z0-9._-]{1,100})(?:#(\d+))?$/;

/**
 * Reads `owner/name#id` (the id may be left out only where a repository has none). The
 * outcome is data: each caller words the error for where the value came from.
 */
export function parseGovernedRepository(
  text: string,
):
  | { readonly ok: true; readonly repository: GovernedRepository }
  | { readonly ok: false; readonly message: string } {
  const match = SETTING.exec(text.trim());
  const [, owner, name, id] = match ?? [];
  if (owner === undefined || name === undefined) {
    return {
      ok: false,
      message: `expected ${GOVERNED_REPOSITORY_FORMAT}, such as acme/platform#123456789 (the id is GitHub's: gh api repos/OWNER/NAME --jq .id), found "${text}"`,
    };
  }
  if (id === undefined) return { ok: true, repository: { owner, name } };
  const number = Number(id);
  if (!Number.isSafeInteger(number) || number < 1 || id.startsWith('0')) {
    return { ok: false, message: `expected GitHub's repository id after #, found "${id}"` };
  }
  return { ok: true, repository: { owner, name, id: number } };
}

/** `owner/name#id`, or `owner/name` for a repository without an id. */
export function formatGovernedRepository(repository: NamedRepository): string {
  const named = `${repository.owner}/${repository.name}`;
  return repository.id === undefined ? named : `${named}#${String(repository.id)}`;
}

/**
 * What the repository's state is keyed by, in the pipeline's documents and in the Terraform
 * state bucket: its id, so that a rename keeps both, or `owner/name` when it has none. The
 * two never meet: a name always has a `/`, an id never does.
 */
export function repositoryKey(repository: NamedRepository): string {
  return repository.id === undefined
    ? `${repository.owner}/${repository.name}`
    : String(repository.id);
}

/**
 * Whether `named` is the governed repository: by id when it carries one (a rename keeps
 * the id, a fork or a new repository of the same name does not have it), by name only when
 * it has none (a local folder, or a message sent before messages carried the id). GitHub
 * compares names without regard to case.
 */
export function isGovernedRepository(
  governed: GovernedRepository,
  named: NamedRepository,
): boolean {
  if (named.id !== undefined) return named.id === governed.id;
  return (
    named.owner.toLowerCase() === governed.owner.toLowerCase() &&
    named.name.toLowerCase() === governed.name.toLowerCase()
  );
}
