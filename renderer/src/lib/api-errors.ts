import type { ApiError } from '../../../src/api/responses.js';

/** An API failure as a sentence for a person, with the codes a UI has to treat specially. */
const NOT_IMPLEMENTED = /not available in this build yet/i;

export function errorText(error: ApiError): string {
  switch (error.code) {
    case 'NOT_IMPLEMENTED':
      return NOT_IMPLEMENTED.test(error.message) ? error.message : `Not available in this build yet: ${error.message}`;
    case 'DISCONNECTED':
      return 'Lost the connection to MLX Factory. It reconnects by itself; try again in a moment.';
    default:
      return error.message;
  }
}

export function isNotImplemented(error: ApiError | null | undefined): boolean {
  return error?.code === 'NOT_IMPLEMENTED';
}

/** Whether a sentence made by errorText is a "not in this build yet" one (stores keep sentences, not codes). */
export function isNotImplementedText(text: string | null | undefined): boolean {
  return text !== null && text !== undefined && NOT_IMPLEMENTED.test(text);
}
