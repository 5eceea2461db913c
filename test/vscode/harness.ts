// The VS Code test tier's harness: a real VS Code 1.100.3 workbench (code-server) with the packaged
// VSIX installed, driven through Chromium by playwright-core. One `Workbench` is one code-server
// process, one browser and one throw-away fixture workspace; `openWorkbench()` starts it and
// `close()` (call it in `finally` or an `after` hook) kills and removes everything again.
//
// Usage (what an explain-property test looks like; measurePredictions.test.ts is a real one):
//
//   await withWorkbench({ name: 'explain-dark-cat' }, async (wb) => {
//     await wb.runExplorerCommand('dark-cat.png', 'Explain Property');
//     assert.match(await wb.quickPickPrompt(), /which property/);
//     await wb.pickQuickPickItem('Object colour: lighter');        // single-select: accepts
//     await wb.setQuickPickItemChecked('demo: unbiased', false);   // multi-select: toggles
//     await wb.acceptQuickPick();                                  // OK / Enter
//     const panel = wb.webviewFrame();                             // our webview's document
//     await panel.getByText('EPGM').first().waitFor({ timeout: 90_000 });
//     await wb.screenshotWebview('panel');                         // then LOOK at it
//   });
//
// withWorkbench always closes (a `failure.png` first when the body threw). Helpers wait with
// bounded timeouts and throw messages that list what was there instead (menu items, quick pick
// labels, editor tabs).
//
// `npm run test:vscode` builds the VSIX and installs code-server first, then passes both paths in
// PROPSWEEP_VSIX and PROPSWEEP_CODE_SERVER. Run directly (node scripts/runTests.mjs vscode), the
// harness looks for them where those steps put them and says what to run when they are missing.
// Screenshots and logs land in .test-artifacts/vscode/<name>/ (a `failure.png` when a test threw).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  chromium,
  type Browser,
  type FrameLocator,
  type Locator,
  type Page,
} from 'playwright-core';

/** The extension's id (publisher.name): webview iframes carry it in their src. */
export const EXTENSION_ID = 'propsweep.propsweep';

/** The repository root. */
export const REPO = resolve(__dirname, '..', '..');

/** Where screenshots and logs go (gitignored). */
export const ARTIFACTS = join(REPO, '.test-artifacts', 'vscode');

/**
 * The default fixture workspace: workspace-relative path -> repository-relative source. README.md
 * is written by the harness (a Markdown file whose built-in "Open Preview" item shows the menus
 * are ready even where ours are expected to be missing).
 */
export const DEFAULT_FILES: Readonly<Record<string, string>> = {
  'two-class-flip.json': 'examples/two-class-flip.json',
  'dark-cat.png': 'models/demo/images/dark-cat.png',
  'dark-cat.mask.png': 'models/demo/images/dark-cat.mask.png',
};

/** A quick pick row's label (its first line; descriptions and details are elsewhere). */
const QUICK_PICK_LABEL = '.quick-input-list-rows > .quick-input-list-row:first-child .label-name';

/** How long the slow steps may take on a 2-core machine before the harness gives up. */
const TIMEOUTS = {
  /** code-server answering /healthz. */
  server: 60_000,
  /** The workbench DOM and the explorer listing the workspace. */
  workbench: 60_000,
  /** Contributed menu items appearing (the extension host scanning extensions). */
  menus: 45_000,
  /** Default for every other Playwright wait. */
  action: 30_000,
} as const;

/** What `openWorkbench` starts. */
export interface WorkbenchOptions {
  /** Names the artifacts folder (.test-artifacts/vscode/<name>); use the test's name. */
  readonly name: string;
  /**
   * 'disabled' (default): --disable-workspace-trust, every feature on. 'untrusted': workspace
   * trust enabled and the folder not trusted, so the window opens in Restricted Mode.
   */
  readonly trust?: 'disabled' | 'untrusted';
  /** Fixture files (workspace path -> repository path); DEFAULT_FILES when omitted. */
  readonly files?: Readonly<Record<string, string>>;
  /** User settings added to (or overriding) the harness's own. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

/** A running code-server with the VSIX installed and a Chromium page showing its workbench. */
export class Workbench {
  private closed = false;

