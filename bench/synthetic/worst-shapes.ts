import type { YamlLimits } from '../../shared/core/parse/yaml-limits.ts';

/** One file in a shape that is hard on a YAML reader, as large as the limits let it be. */
export interface WorstShape {
  readonly name: string;
  readonly text: string;
}

// A DeploymentConfig, the kind with the most room: `container` is a mapping, `args` a list
// of text. Its parents do not exist, which the validator reports as for any lone manifest.
const HEAD = [
  'apiVersion: lowops.manifests.v1',
  'kind: DeploymentConfig',
  'metadata:',
  '  name: shop',
  '  project: shop',
  '  environment: staging',
  '  organizational-unit: payments',
  '  organization: acme',
  'spec:',
  '',
].join('\n');

// Below the file-size limit by enough for the last entry and the closing text.
const MARGIN = 1024;

/** `head`, then `entry(0)`, `entry(1)`, … while the file stays under `bytes`, then `tail`. */
function filled(head: string, entry: (index: number) => string, tail: string, bytes: number) {
  const parts = [head];
  let size = head.length + tail.length;
  for (let index = 0; ; index++) {
    const next = entry(index);
    if (size + next.length > bytes) break;
    parts.push(next);
    size += next.length;
  }
  parts.push(tail);
  return parts.join('');
}

/**
 * The shapes the reader once spent time quadratic in the size on, and those with the most
 * values per byte, each just under `limits.maxFileBytes` (ASCII, so bytes are characters):
 * a block and a flow mapping of short keys, scalars of the longest length allowed,
 * sequences nested to the depth limit, and a long sequence of short text.
 */
export function worstShapes(limits: YamlLimits): WorstShape[] {
  const bytes = limits.maxFileBytes - MARGIN;
  // The root mapping is depth 1, `spec` 2, `container` 3, `args` 4: its items may nest
  // sequences from depth 5 to the limit.
  const levels = limits.maxDepth - 4;
  const deep = `${'['.repeat(levels)}x${']'.repeat(levels)}`;
  const longest = 'x'.repeat(limits.maxScalarLength);
  return [
    {
      name: 'wide block mapping',
      text: filled(`${HEAD}  container:\n`, (i) => `    k${i}: v\n`, '', bytes),
    },
    {
      name: 'wide flow mapping',
      text: filled(`${HEAD}  container: {`, (i) => `k${i}: v, `, 'end: v}\n', bytes),
    },
    {
      name: 'longest scalars',
      text: filled(`${HEAD}  container:\n    args:\n`, () => `      - ${longest}\n`, '', bytes),
    },
    {
      name: 'sequences nested to the depth limit',
      text: filled(`${HEAD}  container:\n    args:\n`, () => `      - ${deep}\n`, '', bytes),
    },
    {
      name: 'long sequence',
      text: filled(`${HEAD}  container:\n    args:\n`, (i) => `      - a${i}\n`, '', bytes),
    },
  ];
}
