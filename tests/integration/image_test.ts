/**
 * The container image, built from the project's Dockerfile with buildah on a local stand-in base
 * (tests/harness/image.ts), then run as users run it: `--version`, `info`, and a small `run
 * --engine native` es7 → os2 followed by `verify`, all from inside the container. The
 * `dataprepper` target (the original tool's image) is built on the Data Prepper STAND-IN base:
 * a Data Prepper home whose launcher runs our native engine; it is not Data Prepper.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import {
  buildImage,
  DATA_PREPPER_IMAGE,
  IMAGE,
  imageSize,
  imageUser,
  runImage,
} from "../harness/image.ts";
import { VERSION } from "../../src/version.ts";
import {
  addDocuments,
  call,
  countOf,
  endpoints,
  inScene,
  nativeRunArgs,
  pipelineYaml,
} from "./scene.ts";

let built: Promise<number> | undefined;

/** Builds the image once per test run, from this checkout's source. */
function image(): Promise<number> {
  built ??= buildImage().then((seconds) => {
    console.log(`built ${IMAGE} in ${seconds.toFixed(0)} s`);
    return seconds;
  });
  return built;
}

Deno.test("the image runs the CLI as a non-root user, from the dependencies cached at build time (--cached-only)", async () => {
  await image();
  console.log(`image size: ${await imageSize()}`);
  assertEquals(await imageUser(), "1000:1000");
  const version = await runImage(["--version"]);
  assertEquals(version.code, 0, version.stderr);
  assertEquals(version.stdout.trim(), VERSION);
});

Deno.test("from inside the image: info, run --engine native es7 -> os2, then verify --checksums", () =>
  inScene(["es7", "os2"], "image", async ({ es7, os2, p }) => {
    await image();
    await call(`${es7.url}/${p}docs`, "PUT", {
      settings: { number_of_shards: 2, number_of_replicas: 0 },
    });
    await addDocuments(es7.url, `${p}docs`, 250);
    const info = await runImage(["info", ...endpoints(es7, os2), "--json"]);
    assertEquals(info.code, 0, info.stderr);
    assertEquals(JSON.parse(info.stdout).source.version, "7.10.2");
    const run = await runImage(nativeRunArgs({ source: es7, target: os2, include: `${p}*` }));
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(run.stderr, "250 of 250 documents on the target");
    // The journal went to the image's own state directory.
    assertStringIncludes(run.stderr, "journal: /state/fetch-migration/run-");
    const verify = await runImage(["verify", ...endpoints(es7, os2, `${p}*`), "--checksums"]);
    assertEquals(verify.code, 0, verify.stderr);
    const count = await countOf(os2.url, `${p}docs`);
    assert(count === 250, JSON.stringify(count));
  }));

Deno.test("the original tool's image (target dataprepper, on the Data Prepper STAND-IN base): INLINE_PIPELINE and INLINE_TARGET_HOST, started as the original was", () =>
  inScene(["es7", "proxy"], "dpimage", async ({ es7, proxy, os2, p }) => {
    const seconds = await buildImage("dataprepper");
    console.log(
      `built ${DATA_PREPPER_IMAGE} in ${seconds.toFixed(0)} s, size ${await imageSize(
        DATA_PREPPER_IMAGE,
      )}; its Data Prepper is the stand-in (our native engine), not Data Prepper`,
    );
    await call(`${es7.url}/${p}docs`, "PUT", {
      settings: { number_of_shards: 2, number_of_replicas: 0 },
    });
    await addDocuments(es7.url, `${p}docs`, 120);
    // The sink names os2 directly; INLINE_TARGET_HOST sends it through the TLS proxy instead,
    // which the pipeline's credentials and its insecure: true get through (the image's
    // --insecure is the original's: Data Prepper's API is plain http).
    const pipeline = pipelineYaml({
      source: es7,
      regex: `${p}.*`,
      target: os2,
      sinkSettings: { username: proxy.username!, password: proxy.password!, insecure: true },
    });
    const run = await runImage(undefined, {
      image: DATA_PREPPER_IMAGE,
      // The image's own command, polling more often than the original's 30 s.
      afterCmd: ["--poll-interval", "2"],
      env: {
        INLINE_PIPELINE: btoa(pipeline),
        INLINE_TARGET_HOST: `127.0.0.1:${proxy.port}`,
      },
    });
    const output = run.stdout + run.stderr;
    assertEquals(run.code, 0, output);
    assertStringIncludes(output, "the pipeline is INLINE_PIPELINE");
    assertStringIncludes(output, "the clusters' certificates are still verified");
    assertStringIncludes(output, "120 of 120 documents on the target");
    assert(!output.includes(proxy.password!), "the password must never be printed");
    assertEquals(await countOf(os2.url, `${p}docs`), 120);
  }));