  private constructor(
    /** The Playwright page of the workbench: for anything the helpers do not cover. */
    readonly page: Page,
    /** The fixture workspace folder (a temporary copy; tests may write into it). */
    readonly workspace: string,
    /** This workbench's artifacts folder. */
    readonly artifacts: string,
    private readonly browser: Browser,
    private readonly server: ChildProcess,
    private readonly temp: string,
    private readonly userDataDir: string,
  ) {}

  /** Starts everything; see WorkbenchOptions. Cleans up after itself when a step fails. */
  static async open(options: WorkbenchOptions): Promise<Workbench> {
    const codeServer = codeServerEntry();
    const vsix = vsixPath();
    const artifacts = join(ARTIFACTS, options.name.replace(/[^\w.-]+/g, '-'));
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    const temp = mkdtempSync(join(tmpdir(), 'propsweep-vscode-'));
    const dirs = {
      userData: join(temp, 'user-data'),
      extensions: join(temp, 'extensions'),
      workspace: join(temp, 'workspace'),
      // code-server keeps state under XDG folders: keep it out of the real home.
      xdgConfig: join(temp, 'xdg-config'),
      xdgData: join(temp, 'xdg-data'),
    };
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    let server: ChildProcess | undefined;
    let browser: Browser | undefined;
    let workbench: Workbench | undefined;
    try {
      await writeFixtureWorkspace(dirs.workspace, options.files ?? DEFAULT_FILES);
      await writeUserSettings(dirs.userData, options);
      const env = {
        ...process.env,
        XDG_CONFIG_HOME: dirs.xdgConfig,
        XDG_DATA_HOME: dirs.xdgData,
      };
      const common = ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
      installVsix(codeServer, vsix, common, env, artifacts);

      const port = await freePort();
      const config = join(temp, 'code-server.yaml');
      await writeFile(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
      const args = [
        codeServer,
        '--config',
        config,
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-getting-started-override',
        '--ignore-last-opened',
        ...(options.trust === 'untrusted' ? [] : ['--disable-workspace-trust']),
        ...common,
        dirs.workspace,
      ];
      const serverLog = join(artifacts, 'code-server.log');
      // Its own process group, so close() ends its extension host and our child processes too.
      server = spawn(process.execPath, args, { env, detached: true, stdio: 'pipe' });
      const log = (chunk: Buffer): void => {
        void appendFile(serverLog, chunk);
      };
      server.stdout?.on('data', log);
      server.stderr?.on('data', log);
      const url = `http://127.0.0.1:${port}`;
      await waitForServer(url, server, serverLog);

      browser = await chromium.launch({
        executablePath: chromiumPath(),
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      page.setDefaultTimeout(TIMEOUTS.action);
      const browserLog = join(artifacts, 'browser.log');
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') {
          void appendFile(browserLog, `[${message.type()}] ${message.text()}\n`);
        }
      });
      page.on('pageerror', (error) => {
        void appendFile(browserLog, `[pageerror] ${error.stack ?? error.message}\n`);
      });
      await page.goto(`${url}/?folder=${encodeURIComponent(dirs.workspace)}`);
      workbench = new Workbench(
        page,
        dirs.workspace,
        artifacts,
        browser,
        server,
        temp,
        dirs.userData,
      );
      await workbench.waitForWorkbench(
        Object.keys(options.files ?? DEFAULT_FILES)[0] ?? 'README.md',
      );
      return workbench;
    } catch (error) {
      if (workbench !== undefined) {
        // Started but never ready: keep what the window showed and the extension host's logs.
        await workbench.close(true);
      } else {
        await browser?.close().catch(() => undefined);
        if (server !== undefined) killGroup(server);
        rmSync(temp, { recursive: true, force: true });
      }
      throw error;
    }
  }

