// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Natives load lazily, in the inference child process only (shared/STYLE.md rule 8). */
const natives = [
  {
    name: 'onnxruntime-node',
    message: 'Load natives through src/extension/natives/natives.ts.',
    allowTypeImports: true,
  },
  {
    name: 'sharp',
    message: 'Load natives through src/extension/natives/natives.ts.',
    allowTypeImports: true,
  },
];
const nodeBuiltins = [{ group: ['node:*'], message: 'This layer must stay free of Node APIs.' }];

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', 'demo-output/', '.test-artifacts/', 'models/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: natives }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        __dirname: 'readonly',
      },
    },
  },
  {
    // CommonJS scripts load with require().
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // node:test's test() and describe() return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
    },
  },
  {
    // The maths is pure: numbers in, numbers out; a seeded Rng is passed in.
    files: ['src/extension/measures/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'measures are pure.' }, ...natives],
          patterns: nodeBuiltins,
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Pass a seeded Rng instead.' },
      ],
    },
  },
  {
    // Shared types are imported by the host and the webview: neither vscode nor Node.
    files: ['src/shared/**/*.ts', 'src/webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'Only the extension host imports vscode.' },
            ...natives,
          ],
          patterns: nodeBuiltins,
        },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'The CLI and the maths run without VS Code.' },
            ...natives,
          ],
        },
      ],
    },
  },
  prettier,
);
