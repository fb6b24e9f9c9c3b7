/**
 * The shapes fixture (issue 18, section 4): on a source node, one index per shape that must
 * round-trip (index sorting, `routing_partition_size` with required routing, nested, geo_point
 * and, where the node has the module, geo_shape, completion, `_source` excludes, an ECS-sized
 * mapping, aliases with a filter and routing, an alias over two indices with one write index),
 * and, where the node has the modules, a join field and percolator queries. Used by
 * shapes_test.ts and by the inventory test.
 */
import { bulk, call, type NodeHandle } from "./scene.ts";

/** How many leaf fields the ECS-sized index maps (over the default limit of 1 000). */
export const ECS_FIELDS = 1200;

/** Creates the fixture's indices on `node`; returns their names. */
export async function shapes(node: NodeHandle, p: string): Promise<Record<string, string>> {
  const names = {
    sorted: `${p}sorted`,
    partitioned: `${p}partitioned`,
    nested: `${p}nested`,
    geo: `${p}geo`,
    suggest: `${p}suggest`,
    filtered: `${p}filtered`,
    ecs: `${p}ecs`,
    writeA: `${p}write-a`,
    writeB: `${p}write-b`,
  };
  const single = { number_of_shards: 1, number_of_replicas: 0 };
  await call(`${node.url}/${names.sorted}`, "PUT", {
    settings: { ...single, "index.sort.field": "at", "index.sort.order": "desc" },
    mappings: { properties: { at: { type: "date" }, n: { type: "long" } } },
    aliases: { [`${p}recent`]: { filter: { range: { n: { gte: 10 } } }, routing: "r1" } },
  });
  await call(`${node.url}/${names.partitioned}`, "PUT", {
    settings: { number_of_shards: 4, number_of_replicas: 0, "index.routing_partition_size": 2 },
    mappings: { _routing: { required: true }, properties: { n: { type: "long" } } },
  });
  await call(`${node.url}/${names.nested}`, "PUT", {
    settings: single,
    mappings: {
      properties: {
        comments: {
          type: "nested",
          properties: { who: { type: "keyword" }, stars: { type: "integer" } },
        },
      },
    },
  });
  await call(`${node.url}/${names.geo}`, "PUT", {
    settings: single,
    mappings: { properties: { where: { type: "geo_point" } } },
  });
  // geo_shape lives in a module the integ-test distributions of 7.10 and 2.19 lack.
  const shape = await fetch(`${node.url}/${names.geo}/_mapping`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ properties: { area: { type: "geo_shape" } } }),
  });
  const refusal = await shape.text();
  if (!shape.ok) console.log(`not run: geo_shape from ${node.name} (${refusal.slice(0, 160)})`);
  await call(`${node.url}/${names.suggest}`, "PUT", {
    settings: single,
    mappings: { properties: { title: { type: "completion" } } },
  });
  await call(`${node.url}/${names.filtered}`, "PUT", {
    settings: single,
    mappings: {
      _source: { excludes: ["secret"] },
      properties: { secret: { type: "keyword" }, open: { type: "keyword" } },
    },
  });
  const ecs: Record<string, unknown> = {};
  for (let group = 0; group < ECS_FIELDS / 40; group++) {
    const fields: Record<string, unknown> = {};
    for (let field = 0; field < 40; field++) fields[`f${field}`] = { type: "keyword" };
    ecs[`group${group}`] = { properties: fields };
  }
  await call(`${node.url}/${names.ecs}`, "PUT", {
    settings: { ...single, "index.mapping.total_fields.limit": 2000 },
    mappings: { properties: ecs },
  });
  await call(`${node.url}/${names.writeA}`, "PUT", {
    settings: single,
    aliases: { [`${p}writes`]: { is_write_index: true } },
  });
  await call(`${node.url}/${names.writeB}`, "PUT", {
    settings: single,
    aliases: { [`${p}writes`]: { is_write_index: false } },
  });
  await loadShapes(node, names);
  return names;
}

/** 20 documents in each index of the fixture. */
async function loadShapes(node: NodeHandle, names: Record<string, string>) {
  const docs = (index: string, make: (i: number) => Record<string, unknown>, routed = false) =>
    bulk(
      `${node.url}/${index}`,
      Array.from(
        { length: 20 },
        (_, i) =>
          `${
            JSON.stringify({ index: { _id: `d${i}`, ...(routed ? { routing: `t${i % 3}` } : {}) } })
          }\n` +
          `${JSON.stringify(make(i))}\n`,
      ).join(""),
    );
  await docs(names.sorted, (i) => ({ at: `2026-01-${String(1 + i).padStart(2, "0")}`, n: i }));
  await docs(names.partitioned, (i) => ({ n: i }), true);
  await docs(names.nested, (i) => ({
    comments: [{ who: "a", stars: i % 5 }, { who: "b", stars: 5 }],
  }));
  const mapping = await call(`${node.url}/${names.geo}/_mapping`, "GET") as Record<
    string,
    { mappings: { properties: Record<string, unknown> } }
  >;
  const shaped = "area" in mapping[names.geo].mappings.properties;
  await docs(names.geo, (i) => ({
    where: { lat: 40 + i / 100, lon: -70 },
    ...(shaped ? { area: { type: "point", coordinates: [-70, 40 + i / 100] } } : {}),
  }));
  await docs(names.suggest, (i) => ({ title: { input: [`title ${i}`, `other ${i}`] } }));
  await docs(names.filtered, (i) => ({ secret: `s${i}`, open: `o${i}` }));
  await docs(names.ecs, (i) => ({ group0: { f0: `v${i}` }, group29: { f39: `w${i}` } }));
  await docs(names.writeA, (i) => ({ n: i }));
  await docs(names.writeB, (i) => ({ n: i }));
}

/** A join field (questions and their answers, routed together) and percolator queries. */
export async function moduleShapes(node: NodeHandle, p: string): Promise<Record<string, string>> {
  const lacking = ["parent-join", "percolator"].filter((name) => !node.modules.includes(name));
  if (lacking.length > 0) {
    console.log(
      `not run: join fields and percolator queries from ${node.name} (no ${
        lacking.join(", ")
      } module)`,
    );
    return {};
  }
  const names = { joined: `${p}joined`, percolating: `${p}percolating` };
  const single = { number_of_shards: 2, number_of_replicas: 0 };
  await call(`${node.url}/${names.joined}`, "PUT", {
    settings: single,
    mappings: { properties: { link: { type: "join", relations: { question: "answer" } } } },
  });
  await bulk(
    `${node.url}/${names.joined}`,
    Array.from(
      { length: 10 },
      (_, i) =>
        `${JSON.stringify({ index: { _id: `q${i}`, routing: `q${i}` } })}\n` +
        `${JSON.stringify({ link: "question", n: i })}\n` +
        `${JSON.stringify({ index: { _id: `a${i}`, routing: `q${i}` } })}\n` +
        `${JSON.stringify({ link: { name: "answer", parent: `q${i}` }, n: i })}\n`,
    ).join(""),
  );
  await call(`${node.url}/${names.percolating}`, "PUT", {
    settings: single,
    mappings: { properties: { query: { type: "percolator" }, text: { type: "text" } } },
  });
  await bulk(
    `${node.url}/${names.percolating}`,
    Array.from({ length: 10 }, (_, i) =>
      `${JSON.stringify({ index: { _id: `p${i}` } })}\n` +
      `${JSON.stringify({ query: { match: { text: `word${i}` } } })}\n`).join(""),
  );
  return names;
}
