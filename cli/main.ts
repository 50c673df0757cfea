import {
  BusyError,
  EnvironmentError,
  exitCodes,
  UsageError,
  type CliIo,
  type Command,
} from './cli-io.ts';
import { version } from './version.ts';
import { didYouMean } from '../shared/core/text/suggest.ts';

const usage = `Usage: infrastream <command> [options]

Commands:
  validate [DIR]   validate every manifest of a repository and the references between them
  plan [DIR]       show what a change does to IAM, network, resources and CODEOWNERS
  codeowners [DIR] print, check (--check) or write (--write) the computed CODEOWNERS
  render [DIR]     write each workspace as Terraform (main.tf.json) calling the hardened modules
  run [DIR]        run the whole pipeline on the repository's HEAD, with state in DIR/.infrastream
  retry [DIR]      build again the workspaces whose build of the recorded revision failed
  release [DIR] STAGE  release a release track's stage that awaits an approval, as its operator
  serve [DIR]      receive GitHub webhooks and run the pipeline on each push
  drift [DIR]      sweep for drift: what the cloud, Git and builds hold against what was applied
  state [COLL] [ID] show the recorded state: commits, resources, workspaces, builds, events, drift
  schema           print the JSON Schema of manifests, for editors
  check-plan FILE  check a Terraform plan (terraform show -json) against the policy before apply
  drift-output FILE print the drift of a refresh-only plan as a drift build hands it back

Options:
  -h, --help       show help (also: infrastream <command> --help)
  -v, --version    show the version`;

// Loaded on demand: the pipeline's commands bring the cloud SDKs, which take longer to load
// than `validate` takes to run.
const commands: Record<string, () => Promise<Command>> = {
  validate: async () => (await import('./commands/validate.ts')).command,
  plan: async () => (await import('./commands/plan.ts')).command,
  codeowners: async () => (await import('./commands/codeowners.ts')).command,
  render: async () => (await import('./commands/render.ts')).command,
  run: async () => (await import('./commands/run.ts')).command,
  retry: async () => (await import('./commands/retry.ts')).command,
  release: async () => (await import('./commands/release.ts')).command,
  serve: async () => (await import('./commands/serve.ts')).command,
  drift: async () => (await import('./commands/drift.ts')).command,
  state: async () => (await import('./commands/state.ts')).command,
  schema: async () => (await import('./commands/schema.ts')).command,
  'check-plan': async () => (await import('./commands/check-plan.ts')).command,
  'drift-output': async () => (await import('./commands/drift-output.ts')).command,
};

/** Runs the CLI and returns its exit code; all process access goes through `io`. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout(`${usage}\n`);
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  if (name === '-v' || name === '--version') {
    io.stdout(`${version}\n`);
    return exitCodes.ok;
  }
  const load = commands[name];
  if (load === undefined) {
    io.stderr(
      `infrastream: unknown command "${name}"${didYouMean(name, Object.keys(commands))}\n\n${usage}\n`,
    );
    return exitCodes.usage;
  }
  const command = await load();
  if (args.includes('-h') || args.includes('--help')) {
    io.stdout(`${command.usage}\n`);
    return exitCodes.ok;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(`infrastream ${name}: ${(error as Error).message}\n\n${command.usage}\n`);
      return exitCodes.usage;
    }
    if (error instanceof BusyError) {
      io.stderr(`infrastream ${name}: ${oneLine(error.message)}\n`);
      return exitCodes.busy;
    }
    if (error instanceof EnvironmentError || isSystemError(error)) {
      io.stderr(`infrastream ${name}: ${oneLine((error as Error).message)}\n`);
      return exitCodes.environment;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/**
 * An error of the operating system that no command foresaw (`EACCES` on a folder deep in
 * the repository, `ENOSPC`): its message names the path, which is all a stack trace would.
 */
function isSystemError(error: unknown): boolean {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && typeof syscall === 'string';
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
