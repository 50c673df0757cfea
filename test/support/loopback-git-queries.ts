import { treeEntries } from './git-object-reader.ts';
import { failure, type GitData, type Reply } from './loopback-git-data.ts';

/*
 * The loopback GitHub's queries across commits: the REST compare endpoint and the one
 * GraphQL query the GitHub source sends, answered from the real repository behind GitData.
 */

/** GET compare/{basehead}: how two commits relate, and the files between them. */
export async function compare(gitData: GitData, basehead: string, perPage: number): Promise<Reply> {
  const [baseName, headName, ...rest] = basehead.split('...');
  if (baseName === undefined || headName === undefined || rest.length > 0)
    return failure(404, 'Not Found');
  const [base, head] = await Promise.all([
    gitData.resolve(baseName, 'commit'),
    gitData.resolve(headName, 'commit'),
  ]);
  if (base === undefined || head === undefined) return failure(404, 'Not Found');
  const count = async (range: string) =>
    Number((await gitData.git(['rev-list', '--count', range])).toString().trim());
  const [mergeBase, aheadBy, behindBy, listed, changed] = await Promise.all([
    gitData.git(['merge-base', base, head]).then(
      (output) => output.toString().trim(),
      () => undefined,
    ),
    count(`${base}..${head}`),
    count(`${head}..${base}`),
    gitData.git(['rev-list', '--reverse', `${base}..${head}`]),
    // Three dots: from the merge base, as GitHub compares.
    changedFiles(gitData, `${base}...${head}`).catch(() => []),
  ]);
  if (mergeBase === undefined)
    return failure(404, `No common ancestor between ${baseName} and ${headName}.`);
  const status =
    aheadBy === 0 && behindBy === 0
      ? 'identical'
      : behindBy === 0
        ? 'ahead'
        : aheadBy === 0
          ? 'behind'
          : 'diverged';
  const commits = listed.toString().split('\n').filter(Boolean);
  const files = gitData.comparedFiles?.() ?? changed;
  return {
    status: 200,
    body: {
      url: gitData.url(`compare/${basehead}`),
      status,
      ahead_by: aheadBy,
      behind_by: behindBy,
      total_commits: aheadBy,
      base_commit: { sha: base },
      merge_base_commit: { sha: mergeBase },
      commits: commits.slice(0, perPage).map((sha) => ({ sha })),
      // GitHub lists at most 300 files, whatever the page.
      files: files.slice(0, 300),
    },
  };
}

/**
 * POST /graphql, for the one query the GitHub source sends: folders of a commit by
 * expression, each aliased `tN: object(expression: $eN) { ...folder }`, with the fragment
 * `folder on Tree { oid entries { name mode type oid } }`. GraphQL gives modes as numbers.
 */
export async function graphql(
  gitData: GitData,
  body: Record<string, unknown>,
  owner: string,
  name: string,
): Promise<Reply> {
  const query = typeof body['query'] === 'string' ? body['query'] : '';
  const variables = (body['variables'] ?? {}) as Record<string, unknown>;
  if (!query.includes('fragment folder on Tree { oid entries { name mode type oid } }')) {
    return {
      status: 200,
      body: { errors: [{ message: 'loopback GitHub answers only the folder query' }] },
    };
  }
  if (variables['owner'] !== owner || variables['name'] !== name) {
    return {
      status: 200,
      body: {
        data: { repository: null },
        errors: [
          {
            type: 'NOT_FOUND',
            message: `Could not resolve to a Repository with the name '${String(variables['owner'])}/${String(variables['name'])}'.`,
          },
        ],
      },
    };
  }
  const aliases = [...query.matchAll(/(\w+): object\(expression: \$(\w+)\) \{ \.\.\.folder \}/g)];
  const repository: Record<string, unknown> = {};
  await Promise.all(
    aliases.map(async ([, alias = '', variable = '']) => {
      const expression = variables[variable];
      repository[alias] = typeof expression === 'string' ? await folder(gitData, expression) : null;
    }),
  );
  return { status: 200, body: { data: { repository } } };
}

/** A folder by revision expression (`<commit>:<path>`) as GraphQL's Tree, or null. */
async function folder(gitData: GitData, expression: string) {
  const object = await gitData.objects.read(expression);
  if (object === undefined) return null;
  // Something other than a folder: GraphQL's fragment on Tree selects nothing.
  if (object.type !== 'tree') return {};
  return {
    oid: object.sha,
    entries: treeEntries(object.bytes).map((entry) => ({
      name: entry.name,
      mode: Number.parseInt(entry.mode, 8),
      type: entry.type,
      oid: entry.sha,
    })),
  };
}

/** The files of a comparison, as GitHub lists them. */
async function changedFiles(gitData: GitData, range: string) {
  const fields = (await gitData.git(['diff', '--raw', '-z', '--no-abbrev', '-M', range]))
    .toString('utf8')
    .split('\0');
  const statuses: Record<string, string> = {
    A: 'added',
    D: 'removed',
    M: 'modified',
    T: 'changed',
  };
  const files: Record<string, string>[] = [];
  for (let index = 0; index + 1 < fields.length;) {
    // ":<old mode> <new mode> <old sha> <new sha> <status>", then one path or two.
    const [, , , sha = '', status = ''] = (fields[index++] ?? '').slice(1).split(' ');
    const letter = status.slice(0, 1);
    if (letter === 'R' || letter === 'C') {
      const previous = fields[index++] ?? '';
      const filename = fields[index++] ?? '';
      files.push({
        sha,
        filename,
        status: letter === 'R' ? 'renamed' : 'copied',
        previous_filename: previous,
      });
    } else {
      files.push({
        sha,
        filename: fields[index++] ?? '',
        status: statuses[letter] ?? 'modified',
      });
    }
  }
  return files;
}
