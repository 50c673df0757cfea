import * as v from 'valibot';
import { envVarName, integer, name, names, port, strict, text, urlPath } from '../fields.ts';

const container = strict({
  env: v.optional(v.array(strict({ name: envVarName, value: v.string() }))),
  command: v.optional(v.array(v.string())),
  args: v.optional(v.array(v.string())),
  resources: v.optional(
    strict({
      cpu: v.optional(
        v.pipe(
          v.string(),
          v.regex(
            /^\d+m?$/,
            (issue) =>
              `expected whole CPUs such as "2" or millicpus such as "500m", found ${issue.received}`,
          ),
        ),
      ),
      memory: v.optional(
        v.pipe(
          v.string(),
          v.regex(
            /^\d+(?:Mi|Gi)$/,
            (issue) => `expected memory in Mi or Gi such as "512Mi", found ${issue.received}`,
          ),
        ),
      ),
    }),
  ),
});

/**
 * A health probe, within what Cloud Run takes: delays, intervals and timeouts of at most
 * `limit` seconds, and a timeout no longer than the interval (1 and 10 when left out).
 */
function probe(limit: number) {
  return v.pipe(
    strict({
      protocol: v.picklist(['http', 'grpc', 'tcp']),
      port,
      path: v.optional(urlPath),
      initialDelaySec: v.optional(integer(0, limit)),
      checkIntervalSec: v.optional(integer(1, limit)),
      timeoutSec: v.optional(integer(1, limit)),
      healthyThreshold: v.optional(integer(1, 100)),
      unhealthyThreshold: v.optional(integer(1, 100)),
    }),
    // A timeout left out is 1, never longer than an interval: the error is on timeoutSec.
    v.forward(
      v.partialCheck(
        [['timeoutSec'], ['checkIntervalSec']],
        (declared) => (declared.timeoutSec ?? 1) <= (declared.checkIntervalSec ?? 10),
        (issue) =>
          `expected timeoutSec no longer than checkIntervalSec (10 when left out), found ${String(issue.input.timeoutSec)}`,
      ),
      ['timeoutSec'],
    ),
  );
}

const portNumber = v.pipe(
  v.string(),
  v.regex(
    /^[1-9]\d{0,4}$/,
    (issue) => `expected a port number as the key, found ${issue.received}`,
  ),
  v.check(
    (key) => Number(key) <= 65535,
    (issue) => `expected a port number of at most 65535, found ${issue.received}`,
  ),
);

/** The runtime, in one project, of the application of the same name. */
export const deploymentConfigSpec = strict({
  description: v.optional(text),
  container: v.optional(container),
  migrationJobContainer: v.optional(container),
  ports: v.optional(v.record(portNumber, v.picklist(['http', 'http2', 'grpc', 'tcp']))),
  health: v.optional(
    strict({ startup: v.optional(probe(240)), liveness: v.optional(probe(3600)) }),
  ),
  scaling: v.optional(strict({ min: integer(0, 1000), max: v.optional(integer(1, 1000)) })),
  version: v.optional(v.pipe(v.string(), v.nonEmpty('expected a version'))),
  deleteBeforeCreate: v.optional(v.boolean()),
  stateful: v.optional(v.boolean()),
  volumeMounts: v.optional(
    v.array(strict({ name, mountPath: urlPath, sizeGi: v.optional(integer(1, 1024)) })),
  ),
  bucketMounts: v.optional(
    v.array(strict({ bucket: name, mountPath: urlPath, readOnly: v.optional(v.boolean()) })),
  ),
});

const stage = strict({
  environments: v.pipe(names, v.minLength(1, 'expected at least one environment')),
  approvalPolicy: v.optional(
    strict({
      anyOf: strict({
        minApprovals: integer(1, 100),
        policies: v.array(
          strict({
            // Named for an e-mail, but the format's repositories hold a group name here;
            // both are accepted and a name must resolve to a group.
            stakeholder: strict({ groupEmail: v.pipe(v.string(), v.nonEmpty('expected a group')) }),
          }),
        ),
      }),
    }),
  ),
});

/** Where, and in which order, the application sets on this track deploy. */
export const releaseTrackSpec = strict({
  description: v.optional(text),
  preReleaseStages: v.optional(v.array(stage)),
  releaseStages: v.optional(v.array(stage)),
  hotfixStages: v.optional(v.array(stage)),
});

/** Applications promoted together along their release track. */
export const applicationSetSpec = strict({ description: v.optional(text) });

const accessControl = strict({
  secrets: v.optional(v.record(name, strict({ envVar: envVarName }))),
  database: v.optional(
    strict({
      name,
      schema: name,
      privileges: v.pipe(
        v.array(
          v.picklist([
            'ALL',
            'SELECT',
            'INSERT',
            'UPDATE',
            'DELETE',
            'TRUNCATE',
            'REFERENCES',
            'TRIGGER',
          ]),
        ),
        v.minLength(1, 'expected at least one privilege'),
      ),
      secretSource: v.optional(strict({ envVar: envVarName })),
    }),
  ),
  pubsub: v.optional(strict({ publishTo: v.optional(names), subscribeTo: v.optional(names) })),
  // The applications this one calls: each callee's invoker, for this identity only.
  calls: v.optional(names),
});

const workload = {
  description: v.optional(text),
  project: name,
  target: v.optional(v.picklist(['CLOUD_RUN', 'KUBERNETES', 'COMPUTE'])),
  meshStrategy: v.optional(v.picklist(['SIDECAR', 'PROXYLESS', 'DISABLED'])),
  runMigrationJob: v.optional(v.boolean()),
  accessControl: v.optional(accessControl),
};

/** A workload built from a repository, deployed to its project in every track environment. */
export const applicationSpec = strict({ ...workload, buildDefinition: name });

/** A workload from an image built elsewhere, deployed like an Application. */
export const externalApplicationSpec = strict({
  ...workload,
  image: v.pipe(
    v.string(),
    v.regex(
      /^[a-z0-9][\w.-]*(?::\d+)?(?:\/[\w.-]+)+(?:(?::[\w.-]+)?@sha256:[0-9a-f]{64}|:[\w.-]+)$/,
      (issue) =>
        `expected an image reference with a tag or digest, such as europe-docker.pkg.dev/p/r/app:1.2.3, found ${issue.received}`,
    ),
  ),
});
