// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The pure core (docs/architecture.md): decisions and text, no I/O. */
const PURE_CORE = [
  'src/engine/**',
  'src/manifests/**',
  'src/analysis/engine/**',
  'src/analysis/expr/**',
  'src/analysis/judge/**',
  'src/analysis/templates.ts',
  'src/report/**',
];

/** Node's modules that reach outside the process or read its state (with or without `node:`). */
const NODE_IO = [
  'async_hooks',
  'child_process',
  'cluster',
  'dgram',
  'diagnostics_channel',
  'dns',
  'fs',
  'http',
  'http2',
  'https',
  'inspector',
  'module',
  'net',
  'os',
  'perf_hooks',
  'process',
  'readline',
  'repl',
  'sqlite',
  'timers',
  'tls',
  'tty',
  'v8',
  'vm',
  'worker_threads',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'scripts/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' },
          ],
        },
      ],
      // client-node declares its models as classes, but they are plain JSON on the wire.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
    },
  },
  {
    // The pure core never touches the outside world: no edges (adapters, controller, commands), no
    // clients, no files or sockets, no timers, no environment, no clock of its own. docs/architecture.md
    // says what this enforces; test/unit/lint/fence.test.ts proves every rule fires.
    files: PURE_CORE,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\./)?(\\.\\./)+(src/)?(adapters|controller|commands)(/|$)',
              message: 'The pure core does not import the edges (adapters, controller, commands).',
            },
            {
              group: ['@actions/*', '@kubernetes/*', '@octokit/*'],
              message: 'The pure core has no I/O: no network clients.',
            },
            {
              regex: `^(node:)?(${NODE_IO.join('|')})(/.*)?$`,
              message: 'The pure core has no I/O: no files, processes, sockets, timers or system state.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource'].map((name) => ({
          name,
          message: 'The pure core has no I/O: the edges make requests.',
        })),
        ...[
          'setTimeout',
          'setInterval',
          'setImmediate',
          'clearTimeout',
          'clearInterval',
          'clearImmediate',
        ].map((name) => ({ name, message: 'The pure core has no timers: it returns when to look again.' })),
        { name: 'process', message: 'The pure core reads no environment: configuration is passed in.' },
        { name: 'performance', message: 'Use the injected clock.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use the injected clock.' },
        { object: 'performance', property: 'now', message: 'Use the injected clock.' },
        { object: 'process', property: 'env', message: 'The pure core reads no environment.' },
        ...['fetch', 'process', 'performance', 'setTimeout', 'setInterval', 'setImmediate'].map(
          (property) => ({
            object: 'globalThis',
            property,
            message: 'The pure core has no I/O, timers, environment or clock of its own.',
          }),
        ),
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Use the injected clock.',
        },
        {
          selector: "CallExpression[callee.name='Date']",
          message: 'Date() reads the system clock: use the injected clock.',
        },
        {
          selector: 'ImportExpression',
          message: 'The pure core has no dynamic import().',
        },
      ],
    },
  },
  {
    // Size limits of docs/architecture.md: a file past 400 lines or a function past 80 is split by
    // concern. Two files are exempt, each with its reason in the architecture doc.
    files: ['src/**/*.ts'],
    ignores: ['src/manifests/argo-schema.ts', 'src/engine/replicas.ts'],
    rules: {
      'max-lines': ['error', { max: 400 }],
      'max-lines-per-function': ['error', { max: 80 }],
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
