// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Modules that reach outside the process: the pure core may import none of them. */
const ioModules = [
  'fs',
  'fs/promises',
  'path',
  'os',
  'child_process',
  'net',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'tls',
  'cluster',
  'worker_threads',
  'process',
  'readline',
  'stream',
  'v8',
  'vm',
].flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.tools/',
      '.scratch/',
      '.infrastream/',
      'coverage/',
      'dist/',
      'examples/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*'] } },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The core computes; it never performs I/O, reads the environment or the clock.
    files: ['shared/**/*.ts'],
    ignores: ['shared/adapters/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.map((name) => ({ name, message: 'The core has no I/O: use a port.' })),
          patterns: [
            {
              group: ['@google-cloud/*', '@octokit/*'],
              message: 'Cloud SDKs belong in shared/adapters.',
            },
            { group: ['**/adapters/**'], message: 'The core must not depend on adapters.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'The core reads no environment: take configuration as input.' },
        { name: 'fetch', message: 'The core has no I/O: use a port.' },
        { name: 'setTimeout', message: 'The core has no clock: inject one.' },
        { name: 'setInterval', message: 'The core has no clock: inject one.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'The core has no clock: inject one.' },
        { object: 'performance', property: 'now', message: 'The core has no clock: inject one.' },
        { object: 'Math', property: 'random', message: 'The core is deterministic.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'The core has no clock: inject one.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', 'bin/*'],
    ...tseslint.configs.disableTypeChecked,
  },
);
