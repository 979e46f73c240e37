// The client's door to the live channel (docs/sync-protocol.md, "Live channel"): reads the
// Server-Sent Events of GET /api/events with fetch (EventSource cannot send the Authorization
// header, and the token never goes into a URL) and sends presence with POST /api/presence.
// Every event is parsed with the schemas of live-protocol.ts; a failure becomes a TransportError
// as in transport.ts. Tests pass their own fetch to run the same code against an in-process app.
import { apiErrorSchema } from '../model/protocol';
import { parseLiveEvent, type LiveEvent, type PresenceRequest } from '../model/live-protocol';
import { TransportError, type FetchLike } from './transport';

export interface LiveTransport {
  /**
   * Reads the event stream, handing each event to onEvent, until it ends (resolves) or fails or
   * is aborted (rejects). Resolves only after the stream was open.
   */
  events(token: string, clientId: string, onEvent: (event: LiveEvent) => void, signal: AbortSignal): Promise<void>;
  presence(request: PresenceRequest, token: string): Promise<void>;
}

async function failure(response: Response): Promise<TransportError> {
  let json: unknown;
  try {
    json = JSON.parse(await response.text());
  } catch {
    json = undefined;
  }
  const body = apiErrorSchema.safeParse(json);
  if (body.success) return new TransportError('http', body.data.error.message, response.status, body.data.error.code);
  return new TransportError('http', `HTTP ${response.status}`, response.status);
}

/** Splits a text/event-stream into events; call push() with each decoded chunk. */
export function sseParser(onEvent: (event: LiveEvent) => void): (chunk: string) => void {
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  return (chunk) => {
    buffer += chunk;
    for (let end = buffer.search(/\r\n|\r|\n/); end >= 0; end = buffer.search(/\r\n|\r|\n/)) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      if (line === '') {
        if (data.length) {
          const parsed = parseLiveEvent(event, data.join('\n'));
          if (parsed) onEvent(parsed);
        }
        event = 'message';
        data = [];
      } else if (line.startsWith(':')) {
        onEvent({ type: 'heartbeat' });
      } else {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
    }
  };
}

export function fetchLiveTransport(fetchFn: FetchLike, options: { baseUrl?: string } = {}): LiveTransport {
  const baseUrl = options.baseUrl ?? '';
  return {
    async events(token, clientId, onEvent, signal) {
      let response: Response;
      try {
        response = await fetchFn(`${baseUrl}/api/events`, {
          method: 'GET',
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', 'x-client-id': clientId },
          cache: 'no-store',
          signal,
        });
      } catch (e) {
        throw new TransportError('network', e instanceof Error ? e.message : String(e));
      }
      if (!response.ok) throw await failure(response);
      if (!response.body) throw new TransportError('http', 'The event stream has no body', response.status);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const push = sseParser(onEvent);
      // A fetch that does not tie its body to the signal (an in-process app) still stops reading.
      const stop = () => void reader.cancel().catch(() => undefined);
      signal.addEventListener('abort', stop);
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          push(decoder.decode(value, { stream: true }));
        }
      } catch (e) {
        throw new TransportError('network', e instanceof Error ? e.message : String(e));
      } finally {
        signal.removeEventListener('abort', stop);
        reader.cancel().catch(() => undefined);
      }
      if (signal.aborted) throw new TransportError('network', 'aborted');
    },

    async presence(request, token) {
      let response: Response;
      try {
        response = await fetchFn(`${baseUrl}/api/presence`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(request),
        });
      } catch (e) {
        throw new TransportError('network', e instanceof Error ? e.message : String(e));
      }
      if (!response.ok) throw await failure(response);
    },
  };
}

/** The browser's live transport, against the app's own origin. */
export function httpLiveTransport(baseUrl = ''): LiveTransport {
  return fetchLiveTransport((url, init) => fetch(url, init), { baseUrl });
}
