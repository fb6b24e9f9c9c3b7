/**
 * The V8 flags the tool is shipped with: the binary (`deno compile --v8-flags`), the container
 * image's entry point, `deno task start` and the README's `deno run`/`deno install` lines. Code
 * cannot set them once running (`node:v8`'s `setFlagsFromString` leaves the young generation's
 * size as it was), so each way of starting the tool carries them; a test checks that they agree.
 *
 * `--max-semi-space-size=4` (MiB): V8 otherwise grows its young generation to about 50 MiB, all
 * resident, for a copy whose objects live a page or two. Measured on 300 000 documents (es7 → os2,
 * defaults, `/usr/bin/time`): peak RSS 219–253 MiB without, 203–205 MiB with; tool CPU within the
 * runs' spread (3.9–4.6 s against 4.5–5.0 s user); 2 MiB cost more CPU and saved nothing more.
 */

/** The argument that carries them on `deno run`, `deno install` and `deno compile`. */
export const V8_FLAGS_ARGUMENT = "--v8-flags=--max-semi-space-size=4";
