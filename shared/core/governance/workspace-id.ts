/** The workspace of everything organization-wide: folders, org IAM, groups, registries, the hub. */
export const ORGANIZATION_WORKSPACE = 'organization';

/**
 * The workspace of one project in one environment: `<unit>.<environment>.<project>`.
 * Names are DNS labels, which have no dots, so the id is unambiguous; it contains no `/`,
 * so it can serve as a Firestore document id and a Terraform state prefix.
 */
export function projectWorkspaceId(unit: string, environment: string, project: string): string {
  return `${unit}.${environment}.${project}`;
}
