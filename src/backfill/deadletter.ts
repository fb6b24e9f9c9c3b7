/**
 * The dead-letter file: one NDJSON line per document the target refused for good, with the
 * target's reason and the document itself, so nothing is dropped silently and an operator can
 * fix and replay them (`_bulk` from these lines).
 */
import type { ItemFailure } from "./bulk.ts";
import { sourceText } from "./reader.ts";

/** Appends refused documents to a file, created (mode 0600: it holds data) on first use. */
export class DeadLetterFile {
  #file?: Deno.FsFile;
  #count = 0;
  readonly #encoder = new TextEncoder();

  constructor(readonly path: string) {}

  /** Documents written to it by this process. */
  get count(): number {
    return this.#count;
  }

  /** Appends one line per failure. */
  async write(failures: ItemFailure[]): Promise<void> {
    if (failures.length === 0) return;
    if (!this.#file) {
      const directory = this.path.includes("/")
        ? this.path.slice(0, this.path.lastIndexOf("/"))
        : ".";
      await Deno.mkdir(directory, { recursive: true });
      this.#file = await Deno.open(this.path, { create: true, append: true, mode: 0o600 });
    }
    const lines = failures.map(({ item, status, type, reason }) =>
      `{"index":${JSON.stringify(item.index)},"id":${JSON.stringify(item.document.id)},` +
      (item.document.routing !== undefined
        ? `"routing":${JSON.stringify(item.document.routing)},`
        : "") +
      `"status":${status},${type !== undefined ? `"type":${JSON.stringify(type)},` : ""}` +
      `"reason":${JSON.stringify(reason)},"source":${sourceText(item.document)}}\n`
    ).join("");
    let bytes = this.#encoder.encode(lines);
    while (bytes.length > 0) bytes = bytes.subarray(await this.#file.write(bytes));
    this.#count += failures.length;
  }

  /** Closes the file if it was opened. */
  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}
