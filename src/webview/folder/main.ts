// The aggregate panel's script (dist/folderWebview.js). It says `folder/ready`, then renders every
// snapshot the host sends, and settles its requests (open an image, the exports) with the host's
// `folder/answer`. Everything that arrives is checked first; a
// refused message is said in the panel and reported to the host (`folder/invalid`).
import '../components/elements';

import { checkFolderHostMessage } from '../../shared/folderProtocol';
import { assertNever } from '../../shared/protocol';
import { el } from '../components/dom';
import { receiveFromHost } from '../components/hostMessages';
import { acquireFolderApi } from './folderApi';
import { FolderView } from './folderView';

const api = acquireFolderApi();
const root = document.getElementById('app') ?? document.body.appendChild(el('main', { id: 'app' }));
const view = new FolderView(root, api);

receiveFromHost(
  root,
  checkFolderHostMessage,
  (reason) => {
    api.postMessage({ type: 'folder/invalid', reason });
  },
  (message, render) => {
    switch (message.type) {
      case 'folder/snapshot':
        // A file that passed validation but still breaks rendering is said in the panel.
        render(() => {
          view.render(message.snapshot);
        }, 'this folder run');
        break;
      case 'folder/answer':
        view.answered(message.id, message.ok);
        break;
      default:
        assertNever(message);
    }
  },
);

api.postMessage({ type: 'folder/ready' });
