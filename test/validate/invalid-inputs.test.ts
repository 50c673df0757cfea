import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareStrings, type Issue } from '../../shared/core/issues/issue.ts';
import type { RuleId } from '../../shared/core/issues/rules.ts';
import { defaultYamlLimits, type YamlLimits } from '../../shared/core/parse/yaml-limits.ts';
import { formatText } from '../../shared/core/report/format-text.ts';
import { validateRepository } from '../../shared/core/validate/validate-repository.ts';
import { overlayRepository, readTree } from '../support/fixture-repository.ts';

/**
 * One bad input per case, each on top of the same small valid organization
 * (test/fixtures/invalid/_base): the case directory holds only the files it adds or
 * replaces (and a `.delete` list of base files it removes); inputs that are raw bytes are
 * built here. Every case names the exact rule, file, line and column of each error.
 */
const fixtures = fileURLToPath(new URL('../fixtures/invalid/', import.meta.url));
const base = readTree(join(fixtures, '_base'));
const baseManifests = 23;

interface ExpectedIssue {
  readonly rule: RuleId;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

interface InvalidInput {
  readonly name: string;
  /** Every error the case produces; none for a negative control. */
  readonly issues: readonly ExpectedIssue[];
  /** Substrings of the message of the first error, in report order. */
  readonly message?: readonly string[];
  /** Files named by the related locations of the first error. */
  readonly related?: readonly string[];
  /** Files built here rather than stored, for inputs that are raw bytes. */
  readonly bytes?: () => Readonly<Record<string, Uint8Array>>;
  /** For a negative control: manifests it adds to the base's. */
  readonly addedManifests?: number;
  /** Limits other than the defaults. */
  readonly limits?: YamlLimits;
}

const STAGING = 'payments/staging/shop';
const PRODUCTION = 'payments/production/shop';
const EXTRA = `${STAGING}/extra.yaml`;
const APPLICATION = 'payments/storefront/shop.yaml';

function at(rule: RuleId, file: string, line: number, column: number): ExpectedIssue {
  return { rule, file, line, column };
}

/** The same issue reported once for each of the two environments of the release track. */
function inBothEnvironments(issue: ExpectedIssue): ExpectedIssue[] {
  return [issue, issue];
}

/** A new Secret in the staging project, the host of most parser cases. */
function extraSecret(description = 'An extra secret'): string {
  return [
    'apiVersion: lowops.manifests.v1',
    'kind: Secret',
    'metadata:',
    '  name: extra',
    '  project: shop',
    '  environment: staging',
    '  organizational-unit: payments',
    '  organization: acme',
    'spec:',
    `  description: ${description}`,
    '',
  ].join('\n');
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Each character as one byte, as a Latin-1 editor would save it. */
const latin1 = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));

/** `lolN: &x [*w, *w, ...]`: the 9 aliases of each of lines 12-19 of the billion laughs. */
const billionLaughs = Array.from({ length: 8 }, (_, row) =>
  Array.from({ length: 9 }, (_, index) => at('yaml/alias', EXTRA, 12 + row, 11 + 4 * index)),
).flat();

