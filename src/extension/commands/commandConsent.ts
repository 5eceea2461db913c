// Consent before a classifier command runs. A command is a program of the user's (or of a cloned
// repository's settings), so it never runs in a restricted workspace, and before a command line
// first runs in a workspace VS Code shows it (program, arguments, working folder) and asks. The
// answer is remembered per workspace, keyed by the exact command line as configured (with its
// `{checkpoint}` placeholder, so each new checkpoint of a watch does not ask again) and its working
// folder: a changed command asks again. Pure: the memory and the question come in as interfaces,
// so tests pass fakes; VS Code's workspaceState and modal message are passed by the panel.
import { dirname } from 'node:path';

import type { CommandModelSpec, ModelSpec } from '../../shared/childProtocol';
import { CHECKPOINT_PLACEHOLDER, commandLine, namesCheckpoint } from './classifierEntries';

/** What the consent needs of `vscode.Memento` (the workspace's state). */
export interface ConsentMemory {
  get(key: string): unknown;
  update(key: string, value: unknown): Thenable<void>;
}

/** The question shown before a command first runs. */
export interface CommandQuestion {
  /** "Run this classifier command?" */
  readonly message: string;
  /** The command line, the working folder and what `{checkpoint}` becomes. */
  readonly detail: string;
}

/** Asks the user (a modal message with Run); true when they chose Run. */
export type AskConsent = (question: CommandQuestion) => Promise<boolean>;

/** Where the consented command lines are kept in the workspace state. */
export const CONSENT_STATE_KEY = 'propsweep.commandConsent';

/** The most command lines remembered per workspace (the oldest are forgotten first). */
export const MAX_CONSENTS = 100;

/** Whether the commands of a run may run: 'restricted' in an untrusted workspace. */
export type Consent = 'allowed' | 'declined' | 'restricted';

/** What identifies a command's consent: its exact words and working folder. */
export function consentId(spec: CommandModelSpec): string {
  return JSON.stringify([spec.command, spec.cwd ?? null]);
}

/** The question for one command (its line, folder and checkpoint as the child will run them). */
export function commandQuestion(spec: CommandModelSpec): CommandQuestion {
  const cwd =
    spec.cwd ??
    (spec.checkpoint === undefined
      ? "the extension host's current folder"
      : `${dirname(spec.checkpoint)} (the checkpoint's folder)`);
  const checkpoint =
    spec.checkpoint !== undefined && namesCheckpoint(spec.command)
      ? `\n\n${CHECKPOINT_PLACEHOLDER} is replaced by the checkpoint file (now ${spec.checkpoint}).`
      : '';
  return {
    message: 'Run this classifier command?',
    detail: `${commandLine(spec.command)}\n\nin ${cwd}${checkpoint}\n\nPropSweep runs it without a shell, as your user, to classify the edited images. It asks again when the command or its folder changes.`,
  };
}

/**
 * Whether the run of `models` may start: every command in it runs only in a trusted workspace,
 * and only once the user has said Run to its command line in this workspace (asked here, once
 * per distinct line, remembered on Run). Runs without commands are allowed as they are.
 */
export async function confirmCommands(
  models: readonly ModelSpec[],
  trusted: boolean,
  memory: ConsentMemory,
  ask: AskConsent,
): Promise<Consent> {
  const commands = models.filter((m): m is CommandModelSpec => m.kind === 'command');
  if (commands.length === 0) return 'allowed';
  if (!trusted) return 'restricted';
  const stored = memory.get(CONSENT_STATE_KEY);
  const known = Array.isArray(stored) ? stored.filter((s) => typeof s === 'string') : [];
  const asked = new Set<string>();
  for (const spec of commands) {
    const id = consentId(spec);
    if (known.includes(id) || asked.has(id)) continue;
    if (!(await ask(commandQuestion(spec)))) return 'declined';
    asked.add(id);
    known.push(id);
    await memory.update(CONSENT_STATE_KEY, known.slice(-MAX_CONSENTS));
  }
  return 'allowed';
}
