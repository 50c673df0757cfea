import type { Severity } from './issue.ts';

/** What a rule checks and why it exists; shown in reports and in SARIF rule metadata. */
export interface RuleDefinition {
  readonly severity: Severity;
  readonly summary: string;
}

/**
 * Every rule the validator can report, in one place, so that rule ids are stable and
 * documented. Ids are `area/name`; the area says which stage found the issue.
 */
export const rules = {
  'encoding/bom': {
    severity: 'error',
    summary: 'Manifests are UTF-8 without a byte-order mark.',
  },
  'encoding/utf8': {
    severity: 'error',
    summary: 'Manifests are valid UTF-8.',
  },
  'encoding/control-character': {
    severity: 'error',
    summary:
      'No NUL or other C0 control character but tab and line breaks: YAML 1.2 allows them nowhere.',
  },
  'limits/file-size': {
    severity: 'error',
    summary: 'A manifest file is at most the configured size (1 MiB by default).',
  },
  'limits/file-count': {
    severity: 'error',
    summary: 'A repository holds at most the configured number of YAML files.',
  },
  'limits/depth': {
    severity: 'error',
    summary: 'Collections nest at most the configured depth, which bounds parser work.',
  },
  'limits/scalar-size': {
    severity: 'error',
    summary: 'A single value is at most the configured length.',
  },
  'limits/values': {
    severity: 'error',
    summary:
      'A file holds at most the configured number of values (50,000 by default), which bounds parser memory.',
  },
  'yaml/syntax': { severity: 'error', summary: 'The file is YAML 1.2 that parses.' },
  'yaml/duplicate-key': {
    severity: 'error',
    summary: 'A mapping names each key once; YAML parsers disagree on which duplicate wins.',
  },
  'yaml/tab-indent': { severity: 'error', summary: 'YAML forbids tabs in indentation.' },
  'yaml/multi-document': { severity: 'error', summary: 'A file holds exactly one manifest.' },
  'yaml/directive': {
    severity: 'error',
    summary: 'No %YAML or %TAG directives: they change how the file is read.',
  },
  'yaml/alias': {
    severity: 'error',
    summary: 'No aliases (*name): they make files hard to review and enable expansion bombs.',
  },
  'yaml/merge-key': {
    severity: 'error',
    summary: 'No merge keys (<<): YAML 1.2 does not define them and parsers disagree.',
  },
  'yaml/tag': {
    severity: 'error',
    summary: 'No explicit tags (!!str, !custom): every value has its plain YAML 1.2 type.',
  },
  'yaml/key': {
    severity: 'error',
    summary: 'Mapping keys are plain scalars (strings or numbers), never null or collections.',
  },
  'yaml/forbidden-key': {
    severity: 'error',
    summary: 'Keys such as __proto__ and constructor are refused: they alter objects in memory.',
  },
  'manifest/api-version': {
    severity: 'error',
    summary: 'apiVersion is lowops.manifests.v1.',
  },
  'manifest/unknown-kind': {
    severity: 'error',
    summary: 'kind is one of the kinds of lowops.manifests.v1.',
  },
  'schema/required': { severity: 'error', summary: 'A required field is present.' },
  'schema/unknown-field': {
    severity: 'error',
    summary: 'Only the fields of the kind are allowed; a misspelt field would be ignored.',
  },
  'schema/type': { severity: 'error', summary: 'A value has the expected type.' },
  'schema/enum': { severity: 'error', summary: 'A value is one of the allowed values.' },
  'schema/name': {
    severity: 'error',
    summary: 'Names are lowercase DNS labels: a letter, then letters, digits or hyphens, 1-63.',
  },
  'schema/value': { severity: 'error', summary: 'A value is within its allowed range or format.' },
  'schema/computed': {
    severity: 'error',
    summary: 'spec.computed is written by the platform only.',
  },
  'identity/duplicate': {
    severity: 'error',
    summary: 'Kind, ancestors and name identify one manifest only; each copy is reported.',
  },
  'identity/one-organization': {
    severity: 'error',
    summary: 'A repository describes exactly one Organization.',
  },
  'ref/missing-parent': {
    severity: 'error',
    summary: 'metadata names every ancestor of the manifest.',
  },
  'ref/dangling-parent': {
    severity: 'error',
    summary: 'Every ancestor named in metadata exists.',
  },
  'ref/ancestor-chain': {
    severity: 'error',
    summary: 'The ancestors named in metadata belong to each other.',
  },
  'ref/dangling': {
    severity: 'error',
    summary: 'Every name in spec that points at another manifest resolves.',
  },
  'ref/wrong-kind': {
    severity: 'error',
    summary: 'A name in spec resolves to a manifest of the expected kind.',
  },
  'ref/cross-scope': {
    severity: 'error',
    summary:
      'References stay in scope: the organization, the unit, or the same project and environment.',
  },
  'ref/ambiguous': {
    severity: 'error',
    summary: 'A name in spec resolves to exactly one manifest.',
  },
  'ref/cycle': {
    severity: 'error',
    summary: 'Group parents form a tree: no group is its own ancestor.',
  },
  'ref/release-track-project': {
    severity: 'error',
    summary:
      'An application can be placed: its project exists in every environment of its release track.',
  },
  'ref/deployment-config': {
    severity: 'error',
    summary:
      'An application has a DeploymentConfig of its name in its project in every environment it deploys to.',
  },
  'ref/callee-not-deployed': {
    severity: 'error',
    summary:
      'An application an accessControl.calls entry names is deployed to every environment the caller is.',
  },
  'codeowners/member-without-github': {
    severity: 'warning',
    summary: 'A member who owns files has a GitHub account, or CODEOWNERS cannot name them.',
  },
  'codeowners/no-github-organization': {
    severity: 'warning',
    summary: 'The Organization names its GitHub organization, which owns the group teams.',
  },
  'codeowners/unrepresentable-path': {
    severity: 'error',
    summary: 'Every manifest path can be written in CODEOWNERS (no line breaks).',
  },
  'codeowners/too-large': {
    severity: 'error',
    summary: 'CODEOWNERS stays under GitHub’s 3 MB limit, past which GitHub ignores it.',
  },
  'policy/egress-everything': {
    severity: 'error',
    summary: 'allowedEgress never allows everything (*, 0.0.0.0/0, ::/0): egress is an allowlist.',
  },
  'policy/egress-broad-range': {
    severity: 'warning',
    summary:
      'An egress range wider than /16 (IPv4) or /32 (IPv6) allows far more than one service.',
  },
  'policy/egress-union': {
    severity: 'error',
    summary:
      "A project's egress ranges together reach less than a /8 of public IPv4 and a /24 of public IPv6.",
  },
  'policy/public-bucket': {
    severity: 'error',
    summary: 'Buckets are never public: public access prevention is enforced on every bucket.',
  },
  'policy/public-registry': {
    severity: 'error',
    summary: 'Artifact registries are never public: images can hold code and secrets.',
  },
  'policy/user-on-production': {
    severity: 'error',
    summary: 'Production access goes to groups, never to individual users, so it is reviewed once.',
  },
  'policy/public-route': {
    severity: 'warning',
    summary: 'A route rule without authentication is public; the plan shows it as public exposure.',
  },
  'policy/iap-without-access': {
    severity: 'warning',
    summary: 'A rule behind IAP needs iapPermissions on its ingress, or nobody can pass.',
  },
  'route/external-authentication': {
    severity: 'error',
    summary:
      'EXTERNAL (Identity Platform) authentication is refused until it can be rendered: the rule would be served without it.',
  },
  'route/authorization-without-authentication': {
    severity: 'error',
    summary: 'authorization needs authentication: without sign-in, everyone passes.',
  },
  'route/authorization-outside-iap': {
    severity: 'error',
    summary:
      "A rule's authorization narrows its ingress's iapPermissions: it names only groups and members listed there.",
  },
  'route/unsupported-match': {
    severity: 'error',
    summary:
      'A match is one the load balancer reads as written: paths and expressions up to 1024 characters, regular expressions in RE2 syntax.',
  },
  'route/weight': {
    severity: 'error',
    summary:
      "Destination weights are whole numbers of 0 to 1000, on all of a rule's destinations or none.",
  },
  'route/duplicate-match': {
    severity: 'error',
    summary:
      'One rule per host and path: the load balancer would serve one of two and drop the other.',
  },
  'route/duplicate-host': {
    severity: 'error',
    summary: 'One PublicIngress per host: a host has one load balancer and one certificate.',
  },
  'route/ingress-without-routes': {
    severity: 'warning',
    summary: 'A PublicIngress without routes creates no load balancer.',
  },
  'render/unsupported': {
    severity: 'warning',
    summary:
      'A field that is accepted but not rendered yet says what will not happen; ignoring it leaves things as secure as declared or more.',
  },
  'render/refused': {
    severity: 'error',
    summary:
      'A field whose value cannot be rendered, and whose being ignored would leave things less secure than declared, is refused.',
  },
  'policy/unserved-destination': {
    severity: 'error',
    summary:
      'Routes and notifications deliver to a DeploymentConfig of an application deployed there.',
  },
  'policy/literal-secret': {
    severity: 'warning',
    summary: 'A secret-looking environment variable has a literal value; secrets are references.',
  },
  'policy/unpinned-image': {
    severity: 'error',
    summary: 'An external image is pinned by digest: a tag can be moved to other code.',
  },
  'policy/no-identity-source': {
    severity: 'error',
    summary: 'Groups need an identity source: workforceFederation or domain.external.',
  },
  'naming/collision': {
    severity: 'error',
    summary:
      'Two declarations never get one generated identifier: one would stand in for the other.',
  },
  'lifecycle/replaces-data': {
    severity: 'error',
    summary:
      'A change never replaces a database cluster, bucket, secret or topic unless its declaration allows it with spec.lifecycle.allowReplacement.',
  },
  'lifecycle/destroys-data': {
    severity: 'error',
    summary:
      'Removing a database cluster, bucket, secret or topic needs spec.lifecycle.allowReplacement on its declaration in the revision before.',
  },
  'naming/unrepresentable': {
    severity: 'error',
    summary:
      'A display name can be a Google Cloud folder name: 3-30 letters, digits, spaces, - or _.',
  },
  'drift/acknowledgements': {
    severity: 'error',
    summary:
      'The drift acknowledgements file lists entries of a fingerprint or a pattern, a reason and an expiry date.',
  },
  'drift/acknowledgement-expired': {
    severity: 'warning',
    summary: 'A drift acknowledgement past its expiry covers nothing: renew it or remove it.',
  },
} as const satisfies Record<string, RuleDefinition>;

/** The id of a rule the validator can report. */
export type RuleId = keyof typeof rules;
