// The aggregate panel's script (dist/folderWebview.js). It says `folder/ready`, then renders every
// snapshot the host sends, answers `folder/requestPng` with the panel drawn as PNG, and settles
// its requests with the host's `folder/answer`. Everything that arrives is checked first; a
// refused message is said in the panel and reported to the host (`folder/invalid`).
import '../components/elements';

import { checkFolderHostMessage } from '../../shared/folderProtocol';
import { assertNever, MAX_REASON_LENGTH } from '../../shared/protocol';
import { el } from '../components/dom';
import { acquireFolderApi } from './folderApi';
import { FolderView } from './folderView';

const api = acquireFolderApi();
const root = document.getElementById('app') ?? document.body.appendChild(el('main', { id: 'app' }));
const view = new FolderView(root, api);
const renderError = el('div', { class: 'status error', role: 'alert' });

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const checked = checkFolderHostMessage(event.data);
  if (!checked.ok) {
    console.warn('propsweep: refused a message from the host', checked.problem);
    renderError.textContent = `The panel could not show an update: ${checked.problem}.`;
    root.prepend(renderError);
    api.postMessage({
      type: 'folder/invalid',
      reason: checked.problem.slice(0, MAX_REASON_LENGTH - 1),
    });
    return;
  }
  const message = checked.message;
  switch (message.type) {
    case 'folder/snapshot':
      renderError.remove();
      try {
        view.render(message.snapshot);
      } catch (e) {
        // A file that passed validation but still breaks rendering: say so in the panel.
        console.error('propsweep: the panel could not render the snapshot', e);
        renderError.textContent = `The panel could not show this folder run: ${e instanceof Error ? e.message : String(e)}`;
        root.prepend(renderError);
      }
      break;
    case 'folder/requestPng':
      void view.exportPng();
      break;
    case 'folder/answer':
      view.answered(message.id, message.ok);
      break;
    default:
      assertNever(message);
  }
});

api.postMessage({ type: 'folder/ready' });
