/** Where each kind of created thing lives in the target's REST API. Pure. */
import type { CreatedKind } from "./journal.ts";

/** The path that creates (PUT) and deletes (DELETE) one created thing. */
export function creationPath(kind: CreatedKind, name: string): string {
  const encoded = encodeURIComponent(name);
  switch (kind) {
    case "ingest-pipeline":
      return `/_ingest/pipeline/${encoded}`;
    case "component":
      return `/_component_template/${encoded}`;
    case "index-template":
      return `/_index_template/${encoded}`;
    case "legacy":
      return `/_template/${encoded}`;
    case "data-stream":
      return `/_data_stream/${encoded}`;
    case "index":
      return `/${encoded}`;
  }
}
