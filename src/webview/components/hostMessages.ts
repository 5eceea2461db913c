// How both panels' scripts receive the host's messages: everything that arrives is checked
// first; a refused message is said in the panel and reported to the host (which logs and shows
// it), and a snapshot that passed the checks but still breaks rendering is said in the panel.
import { MAX_REASON_LENGTH, type Checked } from '../../shared/protocol';
import { el } from './dom';

/** Shows a snapshot with `draw`; when drawing throws, says in the panel that `what` cannot be shown. */
export type Render = (draw: () => void, what: string) => void;

/**
 * Listens to the host: each message is checked by `check`; a refused one is said over `root` and
 * reported with `refuse` (its reason shortened to what the protocol allows); an accepted one goes
 * to `receive`.
 */
export function receiveFromHost<M>(
  root: HTMLElement,
  check: (x: unknown) => Checked<M>,
  refuse: (reason: string) => void,
  receive: (message: M, render: Render) => void,
): void {
  const renderError = el('div', { class: 'status error', role: 'alert' });
  const render: Render = (draw, what) => {
    renderError.remove();
    try {
      draw();
    } catch (e) {
      console.error('propsweep: the panel could not render the snapshot', e);
      renderError.textContent = `The panel could not show ${what}: ${e instanceof Error ? e.message : String(e)}`;
      root.prepend(renderError);
    }
  };
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const checked = check(event.data);
    if (!checked.ok) {
      console.warn('propsweep: refused a message from the host', checked.problem, event.data);
      renderError.textContent = `The panel could not show an update: ${checked.problem}.`;
      root.prepend(renderError);
      refuse(checked.problem.slice(0, MAX_REASON_LENGTH - 1));
      return;
    }
    receive(checked.message, render);
  });
}
