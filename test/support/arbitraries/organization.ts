/** Random valid organizations, each manifest at a random path in a random YAML style. */
import fc from 'fast-check';
import { organizationBlueprint } from './blueprint.ts';
import { derive } from './organization-manifests.ts';
import {
  describeFiles,
  encodeUtf8,
  serializeManifest,
  yamlStyleArbitrary,
} from './serialization.ts';
import type { GeneratedOrganization, OrganizationArbitraryOptions } from './types.ts';
import { fields } from './values.ts';

const defaultPathSegment = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 8 })
  .filter((segment) => !segment.includes('/') && segment !== '.' && segment !== '..');

function placement(segment: fc.Arbitrary<string>) {
  return fields(
    {
      directories: fc.array(
        fc.oneof(segment, fc.constantFrom('organization', 'project', 'environment')),
        { maxLength: 3 },
      ),
      /** undefined: the file is named after the manifest. */
      base: segment,
      extension: fc.constantFrom('.yaml', '.yml'),
      style: yamlStyleArbitrary,
    },
    ['directories', 'extension', 'style'],
  );
}

/**
 * A random valid organization: one Organization with a GitHub organization; 1-3 units of
 * 1-3 environments, each with 1-3 projects (projects share names across the environments
 * of a unit so applications can be placed); per project random Secrets, Databases (with
 * databases), PubSubs and Buckets notifying its DeploymentConfigs, PublicIngresses with
 * HTTP and gRPC routes to them; release tracks whose stages list environments of their
 * unit; application sets of Applications and ExternalApplications, each placed in a
 * project present in every environment of its track, beside a DeploymentConfig of its
 * name, and granted only what exists there in every such environment; users with GitHub
 * accounts; groups whose parents form a tree; registries, repositories and build
 * definitions; permissions naming existing groups and users at every level. Optional
 * fields are filled at random with valid values (any unicode in free text). Every
 * manifest is at a random path (`.yaml` or `.yml`) and written in a random YAML style.
 */
export function organizationArbitrary(
  options: OrganizationArbitraryOptions = {},
): fc.Arbitrary<GeneratedOrganization> {
  // Manifest i goes to places[i % places.length]: no chain, so shrinking the blueprint
  // keeps each file where and how it was written, and the places shrink on their own.
  return fc
    .tuple(
      organizationBlueprint,
      fc.array(placement(options.pathSegment ?? defaultPathSegment), {
        minLength: 1,
        maxLength: 32,
      }),
    )
    .map(([blueprint, places]) => {
      const { manifests, references } = derive(blueprint);
      const used = new Set<string>();
      const files = manifests.map((manifest, i) => {
        const place = places[i % places.length] as (typeof places)[number];
        const stem = place.base ?? manifest.metadata.name;
        let path = [...place.directories, `${stem}${place.extension}`].join('/');
        for (let n = 2; used.has(path); n++) {
          path = [...place.directories, `${stem}-${n}${place.extension}`].join('/');
        }
        used.add(path);
        return {
          path,
          manifest,
          style: place.style,
          text: serializeManifest(manifest, place.style),
        };
      });
      const organization: GeneratedOrganization = {
        manifests: files,
        files: files.map((file) => ({ path: file.path, bytes: encodeUtf8(file.text) })),
        references: references.flatMap((list, from) =>
          list.map((reference) => ({ from, ...reference })),
        ),
      };
      // Counterexamples print as the files themselves, not as bytes.
      Object.defineProperty(organization, fc.toStringMethod, {
        value: () => describeFiles(files),
        enumerable: false,
      });
      return organization;
    });
}
