import { describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { buildPlan } from '../../shared/core/governance/build-plan.ts';
import { EMPTY_DESIRED_STATE } from '../../shared/core/governance/desired-state.ts';
import { formatPlanText } from '../../shared/core/report/format-plan.ts';
import { editedOrganization, type Edit } from '../support/base-organization.ts';

const renderIssues = (...edits: Edit[]) =>
  analyzeRepository(editedOrganization(...edits)).issues.filter((issue) =>
    issue.rule.startsWith('render/'),
  );

const topic = 'payments/production/shop/pubsub.yaml';
const application = 'payments/storefront/shop.yaml';

describe('fields that are accepted and not rendered', () => {
  it('are a warning at the field, saying what will not happen', () => {
    expect(renderIssues().filter((issue) => issue.file === topic)).toEqual([
      expect.objectContaining({
        file: topic,
        line: 11,
        column: 3,
        rule: 'render/unsupported',
        severity: 'warning',
        message:
          'spec.encrypted: not rendered: no customer-managed key is created: messages are encrypted at rest with a Google-managed key, as every topic is',
      }),
    ]);
  });

  it('say nothing of a value that asks for what is rendered', () => {
    const issues = renderIssues({
      file: topic,
      replace: 'encrypted: true',
      with: 'encrypted: false',
    });
    expect(issues.filter((issue) => issue.file === topic)).toEqual([]);
  });

  it('name the port and probe settings Cloud Run cannot serve as declared', () => {
    const config = 'payments/production/shop/deployment-config.yaml';
    const issues = renderIssues(
      { file: config, replace: '    8080: http\n', with: '    8080: tcp\n    9090: http\n' },
      { file: config, replace: 'port: 8080', with: 'port: 9000' },
      {
        file: config,
        replace: '      path: /healthz\n',
        with: '      path: /healthz\n      healthyThreshold: 2\n',
      },
    );
    expect(
      issues
        .filter((issue) => issue.file === config)
        .map((issue) => `${issue.severity} ${issue.line}:${issue.column} ${issue.message}`),
    ).toEqual([
      'warning 15:3 spec.ports: not rendered: a Cloud Run container listens on one port: only the lowest is served',
      'warning 16:5 spec.ports.8080: not rendered: Cloud Run serves HTTP only: the port is served as HTTP/1.1',
      'warning 21:7 spec.health.startup.port: not rendered: Cloud Run probes the port the container listens on, not this one',
      'warning 23:7 spec.health.startup.healthyThreshold: not rendered: Cloud Run counts a probe as passed after one success',
    ]);
  });

  it('are an error where ignoring the value would leave things less secure than declared', () => {
    const issues = renderIssues(
      { file: application, replace: 'target: CLOUD_RUN', with: 'target: KUBERNETES' },
      {
        file: 'registries/docker.yaml',
        replace: '  type: DOCKER',
        with: '  enabled: false\n  type: DOCKER',
      },
    );
    expect(issues.filter((issue) => issue.severity === 'error')).toEqual([
      expect.objectContaining({
        file: application,
        line: 13,
        column: 3,
        rule: 'render/refused',
        message:
          'spec.target: expected CLOUD_RUN, the only target rendered, found "KUBERNETES": the application would run as a Cloud Run service, not where it is declared to run',
      }),
      expect.objectContaining({
        file: 'registries/docker.yaml',
        line: 7,
        column: 3,
        rule: 'render/refused',
        message: expect.stringContaining(
          'spec.enabled: expected true or nothing, found false:',
        ) as unknown,
      }),
    ]);
  });
});

describe('the plan', () => {
  const base = analyzeRepository(editedOrganization()).state;
  const environment = 'payments/production/environment.yaml';

  it('lists what the manifests it adds or changes declare and will not happen, in text and JSON', () => {
    const head = analyzeRepository(
      editedOrganization({
        file: environment,
        append: '  hibernation:\n    hibernate: true\n',
      }),
    ).state;
    const plan = buildPlan({ label: 'base', state: base }, { label: 'head', state: head });
    // The whole manifest that changed: its network logs too, which were there before.
    expect(plan.unsupported).toEqual([
      expect.objectContaining({ file: environment, line: 10, pointer: '/spec/network/logs' }),
      expect.objectContaining({
        file: environment,
        line: 13,
        column: 3,
        rule: 'render/unsupported',
        message: expect.stringContaining(
          'spec.hibernation: not rendered: nothing is scaled down',
        ) as unknown,
      }),
    ]);
    expect(JSON.parse(JSON.stringify(plan))).toMatchObject({
      unsupported: [{ line: 10 }, { file: environment, line: 13, rule: 'render/unsupported' }],
    });
    const text = formatPlanText(plan, { color: false });
    expect(text).toContain('# Not rendered: declared, but will not happen\n');
    expect(text).toContain(
      `  ! ${environment}:13:3 render/unsupported\n      spec.hibernation: not rendered: nothing is scaled down on a schedule`,
    );
  });

  it('lists, for a first plan, everything declared and not rendered', () => {
    const plan = buildPlan(
      { label: null, state: EMPTY_DESIRED_STATE },
      { label: 'head', state: base },
    );
    expect(plan.unsupported.map((issue) => issue.file)).toContain(topic);
    expect(plan.unsupported).toEqual(
      renderIssues().filter((issue) => issue.rule === 'render/unsupported'),
    );
  });
});
