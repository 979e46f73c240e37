// Parsing the live channel's events (src/model/live-protocol.ts): a `change` carries the
// version each branch reached (S48) when the server sends it; versions that do not parse are
// dropped, the signal is kept (the device then pulls, as from a server before S48). The same
// for the versions of a sync answer (src/model/protocol.ts), which the signals are compared with.
import { describe, expect, it } from 'vitest';
import { parseLiveEvent } from '../../../src/model/live-protocol';
import { PROTOCOL_VERSION, syncResponseSchema } from '../../../src/model/protocol';

describe('a change event', () => {
  it('S48: keeps the versions the server sent', () => {
    expect(parseLiveEvent('change', '{"branches":["tokyo"],"versions":{"tokyo":42}}')).toEqual({
      type: 'change',
      branches: ['tokyo'],
      versions: { tokyo: 42 },
    });
  });

  it('is a signal without versions from a server before S48, or when they do not parse', () => {
    expect(parseLiveEvent('change', '{"branches":["tokyo"]}')).toEqual({ type: 'change', branches: ['tokyo'] });
    for (const versions of ['{"tokyo":-1}', '{"tokyo":1.5}', '{"tokyo":"7"}', '[7]', '{"../x":1}', 'null'])
      expect(parseLiveEvent('change', `{"branches":["tokyo"],"versions":${versions}}`)).toEqual({ type: 'change', branches: ['tokyo'] });
  });

  it('S48: drops versions that do not name exactly its branches (the signal is pulled as one without them)', () => {
    for (const versions of ['{}', '{"osaka":1}', '{"tokyo":1,"osaka":1}'])
      expect(parseLiveEvent('change', `{"branches":["tokyo"],"versions":${versions}}`)).toEqual({ type: 'change', branches: ['tokyo'] });
    const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`b${i}`, 1]));
    expect(parseLiveEvent('change', JSON.stringify({ branches: Object.keys(many), versions: many }))).toEqual({ type: 'change', branches: Object.keys(many) });
  });

  it('is nothing when its branches do not parse', () => {
    expect(parseLiveEvent('change', '{"versions":{"tokyo":1}}')).toBeNull();
    expect(parseLiveEvent('change', 'not json')).toBeNull();
  });
});

describe('a sync answer', () => {
  const answer = { protocolVersion: PROTOCOL_VERSION, results: [], changes: [], cursor: 'c1', hasMore: false, reset: false };

  it('S48: keeps versions that parse, and stands without those that do not', () => {
    expect(syncResponseSchema.parse({ ...answer, versions: { tokyo: 3 } }).versions).toEqual({ tokyo: 3 });
    for (const versions of ['x', null, { tokyo: -5 }, { tokyo: 1e308 }, { tokyo: 1.5 }, { '../x': 1 }]) {
      const parsed = syncResponseSchema.parse({ ...answer, versions });
      expect(parsed.versions).toBeUndefined();
      expect(parsed.cursor).toBe('c1');
    }
  });
});
