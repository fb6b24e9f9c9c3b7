/**
 * `deno task image build|status|remove`: builds the project's Dockerfile with Debian's buildah
 * (no Docker engine, no registry here: `STORAGE_DRIVER=vfs`, `--isolation chroot`). The base is
 * a local stand-in for `denoland/deno`, made from what the machine has: this Deno binary, the C
 * libraries it links, the CA bundle and a passwd file, passed to the Dockerfile as its base
 * build arguments. The result is tagged `localhost/fetch-migration:dev`.
 */
const REPO = new URL("../../", import.meta.url).pathname;
export const IMAGE = "localhost/fetch-migration:dev";
const BASE = "localhost/fetch-migration-deno-base:dev";
const ENV = { ...Deno.env.toObject(), STORAGE_DRIVER: "vfs" };

async function buildah(args: string[], quiet = true): Promise<string> {
  const output = await new Deno.Command("buildah", {
    args,
    env: ENV,
    stdout: "piped",
    stderr: "piped",
  }).output().catch((error) => {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error("buildah is not installed: apt-get install -y buildah");
    }
    throw error;
  });
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

/** The stand-in base: Deno and what it needs to run, nothing else (no shell). */
async function buildBase(): Promise<void> {
  const deno = await Deno.realPath(Deno.execPath());
  const container = await buildah(["from", "scratch"]);
  try {
    const root = await buildah(["mount", container]);
    const copy = async (from: string, to = from) => {
      await Deno.mkdir(`${root}${to.slice(0, to.lastIndexOf("/"))}`, { recursive: true });
      await Deno.copyFile(await Deno.realPath(from), `${root}${to}`);
    };
    await copy(deno, "/bin/deno");
    await Deno.chmod(`${root}/bin/deno`, 0o755);
    for (const library of await linkedLibraries(deno)) await copy(library);
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
    await buildah(["unmount", container]);
    await buildah([
      "config",
      "--env",
      "PATH=/bin",
      "--env",
      // npm downloads at build time trust the machine's CA bundle.
      "DENO_CERT=/etc/ssl/certs/ca-certificates.crt",
      "--entrypoint",
      '["/bin/deno"]',
      container,
    ]);
    await buildah(["commit", "--quiet", container, BASE]);
  } finally {
    await buildah(["rm", container]).catch(() => {});
  }
}

/** Builds the base (if missing) and the project's image; returns the seconds it took. */
export async function buildImage(): Promise<number> {
  const started = performance.now();
  if (!(await hasImage(BASE))) await buildBase();
  await buildah([
    "bud",
    "--isolation",
    "chroot",
    "--layers=false",
    "--build-arg",
    `DENO_IMAGE=${BASE}`,
    "--build-arg",
    `BUILD_IMAGE=${BASE}`,
    "-t",
    IMAGE,
    REPO,
  ]);
  return (performance.now() - started) / 1000;
}

/** The image's size in bytes, as buildah reports it. */
export async function imageSize(name = IMAGE): Promise<string> {
  return await buildah(["images", "--format", "{{.Size}}", name]);
}

/** The user the image runs as (`USER` of the Dockerfile). */
export async function imageUser(): Promise<string> {
  const config = JSON.parse(await buildah(["inspect", "--type", "image", IMAGE])) as {
    OCIv1: { config: { User?: string } };
  };
  return config.OCIv1.config.User ?? "";
}

/**
 * Runs the image's entrypoint with `args` in a new container (chroot isolation, the host's
 * network, so the loopback test nodes are reachable), then removes the container.
 */
export async function runImage(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const config = JSON.parse(await buildah(["inspect", "--type", "image", IMAGE])) as {
    OCIv1: { config: { Entrypoint: string[] } };
  };
  const entrypoint = config.OCIv1.config.Entrypoint;
  const container = await buildah(["from", "--quiet", IMAGE]);
  try {
    const output = await new Deno.Command("buildah", {
      args: ["run", "--isolation", "chroot", container, "--", ...entrypoint, ...args],
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

if (import.meta.main) {
  const [verb] = Deno.args;
  try {
    if (verb === "build") {
      const seconds = await buildImage();
      console.error(`built ${IMAGE} in ${seconds.toFixed(0)} s; size ${await imageSize()}`);
    } else if (verb === "status") {
      console.error(
        (await hasImage(IMAGE)) ? `${IMAGE}: ${await imageSize()}` : `${IMAGE}: not built`,
      );
    } else if (verb === "remove") {
      await buildah(["rmi", "--force", IMAGE, BASE]).catch(() => {});
      console.error(`removed ${IMAGE} and its base`);
    } else {
      console.error("usage: deno task image build|status|remove");
      Deno.exit(2);
    }
  } catch (error) {
    console.error(`image ${verb}: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
