/** The process, file and port helpers the harness modules share. */

/** How to install a missing tool, for the error message. */
const INSTALL_HINTS: Record<string, string> = {
  unzip: "apt-get install -y unzip",
  openssl: "apt-get install -y openssl",
  mvn: "apt-get install -y maven",
};

/** Whether a path exists (any error reading it counts as no). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Where `command` is on PATH, if it is. */
export async function onPath(command: string): Promise<string | undefined> {
  const which = await new Deno.Command("sh", {
    args: ["-c", `command -v ${command}`],
    stdout: "piped",
    stderr: "null",
  }).output();
  const found = new TextDecoder().decode(which.stdout).trim();
  return which.success && found ? found : undefined;
}

/**
 * Runs `body` holding an exclusive lock on the file `path` (created if missing), so that one
 * process at a time does it; closing the file releases the lock, also when this process dies.
 */
export async function withLock<T>(path: string, body: () => Promise<T>): Promise<T> {
  const file = await Deno.open(path, { create: true, write: true });
  try {
    await file.lock(true);
    return await body();
  } finally {
    file.close();
  }
}

/** Whether nothing listens on `port` of 127.0.0.1. */
export function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return false;
    throw error;
  }
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a command to completion; throws naming `what` and the command's stderr when it fails. */
export async function run(command: string, args: string[], what: string): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      const hint = INSTALL_HINTS[command];
      throw new Error(`${command} is not installed${hint ? `; fix: ${hint}` : ""}`);
    }
    throw error;
  }
  if (!output.success) {
    throw new Error(`${what} failed: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
  return new TextDecoder().decode(output.stdout);
}
