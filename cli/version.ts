import packageJson from '../package.json' with { type: 'json' };

/** The version of this tool, from package.json. */
export const version: string = packageJson.version;
