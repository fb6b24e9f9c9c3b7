/**
 * Fetches artifacts from Maven Central with the machine's `mvn`, which caches them in `~/.m2`,
 * so a second run of the harness downloads nothing.
 */

const DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";

// Maven's local repository is not safe for concurrent writers: two `mvn` processes fetching the
// same plugin jar on a fresh machine race on its `.part` file and one fails. Nodes start in
// parallel, so their Maven calls queue here, one at a time.
let mavenQueue: Promise<unknown> = Promise.resolve();

/** Runs `mvn` with `args`, one call at a time; throws with the Maven errors when it fails. */
export function runMaven(args: string[], what: string): Promise<void> {
  const turn = mavenQueue.then(() => runMavenNow(args, what));
  mavenQueue = turn.catch(() => {});
  return turn;
}

async function runMavenNow(args: string[], what: string): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("mvn", {
      args: ["-B", "-ntp", ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error("mvn is not installed; fix: apt-get install -y maven");
    }
    throw error;
  }
  if (!output.success) {
    const log = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    const errors = log.split("\n").filter((line) => line.startsWith("[ERROR]")).slice(0, 4);
    throw new Error(`mvn could not fetch ${what}:\n${errors.join("\n")}`);
  }
}

/**
 * Copies one artifact (`group:artifact:version[:type[:classifier]]`) into `directory` and
 * returns the file's path. Pinning the 3.x plugin matters: Debian's Maven would otherwise pick
 * 2.8, whose `copy` goal needs a project. Concurrent callers of one artifact (es8 and es8sec
 * share a distribution) share one copy: a second would rewrite the file under the first's unzip.
 */
export function copyArtifact(coordinates: string, directory: string): Promise<string> {
  const key = `${coordinates} ${directory}`;
  let copy = copies.get(key);
  if (!copy) {
    copy = copyArtifactOnce(coordinates, directory);
    copies.set(key, copy);
    copy.catch(() => copies.delete(key));
  }
  return copy;
}

const copies = new Map<string, Promise<string>>();

async function copyArtifactOnce(coordinates: string, directory: string): Promise<string> {
  const [, artifact, version, type = "jar", classifier] = coordinates.split(":");
  const file = `${directory}/${artifact}-${version}${classifier ? `-${classifier}` : ""}.${type}`;
  try {
    await Deno.stat(file);
    return file;
  } catch {
    // Not there yet: fetch it.
  }
  await Deno.mkdir(directory, { recursive: true });
  await runMaven(
    [`${DEPENDENCY_PLUGIN}:copy`, `-Dartifact=${coordinates}`, `-DoutputDirectory=${directory}`],
    coordinates,
  );
  return file;
}

/**
 * Copies `coordinates` and its runtime dependencies into `directory` (through a throwaway pom,
 * since `copy` does not follow dependencies).
 */
export async function copyWithDependencies(
  coordinates: string,
  directory: string,
  workDirectory: string,
): Promise<void> {
  const [group, artifact, version] = coordinates.split(":");
  await Deno.mkdir(workDirectory, { recursive: true });
  const pom = `${workDirectory}/pom.xml`;
  await Deno.writeTextFile(
    pom,
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>local.fetch-migration</groupId><artifactId>module-${artifact}</artifactId>
<version>1</version><packaging>pom</packaging><dependencies><dependency>
<groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version>
</dependency></dependencies></project>
`,
  );
  await runMaven(
    [
      "-f",
      pom,
      `${DEPENDENCY_PLUGIN}:copy-dependencies`,
      `-DoutputDirectory=${directory}`,
      "-DincludeScope=runtime",
    ],
    `${coordinates} with its dependencies`,
  );
}
