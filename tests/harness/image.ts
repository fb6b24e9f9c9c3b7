/**
 * `deno task image build|status|remove`: builds the project's Dockerfile with Debian's buildah
 * (no Docker engine, no registry here: `STORAGE_DRIVER=vfs`, `--isolation chroot`). The base is
 * a local stand-in for `denoland/deno`, made from what the machine has: this Deno binary, the C
 * libraries it links, the CA bundle and a passwd file, passed to the Dockerfile as its base
 * build arguments. The result is tagged `localhost/fetch-migration:dev`.
 */
import { writeStandinHome } from "./dataprepper.ts";

const REPO = new URL("../../", import.meta.url).pathname;
export const IMAGE = "localhost/fetch-migration:dev";
/** The original tool's image: Data Prepper's home plus this tool (target `dataprepper`). */
export const DATA_PREPPER_IMAGE = "localhost/fetch-migration:dataprepper-dev";
const BASE = "localhost/fetch-migration-deno-base:dev";
const DATA_PREPPER_BASE = "localhost/data-prepper-standin-base:dev";
const DATA_PREPPER_HOME = "/usr/share/data-prepper";
const ENV = { ...Deno.env.toObject(), STORAGE_DRIVER: "vfs" };

async function buildah(args: string[], quiet = true): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    // Deno throws a missing program from output() itself, before any promise: caught here.
    output = await new Deno.Command("buildah", {
      args,
      env: ENV,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        "buildah is not installed: apt-get install -y buildah (.ci/run installs it)",
      );
    }
    throw error;
  }
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(
      `buildah ${args.join(" ")} failed:\n${new TextDecoder().decode(output.stderr).slice(-3000)}`,
    );
  }
  if (!quiet) console.error(text.trimEnd());
  return text.trim();
}

/** Whether an image of that name is in buildah's local storage. */
export async function hasImage(name: string): Promise<boolean> {
  const images = await buildah(["images", "--format", "{{.Name}}:{{.Tag}}"]);
  return images.split("\n").includes(name);
}

/** The shared libraries a binary loads, from `ldd`. */
async function linkedLibraries(binary: string): Promise<string[]> {
  const output = await new Deno.Command("ldd", { args: [binary], stdout: "piped" }).output();
  return [...new TextDecoder().decode(output.stdout).matchAll(/(\/\S+\.so[.\d]*)/g)]
    .map((match) => match[1]);
}

/**
 * Commits a `FROM scratch` image named `name`: `binaries` (host path → image path) with the
 * libraries they link, the CA bundle, users root and nonroot (1000), /tmp; `fill` adds the rest
 * in the mounted root; `config` are `buildah config` flags.
 */
async function buildFromScratch(
  name: string,
  binaries: Record<string, string>,
  config: string[],
  fill: (root: string) => Promise<unknown> = () => Promise.resolve(),
): Promise<void> {
  const container = await buildah(["from", "scratch"]);
  try {
    const root = await buildah(["mount", container]);
    const copy = async (from: string, to = from) => {
      await Deno.mkdir(`${root}${to.slice(0, to.lastIndexOf("/"))}`, { recursive: true });
      await Deno.copyFile(await Deno.realPath(from), `${root}${to}`);
    };
    for (const [from, to] of Object.entries(binaries)) {
      await copy(from, to);
      await Deno.chmod(`${root}${to}`, 0o755);
      for (const library of await linkedLibraries(await Deno.realPath(from))) await copy(library);
    }
    await copy("/etc/ssl/certs/ca-certificates.crt");
    await Deno.writeTextFile(
      `${root}/etc/passwd`,
      "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:1000:1000:nonroot:/home/nonroot:/sbin/nologin\n",
    );
    await Deno.writeTextFile(`${root}/etc/group`, "root:x:0:\nnonroot:x:1000:\n");
    for (const dir of ["tmp", "root", "home/nonroot"]) {
      await Deno.mkdir(`${root}/${dir}`, { recursive: true });
    }
    await Deno.chmod(`${root}/tmp`, 0o1777);
    await fill(root);
    await buildah(["unmount", container]);
    await buildah(["config", ...config, container]);
    await buildah(["commit", "--quiet", container, name]);
  } finally {
    await buildah(["rm", container]).catch(() => {});
  }
}

/** The stand-in for `denoland/deno`: Deno and what it needs to run, nothing else (no shell). */
function buildDenoBase(): Promise<void> {
  return buildFromScratch(BASE, { [Deno.execPath()]: "/bin/deno" }, [
    "--env",
    "PATH=/bin",
    "--env",
    // npm downloads at build time trust the machine's CA bundle.
    "DENO_CERT=/etc/ssl/certs/ca-certificates.crt",
    "--entrypoint",
    '["/bin/deno"]',
  ]);
}

/**
 * The stand-in for `opensearchproject/data-prepper`: bash, `rm` and a Data Prepper STAND-IN home
 * in /usr/share/data-prepper (Data Prepper's layout; its launcher runs this project's native
 * engine from /app with the Deno the Dockerfile adds). Not Data Prepper, and labelled so.
 */
