// The panel's script (dist/webview.js). It says `panel/ready`, then renders every snapshot the
// host sends and answers `panel/requestPng` with the panel drawn as PNG. Everything that arrives
// is checked first; a refused message is said in the panel and reported to the host
// (`panel/invalid`), which logs and shows it. Rendering uses DOM calls only, never innerHTML.
import '../components/elements';

import { assertNever, checkHostMessage, MAX_REASON_LENGTH } from '../../shared/protocol';
import { el } from '../components/dom';
import { PanelView } from './panelView';
import { acquireApi } from './vscodeApi';

const api = acquireApi();
const root = document.getElementById('app') ?? document.body.appendChild(el('main', { id: 'app' }));
const view = new PanelView(root, api);
const renderError = el('div', { class: 'status error', role: 'alert' });

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const checked = checkHostMessage(event.data);
  if (!checked.ok) {
    console.warn('propsweep: refused a message from the host', checked.problem, event.data);
    renderError.textContent = `The panel could not show an update: ${checked.problem}.`;
    root.prepend(renderError);
    api.postMessage({
      type: 'panel/invalid',
      reason: checked.problem.slice(0, MAX_REASON_LENGTH - 1),
    });
    return;
  }
  const message = checked.message;
  switch (message.type) {
    case 'panel/snapshot':
      renderError.remove();
      try {
        view.render(message.snapshot);
      } catch (e) {
        // A result that passed validation but still breaks rendering: say so in the panel.
        console.error('propsweep: the panel could not render the snapshot', e);
        renderError.textContent = `The panel could not show this result: ${e instanceof Error ? e.message : String(e)}`;
        root.prepend(renderError);
      }
      break;
    case 'panel/requestPng':
      void view.exportPng();
      break;
    case 'panel/previewFrames':
      view.setPreviewFrames(message.id, message.frames);
      break;
    default:
      assertNever(message);
  }
});

api.postMessage({ type: 'panel/ready' });
