/**
 * `deno task dataprepper install|status`: assembles Data Prepper from its Maven Central jars into
 * `.test-clusters/data-prepper/` with the layout of the official tarball (`bin/data-prepper`,
 * `config/`, `pipelines/`, `lib/`), so the original orchestrator's
 * `<data-prepper-dir>/bin/data-prepper` convention works unchanged.
 *
 * Maven resolves the jars from a generated throwaway pom. `data-prepper-main` is taken without
 * its dependencies: its pom depends on the aggregate `data-prepper-plugins` project, which is not
 * published, and would pull in every plugin anyway. The engine comes from `data-prepper-core`,
 * the opensearch source and sink from the `opensearch` plugin, the credentials extension both
 * of them require from `aws-plugin`, and the default `in_memory` coordination store from its
 * own plugin.
 *
 * `deno task dataprepper standin` builds `.test-clusters/data-prepper-standin/` instead: a home
 * with Data Prepper's layout whose `bin/data-prepper` runs this project's native engine on the
 * pipeline file in `pipelines/`, serving Data Prepper's interface (`/metrics/prometheus`,
 * `/shutdown`, `/list`) on the `serverPort` of `config/data-prepper-config.yaml`. It is NOT Data
 * Prepper: it lets the Data Prepper path be tested end to end where Data Prepper cannot be had.
 * `FM_DATA_PREPPER_HOME` points the tests at a real Data Prepper home instead.
 */

import { CLUSTERS_DIR } from "./nodes.ts";
import { exists } from "./shell.ts";

const HOME = `${CLUSTERS_DIR}data-prepper/`;
const BUILD = `${CLUSTERS_DIR}data-prepper-build/`;
const MAVEN_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";

/** Data Prepper release to assemble; `FM_DATA_PREPPER_VERSION` overrides it. */
export const DATA_PREPPER_VERSION = Deno.env.get("FM_DATA_PREPPER_VERSION") ?? "2.16.0";

/** Maven coordinates `[groupId, artifactId, transitive]` that make up the runtime. */
export const DATA_PREPPER_ARTIFACTS: ReadonlyArray<readonly [string, string, boolean]> = [
  ["org.opensearch.dataprepper.core", "data-prepper-main", false],
  ["org.opensearch.dataprepper.core", "data-prepper-core", true],
  ["org.opensearch.dataprepper.plugins", "opensearch", true],
  ["org.opensearch.dataprepper.plugins", "aws-plugin", true],
  ["org.opensearch.dataprepper.plugins", "in-memory-source-coordination-store", true],
];

/** The launcher, as the official tarball's `bin/data-prepper` runs it. */
const LAUNCHER = `#!/usr/bin/env bash
# Written by Fetch Migration's test harness; same contract as the official launcher.
set -e
HOME_DIR="$(cd "$(dirname "$0")/.." && pwd)"
JAVA="\${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$JAVA" -Dfile.encoding=UTF-8 $JAVA_OPTS -Ddata-prepper.dir="$HOME_DIR" \\
  -cp "$HOME_DIR/lib/*" org.opensearch.dataprepper.DataPrepperExecute "$@"
`;

const SERVER_CONFIG = `ssl: false
serverPort: 4900
metricRegistries: [Prometheus]
`;

