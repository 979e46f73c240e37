// Typed API failures: thrown anywhere below a route, turned by the app into
// `{ error: { code, message, mutationId? } }` with the status protocol.ts gives the code (and
// any headers the failure carries, e.g. Retry-After on a 429).
import { API_ERROR_STATUS, type ApiError, type ApiErrorCode } from '../sync/protocol';

export class ApiFailure extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** The mutation of a sync request the failure is about. */
    readonly mutationId?: string,
    /** Response headers that go with this failure. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiFailure';
  }

  get status(): number {
    return API_ERROR_STATUS[this.code];
  }

  body(): ApiError {
    return { error: { code: this.code, message: this.message, ...(this.mutationId === undefined ? {} : { mutationId: this.mutationId }) } };
  }
}
