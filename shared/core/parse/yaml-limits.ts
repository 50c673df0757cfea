/** Bounds on what the reader accepts, so that no file can exhaust memory or time. */
export interface YamlLimits {
  /** Largest file, in bytes. */
  readonly maxFileBytes: number;
  /** Most YAML files in one repository. */
  readonly maxFiles: number;
  /** Deepest nesting of mappings and sequences. */
  readonly maxDepth: number;
  /** Longest single scalar, in characters. */
  readonly maxScalarLength: number;
}

/**
 * Generous for manifests, whose deepest field (a route destination's port) sits at depth
 * 7 and whose largest file is a few kilobytes, yet small enough to bound the parser.
 */
export const defaultYamlLimits: YamlLimits = {
  maxFileBytes: 1024 * 1024,
  maxFiles: 100_000,
  maxDepth: 32,
  maxScalarLength: 64 * 1024,
};
