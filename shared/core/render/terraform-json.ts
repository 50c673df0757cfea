/**
 * Terraform's JSON syntax, written safely. In a `.tf.json` file every string is a
 * template, keys included: `${…}` interpolates and `%{…}` is a directive. A string from a
 * manifest must never become code, so every plain string is escaped when the file is
 * written (`$${`, `%%{`), and the only way to interpolate is an `Expression`, which can
 * be made only here, from parts that are identifiers.
 */
import { terraformLabel } from '../naming/terraform-labels.ts';

/** A template the renderer wrote itself. Opaque: made by `reference` and `template` only. */
export interface Expression {
  readonly [expressionMark]: string;
}
const expressionMark = Symbol('terraform expression');

/** What a rendered file holds: plain data, whose strings are literals, and expressions. */
export type TerraformValue =
  | string
  | number
  | boolean
  | null
  | Expression
  | readonly TerraformValue[]
  | { readonly [key: string]: TerraformValue };

/** Block labels and reference parts: a lowercase letter, then letters, digits, `_` and `-`. */
const IDENTIFIER = /^[a-z][a-z0-9_-]*$/;

/**
 * A label for a module, resource or output: a kind, then names or dotted model names
 * (`identifier('identity', 'push.order-events.shop')`), written so that no two paths
 * share a label (see `terraformLabel`).
 */
export function identifier(kind: string, ...path: readonly string[]): string {
  return terraformLabel(kind, ...path);
}

function expression(text: string): Expression {
  return { [expressionMark]: text };
}

function isExpression(value: unknown): value is Expression {
  return typeof value === 'object' && value !== null && expressionMark in value;
}

/** `${a.b["key"].c}`: a reference whose parts are identifiers or safe map keys. */
export function reference(...parts: readonly (string | { readonly key: string })[]): Expression {
  const path = parts
    .map((part, index) => {
      if (typeof part === 'string') {
        if (!IDENTIFIER.test(part))
          throw new Error(`not a Terraform identifier: ${JSON.stringify(part)}`);
        return index === 0 ? part : `.${part}`;
      }
      if (!/^[a-z0-9][a-z0-9.-]*$/.test(part.key))
        throw new Error(`not a safe map key: ${JSON.stringify(part.key)}`);
      return `["${part.key}"]`;
    })
    .join('');
  return expression(`\${${path}}`);
}

/** Literal text and expressions in one string: `template('https://', host, '/path')`. */
export function template(...parts: readonly (string | Expression)[]): Expression {
  return expression(
    parts.map((part) => (isExpression(part) ? part[expressionMark] : escape(part))).join(''),
  );
}

/** Escapes literal text so that Terraform reads it as exactly itself. */
export function escape(text: string): string {
  // A replacer function, because in a replacement string `$$` means a single `$`.
  return text.replaceAll('${', () => '$${').replaceAll('%{', () => '%%{');
}

/**
 * Writes a root module as `main.tf.json` text: with a JSON serializer, every string and
 * key escaped, expressions as they are. A key named `//` is a comment in Terraform's JSON
 * syntax and would silently drop what it holds, so it throws.
 */
export function toTerraformJson(value: TerraformValue): string {
  return `${JSON.stringify(prepare(value), null, 2)}\n`;
}

function prepare(value: TerraformValue): unknown {
  if (typeof value === 'string') return escape(value);
  if (isExpression(value)) return value[expressionMark];
  if (Array.isArray(value)) return value.map(prepare);
  if (typeof value === 'object' && value !== null) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === '//') throw new Error('a key named "//" would be read as a comment');
      result[escape(key)] = prepare(item);
    }
    return result;
  }
  return value;
}
