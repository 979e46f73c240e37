// Parsing the live channel's events (src/model/live-protocol.ts): a `change` carries the
// version each branch reached (S48) when the server sends it; versions that do not parse are
// dropped, the signal is kept (the device then pulls, as from a server before S48).
import { describe, expect, it } from 'vitest';
import { parseLiveEvent } from '../../../src/model/live-protocol';

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

  it('is nothing when its branches do not parse', () => {
    expect(parseLiveEvent('change', '{"versions":{"tokyo":1}}')).toBeNull();
    expect(parseLiveEvent('change', 'not json')).toBeNull();
  });
});
