/** The two process and file helpers every harness module needs. */

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
