/** A member Google grants roles to itself, with why its bindings are not drift. */
export interface GoogleManagedMember {
  /** Matches the whole member, `serviceAccount:` prefix included. */
  readonly member: RegExp;
  readonly reason: string;
}

/**
 * The members whose bindings Google adds itself: no manifest declares them and no one
 * edits them, so a sweep that reported them would report every project, every hour.
 * Each pattern names one kind of Google-owned account exactly, digits where Google puts
 * a project, folder or organization number; nothing else an operator can create matches.
 * The project's default Compute Engine and App Engine service accounts are not here:
 * they are the project's own accounts, and the Editor grant they come with is drift.
 */
export const googleManagedMembers: readonly GoogleManagedMember[] = [
  {
    member: /^serviceAccount:service-\d+@gcp-sa-[a-z0-9-]+\.iam\.gserviceaccount\.com$/,
    reason: 'a service agent of a project (service-<project number>@gcp-sa-<service>)',
  },
  {
    member:
      /^serviceAccount:service-(?:org|folder)-\d+@gcp-sa-[a-z0-9-]+\.iam\.gserviceaccount\.com$/,
    reason: 'a service agent of the organization or of a folder',
  },
  {
    member: /^serviceAccount:\d+@cloudservices\.gserviceaccount\.com$/,
    reason: 'the Google APIs Service Agent, which creates resources for Google services',
  },
  {
    member:
      /^serviceAccount:service-\d+@(?:compute-system|containerregistry|container-engine-robot|serverless-robot-prod|cloud-ml\.google\.com)\.iam\.gserviceaccount\.com$/,
    reason: 'a service agent named before the gcp-sa- domains (Compute, Registry, GKE, Cloud Run)',
  },
  {
    member: /^serviceAccount:\d+@cloudbuild\.gserviceaccount\.com$/,
    reason: 'the legacy Cloud Build service account, which Google grants the builder role',
  },
];

/** Whether a member is one Google manages, or one of the pipeline's own identities. */
export function isExemptMember(member: string, platformMembers: ReadonlySet<string>): boolean {
  return (
    platformMembers.has(member) || googleManagedMembers.some((entry) => entry.member.test(member))
  );
}
