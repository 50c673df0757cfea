/** The shapes of what the arbitraries generate, as tests see them. */
import type fc from 'fast-check';
import type { ToStringOptions } from 'yaml';
import type { Manifest } from '../../../shared/core/manifests/manifest.ts';
import type { RepositoryFile } from '../../../shared/core/validate/validate-repository.ts';

/** JSON pointer segments from the root of a manifest, such as `['spec', 'project']`. */
export type ValuePath = readonly (string | number)[];

/** The `yaml` `toString` options a style may set. */
export type YamlOptions = Pick<
  ToStringOptions,
  | 'indent'
  | 'indentSeq'
  | 'lineWidth'
  | 'defaultStringType'
  | 'defaultKeyType'
  | 'collectionStyle'
  | 'blockQuote'
  | 'singleQuote'
  | 'flowCollectionPadding'
  | 'doubleQuotedAsJSON'
>;

/** How one file is written: never with anchors or aliases. */
export interface YamlStyle {
  readonly options: YamlOptions;
  /** A comment before the first key, as many files start with. */
  readonly header?: string;
  /** Comments before nodes: `[n, text]` comments the n-th node (modulo their count). */
  readonly comments: readonly (readonly [number, string])[];
  /** `\r\n` as a Windows checkout writes it. */
  readonly lineBreak: '\n' | '\r\n';
}

/** One generated manifest file. */
export interface GeneratedManifestFile {
  /** Repository-relative path with `/` separators, ending in `.yaml` or `.yml`. */
  readonly path: string;
  /** The manifest as plain data; it is what the YAML text reads back as. */
  readonly manifest: Manifest;
  /** The YAML text of the file. */
  readonly text: string;
  /** The style the text was written in; reuse it to re-serialize a modified manifest. */
  readonly style: YamlStyle;
}

/**
 * A name written in one manifest that designates another one: a metadata ancestor, or a
 * reference in spec (permissions, placement grants, route destinations, ...).
 */
export interface GeneratedReference {
  /** Index in `manifests` of the manifest that writes the name. */
  readonly from: number;
  /** Where the name is written in that manifest. */
  readonly path: ValuePath;
  /** Index in `manifests` of the manifest it designates. */
  readonly to: number;
  /** The name is a mapping key (`accessControl.secrets`), not a value. */
  readonly isKey: boolean;
  /**
   * The field also accepts another kind (GithubRepository `codeOwners` owners are groups
   * or users), so the name may still resolve if the target is renamed.
   */
  readonly hasAlternatives: boolean;
}

/** A valid organization repository, as data and as files. */
export interface GeneratedOrganization {
  /** Every manifest with its path and text; exactly one is the Organization. */
  readonly manifests: readonly GeneratedManifestFile[];
  /** The same files as `validateRepository` takes them (UTF-8, no BOM), in the same order. */
  readonly files: readonly RepositoryFile[];
  /** Every name that designates another manifest, metadata ancestors included. */
  readonly references: readonly GeneratedReference[];
}

/** Options of {@link organizationArbitrary}. */
export interface OrganizationArbitraryOptions {
  /**
   * Directory and file names of the random paths; defaults to any text without `/`
   * (unicode, spaces and all). Pass a tamer arbitrary where paths are written elsewhere,
   * such as CODEOWNERS.
   */
  readonly pathSegment?: fc.Arbitrary<string>;
}
