// Explain Property Across Images runs with every setting Explain Property would use for one image
// of the same choices: its request is the single image's request less that image's own fields,
// plus the folder's. Derived, not copied field by field, so a setting added to the one is never
// silently left out of the other.
import type { ExplainFolderRun } from '../../shared/childProtocol';
import type { RunRequest } from '../panel/panelRun';

/** A folder run to start: everything but what the child adds. */
export type FolderRequest = Omit<ExplainFolderRun, 'type'>;

/**
 * The fields of a single image's request that are that image's own: those a folder run does not
 * take at all, and the name and output folder it has its own of.
 */
type ImageOnly = Exclude<keyof RunRequest, keyof FolderRequest> | 'name' | 'outDir';

/** What a folder run adds to the settings it shares with a single image's run. */
export type FolderFields = Omit<FolderRequest, Exclude<keyof RunRequest, ImageOnly>>;

/**
 * Every ImageOnly field, so that the request's other fields are copied as they are. Typed as a
 * record of exactly those keys: a field the folder request stops taking fails to compile here
 * until it is listed, rather than travelling unnoticed to the child.
 */
const IMAGE_ONLY: Readonly<Record<ImageOnly, true>> = {
  image: true,
  mask: true,
  name: true,
  outDir: true,
  preview: true,
  track: true,
};

/** The folder run of `single`'s settings: all but the image's own fields, plus the folder's. */
export function folderRequest(single: RunRequest, folder: FolderFields): FolderRequest {
  const shared = Object.fromEntries(
    Object.entries(single).filter(([key]) => !Object.hasOwn(IMAGE_ONLY, key)),
  ) as Omit<RunRequest, ImageOnly>;
  return { ...shared, ...folder };
}
