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

/**
 * Writes `text` to `path` readable by its owner only: through a temporary file in the same
 * directory, made 0600 before any byte is written, then renamed into place, so a crash leaves
 * the old file or the new one, never half of one. The temporary file is removed on failure.
 */
export async function writePrivateFile(
  path: string,
  text: string,
  temporaryName: { prefix: string; suffix: string } = {
    prefix: ".fetch-migration-",
    suffix: ".tmp",
  },
): Promise<void> {
  const directory = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) || "/" : ".";
  const temporary = await Deno.makeTempFile({ dir: directory, ...temporaryName });
  try {
    await Deno.chmod(temporary, 0o600);
    await Deno.writeTextFile(temporary, text);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}
