/**
 * `deno task demo`: the main job on a local default. Starts es7 and os2, loads a small sample
 * into es7 (once), shows `info` and `plan` from es7 to os2, migrates with the native engine, and
 * ends with `verify --checksums`. Run it again: the indices are then identical and left alone.
 */
import { ensureNodes } from "./mod.ts";

const SAMPLE: Record<
  string,
  { mappings: Record<string, unknown>; docs: Array<Record<string, unknown>> }
> = {
  "demo-logs": {
    mappings: {
      properties: {
        "@timestamp": { type: "date" },
        level: { type: "keyword" },
        message: { type: "text", fields: { raw: { type: "keyword", ignore_above: 256 } } },
        service: { properties: { name: { type: "keyword" }, version: { type: "keyword" } } },
      },
    },
    docs: Array.from({ length: 200 }, (_, i) => ({
      "@timestamp": new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
      level: ["info", "warn", "error"][i % 3],
      message: `request ${i} served`,
      service: { name: ["cart", "search", "auth"][i % 3], version: "1.4.2" },
    })),
  },
  "demo-products": {
    mappings: {
      properties: {
        name: { type: "text" },
        sku: { type: "keyword" },
        price: { type: "scaled_float", scaling_factor: 100 },
        reviews: {
          type: "nested",
          properties: { stars: { type: "integer" }, text: { type: "text" } },
        },
      },
    },
    docs: Array.from({ length: 50 }, (_, i) => ({
      name: `product ${i}`,
      sku: `SKU-${1000 + i}`,
      price: 9.99 + i,
      reviews: [{ stars: (i % 5) + 1, text: "fine" }],
    })),
  },
};

async function loadSample(url: string): Promise<void> {
  for (const [index, { mappings, docs }] of Object.entries(SAMPLE)) {
    const exists = await fetch(`${url}/${index}`, { method: "HEAD" });
    if (exists.ok) continue;
    // scaled_float lives in mapper-extras, which es7's zip lacks: fall back to a plain float.
    const body = JSON.stringify({
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings,
    })
      .replace('"type":"scaled_float","scaling_factor":100', '"type":"float"');
    const created = await fetch(`${url}/${index}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body,
    });
    if (!created.ok) throw new Error(`creating ${index}: ${await created.text()}`);
    const lines = docs.map((doc, i) => `{"index":{"_id":"${i}"}}\n${JSON.stringify(doc)}\n`).join(
      "",
    );
    const bulk = await fetch(`${url}/${index}/_bulk?refresh=true`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: lines,
    });
    if (!bulk.ok) throw new Error(`loading ${index}: ${await bulk.text()}`);
    console.error(`loaded ${docs.length} documents into ${index} on es7`);
  }
}

async function cli(args: string[]): Promise<void> {
  console.error(`\n$ fetch-migration ${args.join(" ")}`);
  const main = new URL("../../src/main.ts", import.meta.url).pathname;
  const status = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", main, ...args] })
    .spawn()
    .status;
  if (!status.success) Deno.exit(status.code);
}

if (import.meta.main) {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  await loadSample(es7.url);
  await cli(["info", "--source", es7.url, "--target", os2.url]);
  const endpoints = ["--source", es7.url, "--target", os2.url, "--include", "demo-*"];
  await cli(["plan", ...endpoints]);
  await cli(["run", "--engine", "native", ...endpoints]);
  await cli(["verify", "--checksums", ...endpoints]);
}
