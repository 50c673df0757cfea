/**
 * One cold measurement, in its own process: `node bench/validate-once.ts <dir> <mode>
 * [expected manifests]`. Prints one line of JSON (a ChildMeasurement) on stdout, and
 * exits non-zero when the organization is not valid with zero issues.
 *
 * - floor: read every file, then `parseDocument` from `yaml` with default options;
 * - validate: read, then the whole `validateRepository`;
 * - phases: read, then the steps of `validateRepository` one after the other, each timed;
 * - report: what `infrastream validate` does: read, `validateRepository`, the text report;
 *   issues are allowed, and counted.
 */
import { parseDocument } from 'yaml';
import { readRepositoryFiles } from '../shared/adapters/local-repository-files.ts';
import {
  PARALLEL_THRESHOLD,
  readYamlFilesInParallel,
} from '../shared/adapters/parallel-yaml-reader.ts';
import { readYamlFile, type YamlFileResult } from '../shared/core/parse/read-yaml-file.ts';
import { defaultYamlLimits } from '../shared/core/parse/yaml-limits.ts';
import { formatText } from '../shared/core/report/format-text.ts';
import { checkRepository } from '../shared/core/validate/check-repository.ts';
import type { IndexedManifest, Scope } from '../shared/core/validate/repository-index.ts';
import { identityOf } from '../shared/core/validate/repository-index.ts';
import { validateManifest } from '../shared/core/validate/validate-manifest.ts';
import { validateRepository } from '../shared/core/validate/validate-repository.ts';
import type { ChildMeasurement, ChildMode } from './lib/measurement.ts';

const [dir, mode, expectedText] = process.argv.slice(2);
const modes: readonly string[] = ['floor', 'validate', 'phases', 'report'] satisfies ChildMode[];
if (dir === undefined || mode === undefined || !modes.includes(mode)) {
  throw new Error(
    'usage: node bench/validate-once.ts <dir> <floor|validate|phases|report> [manifests]',
  );
}
const expected = expectedText === undefined ? undefined : Number(expectedText);

function fail(message: string): never {
  process.stderr.write(`validate-once (${mode}): ${message}\n`);
  process.exit(1);
}

const timings: Record<string, number> = {};
let mark = performance.now();
const lap = (name: string) => {
  const now = performance.now();
  timings[name] = now - mark;
  mark = now;
};
const started = mark;

const files = readRepositoryFiles(dir, defaultYamlLimits.maxFiles);
lap('read');
let manifests: number;
let kept: unknown;
let issues: number | undefined;
let rules: string[] | undefined;

if (mode === 'floor') {
  const decoder = new TextDecoder();
  const documents = files.map((file) => parseDocument(decoder.decode(file.bytes)));
  lap('parse');
  const broken = documents.filter((document) => document.errors.length > 0).length;
  if (broken > 0) fail(`${broken} files did not parse`);
  manifests = documents.filter((document) => document.get('apiVersion') !== undefined).length;
  kept = documents;
} else if (mode === 'validate' || mode === 'report') {
  // As the CLI does: a large repository is parsed on every core first.
  const reads =
    files.length >= PARALLEL_THRESHOLD
      ? await readYamlFilesInParallel(files, defaultYamlLimits)
      : undefined;
  const result = validateRepository(files, reads === undefined ? {} : { reads });
  lap('validateRepository');
  let text: string | undefined;
  if (mode === 'report') {
    const { manifestCount, files: count, sources } = result;
    issues = result.issues.length;
    rules = [...new Set(result.issues.map((issue) => issue.rule))].sort();
    const report = { manifests: manifestCount, files: count, issues: result.issues, sources };
    text = formatText(report, { color: false });
    lap('report');
  } else if (result.issues.length > 0) {
    const first = result.issues
      .slice(0, 5)
      .map((i) => `  ${i.file}:${i.line} ${i.rule} ${i.message}`);
    fail(`expected zero issues, found ${result.issues.length}:\n${first.join('\n')}`);
  }
  manifests = result.manifestCount;
  kept = text === undefined ? result : [result, text];
} else {
  const read = files.map((file) => ({
    path: file.path,
    read: readYamlFile(file.path, file.bytes, defaultYamlLimits),
  }));
  lap('parse');
  const parsed = read.flatMap(({ path, read: result }) => parsedOrFail(path, result));
  const entries: IndexedManifest[] = [];
  for (const { source, value } of parsed) {
    const result = validateManifest(source, value);
    if (result.status === 'not-a-manifest') continue;
    if (result.status === 'invalid')
      fail(`${source.path}: ${result.issues[0]?.message ?? 'invalid'}`);
    const metadata = result.manifest.metadata as Scope & { name: string };
    const id = identityOf(result.manifest.kind, metadata, metadata.name) ?? '';
    const { kind } = result.manifest;
    entries.push({ id, kind, name: metadata.name, metadata, source, manifest: result.manifest });
  }
  lap('validate');
  const issues = checkRepository(entries);
  lap('resolve');
  if (issues.length > 0) fail(`expected zero issues from checkRepository, found ${issues.length}`);
  manifests = entries.length;
  kept = entries;
}

timings.total = performance.now() - started;
if (expected !== undefined && manifests !== expected) {
  fail(`expected ${expected} manifests, found ${manifests}`);
}
const measurement: ChildMeasurement = {
  mode: mode as ChildMode,
  files: files.length,
  manifests,
  timings,
  maxRssMiB: process.resourceUsage().maxRSS / 1024,
  heapUsedMiB: process.memoryUsage().heapUsed / 1024 / 1024,
  retained: kept !== undefined,
  ...(issues === undefined ? {} : { issues }),
  ...(rules === undefined ? {} : { rules }),
};
process.stdout.write(`${JSON.stringify(measurement)}\n`);

function parsedOrFail(path: string, result: YamlFileResult) {
  if (result.status === 'skipped') return [];
  if (result.status === 'invalid') fail(`${path}: ${result.issues[0]?.message ?? 'invalid'}`);
  return [result];
}
