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
const vscode = (message) => [{ name: 'vscode', message }];
const nodeBuiltins = [{ group: ['node:*'], message: 'This layer must stay free of Node APIs.' }];

/**
 * Folder boundaries: the layout is the pipeline (shared/STYLE.md rule 1, README "Layout").
 * Each folder of src/extension lists the folders of ours it may import; a relative import that
 * names any other folder of ours (or src/extension/extension.ts, the host's root) fails the lint.
 *   natives             shared: the loader, and onnxruntime sessions with the CPU fallback.
 *   measures            nothing of ours: the pure maths.
 *   files               shared: bounded reading of files a user or a result names, for everyone.
 *   images              files, natives, shared.
 *   text                files, shared: CLIP's tokenizer, for the diffusion editor and CLIP models.
 *   editors             files, images, natives, text, shared, and measures' seeded Rng
 *                       (measures/rng).
 *   models              files, images, natives, text, shared.
 *   share               files, images (frames are checked before they are embedded), shared.
 *   store               share (the writer renders the report), files, images, shared.
 *   pipeline            everything above: the only place where editors, models and measures meet.
 *   inference           pipeline, files, shared: the child process answers requests by running the
 *                       pipeline; its client is what the host and the CLI talk to.
 *   panel               inference, files, share, store, shared; commands' types (the settings).
 *   commands            panel, inference, files, store, shared; measures' input error and pipeline's
 *                       predictions-file parser (a file is read in the host before it is sent).
 * src/shared imports neither side; src/webview imports no extension code, and its pure model/
 * imports no components or panel. src/cli and extension.ts are roots and import any folder.
 */
const EXTENSION_FOLDERS = [
  'commands',
  'editors',
  'files',
  'images',
  'inference',
  'measures',
  'models',
  'natives',
  'panel',
  'pipeline',
  'share',
  'store',
  'text',
];
/** Import patterns that reach one of `names` (a folder or a file of ours), from anywhere. */
const ours = (...names) => names.flatMap((name) => [`**/${name}`, `**/${name}/**`]);
/** Patterns for every folder of src/extension but `allowed`, plus the host's root and other sides. */
const outside = (...allowed) =>
  ours(...EXTENSION_FOLDERS.filter((f) => !allowed.includes(f)), 'extension', 'webview', 'cli');
/** measures, or any file in it but rng.ts. */
const MEASURES_BUT_RNG = '(^|/)measures(/(?!rng$).*)?$';

/**
 * One no-restricted-imports block. A file takes the rule from the last block that matches it, so
 * each block states everything its files must not import, the natives included (but in natives/).
 */
const boundary = (files, { paths = [], patterns = [], loadsNatives = false }) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      { paths: [...paths, ...(loadsNatives ? [] : natives)], patterns },
    ],
  },
});
const layer = (folder, message, forbidden, more = {}) =>
  boundary([`src/extension/${folder}/**/*.ts`], {
    paths: vscode(`${folder} runs outside VS Code.`),
    ...more,
    patterns: [{ group: forbidden, message }, ...(more.patterns ?? [])],
  });

/** The boundaries of every folder of src (see above). */
const boundaries = [
  layer('natives', 'The native loader imports only shared.', outside('natives'), {
    loadsNatives: true,
  }),
  layer(
    'measures',
    'measures are pure maths and import nothing of ours outside measures.',
    [...outside('measures'), ...ours('shared')],
    { patterns: nodeBuiltins },
  ),
  layer('files', 'files reads files for every layer and imports only shared.', outside('files')),
  layer(
    'images',
    'images import only files, natives and shared.',
    outside('images', 'files', 'natives'),
  ),
  layer(
    'editors',
    'editors import only files, images, natives, text, shared and measures/rng; the pipeline composes them.',
    outside('editors', 'files', 'images', 'natives', 'text', 'measures'),
    {
      patterns: [
        {
          regex: MEASURES_BUT_RNG,
          message: 'editors take only the seeded Rng from measures (measures/rng).',
        },
      ],
    },
  ),
  layer(
    'models',
    'models import only files, images, natives, text and shared; the pipeline composes them.',
    outside('models', 'files', 'images', 'natives', 'text'),
  ),
  layer('text', 'text (the tokenizer) imports only files and shared.', outside('text', 'files')),
  layer(
    'share',
    'share renders saved results and imports only files, images and shared.',
    outside('share', 'files', 'images'),
  ),
  layer(
    'store',
    'store imports only share, files, images and shared.',
    outside('store', 'share', 'files', 'images'),
  ),
  layer(
    'pipeline',
    'The pipeline is called by the inference child and the CLI, never the other way round.',
    ours('inference', 'panel', 'commands', 'extension', 'webview', 'cli'),
  ),
  layer(
    'inference',
    'The inference child runs the pipeline: move the work (and its error types) into pipeline/.',
    outside('inference', 'pipeline', 'files'),
  ),
  boundary(['src/extension/panel/**/*.ts'], {
    patterns: [
      {
        group: outside('panel', 'inference', 'files', 'share', 'store', 'commands'),
        message: 'The panel shows results: it runs work through the inference child.',
      },
      {
        group: ours('commands'),
        message: 'The panel may take only types from commands.',
        allowTypeImports: true,
      },
    ],
  }),
  boundary(['src/extension/commands/**/*.ts'], {
    patterns: [
      {
        group: outside('commands', 'panel', 'inference', 'files', 'store', 'measures', 'pipeline'),
        message: 'Commands run work through the panel or the inference child, not in the host.',
      },
    ],
  }),
  boundary(['src/extension/*.ts'], {
    patterns: [
      {
        group: ours('webview', 'cli'),
        message: 'The host does not import the webview or the CLI.',
      },
    ],
  }),
  boundary(['src/shared/**/*.ts'], {
    paths: vscode('Only the extension host imports vscode.'),
    patterns: [
      {
        group: ours('extension', 'webview', 'cli'),
        message: 'shared is imported by both sides and imports neither.',
      },
      ...nodeBuiltins,
    ],
  }),
  ...[
    ['src/webview/**/*.ts', []],
    ['src/webview/components/**/*.ts', ours('panel')],
    ['src/webview/model/**/*.ts', ours('components', 'panel')],
  ].map(([files, inner]) =>
    boundary([files], {
      paths: vscode('Only the extension host imports vscode.'),
      patterns: [
        {
          group: ours('extension', 'cli'),
          message: 'The webview imports shared, never extension code.',
        },
        ...(inner.length > 0
          ? [
              {
                group: inner,
                message:
                  'webview/model is pure (no DOM components); components do not import the panel.',
              },
            ]
          : []),
        ...nodeBuiltins,
      ],
    }),
  ),
  boundary(['src/cli/**/*.ts', 'bench/**/*.ts'], {
    paths: vscode('The CLI and the maths run without VS Code.'),
  }),
];

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
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Pass a seeded Rng instead.' },
      ],
    },
  },
  ...boundaries,
  prettier,
);
