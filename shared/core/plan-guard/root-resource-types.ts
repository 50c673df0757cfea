/**
 * The resource types the renderer writes in a workspace's root module, outside any module
 * call: the organization's grants (on the parent folder), grants on a secret to people, and
 * the egress proxy's per-project allow rules. A resource at the root of a plan must be one of
 * these; a test renders the example organization and fails when the renderer writes a type
 * this list lacks.
 */
export const rootResourceTypes: ReadonlySet<string> = new Set([
  'google_folder_iam_member',
  'google_network_security_gateway_security_policy_rule',
  'google_secret_manager_secret_iam_member',
]);
