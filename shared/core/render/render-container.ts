import type { ModelResource } from '../governance/governance-model.ts';
import type { TerraformValue } from './terraform-json.ts';

/** A probe as a DeploymentConfig's `health` declares it. */
interface Probe {
  readonly protocol: 'http' | 'grpc' | 'tcp';
  readonly port: number;
  readonly path?: string;
  readonly initialDelaySec?: number;
  readonly checkIntervalSec?: number;
  readonly timeoutSec?: number;
  readonly unhealthyThreshold?: number;
}

/** What a DeploymentConfig says of its container, as the model keeps it. */
interface Container {
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly resources?: { readonly cpu?: string; readonly memory?: string };
}

/**
 * The inputs of the cloud-run-service module that a DeploymentConfig's container, ports
 * and health decide: the port and how it is served (HTTP/2 end to end for `http2` and
 * `grpc`, which gRPC needs), the entrypoint and its arguments, the CPU and memory limits,
 * and the startup and liveness probes. What the manifest leaves out keeps the module's
 * default, so it is not written.
 */
export function containerInputs(service: ModelResource): Record<string, TerraformValue> {
  const attributes = service.attributes;
  const ports = (attributes['ports'] ?? {}) as Record<string, string>;
  // A Cloud Run container listens on one port: the lowest, as keys of numbers are ordered.
  const [port, protocol] = Object.entries(ports)[0] ?? ['8080', 'http'];
  const container = (attributes['container'] ?? {}) as Container;
  const health = (attributes['health'] ?? {}) as { startup?: Probe; liveness?: Probe };
  return {
    container_port: Number(port),
    container_port_name: protocol === 'http2' || protocol === 'grpc' ? 'h2c' : 'http1',
    ...(container.command === undefined ? {} : { command: [...container.command] }),
    ...(container.args === undefined ? {} : { args: [...container.args] }),
    ...(container.resources?.cpu === undefined ? {} : { cpu: container.resources.cpu }),
    ...(container.resources?.memory === undefined ? {} : { memory: container.resources.memory }),
    ...(health.startup === undefined ? {} : { startup_probe: probeInput(health.startup) }),
    ...(health.liveness === undefined ? {} : { liveness_probe: probeInput(health.liveness) }),
  };
}

/** A probe as the module takes it; Cloud Run probes the container port, whatever `port` says. */
function probeInput(probe: Probe): Record<string, TerraformValue> {
  const input: Record<string, TerraformValue> = { type: probe.protocol };
  if (probe.protocol === 'http' && probe.path !== undefined) input['path'] = probe.path;
  if (probe.initialDelaySec !== undefined) input['initial_delay_seconds'] = probe.initialDelaySec;
  if (probe.checkIntervalSec !== undefined) input['period_seconds'] = probe.checkIntervalSec;
  if (probe.timeoutSec !== undefined) input['timeout_seconds'] = probe.timeoutSec;
  if (probe.unhealthyThreshold !== undefined) input['failure_threshold'] = probe.unhealthyThreshold;
  return input;
}