const tableCases: readonly InvalidInput[] = [
  // --- YAML constructs that the strict reader refuses
  { name: 'yaml-bomb-billion-laughs', issues: billionLaughs, message: ['*a'] },
  {
    name: 'yaml-bomb-nested-aliases',
    issues: [
      at('yaml/alias', EXTRA, 12, 18),
      at('yaml/alias', EXTRA, 12, 26),
      at('yaml/alias', EXTRA, 13, 14),
      at('yaml/alias', EXTRA, 13, 23),
    ],
  },
  {
    name: 'yaml-alias',
    issues: [at('yaml/alias', EXTRA, 10, 16)],
    message: ['expected a value', 'alias *n'],
  },
  { name: 'yaml-alias-as-key', issues: [at('yaml/alias', EXTRA, 12, 3)], message: ['alias'] },
  {
    name: 'yaml-duplicate-key-top-level',
    issues: [at('yaml/duplicate-key', EXTRA, 11, 1)],
    message: ['expected each key once', '"kind"'],
  },
  { name: 'yaml-duplicate-key-nested', issues: [at('yaml/duplicate-key', EXTRA, 5, 3)] },
  { name: 'yaml-merge-key', issues: [at('yaml/merge-key', EXTRA, 10, 3)], message: ['"<<"'] },
  { name: 'yaml-directive-yaml', issues: [at('yaml/directive', EXTRA, 1, 1)] },
  { name: 'yaml-directive-tag', issues: [at('yaml/directive', EXTRA, 1, 1)] },
  {
    name: 'yaml-two-documents',
    issues: [at('yaml/multi-document', EXTRA, 11, 1)],
    message: ['expected one document per file'],
  },
  { name: 'yaml-trailing-document-marker', issues: [at('yaml/multi-document', EXTRA, 11, 1)] },
  {
    name: 'yaml-tab-indent',
    issues: [at('yaml/tab-indent', EXTRA, 10, 1)],
    message: ['found a tab'],
  },
  {
    name: 'yaml-proto-key',
    issues: [at('yaml/forbidden-key', EXTRA, 11, 3)],
    message: ['__proto__'],
  },
  {
    name: 'yaml-constructor-key',
    issues: [at('yaml/forbidden-key', EXTRA, 11, 3)],
    message: ['constructor'],
  },
  { name: 'yaml-null-key', issues: [at('yaml/key', EXTRA, 11, 3)], message: ['an empty key'] },
  {
    name: 'yaml-collection-key',
    issues: [at('yaml/key', EXTRA, 11, 3)],
    message: ['a collection'],
  },
  {
    name: 'yaml-text-after-quoted-scalar',
    issues: [at('yaml/syntax', EXTRA, 10, 27)],
    message: ['expected valid YAML'],
  },
  { name: 'yaml-invalid-escape', issues: [at('yaml/syntax', EXTRA, 10, 21)], message: ['\\q'] },
  // The last key of metadata is indented by one space instead of two: the indentation
  // (from column 1) is what is wrong.
  {
    name: 'yaml-bad-indentation',
    issues: [at('yaml/syntax', EXTRA, 8, 1)],
    message: ['must start at the same column'],
  },

  // --- Encoding and size limits
  {
    name: 'encoding-invalid-byte',
    // "  description: Caf" is 18 characters: the byte 0xff, never valid in UTF-8, is the 19th.
    issues: [at('encoding/utf8', EXTRA, 10, 19)],
    message: ['found the byte 0xff'],
    bytes: () => ({ [EXTRA]: latin1(extraSecret('Caf\xff menu')) }),
  },
  {
    name: 'limits-scalar-size',
    issues: [at('limits/scalar-size', EXTRA, 10, 16)],
    message: ['at most 65536 characters', 'found 65537'],
    bytes: () => ({ [EXTRA]: utf8(extraSecret('a'.repeat(64 * 1024 + 1))) }),
  },
  // Line 5 is `  spec: {description: [[[…`: the document's `{` is depth 1, spec's `{` depth
  // 2, so the 31st `[` (column 22 + 31) is the first collection 33 deep.
  { name: 'limits-flow-depth', issues: [at('limits/depth', EXTRA, 5, 53)] },
  // `nested:` is on line 11; the mapping at depth d starts on line 10 + d, column 2d - 1.
  { name: 'limits-block-depth', issues: [at('limits/depth', EXTRA, 43, 65)] },

  // --- The manifest envelope
  {
    name: 'manifest-api-version-v2',
    issues: [at('manifest/api-version', `${STAGING}/secret.yaml`, 1, 13)],
    message: ['expected "lowops.manifests.v1"', 'found "lowops.manifests.v2"'],
  },
  {
    name: 'manifest-unknown-kind',
    issues: [at('manifest/unknown-kind', 'payments/staging/billing.yaml', 2, 7)],
    message: ['found "Projet"', 'did you mean "Project"?'],
  },
  {
    name: 'manifest-missing-kind',
    issues: [at('manifest/unknown-kind', EXTRA, 1, 1)],
    message: ['found nothing'],
  },
  {
    name: 'schema-missing-spec',
    issues: [at('schema/required', EXTRA, 1, 1)],
    message: ['spec: expected this required field'],
  },

  // --- Schemas
  {
    name: 'schema-unknown-field-spec',
    issues: [at('schema/unknown-field', `${STAGING}/secret.yaml`, 10, 3)],
    message: ['descripton', 'unknown field', 'did you mean "description"?'],
  },
  {
    name: 'schema-unknown-field-metadata',
    issues: [at('schema/unknown-field', EXTRA, 9, 3)],
    message: ['namespace', 'unknown field'],
  },
  {
    name: 'schema-unknown-field-top-level',
    issues: [at('schema/unknown-field', `${STAGING}/secret.yaml`, 11, 1)],
    message: ['status', 'unknown field', '"apiVersion", "kind", "metadata" or "spec"'],
  },
  {
    name: 'schema-type-string-for-number',
    issues: [at('schema/type', `${STAGING}/database.yaml`, 12, 15)],
    message: ['spec.alloydb.cpuCount: expected a number, found "2"'],
  },
  {
    name: 'schema-type-mapping-for-list',
    issues: [at('schema/type', `${STAGING}/project.yaml`, 12, 5)],
    message: ['spec.allowedEgress: expected a list, found a mapping'],
  },
  {
    name: 'schema-type-number-for-string',
    issues: [at('schema/type', `${STAGING}/secret.yaml`, 10, 16)],
    message: ['expected text, found 42'],
  },
  {
    name: 'schema-type-yes-for-boolean',
    issues: [at('schema/type', `${STAGING}/pubsub.yaml`, 11, 14)],
    message: ['expected true or false, found "yes"'],
  },
  {
    name: 'schema-enum-suggestion',
    issues: [at('schema/enum', APPLICATION, 13, 11)],
    message: ['found "CLOUDRUN"', 'did you mean "CLOUD_RUN"?'],
  },
  {
    name: 'schema-enum-no-suggestion',
    issues: [at('schema/enum', 'github/default.yaml', 8, 25)],
    message: ['expected one of "GITHUB_APP", "TOKEN", found "OAUTH"'],
  },
  {
    name: 'schema-required-application-project',
    issues: [at('schema/required', APPLICATION, 9, 1)],
    message: ['spec.project: expected this required field'],
  },
  { name: 'schema-name-uppercase', issues: [at('schema/name', EXTRA, 4, 9)], message: ['Extra'] },
  { name: 'schema-name-underscore', issues: [at('schema/name', EXTRA, 4, 9)] },
  { name: 'schema-name-too-long', issues: [at('schema/name', EXTRA, 4, 9)] },
  { name: 'schema-name-trailing-hyphen', issues: [at('schema/name', EXTRA, 4, 9)] },
  { name: 'schema-name-leading-digit', issues: [at('schema/name', EXTRA, 4, 9)] },
  {
    name: 'schema-name-in-reference',
    issues: [at('schema/name', APPLICATION, 12, 20)],
    message: ['spec.buildDefinition'],
  },
  {
    name: 'schema-computed',
    issues: [at('schema/computed', `${STAGING}/secret.yaml`, 11, 3)],
    message: ['spec.computed'],
  },
  {
    name: 'schema-maintenance-timestamp',
    issues: [at('schema/value', `${STAGING}/project.yaml`, 16, 12)],
    message: ['RFC 3339', '2026-01-01 00:00'],
  },
  {
    name: 'schema-egress-host-bits',
    issues: [at('schema/value', `${STAGING}/project.yaml`, 14, 7)],
    message: ['zero host bits', '10.0.0.1/8'],
  },
  {
    name: 'schema-egress-url',
    issues: [at('schema/value', `${STAGING}/project.yaml`, 12, 7)],
    message: ['http://x'],
  },
  {
    name: 'schema-port-key-out-of-range',
    issues: [at('schema/value', `${STAGING}/deployment-config.yaml`, 16, 5)],
    message: ['65535'],
  },
  {
    name: 'schema-route-two-match-types',
    issues: [at('schema/value', `${STAGING}/route.yaml`, 13, 11)],
    message: ['expected exactly one of prefixMatch, fullPathMatch, regexMatch'],
  },
  {
    name: 'schema-route-port-out-of-range',
    issues: [at('schema/value', `${STAGING}/route.yaml`, 17, 19)],
    message: ['expected at most 65535, found 70000'],
  },

  // --- Parents named in metadata
  {
    name: 'ref-missing-parent-key',
    issues: [at('ref/missing-parent', EXTRA, 3, 1)],
    message: ['metadata.environment'],
  },
  {
    name: 'ref-dangling-parent',
    issues: [at('ref/dangling-parent', EXTRA, 6, 16)],
    message: ['found "qa"'],
  },
  {
    name: 'ref-ancestor-chain',
    issues: [at('ref/ancestor-chain', 'payments/warehouse/depot/project.yaml', 5, 16)],
    message: ['"warehouse" belongs to organizational-unit "logistics"'],
  },

  // --- Names in spec
  {
    name: 'ref-wrong-kind-pubsub-names-secret',
    issues: inBothEnvironments(at('ref/wrong-kind', APPLICATION, 30, 11)),
    message: ['expected a PubSub', 'found a Secret'],
  },
  {
    name: 'ref-dangling-database',
    issues: inBothEnvironments(at('ref/dangling', APPLICATION, 20, 13)),
    message: ['Database named "ghost"', 'found none'],
  },
  {
    name: 'ref-cross-project-pubsub',
    issues: inBothEnvironments(at('ref/cross-scope', APPLICATION, 31, 11)),
    message: ['"invoices"', 'payments/staging/billing/pubsub.yaml'],
  },
  {
    name: 'ref-cross-environment-pubsub',
    issues: [at('ref/cross-scope', APPLICATION, 30, 11)],
    message: ['environment "staging"', `${PRODUCTION}/launches.yaml`],
  },
  { name: 'ref-dangling-build-definition', issues: [at('ref/dangling', APPLICATION, 12, 20)] },
  {
    name: 'ref-database-schema-undeclared',
    issues: inBothEnvironments(at('ref/dangling', APPLICATION, 21, 15)),
    message: ['"orders"', 'found "ledger"'],
  },
  {
    name: 'ref-dangling-group-in-permissions',
    issues: [at('ref/dangling', `${STAGING}/project.yaml`, 22, 11)],
    message: ['OrganizationUserGroup named "auditors"'],
  },
  {
    name: 'ref-dangling-user-in-group',
    issues: [at('ref/dangling', 'groups/platform.yaml', 12, 9)],
    message: ['OrganizationUser named "bob"'],
  },
  {
    name: 'ref-route-missing-deployment-config',
    issues: [at('ref/dangling', `${STAGING}/route.yaml`, 16, 31)],
    message: ['DeploymentConfig named "ghost"'],
  },
  {
    name: 'ref-notification-other-project',
    issues: [at('ref/cross-scope', `${STAGING}/pubsub.yaml`, 14, 25)],
    message: ['"invoicer"', 'project "billing"'],
  },
  {
    name: 'ref-release-track-other-unit',
    issues: [at('ref/cross-scope', 'payments/release-track.yaml', 12, 11)],
    message: ['"warehouse"', 'organizational unit'],
  },
  {
    name: 'ref-dangling-stage-environment',
    issues: [at('ref/dangling', 'payments/release-track.yaml', 11, 11)],
  },
  {
    name: 'ref-group-cycle',
    issues: [at('ref/cycle', 'groups/dev.yaml', 8, 11), at('ref/cycle', 'groups/ops.yaml', 8, 11)],
    message: ['dev → ops → dev'],
  },

  // --- Identity and placement
  // Reported in each file, so that the owners of every copy see it.
  {
    name: 'identity-duplicate',
    issues: [
      at('identity/duplicate', `${STAGING}/secret.yaml`, 4, 9),
      at('identity/duplicate', `${STAGING}/secrets/api-key.yaml`, 4, 9),
    ],
    message: [`found another in ${STAGING}/secrets/api-key.yaml`],
    related: [`${STAGING}/secrets/api-key.yaml`],
  },
  {
    name: 'identity-duplicate-three',
    issues: [
      at('identity/duplicate', `${STAGING}/secret.yaml`, 4, 9),
      at('identity/duplicate', `${STAGING}/secrets/api-key.yaml`, 4, 9),
      at('identity/duplicate', `${STAGING}/secrets/old/api-key.yaml`, 4, 9),
    ],
    message: [
      `found 2 others in ${STAGING}/secrets/api-key.yaml, ${STAGING}/secrets/old/api-key.yaml`,
    ],
    related: [`${STAGING}/secrets/api-key.yaml`, `${STAGING}/secrets/old/api-key.yaml`],
  },
  {
    name: 'identity-two-organizations',
    issues: [at('identity/one-organization', 'second-organization.yaml', 4, 9)],
    message: ['"globex" besides "acme"', 'organization.yaml'],
  },
  {
    name: 'ref-release-track-project',
    issues: [at('ref/release-track-project', 'payments/storefront/ledger.yaml', 11, 12)],
    message: ['Project named "ledger" in environment "production"'],
  },
  {
    // Deleting production's DeploymentConfig also takes the push target of production's
    // topic, which now names the one of staging.
    name: 'ref-missing-deployment-config',
    issues: [
      at('ref/cross-scope', `${PRODUCTION}/pubsub.yaml`, 14, 25),
      at('ref/deployment-config', APPLICATION, 4, 9),
    ],
  },

  // --- Negative controls: valid, or not manifests of this format
  { name: 'valid-unusual-directory', issues: [], addedManifests: 1 },
  { name: 'valid-leading-document-marker', issues: [], addedManifests: 1 },
  { name: 'valid-name-63-characters', issues: [], addedManifests: 1 },
  { name: 'valid-http-route', issues: [], addedManifests: 2 },
  { name: 'valid-github-workflow', issues: [], addedManifests: 0 },
  { name: 'valid-kubernetes-manifest', issues: [], addedManifests: 0 },
  {
    // About 1.2 MB of YAML that names neither apiVersion nor kind: skipped, not refused.
    name: 'valid-large-non-manifest',
    issues: [],
    addedManifests: 0,
    bytes: () => ({
      'data/catalog.yaml': utf8(
        Array.from({ length: 40_000 }, (_, i) => `- sku: item-${i}\n  price: ${i % 97}\n`).join(''),
      ),
    }),
  },
];

