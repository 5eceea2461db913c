// Times loading dist/extension.js and running activate() in a fresh process, with a minimal
// stand-in for the `vscode` module (only what activation touches; test/unit/bench/activation.test.ts
// runs it, so a new call in activate() that the stand-in lacks fails the tests). Prints one
// number: ms.
const Module = require('node:module');
const path = require('node:path');

const disposable = { dispose() {} };
const stub = {
  window: {
    createOutputChannel: () => ({ ...disposable, info() {}, warn() {}, error() {}, show() {} }),
    createStatusBarItem: () => ({ ...disposable, show() {}, hide() {} }),
    registerCustomEditorProvider: () => disposable,
    registerWebviewPanelSerializer: () => disposable,
  },
  commands: { registerCommand: () => disposable },
  workspace: {
    getConfiguration: () => ({ get: (_k, d) => d }),
    registerTextDocumentContentProvider: () => disposable,
    onDidChangeConfiguration: () => disposable,
  },
  StatusBarAlignment: { Left: 1, Right: 2 },
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? stub : load.call(this, request, ...rest);
};

const start = process.hrtime.bigint();
const extension = require(path.join(__dirname, '..', 'dist', 'extension.js'));
const subscriptions = [];
extension.activate({
  subscriptions,
  asAbsolutePath: (p) => path.join(__dirname, '..', p),
  extensionPath: path.join(__dirname, '..'),
  extensionUri: { fsPath: path.join(__dirname, '..') },
  globalStorageUri: { fsPath: '/tmp/propsweep-bench-storage' },
  workspaceState: { get: () => undefined, update: async () => undefined },
});
const ms = Number(process.hrtime.bigint() - start) / 1e6;
for (const s of subscriptions) s.dispose();
process.stdout.write(`${ms}\n`);