  /** The explorer row of a file or folder (the workspace's top level is expanded). */
  explorerItem(name: string): Locator {
    return this.page
      .locator('.explorer-folders-view .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exactly(name) }) });
  }

  /**
   * Clicks a file in the explorer (which selects it and opens it in a preview editor, as a user's
   * click does) and opens its context menu.
   */
  async rightClickExplorerItem(name: string): Promise<void> {
    const row = this.explorerItem(name);
    await row.scrollIntoViewIfNeeded();
    await row.click();
    await row.click({ button: 'right' });
    await this.page.locator('.monaco-menu').first().waitFor({ state: 'visible' });
  }

  /** The titles of the open context menu's items. */
  async menuItems(): Promise<string[]> {
    const labels = await this.page.locator('.monaco-menu .action-label').allInnerTexts();
    return labels.map((label) => label.trim()).filter((label) => label !== '');
  }

  /** Clicks an item of the open context menu, by its exact title, and waits for it to close. */
  async clickMenuItem(title: string): Promise<void> {
    const item = this.menuItem(title);
    const menu = this.page.locator('.monaco-menu').first();
    // A menu sometimes ignores a click that comes right after it opened (the item stays
    // highlighted, nothing runs). The menu closes when its action runs, so clicking again while
    // it is still open cannot run the action twice.
    for (let attempt = 1; ; attempt++) {
      await item.hover();
      await sleep(150);
      await item.click();
      const closed = await menu
        .waitFor({ state: 'hidden', timeout: 3_000 })
        .then(() => true)
        .catch(() => false);
      if (closed) return;
      await this.note(`the menu ignored click ${attempt} on "${title}"; clicking again`);
      if (attempt === 3) {
        throw new Error(`the context menu stayed open after 3 clicks on "${title}"`);
      }
    }
  }

  /** Closes an open menu, quick pick or dialog. */
  async escape(): Promise<void> {
    await this.page.keyboard.press('Escape');
  }

  /**
   * Right-clicks a file and clicks a menu item. Until the extension host has registered every
   * extension, contributed items are missing from the menu: this reopens the menu until the item
   * is there (a right-click a few seconds too early shows no contributed items).
   */
  async runExplorerCommand(name: string, title: string): Promise<void> {
    const items = await this.waitForMenuItem(name, title);
    if (!items.includes(title)) {
      throw new Error(
        `the context menu of ${name} has no "${title}" after ${TIMEOUTS.menus / 1000} s; ` +
          `it has: ${items.join(' | ')}. Is the extension installed and enabled? See ${this.artifacts}.`,
      );
    }
    await this.clickMenuItem(title);
  }

  /**
   * Opens the context menu of a file until it lists `title` or `timeoutMs` passes; returns the
   * items of the last menu and leaves it open. Use it to assert that an item is absent too.
   */
  async waitForMenuItem(
    name: string,
    title: string,
    timeoutMs: number = TIMEOUTS.menus,
  ): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.rightClickExplorerItem(name);
      const found = await this.menuItem(title)
        .waitFor({ state: 'visible', timeout: 2_000 })
        .then(() => true)
        .catch(() => false);
      const items = await this.menuItems();
      if (found || Date.now() > deadline) return items;
      await this.escape();
      await sleep(1_000);
    }
  }

