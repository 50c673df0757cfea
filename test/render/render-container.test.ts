import { describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import { exampleRenderConfig, exampleRepository } from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import { editedOrganization, type Edit } from '../support/base-organization.ts';

const config = 'payments/production/shop/deployment-config.yaml';

/** The inputs of the shop's cloud-run-service module call in production. */
function serviceInputs(...edits: Edit[]): Record<string, unknown> {
  const analysis = analyzeRepository(editedOrganization(...edits));
  expect(analysis.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
  const workspace = compileWorkspaces(analysis.state).get('payments.production.shop');
  if (workspace === undefined) throw new Error('no workspace payments.production.shop');
  const root = JSON.parse(
    renderWorkspace(analysis.state, workspace, exampleRenderConfig, exampleRepository),
  ) as { module: Record<string, Record<string, unknown>> };
  const service = root.module['service_shop'];
  if (service === undefined)
    throw new Error(`no service_shop in ${Object.keys(root.module).join(', ')}`);
  return service;
}

const errorsOf = (...edits: Edit[]) =>
  analyzeRepository(editedOrganization(...edits))
    .issues.filter((issue) => issue.severity === 'error')
    .map((issue) => `${issue.rule} ${issue.file}:${issue.line}:${issue.column} ${issue.message}`);

describe('a DeploymentConfig’s container, as the cloud-run-service module takes it', () => {
  it('runs the declared entrypoint and arguments with the declared CPU and memory limits', () => {
    const inputs = serviceInputs({
      file: config,
      replace: '  container:\n',
      with: '  container:\n    command: [/app/server]\n    args: [--listen, ":8080"]\n    resources:\n      cpu: "2"\n      memory: 1Gi\n',
    });
    expect(inputs).toMatchObject({
      command: ['/app/server'],
      args: ['--listen', ':8080'],
      cpu: '2',
      memory: '1Gi',
    });
  });

  it('leaves the image’s entrypoint and the module’s limits where nothing is declared', () => {
    const inputs = serviceInputs();
    for (const input of ['command', 'args', 'cpu', 'memory', 'liveness_probe'])
      expect(inputs, input).not.toHaveProperty(input);
  });

  it('serves http as HTTP/1.1 and http2 and grpc end to end as HTTP/2 (h2c)', () => {
    expect(serviceInputs()).toMatchObject({ container_port: 8080, container_port_name: 'http1' });
    for (const protocol of ['http2', 'grpc'])
      expect(
        serviceInputs({ file: config, replace: '8080: http', with: `8080: ${protocol}` }),
      ).toMatchObject({ container_port: 8080, container_port_name: 'h2c' });
  });

  it('probes startup and liveness as declared', () => {
    const inputs = serviceInputs({
      file: config,
      replace: '      path: /healthz\n',
      with: `      path: /healthz
      initialDelaySec: 10
      checkIntervalSec: 5
      timeoutSec: 2
      unhealthyThreshold: 24
    liveness:
      protocol: grpc
      port: 8080
      checkIntervalSec: 30
`,
    });
    expect(inputs['startup_probe']).toEqual({
      type: 'http',
      path: '/healthz',
      initial_delay_seconds: 10,
      period_seconds: 5,
      timeout_seconds: 2,
      failure_threshold: 24,
    });
    expect(inputs['liveness_probe']).toEqual({ type: 'grpc', period_seconds: 30 });
  });

  it('refuses limits and probes Cloud Run does not take, at the value', () => {
    expect(
      errorsOf({
        file: config,
        replace: '  container:\n',
        with: '  container:\n    resources:\n      cpu: "0.5"\n      memory: 1G\n',
      }),
    ).toEqual([
      `schema/value ${config}:13:12 spec.container.resources.cpu: expected whole CPUs such as "2" or millicpus such as "500m", found "0.5"`,
      `schema/value ${config}:14:15 spec.container.resources.memory: expected memory in Mi or Gi such as "512Mi", found "1G"`,
    ]);
    expect(
      errorsOf({
        file: config,
        replace: '      path: /healthz\n',
        with: '      path: /healthz\n      initialDelaySec: 300\n      checkIntervalSec: 2\n      timeoutSec: 5\n',
      }),
    ).toEqual([
      `schema/value ${config}:22:24 spec.health.startup.initialDelaySec: expected at most 240, found 300`,
      `schema/value ${config}:24:19 spec.health.startup.timeoutSec: expected timeoutSec no longer than checkIntervalSec (10 when left out), found 5`,
    ]);
  });
});
