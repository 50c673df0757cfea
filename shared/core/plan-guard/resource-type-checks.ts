import { moduleResourceTypes } from './module-resource-types.ts';
import type { Finding } from './plan-rule.ts';
import type { Attributes } from './planned-values.ts';
import type { PlannedResource } from './read-plan.ts';
import { rootResourceTypes } from './root-resource-types.ts';

const everyModuleType: ReadonlySet<string> = new Set(Object.values(moduleResourceTypes).flat());

/**
 * A resource Infrastream did not declare has no place in its plan, however harmless it
 * looks: a module's resource must be of a type that module declares (or, when the plan
 * does not say which module it is, that some module declares), and a resource at the root
 * one the renderer writes there.
 */
export function checkResourceType(_after: Attributes, resource: PlannedResource): Finding[] {
  if (resource.moduleAddress === undefined) {
    return rootResourceTypes.has(resource.type)
      ? []
      : [
          {
            message: `${resource.type} is not a type the renderer writes at the root of a workspace; expected one of ${[...rootResourceTypes].join(', ')}`,
          },
        ];
  }
  const declared = resource.module === undefined ? undefined : moduleResourceTypes[resource.module];
  if (declared !== undefined) {
    return declared.includes(resource.type)
      ? []
      : [
          {
            message: `the ${resource.module ?? ''} module declares no ${resource.type}; expected one of its types (${declared.join(', ')})`,
          },
        ];
  }
  return everyModuleType.has(resource.type)
    ? []
    : [
        {
          message: `no module under terraform-modules/ declares ${resource.type}; expected only the types the hardened modules declare`,
        },
      ];
}
