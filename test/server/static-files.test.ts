// Which encoding the built app's files go out in, by the browser's Accept-Encoding.
import { describe, expect, it } from 'vitest';
import { chooseEncoding } from '../../src/server/static-files';

describe('chooseEncoding', () => {
  it('prefers brotli, then gzip, among what the browser accepts', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(chooseEncoding('gzip, deflate')).toBe('gzip');
    expect(chooseEncoding('GZIP')).toBe('gzip');
    expect(chooseEncoding('*')).toBe('br');
  });

  it('sends the file as it is when nothing it can make is accepted', () => {
    expect(chooseEncoding(undefined)).toBeNull();
    expect(chooseEncoding('')).toBeNull();
    expect(chooseEncoding('identity')).toBeNull();
    expect(chooseEncoding('deflate')).toBeNull();
    expect(chooseEncoding('*;q=0')).toBeNull();
  });

  it('honours q=0 as a refusal, by name or through *', () => {
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(chooseEncoding('gzip;q=0, *')).toBe('br');
    expect(chooseEncoding('br;q=0, *;q=0.1')).toBe('gzip');
    expect(chooseEncoding('br;q=abc, gzip')).toBe('gzip');
  });
});
