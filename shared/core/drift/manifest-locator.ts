import type { Provenance, WorkspaceModel } from '../governance/governance-model.ts';
import { renderedNames } from '../naming/rendered-names.ts';
import { locate, reparsingSourceDocument } from '../parse/source-document.ts';
import type { ManifestLocation } from './drift-finding.ts';

const MODULE_CALL = /^module\.([A-Za-z0-9_-]+)/;
const ROOT_RESOURCE = /^([a-z0-9_]+)\.([A-Za-z0-9_-]+)/;
const FOR_EACH_KEY = /\["((?:[^"\\]|\\.)*)"\]/g;

/**
 * Finds the manifest entry a Terraform address of a workspace was rendered from, through
 * the names the renderer writes and the provenance each carries: the grant for a `for_each`
 * key of a module's IAM map, else the module call or root resource, then the line and column
 * of that entry's JSON pointer in the file's text (`sources`: path → text, as the analysis
 * of the revision the workspace was rendered at holds them).
 */
export function manifestLocator(
  model: WorkspaceModel,
  sources: ReadonlyMap<string, string>,
): (address: string) => ManifestLocation | undefined {
  const labels = new Map<string, Provenance>();
  const keys = new Map<string, Provenance>();
  for (const name of renderedNames(model)) {
    const module = /^key of \w+ of module (\S+) in /.exec(name.namespace);
    if (module !== null) keys.set(`${module[1] ?? ''} ${name.name}`, name.cause);
    const label = /^Terraform (?:module|resource (\S+)) label in /.exec(name.namespace);
    if (label !== null) labels.set(`${label[1] ?? 'module'} ${name.name}`, name.cause);
  }
  const documents = new Map<string, ReturnType<typeof reparsingSourceDocument>>();
  const at = (cause: Provenance): ManifestLocation | undefined => {
    const text = sources.get(cause.file);
    if (text === undefined) return undefined;
    let document = documents.get(cause.file);
    if (document === undefined) {
      document = reparsingSourceDocument(cause.file, text);
      documents.set(cause.file, document);
    }
    const { line, column } = locate(document, cause.pointer);
    return { file: cause.file, line, column };
  };
  return (address) => {
    const module = MODULE_CALL.exec(address)?.[1];
    if (module !== undefined) {
      for (const match of address.matchAll(FOR_EACH_KEY)) {
        const key = JSON.parse(`"${match[1] ?? ''}"`) as string;
        const grant = keys.get(`${module} ${key}`);
        if (grant !== undefined) return at(grant);
      }
      const call = labels.get(`module ${module}`);
      return call === undefined ? undefined : at(call);
    }
    const root = ROOT_RESOURCE.exec(address);
    if (root === null || root[1] === 'data') return undefined;
    const resource = labels.get(`${root[1] ?? ''} ${root[2] ?? ''}`);
    return resource === undefined ? undefined : at(resource);
  };
}