  /** Runs a command from the command palette (F1), by the title it shows there. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    await this.pickQuickPickItem(title);
  }

  /** The visible rows of the open quick pick. */
  quickPickItems(): Locator {
    return this.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ visible: true });
  }

  /** The labels of the open quick pick's visible rows (not their descriptions or details). */
  async quickPickLabels(): Promise<string[]> {
    const labels = await this.quickPickItems().locator(QUICK_PICK_LABEL).allInnerTexts();
    return labels.map((label) => label.trim());
  }

  /**
   * Clicks the quick pick row labelled exactly `label` (codicons like `$(folder)` are not part of
   * the label). In a single-select pick that accepts it: this waits until the pick closes or the
   * next one (another title or placeholder) replaces it. In a multi-select pick it toggles the
   * row; prefer setQuickPickItemChecked there. Long lists are virtual: filterQuickPick first.
   */
  async pickQuickPickItem(label: string): Promise<void> {
    const prompt = await this.quickPickPrompt();
    const row = await this.quickPickRow(label);
    const multi = (await row.getAttribute('role')) === 'checkbox';
    // A row's hover (its detail as a tooltip) can cover the row below it: the mouse leaves the list
    // first, so no hover is showing when the click lands.
    await this.page.mouse.move(0, 0);
    await this.page
      .locator('.monaco-hover, .context-view .hover-contents')
      .first()
      .waitFor({ state: 'hidden', timeout: 5000 })
      .catch(() => undefined);
    await row.click();
    if (!multi) await this.waitForQuickPickToMoveOn(prompt);
  }

  /** In a multi-select quick pick, checks or unchecks the row labelled exactly `label`. */
  async setQuickPickItemChecked(label: string, checked: boolean): Promise<void> {
    const row = await this.quickPickRow(label);
    if ((await row.getAttribute('aria-checked')) !== String(checked)) {
      await row.locator('.monaco-checkbox').first().click();
    }
    const now = await row.getAttribute('aria-checked');
    if (now !== String(checked)) {
      throw new Error(`quick pick item "${label}" stayed ${now === 'true' ? '' : 'un'}checked`);
    }
  }

  /** The labels of the checked rows of a multi-select quick pick. */
  async checkedQuickPickItems(): Promise<string[]> {
    const rows = this.quickPickItems().and(this.page.locator('[aria-checked="true"]'));
    const labels = await rows.locator(QUICK_PICK_LABEL).allInnerTexts();
    return labels.map((label) => label.trim());
  }

  /** Types into the open quick pick's filter box (replacing what is there). */
  async filterQuickPick(text: string): Promise<void> {
    await this.page.locator('.quick-input-widget .quick-input-box input').fill(text);
  }

  /**
   * The title and placeholder of the open quick pick or input box ("title / placeholder"), to
   * assert which step of a flow is showing. Waits for one to open.
   */
  async quickPickPrompt(): Promise<string> {
    const widget = this.page.locator('.quick-input-widget');
    await widget.waitFor({ state: 'visible' });
    const title = (
      await widget
        .locator('.quick-input-title')
        .innerText()
        .catch(() => '')
    ).trim();
    const placeholder =
      (await widget.locator('.quick-input-box input').getAttribute('placeholder')) ?? '';
    return [title, placeholder].filter((part) => part !== '').join(' / ');
  }

  /**
   * Accepts the open quick pick or input box (Enter: the focused item of a single-select pick,
   * the checked items of a multi-select one, the text of an input box) and waits until it closes
   * or the next step replaces it.
   */
  async acceptQuickPick(): Promise<void> {
    const prompt = await this.quickPickPrompt();
    await this.page.locator('.quick-input-widget .quick-input-box input').press('Enter');
    await this.waitForQuickPickToMoveOn(prompt);
  }

  /**
   * Accepts VS Code's own save dialog (a quick input in the browser) at its default path, once
   * that path ends in `file`: the dialog fills it in after it shows, and an Enter before that
   * is lost (the dialog then stays open). Waits until the dialog is closed.
   */
  async acceptSaveDialog(file: RegExp): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    const input = widget.locator('.quick-input-box input');
    const deadline = Date.now() + TIMEOUTS.action;
    let value = '';
    while (Date.now() < deadline) {
      value = (await widget.isVisible()) ? await input.inputValue().catch(() => '') : '';
      if (file.test(value)) break;
      await sleep(100);
    }
    if (!file.test(value)) {
      throw new Error(`no save dialog at a path ending in ${String(file)} (it shows "${value}")`);
    }
    await input.press('Enter');
    while (Date.now() < deadline) {
      if (!(await widget.isVisible())) return;
      await sleep(100);
    }
    throw new Error(
      `the save dialog at "${value}" is still open ${TIMEOUTS.action / 1000} s later`,
    );
  }

  /**
   * The content of the visible webview of an extension: the two iframes VS Code nests around a
   * webview's HTML. Filtered by extension id because the image preview is a webview too.
   */
  webviewFrame(extensionId = EXTENSION_ID): FrameLocator {
    return this.webviewElement(extensionId).contentFrame().frameLocator('#active-frame');
  }

  /** The outer iframe element of an extension's visible webview. */
  webviewElement(extensionId = EXTENSION_ID): Locator {
    return this.page
      .locator(`iframe.webview.ready[src*="extensionId=${extensionId}"]`)
      .filter({ visible: true })
      .first();
  }

  /** Waits for a notification toast containing `text`; returns its message element. */
  async waitForNotification(
    text: string | RegExp,
    timeoutMs: number = TIMEOUTS.action,
  ): Promise<Locator> {
    const toast = this.page
      .locator('.notifications-toasts .notification-list-item-message')
      .filter({ hasText: text })
      .first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return toast;
  }

  /** The messages of the visible notification toasts. */
  async notifications(): Promise<string[]> {
    return this.page
      .locator('.notifications-toasts .notification-list-item-message')
      .allInnerTexts();
  }

  /**
   * Clicks the button labelled exactly `button` on the toast whose message contains `text` (a
   * progress notification's Cancel, an information message's action), waiting for the toast.
   */
  async clickNotificationButton(
    text: string | RegExp,
    button: string,
    timeoutMs: number = TIMEOUTS.action,
  ): Promise<void> {
    const toast = this.page
      .locator('.notifications-toasts .notification-list-item')
      .filter({ has: this.page.locator('.notification-list-item-message', { hasText: text }) })
      .first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    const buttons = toast.locator('.notification-list-item-buttons-container .monaco-button');
    const target = buttons.filter({ hasText: exactly(button) }).first();
    if ((await target.count()) === 0) {
      const labels = (await buttons.allInnerTexts()).map((label) => label.trim()).join(' | ');
      throw new Error(
        `the notification "${String(text)}" has no button "${button}"; it has: ${labels || '(none)'}`,
      );
    }
    await target.click();
  }

  /** The labels of the open editor tabs, in every editor group. */
  async tabs(): Promise<string[]> {
    const labels = await this.page.locator('.tabs-container .tab .label-name').allInnerTexts();
    return labels.map((label) => label.trim());
  }

  /**
   * Waits for a visible text editor whose visible lines match `pattern`, and returns those lines
   * (Monaco renders only the lines on screen; spaces come back as plain spaces).
   */
  async waitForEditorText(pattern: RegExp, timeoutMs: number = TIMEOUTS.action): Promise<string> {
    const editors = this.page.locator('.editor-group-container .monaco-editor .view-lines');
    const deadline = Date.now() + timeoutMs;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      seen = (await editors.allInnerTexts()).map((text) => text.replace(/\u00a0/g, ' '));
      const match = seen.find((text) => pattern.test(text));
      if (match !== undefined) return match;
      await sleep(250);
    }
    throw new Error(
      `no editor shows ${String(pattern)} after ${timeoutMs / 1000} s; tabs: ` +
        `${(await this.tabs()).join(' | ') || '(none)'}; editors: ${seen.map((t) => t.slice(0, 200)).join(' || ') || '(none)'}`,
    );
  }

  /** Whether the window is in Restricted Mode (its banner or status bar item says so). */
  async restrictedModeShown(timeoutMs = 10_000): Promise<boolean> {
    return this.page
      .locator('.part.banner, .statusbar-item')
      .filter({ hasText: /Restricted Mode/ })
      .first()
      .waitFor({ state: 'visible', timeout: timeoutMs })
      .then(() => true)
      .catch(() => false);
  }

  /** Saves a screenshot of the whole workbench as <artifacts>/<name>.png; returns its path. */
  async screenshot(name: string): Promise<string> {
    const path = join(this.artifacts, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  /**
   * Saves a screenshot of our visible webview only (larger than in the whole window); returns its
   * path.
   */
  async screenshotWebview(name: string, extensionId = EXTENSION_ID): Promise<string> {
    const path = join(this.artifacts, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.webviewElement(extensionId).screenshot({ path });
    return path;
  }

  /**
   * Saves a screenshot of our whole webview, chart and score cards included: the window is made
   * tall enough for the panel not to scroll, then restored. docs/panel.png (the README's picture)
   * is this screenshot of the demo run.
   */
  async screenshotWebviewWhole(name: string, extensionId = EXTENSION_ID): Promise<string> {
    const before = this.page.viewportSize() ?? { width: 1440, height: 900 };
    await this.page.setViewportSize({ width: before.width, height: 2600 });
    try {
      // Let the workbench lay out again and the chart redraw at its new size.
      await this.page.waitForTimeout(1500);
      return await this.screenshotWebview(name, extensionId);
    } finally {
      await this.page.setViewportSize(before);
    }
  }

  /**
   * Resizes the window until our visible webview is `width` x `height` CSS pixels (a side panel
   * beside the code) and returns the size reached. The editor groups share any change of the
   * window's width, so each round corrects by the rate the last one measured (secant method).
   */
  async resizeWebviewTo(
    width: number,
    height: number,
    extensionId = EXTENSION_ID,
  ): Promise<{ width: number; height: number }> {
    const element = this.webviewElement(extensionId);
    let window = this.page.viewportSize() ?? { width: 1440, height: 900 };
    let box = await settledBox(element);
    const rate = { x: 0.5, y: 1 };
    for (let round = 0; round < 8; round++) {
      const dx = width - box.width;
      const dy = height - box.height;
      if (Math.abs(dx) < 0.5 && Math.abs(dy) < 0.5) break;
      const next = {
        width: Math.max(400, Math.round(window.width + dx / rate.x)),
        height: Math.max(300, Math.round(window.height + dy / rate.y)),
      };
      await this.page.setViewportSize(next);
      const after = await settledBox(element);
      if (next.width !== window.width && after.width !== box.width)
        rate.x = (after.width - box.width) / (next.width - window.width);
      if (next.height !== window.height && after.height !== box.height)
        rate.y = (after.height - box.height) / (next.height - window.height);
      window = next;
      box = after;
    }
    await this.note(
      `webview resized to ${box.width}x${box.height} (window ${window.width}x${window.height})`,
    );
    return { width: Math.round(box.width), height: Math.round(box.height) };
  }

  /**
   * Closes the browser and kills code-server with everything it started; keeps the logs (and a
   * `failure.png` when `failed`) in the artifacts folder. Safe to call twice.
   */
  async close(failed = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (failed) await this.screenshot('failure').catch(() => undefined);
      await this.browser.close().catch(() => undefined);
    } finally {
      killGroup(this.server);
      // The extension host's logs (our output channel included) help more than any stack trace.
      const logs = join(this.userDataDir, 'logs');
      if (existsSync(logs)) cpSync(logs, join(this.artifacts, 'logs'), { recursive: true });
      rmSync(this.temp, { recursive: true, force: true });
    }
  }

  /**
   * Waits until the PropSweep output channel's log file (VS Code writes it under the user data's
   * logs/) holds a line matching `pattern`; returns that line.
   */
  async waitForLogLine(pattern: RegExp): Promise<string> {
    const deadline = Date.now() + TIMEOUTS.action;
    for (;;) {
      const line = logFiles(join(this.userDataDir, 'logs'))
        .filter((path) => basename(path).includes('PropSweep'))
        .flatMap((path) => readFileSync(path, 'utf8').split('\n'))
        .find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (Date.now() > deadline) {
        throw new Error(`no line matching ${String(pattern)} in PropSweep's log`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Appends a line to <artifacts>/harness.log: what the harness had to work around. */
  private async note(line: string): Promise<void> {
    await appendFile(join(this.artifacts, 'harness.log'), `${new Date().toISOString()} ${line}\n`);
  }

  private async quickPickRow(label: string): Promise<Locator> {
    await this.page.locator('.quick-input-widget').waitFor({ state: 'visible' });
    const row = this.quickPickItems()
      .filter({ has: this.page.locator(QUICK_PICK_LABEL, { hasText: exactly(label) }) })
      .first();
    try {
      await row.waitFor({ state: 'visible' });
    } catch (error) {
      const labels = await this.quickPickLabels().catch(() => []);
      throw new Error(
        `no quick pick item "${label}" in "${await this.quickPickPrompt().catch(() => '?')}"; ` +
          `it shows: ${labels.join(' | ') || '(nothing)'}`,
        { cause: error },
      );
    }
    return row;
  }

  /** Waits until the quick pick that showed `prompt` is closed or shows another prompt. */
  private async waitForQuickPickToMoveOn(prompt: string): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    const deadline = Date.now() + TIMEOUTS.action;
    while (Date.now() < deadline) {
      if (!(await widget.isVisible())) return;
      const now = await this.quickPickPrompt().catch(() => '');
      if (now !== prompt) return;
      await sleep(100);
    }
    throw new Error(`the quick pick "${prompt}" is still open ${TIMEOUTS.action / 1000} s later`);
  }

  private menuItem(title: string): Locator {
    return this.page
      .locator('.monaco-menu .action-item:not(.disabled) .action-label')
      .filter({ hasText: exactly(title) })
      .first();
  }

  private async waitForWorkbench(firstFile: string): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: TIMEOUTS.workbench });
    try {
      await this.explorerItem(firstFile).waitFor({ timeout: TIMEOUTS.workbench });
    } catch (error) {
      throw new Error(
        `the workbench opened but its explorer never listed ${firstFile}. See ${this.artifacts}.`,
        { cause: error },
      );
    }
  }
}

/** Starts a workbench (see Workbench.open). */
export function openWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  return Workbench.open(options);
}

