/** Small helpers that write manifests the way people write them: block style, comments. */

/** One generated file, repository-relative. */
export interface GeneratedFile {
  readonly path: string;
  readonly text: string;
}

export interface Principals {
  readonly groups?: readonly string[];
  readonly members?: readonly string[];
}

export interface Permissions {
  readonly administrators?: Principals;
  readonly contributors?: Principals;
  readonly viewers?: Principals;
}

const PLAIN = /^[A-Za-z][\w ,.()'/+-]*$/;

/** A string as a YAML scalar: plain when that reads back as the same string, else quoted. */
export function str(value: string): string {
  const plain = PLAIN.test(value) && !/^(?:true|false|null|yes|no|on|off|~)$/i.test(value.trim());
  return plain && value.trim() === value ? value : JSON.stringify(value);
}

/** `key: []`, or the key and one `- item` line per item. */
export function list(indent: string, key: string, items: readonly string[]): string[] {
  if (items.length === 0) return [`${indent}${key}: []`];
  return [`${indent}${key}:`, ...items.map((item) => `${indent}  - ${str(item)}`)];
}

export function principals(indent: string, key: string, value: Principals): string[] {
  return [
    `${indent}${key}:`,
    ...list(`${indent}  `, 'groups', value.groups ?? []),
    ...list(`${indent}  `, 'members', value.members ?? []),
  ];
}

/** A `permissions:` block with all three roles, as the corpus writes it. */
export function permissions(indent: string, value: Permissions): string[] {
  const inner = `${indent}  `;
  return [
    `${indent}permissions:`,
    ...principals(inner, 'administrators', value.administrators ?? {}),
    ...principals(inner, 'contributors', value.contributors ?? {}),
    ...principals(inner, 'viewers', value.viewers ?? {}),
  ];
}

/**
 * The head of a manifest: apiVersion, kind and metadata naming the whole ancestor
 * chain, nearest ancestor first.
 */
export function head(kind: string, name: string, parents: readonly [string, string][]): string[] {
  return [
    'apiVersion: lowops.manifests.v1',
    `kind: ${kind}`,
    'metadata:',
    `  name: ${name}`,
    ...parents.map(([key, value]) => `  ${key}: ${value}`),
  ];
}

export function file(path: string, lines: readonly string[]): GeneratedFile {
  return { path, text: `${lines.join('\n')}\n` };
}
