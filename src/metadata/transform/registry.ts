/**
 * Every transform rule, in the order they run. To add one: write it under `rules/` with its own
 * unit test, and insert it here where its input is ready (mapping rules after
 * `remove-mapping-type`, which makes mappings typeless).
 */
import { denseVectorToKnnVector } from "./rules/dense-vector-to-knn-vector.ts";
import { flattenedToFlatObject } from "./rules/flattened-to-flat-object.ts";
import { legacyTemplatePatterns } from "./rules/legacy-template-patterns.ts";
import { nameSourceFiltering } from "./rules/name-source-filtering.ts";
import { removeAllocationFilters } from "./rules/remove-allocation-filters.ts";
import { removeIndexBlocks } from "./rules/remove-index-blocks.ts";
import { removeMappingType } from "./rules/remove-mapping-type.ts";
import { removeObsoleteMappingParameters } from "./rules/remove-obsolete-mapping-parameters.ts";
import { removeUnknownSettings } from "./rules/remove-unknown-settings.ts";
import { removeUnknownTemplateFields } from "./rules/remove-unknown-template-fields.ts";
import { renameAnalysisComponents } from "./rules/rename-analysis-components.ts";
import { requireTargetPlugins } from "./rules/require-target-plugins.ts";
import { stringToTextKeyword } from "./rules/string-to-text-keyword.ts";
import { syntheticSourceToStored } from "./rules/synthetic-source-to-stored.ts";
import { timeSeriesToPlain } from "./rules/time-series-to-plain.ts";
import type { DefinitionRule, TemplateRule } from "./rule.ts";

/** Rules over index definitions (indices, and the index part of templates), in order. */
export const DEFINITION_RULES: readonly DefinitionRule[] = [
  removeMappingType,
  // Before the settings rule: they read `index.mode`, which it removes.
  timeSeriesToPlain,
  syntheticSourceToStored,
  removeUnknownSettings,
  removeAllocationFilters,
  removeIndexBlocks,
  renameAnalysisComponents,
  removeObsoleteMappingParameters,
  stringToTextKeyword,
  flattenedToFlatObject,
  denseVectorToKnnVector,
  nameSourceFiltering,
  // Last: it checks the field types the rules above produced (knn_vector from dense_vector).
  requireTargetPlugins,
];

/** Rules over the rest of a template body, in order; they run before the definition rules. */
export const TEMPLATE_RULES: readonly TemplateRule[] = [
  legacyTemplatePatterns,
  removeUnknownTemplateFields,
];