/**
 * Runs `body` with a fresh workbench and always closes it, keeping a failure screenshot when the
 * body throws.
 */
export async function withWorkbench<T>(
  options: WorkbenchOptions,
  body: (wb: Workbench) => Promise<T>,
): Promise<T> {
  const wb = await openWorkbench(options);
  let failed = true;
  try {
    const result = await body(wb);
    failed = false;
    return result;
  } finally {
    await wb.close(failed);
  }
}

/** An element's box once the layout has settled (two equal reads in a row), in page pixels. */
export async function settledBox(
  locator: Locator,
): Promise<{ x: number; y: number; width: number; height: number }> {
  const deadline = Date.now() + TIMEOUTS.action;
  let last = '';
  while (Date.now() < deadline) {
    await sleep(150);
    const box = await locator.boundingBox();
    const key = JSON.stringify(box);
    if (box !== null && key === last) return box;
    last = key;
  }
  throw new Error(`the element's box did not settle in ${TIMEOUTS.action / 1000} s (last ${last})`);
}

/** A regular expression matching exactly `text` (trimmed). */
export function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

function codeServerEntry(): string {
  const dir =
    process.env.PROPSWEEP_CODE_SERVER ??
    join(
      process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
      'propsweep-e2e',
      'code-server-4.100.3',
    );
  const entry = join(dir, 'out', 'node', 'entry.js');
  if (!existsSync(join(dir, '.propsweep-complete.json')) || !existsSync(entry)) {
    throw new Error(
      `no complete code-server install at ${dir}. Run \`npm run test:vscode\` (it installs it), ` +
        'or `node scripts/e2e/codeServer.mjs`, or set PROPSWEEP_CODE_SERVER to an install.',
    );
  }
  return entry;
}

