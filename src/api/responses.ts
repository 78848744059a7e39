import { z } from 'zod';
import type { ErrorCode } from '../errors/factory-error.js';

/**
 * Every answer of the typed API is `{ok:true,data}` or `{ok:false,error:{code,message}}` — never a
 * thrown exception across the boundary, so a renderer can always show *something* for a failure.
 */

/** Codes the API layer adds to the core's FactoryError codes. */
type ApiOnlyErrorCode =
  /** The request name is unknown or its params failed validation. */
  | 'BAD_REQUEST'
  /** The operation exists in the contract but this build has no implementation wired yet. */
  | 'NOT_IMPLEMENTED'
  /** This front door cannot do it (e.g. a native folder picker in a browser). */
  | 'UNSUPPORTED'
  /** The host's answer does not match the contract this client was built with (a host of another version). */
  | 'BAD_ANSWER'
  /** The transport is gone (the WebSocket closed while the request was in flight). */
  | 'DISCONNECTED'
  /** The page's address carries a token this host does not know: the host was restarted (new token); open the address it printed. */
  | 'TOKEN_REJECTED'
  /** Nothing has answered at the page's address for a while: that `mlx-factory ui` is gone (a new one prints a new address). */
  | 'HOST_GONE';

export type ApiErrorCode = ErrorCode | ApiOnlyErrorCode;

export interface ApiError {
  /** A stable code to switch on; the set grows, so treat unknown codes as a generic failure. */
  readonly code: ApiErrorCode;
  /** A sentence for a person: what went wrong and, where we know, what to do. */
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

export type ApiResult<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: ApiError };

/** The wire shape, for validating answers that arrive over a transport. Codes stay open-ended strings. */
export const apiErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export function ok<T>(data: T): ApiResult<T> {
  return { ok: true, data };
}

export function fail(code: ApiErrorCode, message: string, details?: Readonly<Record<string, unknown>>): ApiResult<never> {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}