/**
 * Cases about precise locations and about what counts as a manifest: where a tag, an
 * unclosed quote, a bad byte or a key-named reference is reported, and that files of
 * other formats are left alone.
 */
const locationCases: readonly InvalidInput[] = [
  // A tag is reported at the tag, not at the value after it.
  {
    name: 'yaml-tag-js-function',
    issues: [at('yaml/tag', EXTRA, 10, 16)],
    message: ['!!js/function'],
  },
  {
    name: 'yaml-tag-python-object',
    issues: [at('yaml/tag', EXTRA, 10, 16)],
    message: ['!!python/object/apply:os.system'],
  },
  { name: 'yaml-tag-custom', issues: [at('yaml/tag', EXTRA, 10, 16)], message: ['!vault'] },
  { name: 'yaml-tag-explicit-str', issues: [at('yaml/tag', EXTRA, 10, 16)], message: ['!!str'] },
  // `%TAG !! …` redefines the secondary handle: a directive like any other.
  { name: 'yaml-directive-tag-secondary-handle', issues: [at('yaml/directive', EXTRA, 1, 1)] },
  // An unclosed quote is reported where it opens, not at the end of the file (11:1).
  { name: 'yaml-unclosed-quote', issues: [at('yaml/syntax', EXTRA, 10, 16)] },
  // Issues about the whole file are at its first line and column.
  {
    name: 'encoding-bom',
    issues: [at('encoding/bom', EXTRA, 1, 1)],
    message: ['byte-order mark'],
    bytes: () => ({ [EXTRA]: Uint8Array.of(0xef, 0xbb, 0xbf, ...utf8(extraSecret())) }),
  },
  {
    name: 'limits-file-size',
    issues: [at('limits/file-size', EXTRA, 1, 1)],
    message: ['expected at most 1048576 bytes'],
    bytes: () => ({
      [EXTRA]: utf8(extraSecret() + `# ${'padding '.repeat(12)}\n`.repeat(11_000)),
    }),
  },
  // 0xe9 starts a three-byte sequence that the next byte (0x20) breaks: 0xe9 is the culprit.
  {
    name: 'encoding-latin1',
    // "  description: Caf" is 18 characters: the byte 0xe9 (é in Latin-1) is the 19th.
    issues: [at('encoding/utf8', EXTRA, 10, 19)],
    message: ['found the byte 0xe9'],
    bytes: () => ({ [EXTRA]: latin1(extraSecret('Café menu')) }),
  },
  // Characters YAML 1.2 does not allow: "  description: An extra" is 23 characters.
  {
    name: 'encoding-nul-in-plain-scalar',
    issues: [at('encoding/control-character', EXTRA, 10, 24)],
    message: ['found the control character U+0000'],
    bytes: () => ({ [EXTRA]: utf8(extraSecret('An extra\u0000secret')) }),
  },
  {
    name: 'encoding-escape-sequence-in-plain-scalar',
    issues: [at('encoding/control-character', EXTRA, 10, 24)],
    message: ['U+001B,'],
    bytes: () => ({ [EXTRA]: utf8(extraSecret('An extra\u001b[2Jsecret')) }),
  },
  {
    name: 'encoding-unit-separator-in-key',
    issues: [at('encoding/control-character', EXTRA, 4, 3)],
    message: ['U+001F,'],
    bytes: () => ({ [EXTRA]: utf8(extraSecret().replace('  name:', '  \u001fname:')) }),
  },
  // YAML 1.2 allows the other controls in quoted text, for JSON's sake.
  {
    name: 'valid-delete-and-c1-control-in-quotes',
    issues: [],
    addedManifests: 1,
    bytes: () => ({ [EXTRA]: utf8(extraSecret('"An extra\u007f\u0090secret"')) }),
  },
  // YAML 1.2 ends a line at CR LF, CR or LF: lines and columns count the same in each.
  ...Object.entries({ cr: '\r', crlf: '\r\n', lf: '\n' }).map(
    ([name, lineBreak]): InvalidInput => ({
      name: `schema-unknown-field-lines-ending-${name}`,
      issues: [at('schema/unknown-field', EXTRA, 10, 3)],
      bytes: () => ({
        [EXTRA]: utf8(
          extraSecret().replace('description', 'descripton').replaceAll('\n', lineBreak),
        ),
      }),
    }),
  ),
  {
    name: 'yaml-unclosed-quote-lines-ending-cr',
    issues: [at('yaml/syntax', EXTRA, 10, 16)],
    bytes: () => ({ [EXTRA]: utf8(extraSecret('"An extra secret').replaceAll('\n', '\r')) }),
  },
  {
    name: 'encoding-latin1-lines-ending-cr',
    issues: [at('encoding/utf8', EXTRA, 10, 19)],
    bytes: () => ({ [EXTRA]: latin1(extraSecret('Café menu').replaceAll('\n', '\r')) }),
  },
  {
    name: 'valid-lines-ending-cr',
    issues: [],
    addedManifests: 1,
    bytes: () => ({ [EXTRA]: utf8(extraSecret().replaceAll('\n', '\r')) }),
  },
  {
    name: 'valid-lines-ending-cr-and-crlf-mixed',
    issues: [],
    addedManifests: 1,
    bytes: () => ({
      [EXTRA]: utf8(
        extraSecret().replace(/\n/g, (_, offset: number) => (offset % 2 ? '\r' : '\r\n')),
      ),
    }),
  },
  // A file of another format is skipped, whatever characters it holds.
  {
    name: 'valid-kubernetes-file-with-nul',
    issues: [],
    addedManifests: 0,
    bytes: () => ({
      'deploy/config-map.yaml': utf8('apiVersion: v1\nkind: ConfigMap\ndata:\n  a: "x\u0000"\n'),
    }),
  },
  // In block context the depth counts the mappings above the value: the 31st `[` is 33 deep.
  { name: 'limits-flow-depth-in-block-context', issues: [at('limits/depth', EXTRA, 10, 46)] },
  // A header written with an anchor and an alias is still this format's, and the alias is refused.
  {
    name: 'yaml-alias-in-header',
    issues: [at('yaml/alias', EXTRA, 2, 7)],
    bytes: () => ({
      [EXTRA]: utf8(
        extraSecret()
          .replace('apiVersion: lowops', 'apiVersion: &v lowops')
          .replace('kind: Secret', 'kind: *v'),
      ),
    }),
  },
  // Reported once, not also as schema/required "apiVersion".
  {
    name: 'manifest-api-version-missing',
    issues: [at('manifest/api-version', `${STAGING}/secret.yaml`, 1, 1)],
    message: ['found nothing'],
  },
  // A list where a mapping is expected is a type error, even an empty one.
  {
    name: 'schema-type-list-for-mapping',
    issues: [at('schema/type', `${STAGING}/project.yaml`, 19, 5)],
    message: ['expected a mapping, found a list'],
  },
  {
    name: 'schema-type-empty-list-for-mapping',
    issues: [at('schema/type', `${STAGING}/project.yaml`, 18, 16)],
    message: ['expected a mapping, found a list'],
  },
  // An unknown metadata field does not hide the Secret from the application that uses it.
  {
    name: 'schema-unknown-field-metadata-of-referenced-secret',
    issues: [at('schema/unknown-field', `${STAGING}/secret.yaml`, 9, 3)],
  },
  // A secret reference is its key under accessControl.secrets, and is reported at the key.
  {
    name: 'ref-dangling-secret',
    issues: inBothEnvironments(at('ref/dangling', APPLICATION, 19, 7)),
    message: ['"missing-key"'],
  },
  {
    name: 'ref-wrong-kind-secret-names-pubsub',
    issues: inBothEnvironments(at('ref/wrong-kind', APPLICATION, 19, 7)),
    message: ['expected a Secret', 'found a PubSub'],
  },
  {
    name: 'ref-cross-project-secret',
    issues: inBothEnvironments(at('ref/cross-scope', APPLICATION, 19, 7)),
    message: ['payments/staging/billing/secret.yaml'],
  },
  {
    name: 'ref-cross-environment-secret',
    issues: [at('ref/cross-scope', APPLICATION, 19, 7)],
    message: ['environment "staging"', `${PRODUCTION}/launch-key.yaml`],
  },
  // The message names the Secret in scope (staging's), not the first of that name.
  {
    name: 'ref-wrong-kind-names-file-in-scope',
    issues: [at('ref/wrong-kind', APPLICATION, 30, 11)],
    message: [`(${STAGING}/events-secret.yaml)`],
  },
  // Kubernetes files are not manifests of this format, even multi-document ones or a v1
  // Secret whose kind is also one of ours.
  { name: 'valid-kubernetes-multi-document', issues: [], addedManifests: 0 },
  { name: 'valid-kubernetes-secret', issues: [], addedManifests: 0 },
];