function vsixPath(): string {
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const path =
    process.env.PROPSWEEP_VSIX ??
    join(REPO, `${manifest.name}-${manifest.version}-${process.platform}-${process.arch}.vsix`);
  if (!existsSync(path)) {
    throw new Error(
      `no VSIX at ${path}. Run \`npm run test:vscode\` (it packages one) or \`npm run package\`, ` +
        'or set PROPSWEEP_VSIX.',
    );
  }
  return path;
}

function chromiumPath(): string {
  const path = process.env.PROPSWEEP_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `no Chromium at ${path}. Install it (apt-get install -y chromium; node ` +
        'scripts/e2e/codeServer.mjs does) or set PROPSWEEP_CHROMIUM.',
    );
  }
  return path;
}

async function writeFixtureWorkspace(
  workspace: string,
  files: Readonly<Record<string, string>>,
): Promise<void> {
  for (const [target, source] of Object.entries(files)) {
    const path = join(workspace, target);
    mkdirSync(dirname(path), { recursive: true });
    cpSync(join(REPO, source), path);
  }
  await writeFile(
    join(workspace, 'README.md'),
    '# PropSweep test workspace\n\nFixture files copied from the repository by test/vscode/harness.ts.\n',
  );
}

/** Every file under `dir` (none when it does not exist). */
function logFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

