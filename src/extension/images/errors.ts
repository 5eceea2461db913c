/**
 * An image or mask file propsweep cannot use: missing, a folder, empty, corrupt, truncated, too
 * large, the wrong size or in a format it does not read. The message names the file, says what
 * happened and what to do (e.g. "re-export it as PNG").
 */
export class ImageInputError extends Error {
  override readonly name = 'ImageInputError';
}
