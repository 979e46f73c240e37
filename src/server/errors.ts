// Typed API failures: thrown anywhere below a route, turned by the app into
// `{ error: { code, message, mutationId? } }` with the status protocol.ts gives the code (and
// any headers the failure carries, e.g. Retry-After on a 429).
import { API_ERROR_STATUS, type ApiError, type ApiErrorCode } from '../model/protocol';

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

  /** The client broke the request off while sending it (see UploadAborted). */
  get aborted(): boolean {
    return false;
  }

  body(): ApiError {
    return { error: { code: this.code, message: this.message, ...(this.mutationId === undefined ? {} : { mutationId: this.mutationId }) } };
  }
}

/**
 * The request body broke off before its end: the client closed the tab, lost its connection or
 * gave up. Not a server failure: it is logged as aborted (nobody is there to read the answer).
 */
export class UploadAborted extends ApiFailure {
  constructor() {
    super('bad_request', '本文を最後まで受け取れませんでした (the upload was aborted)');
    this.name = 'UploadAborted';
  }

  override get aborted(): boolean {
    return true;
  }
}
