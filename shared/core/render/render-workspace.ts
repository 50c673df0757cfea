import type { DesiredState } from '../governance/desired-state.ts';
import type { WorkspaceModel } from '../governance/governance-model.ts';
import { ORGANIZATION_WORKSPACE } from '../governance/workspace-id.ts';
import type { GovernedRepository } from '../pipeline/governed-repository.ts';
import { workspaceStatePrefix, type RenderConfig } from './render-config.ts';
import { workspaceLabel } from '../naming/cloud-names.ts';
import { renderOrganization } from './render-organization.ts';
import { renderProject } from './render-project.ts';
import { toTerraformJson, type TerraformValue } from './terraform-json.ts';

/**
 * One workspace as a Terraform root module in JSON syntax (`main.tf.json`): the provider
 * constraints, a GCS backend of its own under the repository's key, and calls of the
 * pre-hardened modules. Written with a JSON serializer; every string from a manifest is an
 * escaped literal.
 */
export function renderWorkspace(
  state: DesiredState,
  workspace: WorkspaceModel,
  config: RenderConfig,
  repository: GovernedRepository,
): string {
  const context = { state, workspace, config, repository };
  const body =
    workspace.id === ORGANIZATION_WORKSPACE ? renderOrganization(context) : renderProject(context);
  const root: Record<string, TerraformValue> = {
    terraform: {
      required_version: '>= 1.6',
      required_providers: { google: { source: 'hashicorp/google', version: '~> 6.18' } },
      backend: {
        gcs: {
          bucket: config.state.bucket,
          prefix: workspaceStatePrefix(config, repository, workspace.id),
        },
      },
    },
    provider: {
      google: {
        default_labels: {
          'managed-by': 'infrastream',
          workspace: workspaceLabel(workspace.id),
        },
      },
    },
    ...body,
  };
  return toTerraformJson(root);
}