function buildDataPrepperBase(): Promise<void> {
  const engine = {
    deno: "/usr/local/bin/deno",
    main: "/app/src/main.ts",
    denoFlags: ["--cached-only"],
  };
  return buildFromScratch(
    DATA_PREPPER_BASE,
    { "/bin/bash": "/bin/bash", "/bin/rm": "/bin/rm" },
    [
      "--env",
      "PATH=/usr/local/bin:/bin",
      "--label",
      "org.opencontainers.image.description=Data Prepper STAND-IN (Fetch Migration's native engine), not Data Prepper",
      "--workingdir",
      DATA_PREPPER_HOME,
      "--entrypoint",
      `["${DATA_PREPPER_HOME}/bin/data-prepper"]`,
    ],
    async (root) => {
      // Data Prepper's image is a whole glibc distribution; Deno needs no more of it than these.
      for (const library of await linkedLibraries(Deno.execPath())) {
        await Deno.copyFile(await Deno.realPath(library), `${root}${library}`).catch(async () => {
          await Deno.mkdir(`${root}${library.slice(0, library.lastIndexOf("/"))}`, {
            recursive: true,
          });
          await Deno.copyFile(await Deno.realPath(library), `${root}${library}`);
        });
      }
      await writeStandinHome(`${root}${DATA_PREPPER_HOME}`, engine);
    },
  );
}

/** The images this harness builds from the Dockerfile, by target. */
export const TARGETS = {
  "fetch-migration": IMAGE,
  dataprepper: DATA_PREPPER_IMAGE,
} as const;

/** A Dockerfile target. */
export type Target = keyof typeof TARGETS;

/** Builds the bases (if missing) and a target's image; returns the seconds it took. */
export async function buildImage(target: Target = "fetch-migration"): Promise<number> {
  const started = performance.now();
  if (!(await hasImage(BASE))) await buildDenoBase();
  const args = ["--build-arg", `DENO_IMAGE=${BASE}`, "--build-arg", `BUILD_IMAGE=${BASE}`];
  if (target === "dataprepper") {
    if (!(await hasImage(DATA_PREPPER_BASE))) await buildDataPrepperBase();
    args.push("--build-arg", `DATA_PREPPER_IMAGE=${DATA_PREPPER_BASE}`);
  }
  await buildah([
    "bud",
    "--isolation",
    "chroot",
    "--layers=false",
    ...args,
    "--target",
    target,
    "-t",
    TARGETS[target],
    REPO,
  ]);
  return (performance.now() - started) / 1000;
}

/** The image's size in bytes, as buildah reports it. */
export async function imageSize(name = IMAGE): Promise<string> {
  return await buildah(["images", "--format", "{{.Size}}", name]);
}

/** The user the image runs as (`USER` of the Dockerfile). */
export async function imageUser(name = IMAGE): Promise<string> {
  return (await imageConfig(name)).User ?? "";
}

async function imageConfig(
  name: string,
): Promise<{ User?: string; Entrypoint?: string[]; Cmd?: string[] }> {
  const inspected = JSON.parse(await buildah(["inspect", "--type", "image", name])) as {
    OCIv1: { config: { User?: string; Entrypoint?: string[]; Cmd?: string[] } };
  };
  return inspected.OCIv1.config;
}

/** How to run an image: which, with what environment, and what to add after its `CMD`. */
export interface RunImageOptions {
  image?: string;
  env?: Record<string, string>;
  /** Arguments after the `CMD`, when the arguments are left to the image. */
  afterCmd?: string[];
}

/**
 * Runs the image's entrypoint with `args` (or its `CMD` when `args` is undefined) in a new
 * container (chroot isolation, the host's network, so the loopback test nodes are reachable),
 * then removes the container.
 */
export async function runImage(
  args: string[] | undefined,
  { image = IMAGE, env = {}, afterCmd = [] }: RunImageOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const config = await imageConfig(image);
  const command = [...(config.Entrypoint ?? []), ...(args ?? [...(config.Cmd ?? []), ...afterCmd])];
  const envFlags = Object.entries(env).flatMap(([key, value]) => ["--env", `${key}=${value}`]);
  const container = await buildah(["from", "--quiet", image]);
  try {
    const output = await new Deno.Command("buildah", {
      args: ["run", "--isolation", "chroot", ...envFlags, container, "--", ...command],
      env: ENV,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
  } finally {
    await buildah(["rm", container]).catch(() => {});
  }
}

function isTarget(name: string): name is Target {
  return name in TARGETS;
}

if (import.meta.main) {
  const [verb, which = "fetch-migration"] = Deno.args;
  try {
    if (!isTarget(which)) {
      throw new Error(`no target "${which}": fetch-migration or dataprepper`);
    }
    const image = TARGETS[which];
    if (verb === "build") {
      const seconds = await buildImage(which);
      console.error(`built ${image} in ${seconds.toFixed(0)} s; size ${await imageSize(image)}`);
    } else if (verb === "status") {
      console.error(
        (await hasImage(image)) ? `${image}: ${await imageSize(image)}` : `${image}: not built`,
      );
    } else if (verb === "remove") {
      await buildah(["rmi", "--force", image]).catch(() => {});
      console.error(`removed ${image}`);
    } else if (verb === "remove-bases") {
      await buildah(["rmi", "--force", BASE, DATA_PREPPER_BASE]).catch(() => {});
      console.error(`removed ${BASE} and ${DATA_PREPPER_BASE}`);
    } else {
      console.error(
        "usage: deno task image build|status|remove [fetch-migration|dataprepper]\n" +
          "       deno task image remove-bases",
      );
      Deno.exit(2);
    }
  } catch (error) {
    console.error(`image ${verb}: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
