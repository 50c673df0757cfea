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
  /** Most values in one file: scalars (keys and values), list items, flow collections. */
  readonly maxValues: number;
}

/**
 * Generous for manifests, whose deepest field (a route destination's port) sits at depth
 * 7 and whose largest file is a few kilobytes of about a hundred values, yet small enough
 * to bound the parser, whose tree takes hundreds of bytes per value.
 */
export const defaultYamlLimits: YamlLimits = {
  maxFileBytes: 1024 * 1024,
  maxFiles: 100_000,
  maxDepth: 32,
  maxScalarLength: 64 * 1024,
  maxValues: 50_000,
};
