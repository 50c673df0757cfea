import * as v from 'valibot';
import {
  settingDefinitions,
  type Runtime,
  type SettingDefinition,
  type SettingName,
  type Settings,
} from './settings.ts';

/** The environment of a process, as `process.env` holds it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Something wrong with a setting, as data: the runtime decides how to say it. */
export interface ConfigurationIssue {
  /** An error stops the runtime; a warning (a deprecated name) is said and the value used. */
  readonly severity: 'error' | 'warning';
  /** The environment variable it is about. */
  readonly variable: string;
  /** One line that names the variable, what was expected and what was found. */
  readonly message: string;
}

/** The settings of a runtime, and what was wrong with them. */
export interface ParsedConfiguration<R extends Runtime> {
  /** Complete only when there are no errors. */
  readonly settings: Settings<R>;
  readonly warnings: readonly ConfigurationIssue[];
  readonly errors: readonly ConfigurationIssue[];
}

/** How much of a value an error quotes: enough to recognise it. */
const QUOTED_LENGTH = 60;

/**
 * Reads the settings `runtime` uses from `env`, and only those: a variable of another
 * runtime is not its concern. An empty variable counts as unset. A deprecated name is read
 * when the setting's own is not set, with a warning; both set to different values is an
 * error, since either could be the one meant.
 */
export function parseConfiguration<R extends Runtime>(
  env: Environment,
  runtime: R,
): ParsedConfiguration<R> {
  const settings: Partial<Record<SettingName, unknown>> = {};
  const warnings: ConfigurationIssue[] = [];
  const errors: ConfigurationIssue[] = [];
  for (const [name, definition] of Object.entries(settingDefinitions) as [
    SettingName,
    SettingDefinition<unknown>,
  ][]) {
    if (!definition.usedBy.includes(runtime)) continue;
    const read = readVariable(env, definition);
    warnings.push(...read.warnings);
    errors.push(...read.errors);
    if (read.errors.length > 0) continue;
    if (read.given === undefined) {
      if (definition.requiredBy.includes(runtime)) {
        errors.push(
          error(
            definition.variable,
            `${definition.variable} is not set: expected ${lowerFirst(firstSentence(definition.description))}`,
          ),
        );
      } else if ('defaultValue' in definition) {
        settings[name] = definition.defaultValue;
      }
      continue;
    }
    const parsed = v.safeParse(definition.schema, read.given.value, { abortPipeEarly: true });
    if (parsed.success) settings[name] = parsed.output;
    else {
      for (const issue of parsed.issues) {
        errors.push(error(read.given.variable, describe(read.given, definition, issue)));
      }
    }
  }
  return { settings: settings as Settings<R>, warnings, errors };
}

interface ReadVariable {
  /** The text, and the variable it came from; undefined when unset. */
  readonly given: { readonly variable: string; readonly value: string } | undefined;
  readonly warnings: readonly ConfigurationIssue[];
  readonly errors: readonly ConfigurationIssue[];
}

/** The setting's text, from its own variable or else from a deprecated one. */
function readVariable(env: Environment, definition: SettingDefinition<unknown>): ReadVariable {
  const valueOf = (variable: string) => {
    const value = env[variable];
    return value === undefined || value === '' ? undefined : value;
  };
  const own = valueOf(definition.variable);
  const warnings: ConfigurationIssue[] = [];
  const errors: ConfigurationIssue[] = [];
  let given = own === undefined ? undefined : { variable: definition.variable, value: own };
  for (const old of definition.deprecatedNames) {
    const value = valueOf(old);
    if (value === undefined) continue;
    if (given !== undefined && given.value !== value) {
      errors.push(
        error(
          old,
          `${old} and ${given.variable} are both set, to different values: expected only ${definition.variable} (${old} is its deprecated name), found both`,
        ),
      );
      continue;
    }
    warnings.push({
      severity: 'warning',
      variable: old,
      message: `${old} is deprecated: set ${definition.variable} instead (the value of ${old} is used meanwhile)`,
    });
    given ??= { variable: old, value };
  }
  return { given, warnings, errors };
}

/** `VARIABLE: [path: ]what was expected, found what was found`, never quoting a secret. */
function describe(
  given: { readonly variable: string; readonly value: string },
  definition: SettingDefinition<unknown>,
  issue: v.BaseIssue<unknown>,
): string {
  const path = (issue.path ?? [])
    .map((item) => String(item.key))
    .filter((key) => key !== '')
    .join('.');
  const where = path === '' ? given.variable : `${given.variable}: ${path}`;
  if (definition.secret) {
    // A message that may quote what it read (a parser's, one that says what it found) is
    // not shown for a secret: only the schema's own "expected …" ones are.
    const safe = issue.message.startsWith('expected ') && !/\bfound\b/.test(issue.message);
    const message = safe ? issue.message : 'expected a valid value';
    return `${where}: ${message}, found a value that is not shown, being secret`;
  }
  // Some messages already quote what they found (the repository's, for one).
  if (/\bfound\b/.test(issue.message)) return `${where}: ${issue.message}`;
  const found =
    path === ''
      ? JSON.stringify(shortened(given.value))
      : shortened(issue.input === undefined ? 'nothing' : JSON.stringify(issue.input));
  return `${where}: ${issue.message}, found ${found}`;
}

/** The text on one line, cut to what an error quotes. */
function shortened(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > QUOTED_LENGTH ? `${line.slice(0, QUOTED_LENGTH - 1)}…` : line;
}

function error(variable: string, message: string): ConfigurationIssue {
  return { severity: 'error', variable, message };
}

function firstSentence(text: string): string {
  return (/^.*?\.(?=\s|$)/.exec(text)?.[0] ?? text).replace(/\.$/, '');
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? `${text.charAt(0).toLowerCase()}${text.slice(1)}` : text;
}
