/** File-system questions several layers ask. Imports nothing. */

/** Whether something (a file, a directory, a link) is at `path`; other errors are thrown. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
