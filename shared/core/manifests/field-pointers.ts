/**
 * Where a field occurs in one manifest: the JSON pointer of each value it holds. The field
 * is written as the field table writes it, from the manifest's root: `spec.ports.<key>`
 * (`<key>` is every key of a mapping), `spec.rules[].action.destinations[].weight` (`[]`
 * is every item of a list).
 */
export function fieldPointers(manifest: unknown, path: string): string[] {
  const steps = path
    .split('.')
    .flatMap((step) => (step.endsWith('[]') ? [step.slice(0, -2), '[]'] : [step]));
  const found: string[] = [];
  const visit = (value: unknown, at: number, pointer: string): void => {
    const step = steps[at];
    if (step === undefined) {
      found.push(pointer);
      return;
    }
    if (step === '[]') {
      if (Array.isArray(value))
        value.forEach((item, index) => {
          visit(item, at + 1, `${pointer}/${index}`);
        });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    const record = value as Record<string, unknown>;
    const keys = step === '<key>' ? Object.keys(record) : Object.hasOwn(record, step) ? [step] : [];
    // A schema's output keeps an optional field that was left out, as undefined.
    for (const key of keys.filter((name) => record[name] !== undefined))
      visit(record[key], at + 1, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
  };
  visit(manifest, 0, '');
  return found;
}

/** The value a JSON pointer of {@link fieldPointers} names in a manifest. */
export function valueAt(manifest: unknown, pointer: string): unknown {
  let value = manifest;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
