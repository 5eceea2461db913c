import { stat } from 'node:fs/promises';

/** Whether something (a file, a folder) is at `path`; false too when it cannot be looked at. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
