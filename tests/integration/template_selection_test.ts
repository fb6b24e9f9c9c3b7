/**
 * Nothing unasked is created: templates follow the index selection (es7 -> os2). A run that
 * selects one index creates the templates that can shape it and the component templates they
 * compose, and no other; the plan says why each template is in or out; `--templates all` and
 * `none` override.
 */
import { assertEquals, assertMatch } from "../assert.ts";
import { addDocuments, call, endpoints, inScene, nativeRunArgs, runCli } from "./scene.ts";

/** Names of the templates of each kind on `url` that start with `prefix`. */
async function templatesOn(url: string, prefix: string): Promise<Record<string, string[]>> {
  const names = async (path: string, key: string) => {
    const response = await fetch(`${url}/${path}/${prefix}*`);
    if (response.status === 404) {
      await response.body?.cancel();
      return [];
    }
    const body = await response.json();
    return (key ? body[key].map((t: { name: string }) => t.name) : Object.keys(body)).sort();
  };
  return {
    component: await names("_component_template", "component_templates"),
    index: await names("_index_template", "index_templates"),
    legacy: await names("_template", ""),
  };
}

Deno.test("run --include <one index> creates only the templates that can shape it (and their components); plan says why each is in or out", () =>
  inScene(["es7", "os2"], "tsel", async ({ es7, os2, p }) => {
    await call(`${es7.url}/_component_template/${p}a-base`, "PUT", {
      template: { settings: { number_of_replicas: 0 } },
    });
    await call(`${es7.url}/_component_template/${p}b-base`, "PUT", {
      template: { settings: { number_of_replicas: 0 } },
    });
    await call(`${es7.url}/_index_template/${p}a`, "PUT", {
      index_patterns: [`${p}a-*`],
      composed_of: [`${p}a-base`],
      priority: 300,
    });
    await call(`${es7.url}/_index_template/${p}b`, "PUT", {
      index_patterns: [`${p}b-*`],
      composed_of: [`${p}b-base`],
      priority: 300,
    });
    await call(`${es7.url}/_template/${p}legacy-b`, "PUT", {
      index_patterns: [`${p}b-*`],
      order: 1,
    });
    await addDocuments(es7.url, `${p}a-1`, 20);
    await addDocuments(es7.url, `${p}b-1`, 20);

    const plan = await runCli(["plan", ...endpoints(es7, os2, `${p}a-1`), "--json-detail"]);
    assertEquals(plan.code, 0, plan.stderr);
    const decisions = JSON.parse(plan.stdout).template_selection.decisions as Array<
      { name: string; migrates: boolean; reason: string }
    >;
    const decision = (name: string) => decisions.find((d) => d.name === `${p}${name}`)!;
    assertEquals(decision("a").migrates, true);
    assertMatch(decision("a").reason, /matches selected index/);
    assertEquals(decision("b").migrates, false);
    assertMatch(decision("b").reason, /match no selected index/);
    assertEquals(decision("legacy-b").migrates, false);
    assertMatch(decision("a-base").reason, /composed by index template/);

    const run = await runCli(nativeRunArgs({ source: es7, target: os2, include: `${p}a-1` }));
    assertEquals(run.code, 0, run.stderr);
    assertEquals(await templatesOn(os2.url, p), {
      component: [`${p}a-base`],
      index: [`${p}a`],
      legacy: [],
    });

    const text = await runCli([
      "plan",
      ...endpoints(es7, os2, `${p}b-1`),
      "--templates",
      "none",
      "-v",
    ]);
    assertEquals(text.code, 0, text.stderr);
    assertMatch(text.stderr, new RegExp(`${p}legacy-b: --templates none`));

    const all = await runCli(["metadata", ...endpoints(es7, os2, `${p}b-1`), "--templates", "all"]);
    assertEquals(all.code, 0, all.stderr);
    assertEquals(await templatesOn(os2.url, p), {
      component: [`${p}a-base`, `${p}b-base`],
      index: [`${p}a`, `${p}b`],
      legacy: [`${p}legacy-b`],
    });
  }));
