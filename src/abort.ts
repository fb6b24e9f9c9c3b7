/**
 * Waits that end at once when an AbortSignal fires (Ctrl-C, `/shutdown`), for every layer that
 * waits: the native engine's pacing, the Data Prepper monitor's polls. Imports nothing.
 */

/** The error an aborted wait rejects with: the signal's reason, or an `AbortError`. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("the run was stopped", "AbortError");
}

/** Whether `error` is what a wait rejected with because `signal` fired. */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (!signal?.aborted) return false;
  return error === signal.reason ||
    (error instanceof DOMException && error.name === "AbortError");
}

/** Waits `ms` milliseconds; rejects at once when `signal` fires (or already has). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * `promise`, or a rejection as soon as `signal` fires, whichever comes first. The promise itself
 * runs on; its own failure, if any, is then not reported as unhandled.
 */
export function unlessAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
