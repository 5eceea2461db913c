// The panel's script (dist/webview.js). It says `panel/ready`, then renders every snapshot the
// host sends, and the frames of a run's preview. Everything that arrives
// is checked first; a refused message is said in the panel and reported to the host
// (`panel/invalid`), which logs and shows it. Rendering uses DOM calls only, never innerHTML.
import '../components/elements';

import { assertNever, checkHostMessage } from '../../shared/protocol';
import { el } from '../components/dom';
import { receiveFromHost } from '../components/hostMessages';
import { PanelView } from './panelView';
import { acquireApi } from './vscodeApi';

const api = acquireApi();
const root = document.getElementById('app') ?? document.body.appendChild(el('main', { id: 'app' }));
const view = new PanelView(root, api);

receiveFromHost(
  root,
  checkHostMessage,
  (reason) => {
    api.postMessage({ type: 'panel/invalid', reason });
  },
  (message, render) => {
    switch (message.type) {
      case 'panel/snapshot':
        // A result that passed validation but still breaks rendering is said in the panel.
        render(() => {
          view.render(message.snapshot);
        }, 'this result');
        break;
      case 'panel/previewFrames':
        view.setPreviewFrames(message.id, message.frames);
        break;
      default:
        assertNever(message);
    }
  },
);

api.postMessage({ type: 'panel/ready' });
