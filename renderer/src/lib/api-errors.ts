import type { ApiError, ApiErrorCode } from '../../../src/api/responses.js';

/**
 * An API failure as a sentence for a person. What the UI *does* about a failure is chosen by its
 * code (never by matching the host's wording, which may change): stores keep the code next to the
 * sentence, and views ask `isUnavailable(code)` and the like.
 */
export function errorText(error: ApiError): string {
  switch (error.code) {
    case 'DISCONNECTED':
      return 'Lost the connection to MLX Factory. It reconnects by itself; try again in a moment.';
    case 'TOKEN_REJECTED':
    case 'HOST_GONE':
      return connectionEndedText(error);
    default:
      return error.message;
  }
}

/** The banner of a tab whose host restarted (new token) or stopped: where to go instead. */
export function connectionEndedText(error: Pick<ApiError, 'code'>): string {
  return error.code === 'TOKEN_REJECTED'
    ? 'This address is no longer served — open the new address printed by `mlx-factory ui`.'
    : 'MLX Factory stopped answering at this address — open the new address printed by `mlx-factory ui`.';
}

/** The feature exists in the contract but this build (or this front door) cannot do it: show it as unavailable, not as a failure. */
export function isUnavailable(code: ApiErrorCode | string | null | undefined): boolean {
  return code === 'NOT_IMPLEMENTED' || code === 'UNSUPPORTED';
}
