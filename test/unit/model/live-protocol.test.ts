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

describe('a change event’s page (S49)', () => {
  const change = { table: 'notes', id: 'n1', version: 6, record: { id: 'n1' } };
  const page = { after: 'v2.db.-.tokyo:5', cursor: 'v2.db.-.tokyo:6', changes: [change] };

  it('is kept for a signal of one branch with its versions', () => {
    expect(parseLiveEvent('change', JSON.stringify({ branches: ['tokyo'], versions: { tokyo: 6 }, page }))).toEqual({
      type: 'change',
      branches: ['tokyo'],
      versions: { tokyo: 6 },
      page,
    });
  });

  it('is dropped, the signal kept, when it does not parse, has no versions to go with, or names several branches', () => {
    for (const bad of [
      { ...page, changes: [{ ...change, table: 'nope' }] },
      { ...page, after: 5 },
      { ...page, cursor: 'x'.repeat(1025) },
      { after: page.after },
    ])
      expect(parseLiveEvent('change', JSON.stringify({ branches: ['tokyo'], versions: { tokyo: 6 }, page: bad }))).toEqual({
        type: 'change',
        branches: ['tokyo'],
        versions: { tokyo: 6 },
      });
    expect(parseLiveEvent('change', JSON.stringify({ branches: ['tokyo'], page }))).toEqual({ type: 'change', branches: ['tokyo'] });
    expect(parseLiveEvent('change', JSON.stringify({ branches: ['osaka', 'tokyo'], versions: { osaka: 1, tokyo: 6 }, page }))).toEqual({
      type: 'change',
      branches: ['osaka', 'tokyo'],
      versions: { osaka: 1, tokyo: 6 },
    });
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
