import { parseConfiguration } from '../shared/core/configuration/parse-configuration.ts';
import {
  settingDefinitions,
  type Runtime,
  type SettingName,
  type Settings,
} from '../shared/core/configuration/settings.ts';
import { EnvironmentError, type CliIo } from './cli-io.ts';

/** The commands that read settings from the environment. */
export type CommandRuntime = Exclude<Runtime, 'ingest' | 'stages'>;

/**
 * The settings of a command, read from the environment (the README's "Configuration"). A
 * deprecated name is said in one line on stderr and its value used; a setting that is not
 * valid stops the command, exit 2, with one line that names each variable at fault. A
 * setting given as an option is not read from the environment.
 */
export function commandSettings<R extends CommandRuntime>(
  io: CliIo,
  command: R,
  /** Settings the command was given as options, which come before the environment. */
  givenAsOptions: readonly SettingName[] = [],
): Settings<R> {
  const unread = new Set<string>(
    givenAsOptions.flatMap((name) => {
      const { variable, deprecatedNames } = settingDefinitions[name];
      return [variable, ...deprecatedNames];
    }),
  );
  const env = Object.fromEntries(Object.entries(io.env).filter(([name]) => !unread.has(name)));
  const { settings, warnings, errors } = parseConfiguration(env, command);
  for (const warning of warnings)
    io.stderr(`infrastream ${command}: warning: ${warning.message}\n`);
  if (errors.length > 0) {
    throw new EnvironmentError(errors.map((error) => error.message).join('; '));
  }
  return settings;
}