function pomFor(version: string): string {
  const dependencies = DATA_PREPPER_ARTIFACTS.map(([group, artifact, transitive]) => {
    const exclusions = transitive
      ? ""
      : "<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>";
    return `    <dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId>` +
      `<version>${version}</version>${exclusions}</dependency>`;
  });
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.fetch-migration</groupId><artifactId>data-prepper-runtime</artifactId>
  <version>1</version><packaging>pom</packaging>
  <dependencies>
${dependencies.join("\n")}
  </dependencies>
</project>
`;
}

// The real path (CLUSTERS_DIR): the tests find the stand-in's processes by it on their command lines.
const STANDIN_HOME = `${CLUSTERS_DIR}data-prepper-standin/`;
const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/** How the stand-in's launcher starts the native engine: which Deno, which entry point. */
export interface StandinEngine {
  /** The Deno binary: a path, or a name found on `PATH`. */
  deno: string;
  /** The project's `src/main.ts`. */
  main: string;
  /** Extra `deno run` flags (the image passes `--cached-only`). */
  denoFlags?: string[];
}

/** This checkout's Deno and source: the stand-in the host's tests use. */
const HOST_ENGINE: StandinEngine = { deno: Deno.execPath(), main: MAIN };

/**
 * The stand-in's launcher: Data Prepper's contract, our native engine behind it. Bash builtins
 * only, besides `rm`, so a minimal image can hold it.
 */
export function standinLauncher(engine: StandinEngine = HOST_ENGINE): string {
  const flags = ["-A", "--quiet", ...(engine.denoFlags ?? [])].join(" ");
  return `#!/bin/bash
# Data Prepper STAND-IN written by Fetch Migration's test harness (tests/harness/dataprepper.ts).
# Not Data Prepper: it runs Fetch Migration's native engine on the pipeline in pipelines/ and
# serves Data Prepper's interface on the serverPort of config/data-prepper-config.yaml.
set -euo pipefail
HOME_DIR="$(cd "\${0%/*}/.." && pwd)"
PORT=4900
while IFS= read -r line; do
  if [[ $line =~ ^[[:space:]]*(serverPort|server_port):[[:space:]]*([0-9]+) ]]; then
    PORT="\${BASH_REMATCH[2]}"
    break
  fi
done < "$HOME_DIR/config/data-prepper-config.yaml"
shopt -s nullglob
PIPELINES=("$HOME_DIR"/pipelines/*.yaml "$HOME_DIR"/pipelines/*.yml)
if [ "\${#PIPELINES[@]}" -ne 1 ]; then
  echo "data-prepper stand-in: expected one pipeline file in $HOME_DIR/pipelines, found \${#PIPELINES[@]}" >&2
  exit 1
fi
echo "Data Prepper STAND-IN (Fetch Migration's native engine behind Data Prepper's interface) on port $PORT"
# Its own journals, in the home: never those of the fetch-migration run that started it. Like
# Data Prepper with its in-memory coordination, every start begins afresh.
rm -rf "$HOME_DIR/data"
export XDG_STATE_HOME="$HOME_DIR/data"
exec "${engine.deno}" run ${flags} "${engine.main}" run --engine native "\${PIPELINES[0]}" \\
  --metrics-port "$PORT"
`;
}

/**
 * Writes a stand-in home (see the header) into `home`, its launcher starting `engine`; returns
 * the directory without a trailing slash.
 */
export async function writeStandinHome(
  home: string,
  engine: StandinEngine = HOST_ENGINE,
): Promise<string> {
  const dir = home.replace(/\/+$/, "");
  for (const sub of ["bin", "config", "pipelines", "logs"]) {
    await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
  }
  await Deno.writeTextFile(`${dir}/bin/data-prepper`, standinLauncher(engine), { mode: 0o755 });
  await Deno.chmod(`${dir}/bin/data-prepper`, 0o755);
  if (!(await exists(`${dir}/config/data-prepper-config.yaml`))) {
    await Deno.writeTextFile(`${dir}/config/data-prepper-config.yaml`, SERVER_CONFIG);
  }
  await Deno.writeTextFile(
    `${dir}/README`,
    "Data Prepper STAND-IN built by Fetch Migration's test harness. Not Data Prepper.\n",
  );
  return dir;
}

/** Builds the host's Data Prepper stand-in home (see the header); returns its directory. */
export function buildStandin(): Promise<string> {
  return writeStandinHome(STANDIN_HOME);
}

/**
 * The Data Prepper home the tests drive: `FM_DATA_PREPPER_HOME` (a real release) when set, else
 * the stand-in, built on demand. `kind` says which, for the tests' output.
 */
export async function dataPrepperHomeForTests(): Promise<
  { home: string; kind: "Data Prepper" | "stand-in" }
> {
  const real = Deno.env.get("FM_DATA_PREPPER_HOME");
  if (real) return { home: real.replace(/\/+$/, ""), kind: "Data Prepper" };
  return { home: await buildStandin(), kind: "stand-in" };
}

/** True when a previous install left a complete runtime. */
export async function isInstalled(): Promise<boolean> {
  if (!(await exists(`${HOME}bin/data-prepper`))) return false;
  for await (const entry of Deno.readDir(`${HOME}lib`)) {
    if (entry.name.startsWith("data-prepper-main")) return true;
  }
  return false;
}

async function resolveJars(version: string): Promise<void> {
  await Deno.mkdir(BUILD, { recursive: true });
  await Deno.writeTextFile(`${BUILD}pom.xml`, pomFor(version));
  const output = await new Deno.Command("mvn", {
    args: [
      "-B",
      "-ntp",
      // Re-ask Central every time instead of trusting a cached "not found" from an earlier try.
      "-U",
      "-f",
      `${BUILD}pom.xml`,
      `${MAVEN_PLUGIN}:copy-dependencies`,
      `-DoutputDirectory=${BUILD}lib`,
      "-DincludeScope=runtime",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output().catch((error) => {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error("mvn is not installed: apt-get install -y maven");
    }
    throw error;
  });
  if (!output.success) {
    const log = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    const missing = [...log.matchAll(/Could not find artifact (\S+)|(\S+) was not found in/g)]
      .map((m) => m[1] ?? m[2]);
    const detail = missing.length > 0
      ? `Maven Central has no ${[...new Set(missing)].join(", ")}`
      : log.split("\n").filter((line) => line.includes("[ERROR]")).slice(0, 5).join("\n");
    throw new Error(
      `could not resolve Data Prepper ${version} from Maven Central: ${detail}\n` +
        `command: mvn -f ${BUILD}pom.xml ${MAVEN_PLUGIN}:copy-dependencies\n` +
        `fix: set FM_DATA_PREPPER_VERSION to a release that is published there, or check ` +
        `that this machine's Maven repository serves the org.opensearch.dataprepper groups`,
    );
  }
}

async function layOut(): Promise<void> {
  // Assemble beside the final place and rename, so a failed install never leaves half a tree.
  const staging = `${HOME.replace(/\/$/, "")}.staging/`;
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  for (const dir of ["bin", "config", "pipelines", "lib", "logs"]) {
    await Deno.mkdir(`${staging}${dir}`, { recursive: true });
  }
  for await (const jar of Deno.readDir(`${BUILD}lib`)) {
    await Deno.copyFile(`${BUILD}lib/${jar.name}`, `${staging}lib/${jar.name}`);
  }
  await Deno.writeTextFile(`${staging}bin/data-prepper`, LAUNCHER, { mode: 0o755 });
  await Deno.writeTextFile(`${staging}config/data-prepper-config.yaml`, SERVER_CONFIG);
  await Deno.remove(HOME, { recursive: true }).catch(() => {});
  await Deno.rename(staging, HOME);
}

/** Installs Data Prepper unless it is already there; returns its home directory. */
export async function installDataPrepper(version = DATA_PREPPER_VERSION): Promise<string> {
  if (await isInstalled()) return HOME;
  console.error(`resolving Data Prepper ${version} from Maven Central...`);
  await resolveJars(version);
  await layOut();
  return HOME;
}

if (import.meta.main) {
  const [verb] = Deno.args;
  try {
    if (verb === "install") {
      const home = await installDataPrepper();
      console.error(`Data Prepper ${DATA_PREPPER_VERSION} is in ${home}`);
    } else if (verb === "standin") {
      const home = await buildStandin();
      console.error(`Data Prepper stand-in (not Data Prepper: the native engine) is in ${home}`);
    } else if (verb === "status") {
      console.error(await isInstalled() ? `installed in ${HOME}` : "not installed");
    } else {
      console.error("usage: deno task dataprepper install|standin|status");
      Deno.exit(2);
    }
  } catch (error) {
    console.error(`dataprepper ${verb}: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
