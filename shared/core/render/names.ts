/**
 * Names Google Cloud needs that manifests do not give: globally unique project ids and
 * account ids, both at most 30 characters, and firewall rule names of at most 63. Each is readable and, when cut, suffixed with
 * a hash of the whole, so that two long names never meet.
 */

/** FNV-1a, 32 bits, as 7 base-36 characters: stable across runs and platforms. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, '0');
}

/** `<prefix>-<project>-<environment>`, cut to 30 with a hash when longer. */
export function projectIdOf(prefix: string, environment: string, project: string): string {
  return fit(`${prefix}-${project}-${environment}`, 30);
}

/** A service account id of 6-30 characters for a workload name. */
export function accountIdOf(name: string): string {
  const id = fit(name.replaceAll('.', '-'), 30);
  return id.length >= 6 ? id : `${id}-${shortHash(name).slice(0, 5 - id.length + 1)}`.slice(0, 30);
}

/** A name cut to `max` characters, with a hash of the whole when it had to be cut. */
export function fit(name: string, max: number): string {
  if (name.length <= max) return name;
  return `${name.slice(0, max - 8).replace(/-+$/, '')}-${shortHash(name)}`;
}