async function writeUserSettings(userData: string, options: WorkbenchOptions): Promise<void> {
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'git.enabled': false,
    'security.workspace.trust.enabled': options.trust === 'untrusted',
    // Restricted Mode without the modal "Do you trust the authors?" dialog.
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.banner': 'always',
    ...options.settings,
  };
  const dir = join(userData, 'User');
  mkdirSync(dir, { recursive: true });
  await writeFile(join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}

function installVsix(
  codeServer: string,
  vsix: string,
  common: string[],
  env: NodeJS.ProcessEnv,
  artifacts: string,
): void {
  const args = [codeServer, ...common, '--install-extension', vsix, '--force'];
  const result = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 120_000 });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(
      `code-server --install-extension ${vsix} failed (exit ${String(result.status)}` +
        `${result.error ? `, ${result.error.message}` : ''}):\n${output.trim()}\n` +
        `Artifacts: ${artifacts}`,
    );
  }
}

async function waitForServer(url: string, server: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + TIMEOUTS.server;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(
        `code-server exited (${String(server.exitCode ?? server.signalCode)}):\n${tail(log)}`,
      );
    }
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(
    `code-server did not answer ${url}/healthz in ${TIMEOUTS.server / 1000} s:\n${tail(log)}`,
  );
}

function tail(path: string): string {
  if (!existsSync(path) || statSync(path).size === 0) return '(no output)';
  return readFileSync(path, 'utf8').trim().split('\n').slice(-20).join('\n');
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (address !== null && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

/** Ends code-server's process group: the server, its extension host and their children. */
function killGroup(server: ChildProcess): void {
  // Even when code-server itself has exited: its extension host may still run.
  if (server.pid === undefined) return;
  try {
    process.kill(-server.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}
