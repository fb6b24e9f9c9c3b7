import { ExitCode, UserFacingError } from "../cli/exit.ts";

/** Why a request to a cluster failed, coarse enough to pick an exit code and a fix. */
export type ClusterErrorKind =
  /** DNS, refused or reset connection: the host is not there. */
  | "unreachable"
  /** The TLS handshake failed (unknown CA, wrong host name, plain HTTP on a TLS port...). */
  | "tls"
  /** 401 or 403: the cluster refused the credentials. */
  | "auth"
  /** No answer within the per-request timeout. */
  | "timeout"
  /** The cluster answered with an error status. */
  | "http";

/**
 * A failed request to a cluster. The message names the method, the URL (never credentials),
 * the status and the cluster's own reason.
 */
export class ClusterError extends UserFacingError {
  constructor(
    readonly kind: ClusterErrorKind,
    readonly method: string,
    /** Full request URL without user info. */
    readonly url: string,
    message: string,
    hint?: string,
    /** HTTP status when the cluster answered. */
    readonly status?: number,
    /** The cluster's own `error.reason` / `error.type`, when it gave one. */
    readonly reason?: string,
    /** Parsed response body, when the cluster answered with JSON. */
    readonly body?: unknown,
  ) {
    super(
      message,
      kind === "http" || kind === "timeout" ? ExitCode.Failed : ExitCode.Unreachable,
      hint,
    );
  }
}
