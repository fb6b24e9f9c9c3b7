/** ES 5 legacy templates name their pattern `template`; ES 6+ and OpenSearch read `index_patterns`. */
import type { TemplateRule } from "../rule.ts";

/** The rule `legacy-template-patterns`. */
export const legacyTemplatePatterns: TemplateRule = {
  id: "legacy-template-patterns",
  description: 'a legacy template\'s `template: "x*"` becomes `index_patterns: ["x*"]`',
  appliesTo: () => true,
  apply(subject) {
    const { body } = subject;
    if (subject.kind !== "legacy" || !("template" in body)) return { value: subject, changes: [] };
    const { template: pattern, ...rest } = body;
    if (rest.index_patterns !== undefined) {
      return {
        value: { ...subject, body: rest },
        changes: [`template ${JSON.stringify(pattern)} dropped (index_patterns given too)`],
      };
    }
    const patterns = Array.isArray(pattern) ? pattern.map(String) : [String(pattern)];
    return {
      value: { ...subject, body: { ...rest, index_patterns: patterns } },
      changes: [`template ${JSON.stringify(pattern)} → index_patterns ${JSON.stringify(patterns)}`],
    };
  },
};
