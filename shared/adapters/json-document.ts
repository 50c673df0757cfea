import type { DocumentData } from '../ports/document-store.ts';

/**
 * Checks that a document's fields are JSON (objects, arrays, strings, finite numbers,
 * booleans, null) so that every store keeps exactly what it is given, or throws an error
 * naming the document, the field and what was found there. Returns the data, typed.
 */
export function checkJsonDocument(path: string, data: unknown): DocumentData {
  if (!isPlainObject(data)) {
    throw new Error(`Document "${path}": expected an object of fields, found ${kindOf(data)}`);
  }
  visit(data, '', new Set());
  return data;

  function visit(value: unknown, field: string, ancestors: Set<unknown>): void {
    if (value === null || typeof value === 'boolean' || typeof value === 'string') return;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) fail(field, `${String(value)}, which JSON cannot hold`);
      return;
    }
    if (typeof value !== 'object') {
      fail(field, `${kindOf(value)}${value === undefined ? ' (leave the field out instead)' : ''}`);
    }
    if (ancestors.has(value)) fail(field, 'a reference to an enclosing value (a cycle)');
    if (Array.isArray(value)) {
      ancestors.add(value);
      for (let index = 0; index < value.length; index++) {
        if (!(index in value)) fail(`${field}[${String(index)}]`, 'a hole in an array');
        visit(value[index], `${field}[${String(index)}]`, ancestors);
      }
      ancestors.delete(value);
      return;
    }
    if (!isPlainObject(value)) fail(field, kindOf(value));
    ancestors.add(value);
    for (const [key, child] of Object.entries(value)) {
      visit(child, field === '' ? key : `${field}.${key}`, ancestors);
    }
    ancestors.delete(value);
  }

  function fail(field: string, found: string): never {
    const where = field === '' ? 'its value' : `field "${field}"`;
    throw new Error(`Document "${path}": ${where} is not JSON: found ${found}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object';
  }
  return typeof value;
}
