// The aggregate panel's snapshot and the page it goes to. A page asks for the snapshot with
// `folder/ready` once it can receive it, so a change made before that is not sent (the page gets it
// when it asks); after that each change is sent once. Without VS Code: tested with a fake post.
import {
  EMPTY_FOLDER_SNAPSHOT,
  FOLDER_PROTOCOL_VERSION,
  type FolderHostMessage,
  type FolderSnapshot,
} from '../../shared/folderProtocol';

/** What the aggregate panel shows, sent once per change to the page that asked for it. */
export class FolderSnapshots {
  private current: FolderSnapshot = EMPTY_FOLDER_SNAPSHOT;
  /** Whether the page shown now said `folder/ready`. */
  private asked = false;

  constructor(private readonly post: (message: FolderHostMessage) => Thenable<boolean>) {}

  /** The snapshot the page has, or gets when it asks. */
  get snapshot(): FolderSnapshot {
    return this.current;
  }

  /** A new page is loading (the webview's html was set): it gets the snapshot when it asks. */
  newPage(): void {
    this.asked = false;
  }

  /** The page asked (`folder/ready`): sends it the snapshot. */
  ready(): Thenable<boolean> {
    this.asked = true;
    return this.send();
  }

  /** Changes the snapshot: sent now to a page that has asked, else when the page asks. */
  update(change: Partial<FolderSnapshot>): void {
    this.current = { ...this.current, ...change };
    if (this.asked) void this.send();
  }

  private send(): Thenable<boolean> {
    return this.post({
      type: 'folder/snapshot',
      version: FOLDER_PROTOCOL_VERSION,
      snapshot: this.current,
    });
  }
}