/** `count` names `k0`, `k1`, …: keys of a wide mapping. */
const keys = (count: number) => Array.from({ length: count }, (_, i) => `k${i}`);

/** Where each second value of `"i" "x"` stands in `  list: ["0" "x", "1" "x", …]`. */
function missingCommas(count: number): number[] {
  const columns: number[] = [];
  let column = '  list: ['.length + 1;
  for (let i = 0; i < count; i++) {
    columns.push(column + `"${i}" `.length);
    column += `"${i}" "x", `.length;
  }
  return columns;
}

/** The defaults, but for a value budget no file under the size limit can exceed. */
const roomy: YamlLimits = { ...defaultYamlLimits, maxValues: defaultYamlLimits.maxFileBytes };

/**
 * Files of nearly 1 MiB in the shapes that once took the reader time quadratic in their
 * size: a mapping of 85,000 keys took minutes. By default they hold too many values and
 * are refused as soon as the budget is spent; with the budget raised they are read in
 * time linear in their size, and each gives every issue, located. The Secret's header
 * holds 18 values, each key and each value of the wide mapping counts.
 */
const wideCases: readonly InvalidInput[] = [
  {
    // Value 50,001 is the key of entry 24,991, on line 11 + 24,991.
    name: 'limits-values-wide-block-mapping',
    issues: [at('limits/values', EXTRA, 25_002, 3)],
    message: ['expected at most 50000 values', 'this is value 50001'],
    bytes: () => ({
      [EXTRA]: utf8(
        extraSecret() +
          keys(85_000)
            .map((key) => `  ${key}: v\n`)
            .join(''),
      ),
    }),
  },
  {
    // `list` is value 19, each item two (`-` and its text): value 50,001 is item 24,990's text.
    name: 'limits-values-long-sequence',
    issues: [at('limits/values', EXTRA, 25_002, 7)],
    bytes: () => ({
      [EXTRA]: utf8(
        extraSecret() +
          '  list:\n' +
          keys(60_000)
            .map((key) => `    - ${key}\n`)
            .join(''),
      ),
    }),
  },
  {
    // `wide` and `{` are values 19 and 20: value 50,001 is the key of entry 24,990.
    name: 'limits-values-wide-flow-mapping',
    issues: [at('limits/values', EXTRA, 11, 10 + keys(24_990).join(': v, ').length + 5)],
    bytes: () => ({
      [EXTRA]: utf8(extraSecret() + `  wide: {${keys(80_000).join(': v, ')}: v}\n`),
    }),
  },
  {
    name: 'yaml-duplicate-key-in-wide-block-mapping',
    limits: roomy,
    issues: [at('yaml/duplicate-key', EXTRA, 80_011, 3)],
    message: ['found "k0" again'],
    bytes: () => ({
      [EXTRA]: utf8(
        extraSecret() +
          keys(80_000)
            .map((key) => `  ${key}: v\n`)
            .join('') +
          '  k0: w\n',
      ),
    }),
  },
  {
    name: 'yaml-duplicate-key-in-wide-flow-mapping',
    limits: roomy,
    issues: [at('yaml/duplicate-key', EXTRA, 11, 10 + keys(80_000).join(': v, ').length + 5)],
    bytes: () => ({
      [EXTRA]: utf8(extraSecret() + `  wide: {${keys(80_000).join(': v, ')}: v, k0: w}\n`),
    }),
  },
  {
    // The first unknown key is the one reported.
    name: 'schema-unknown-field-in-wide-block-mapping',
    limits: roomy,
    issues: [at('schema/unknown-field', EXTRA, 11, 3)],
    bytes: () => ({
      [EXTRA]: utf8(
        extraSecret() +
          keys(80_000)
            .map((key) => `  ${key}: v\n`)
            .join(''),
      ),
    }),
  },
  {
    // Each of 65,535 ports names no protocol: every issue located at its own entry.
    name: 'schema-enum-in-each-entry-of-a-wide-mapping',
    limits: roomy,
    issues: Array.from({ length: 65_535 }, (_, i) =>
      at('schema/enum', `${STAGING}/deployment-config.yaml`, 16 + i, 7 + String(i + 1).length),
    ),
    bytes: () => ({
      [`${STAGING}/deployment-config.yaml`]: utf8(
        new TextDecoder()
          .decode(base.get(`${STAGING}/deployment-config.yaml`))
          .replace(
            '    8080: http\n',
            Array.from({ length: 65_535 }, (_, i) => `    ${i + 1}: x\n`).join(''),
          ),
      ),
    }),
  },
  {
    // Two quoted values with no comma between them, 40,000 times: each is reported.
    name: 'yaml-syntax-missing-commas-in-long-flow-sequence',
    limits: roomy,
    issues: missingCommas(40_000).map((column) => at('yaml/syntax', EXTRA, 11, column)),
    bytes: () => ({
      [EXTRA]: utf8(
        extraSecret() +
          `  list: [${Array.from({ length: 40_000 }, (_, i) => `"${i}" "x"`).join(', ')}]\n`,
      ),
    }),
  },
  {
    // `1` and `"1"` are different YAML values but the same key once read.
    name: 'yaml-duplicate-key-number-and-text',
    issues: [at('yaml/duplicate-key', EXTRA, 12, 3)],
    message: ['found "1" again'],
    bytes: () => ({ [EXTRA]: utf8(extraSecret() + '  1: a\n  "1": b\n') }),
  },
];

