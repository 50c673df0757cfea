import { resolve } from 'node:path';
import {
  exampleRenderConfig,
  renderConfigPlaceholders,
  type RenderConfig,
} from '../shared/core/render/render-config.ts';
import { EnvironmentError, type CliIo } from './cli-io.ts';
import { readRenderConfig } from './commands/render.ts';

/**
 * The render configuration of `run` and `serve`: the `--config` file, else
 * `INFRASTREAM_RENDER_CONFIG`, else the example's placeholders, which may plan but never
 * apply: with `apply`, a configuration that holds any placeholder stops the command.
 */
export async function pipelineRenderConfig(
  io: CliIo,
  options: {
    readonly file: string | undefined;
    readonly setting: RenderConfig | undefined;
    readonly apply: boolean;
  },
): Promise<RenderConfig> {
  const config =
    options.file === undefined
      ? (options.setting ?? exampleRenderConfig)
      : await readRenderConfig(resolve(io.cwd, options.file));
  const placeholders = renderConfigPlaceholders(config);
  if (options.apply && placeholders.length > 0) {
    throw new EnvironmentError(
      `--apply needs the organization's own render configuration, and ${placeholders.join(', ')} ${placeholders.length === 1 ? 'is' : 'are'} the example's placeholders: give it with --config FILE or INFRASTREAM_RENDER_CONFIG (see \`infrastream render --help\`), or leave --apply out to plan only`,
    );
  }
  return config;
}
