/**
 * Index blocks are the state of one source index, not part of its definition: a shrink leaves
 * `blocks.write`, freezing and the disk flood stage leave read-only blocks. Copied, a write block
 * would stop the documents from being written to the target.
 */
import type { FlatSettings } from "../../normalize.ts";
import type { DefinitionRule } from "../rule.ts";

/** The rule `remove-index-blocks`. */
export const removeIndexBlocks: DefinitionRule = {
  id: "remove-index-blocks",
  description:
    "index blocks (`index.blocks.*`: write, read_only, ...) are not copied: they would " +
    "stop the documents from being written; set them again after the migration if wanted",
  appliesTo: () => true,
  apply(definition) {
    const changes: string[] = [];
    const settings: FlatSettings = {};
    for (const [key, value] of Object.entries(definition.settings)) {
      if (!key.startsWith("index.blocks.")) settings[key] = value;
      // A block set to false is no block; dropping it changes nothing worth naming.
      else if (value !== "false") changes.push(`setting ${key}=${value} removed (index block)`);
    }
    const dropped = Object.keys(settings).length !== Object.keys(definition.settings).length;
    return { value: dropped ? { ...definition, settings } : definition, changes };
  },
};
