/**
 * How a run is stopped: SIGINT, SIGTERM or `POST /shutdown` stop the copy after what is in
 * flight; a second signal stops the process at once (every checkpoint is already on disk, so
 * nothing is lost but the pages in flight). Once the copy is over, the next one ends the wait of
 * {@link RunStop.over}.
 */

/** What a stop tells, for the command to render before it takes effect. */
export type StopEvent =
  | { type: "stopping"; by: "signal" | "shutdown" }
  | { type: "stopped-at-once" };

/** Listens to SIGINT and SIGTERM while it lives; see the module header. */
export class RunStop implements Disposable {
  readonly #controller = new AbortController();
  #over?: PromiseWithResolvers<void>;
  readonly #onSignal = () => this.stop("signal");

  constructor(
    readonly onEvent: (event: StopEvent) => void,
    readonly exit: (code: number) => void = Deno.exit,
  ) {
    Deno.addSignalListener("SIGINT", this.#onSignal);
    Deno.addSignalListener("SIGTERM", this.#onSignal);
  }

  /** The run flow's stop. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether the copy was asked to stop. */
  get stopped(): boolean {
    return this.#controller.signal.aborted;
  }

  stop(by: "signal" | "shutdown"): void {
    if (this.#over) {
      this.#over.resolve();
      return;
    }
    if (this.#controller.signal.aborted) {
      // Asking again over HTTP changes nothing; a second Ctrl-C means now.
      if (by === "shutdown") return;
      this.onEvent({ type: "stopped-at-once" });
      this.exit(1);
      return;
    }
    this.onEvent({ type: "stopping", by });
    this.#controller.abort();
  }

  /** Waits for the next SIGINT, SIGTERM or `POST /shutdown`, the copy being over. */
  over(): Promise<void> {
    this.#over = Promise.withResolvers<void>();
    return this.#over.promise;
  }

  [Symbol.dispose](): void {
    Deno.removeSignalListener("SIGINT", this.#onSignal);
    Deno.removeSignalListener("SIGTERM", this.#onSignal);
  }
}
