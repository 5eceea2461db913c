// File-name extensions of the images propsweep reads: the one list behind the file pickers, the
// sequence folders and the Explain Property menus (package.json's `resourceExtname` regex spells
// the same list; a unit test keeps the two equal). Which decoder a file needs still comes from
// its bytes (src/extension/images/formats.ts), not from its name.

/** Extensions of the readable formats, lower case, without the dot. */
export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'bmp'] as const;

/** Whether `path` ends in one of IMAGE_EXTENSIONS (any case). */
export function hasImageExtension(path: string): boolean {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/') || dot < path.lastIndexOf('\\')) return false;
  return (IMAGE_EXTENSIONS as readonly string[]).includes(path.slice(dot + 1).toLowerCase());
}