const cases: readonly InvalidInput[] = [...tableCases, ...locationCases, ...wideCases];

function byLocation(a: ExpectedIssue, b: ExpectedIssue): number {
  return (
    compareStrings(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    compareStrings(a.rule, b.rule)
  );
}

function located({ rule, file, line, column }: Issue): ExpectedIssue {
  return { rule, file, line, column };
}

/** Validates base + case and checks every expectation of the case. */
function check(input: InvalidInput): void {
  const files = overlayRepository(base, join(fixtures, input.name), input.bytes?.());
  const result = validateRepository(
    files,
    input.limits === undefined ? {} : { limits: input.limits },
  );
  const errors = result.issues.filter((issue) => issue.severity === 'error');
  expect(errors.map(located)).toEqual([...input.issues].sort(byLocation));

  const first = errors[0];
  for (const text of input.message ?? []) expect(first?.message).toContain(text);
  if (input.related !== undefined) {
    expect(first?.related?.map((location) => location.file)).toEqual(input.related);
  }
  if (input.addedManifests !== undefined) {
    expect(result.issues).toEqual([]);
    expect(result.manifestCount).toBe(baseManifests + input.addedManifests);
  }
}

describe('invalid inputs', () => {
  it('start from a base organization that validates without a single issue', () => {
    const result = validateRepository(overlayRepository(base, join(fixtures, '_base')));
    expect(result.issues).toEqual([]);
    expect(result.manifestCount).toBe(baseManifests);
  });

  it('have a table entry for every case directory and a directory for every stored case', () => {
    const all = cases;
    const names = all.map((input) => input.name);
    expect(new Set(names).size).toBe(names.length);
    const directories = readdirSync(fixtures).filter((entry) => entry !== '_base');
    expect(directories.filter((entry) => !names.includes(entry))).toEqual([]);
    const missing = all.filter(
      (input) => input.bytes === undefined && !existsSync(join(fixtures, input.name)),
    );
    expect(missing.map((input) => input.name)).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(65);
  });

  it.each(cases.map((input) => [input.name, input] as const))('%s', (_name, input) => {
    check(input);
  });

  it('frame the lines of a file whose lines end in CR as they are counted', () => {
    const text = extraSecret('"An extra secret').replaceAll('\n', '\r');
    const result = validateRepository(overlayRepository(base, '', { [EXTRA]: utf8(text) }));
    const { manifestCount: manifests, files, issues, sources } = result;
    const report = formatText({ manifests, files, issues, sources }, { color: false });
    expect(report).toContain(`${EXTRA}:10:16`);
    expect(report).toContain('> 10 |   description: "An extra secret');
  });
});
