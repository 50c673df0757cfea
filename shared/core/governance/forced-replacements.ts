import type { AttributeChange } from './plan.ts';
import { replacingInputs, type ReplacedResources } from './replacing-inputs.ts';

/** A changed attribute of a model resource that makes Terraform replace what it renders. */
export interface ForcedReplacement {
  /** The attribute of the model resource, by its dotted path, such as `region`. */
  readonly path: string;
  /** The module under `terraform-modules/` the resource is rendered through. */
  readonly module: string;
  /** The module input the attribute becomes. */
  readonly input: string;
  /** The module's resources it replaces, each with the ForceNew attribute it reaches. */
  readonly resources: ReplacedResources;
}

/**
 * For each type of model resource the renderer turns into a module call: the module, and
 * which of the resource's attributes become which of its inputs, for the inputs of
 * {@link replacingInputs} that a manifest can change. Every other input comes from the
 * rendering configuration or from names, and a renamed resource is destroyed and created.
 */
export const renderedInputs: Readonly<
  Record<string, { readonly module: string; readonly inputs: Readonly<Record<string, string>> }>
> = {
  alloydb_cluster: { module: 'alloydb', inputs: { region: 'region' } },
  artifact_registry: { module: 'artifact-registry', inputs: { type: 'format' } },
  bucket: { module: 'bucket', inputs: { region: 'location' } },
  cloud_run_service: { module: 'cloud-run-service', inputs: { region: 'region' } },
  public_ingress: { module: 'public-ingress', inputs: { domain: 'hosts' } },
};

/**
 * The changes of a model resource that force its replacement, one per changed attribute
 * that reaches a replacing input; none when every change is made in place.
 */
export function forcedReplacements(
  type: string,
  changes: readonly AttributeChange[],
): ForcedReplacement[] {
  const rendered = Object.hasOwn(renderedInputs, type) ? renderedInputs[type] : undefined;
  if (rendered === undefined) return [];
  const forced: ForcedReplacement[] = [];
  for (const [attribute, input] of Object.entries(rendered.inputs)) {
    const resources = replacingInputs[rendered.module]?.[input];
    if (resources === undefined) continue;
    for (const change of changes) {
      if (change.path === attribute || change.path.startsWith(`${attribute}.`)) {
        forced.push({ path: change.path, module: rendered.module, input, resources });
      }
    }
  }
  return forced;
}
