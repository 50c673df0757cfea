/** Reads a V8 .cpuprofile (from `node --cpu-prof`) into self time per function and per area. */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly area: string;
  readonly ms: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly areas: readonly { readonly area: string; readonly ms: number }[];
  readonly functions: readonly SelfTime[];
}

/** Which part of the pipeline a source file belongs to, by its URL. */
const AREAS: readonly (readonly [RegExp, string])[] = [
  [/node_modules\/yaml\//, 'yaml parsing (yaml package)'],
  [/node_modules\/valibot\//, 'valibot'],
  [/parse\/read-yaml-file\.ts/, 'readYamlFile + plain-value builder'],
  [/parse\/source-document\.ts/, 'locate / source positions'],
  [/validate\/(check-repository|repository-index|references)\.ts/, 'checkRepository'],
  [/validate\/validate-manifest\.ts|manifests\//, 'validateManifest (ours)'],
  [/validate\/validate-repository\.ts/, 'validateRepository loop'],
  [/adapters\/local-repository-files\.ts|^node:(internal\/)?fs/, 'file reading'],
  [/^node:|^internal\//, 'node internals'],
];

/** Native frames of the fs bindings, which have no URL. */
const FS_BINDINGS = new Set(['open', 'close', 'read', 'fstat', 'readdir', 'readFileUtf8', 'lstat']);

function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') {
    if (FS_BINDINGS.has(functionName)) return 'file reading';
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(idle)' || functionName === '(program)') return functionName;
    return 'native / builtins';
  }
  for (const [pattern, area] of AREAS) if (pattern.test(url)) return area;
  return 'other';
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(node_modules\/)?/, '');
  const where = url === '' ? '' : ` ${file}:${lineNumber + 1}`;
  return `${functionName === '' ? '(anonymous)' : functionName}${where}`;
}

/** Self time of every function, summed over the samples that landed in it. */
export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const byFunction = new Map<string, SelfTime>();
  const byArea = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const ms = micros / 1000;
    const area = areaOf(node);
    if (area === '(idle)') continue;
    total += ms;
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
    const name = label(node);
    const previous = byFunction.get(name);
    byFunction.set(name, { name, area, ms: (previous?.ms ?? 0) + ms });
  }
  return {
    totalMs: total,
    areas: [...byArea].map(([area, ms]) => ({ area, ms })).sort((a, b) => b.ms - a.ms),
    functions: [...byFunction.values()].sort((a, b) => b.ms - a.ms).slice(0, top),
  };
}
