// The panel's script (dist/webview.js). It says `panel/ready`, then renders every snapshot the
// host sends and answers `panel/requestPng` with the panel drawn as PNG. Everything that arrives
// is checked with isHostMessage first; rendering uses DOM calls only, never innerHTML.
import '../components/elements';

import { assertNever, isHostMessage } from '../../shared/protocol';
import { el } from '../components/dom';
import { PanelView } from './panelView';
import { acquireApi } from './vscodeApi';

const api = acquireApi();
const root = document.getElementById('app') ?? document.body.appendChild(el('main', { id: 'app' }));
const view = new PanelView(root, api);
const renderError = el('div', { class: 'status error', role: 'alert' });

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostMessage(message)) {
    console.warn('propsweep: ignored a message that is not a valid host message', message);
    return;
  }
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
    default:
      assertNever(message);
  }
});

api.postMessage({ type: 'panel/ready' });
