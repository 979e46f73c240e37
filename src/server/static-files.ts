// Serves the built app (dist/): files as they are, index.html for any other page path (SPA), no
// source map ever. Text files are sent compressed, brotli or gzip as the browser accepts, each
// compressed once per file version and kept in memory (the whole build is a few hundred kB), so
// a page load costs no compression CPU; Hono's compress middleware would gzip every response
// again and has no brotli. Each variant carries its own strong ETag; Hono's etag middleware (in
// app.ts) answers a matching If-None-Match with 304. Hashed assets are cached as immutable.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Context } from 'hono';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Worth compressing: text, and only past a size where the headers do not eat the gain. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.txt']);
const MIN_COMPRESS_BYTES = 1024;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

type Encoding = 'br' | 'gzip';

interface Variant {
  body: Uint8Array;
  etag: string;
}

interface CachedFile {
  /** The version read (a deploy rewrites files in place): what stat() says of it. */
  stamp: string;
  /** Read, with its compressed variants under way; shared by requests that come meanwhile. */
  loaded: Promise<LoadedFile | null>;
}

interface LoadedFile {
  identity: Variant;
  /** Null when not worth it, or when compressing failed (the file then goes out as it is). */
  compressed: Promise<Record<Encoding, Variant> | null> | null;
}

/** A strong ETag of the file's bytes; its compressed variants add their encoding to it. */
function etagOf(body: Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

async function compress(identity: Variant): Promise<Record<Encoding, Variant>> {
  const raw = identity.body;
  const [br, gz] = await Promise.all([
    brotli(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
    gzipAsync(raw, { level: 9 }),
  ]);
  const tagged = (encoding: string) => `${identity.etag.slice(0, -1)}-${encoding}"`;
  return { br: { body: new Uint8Array(br), etag: tagged('br') }, gzip: { body: new Uint8Array(gz), etag: tagged('gz') } };
}

/**
 * The encoding to send for an Accept-Encoding header: brotli, else gzip, when accepted with a
 * q above 0 (by name or by `*`); null for the file as it is.
 */
export function chooseEncoding(acceptEncoding: string | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    q.set(name.trim(), Number.isFinite(value) ? value : 0);
  }
  const accepted = (name: Encoding) => (q.get(name) ?? q.get('*') ?? 0) > 0;
  if (accepted('br')) return 'br';
  if (accepted('gzip')) return 'gzip';
  return null;
}

/** The handler for GET * : the app's files under `root`. */
export function serveApp<E extends object>(root: string) {
  const base = normalize(root + sep);
  const cache = new Map<string, CachedFile>();

  async function read(file: string): Promise<LoadedFile | null> {
    const raw = await readFile(file).catch(() => null);
    if (!raw) return null;
    const body = new Uint8Array(raw);
    const identity: Variant = { body, etag: etagOf(body) };
    const compressible = COMPRESSIBLE.has(extname(file).toLowerCase()) && body.length >= MIN_COMPRESS_BYTES;
    return { identity, compressed: compressible ? compress(identity).catch(() => null) : null };
  }

  /** The file as it is now; the same promise for every request until the file changes. */
  async function load(file: string): Promise<LoadedFile | null> {
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      cache.delete(file);
      return null;
    }
    // A build with fixed timestamps can rewrite a file with the same size and mtime: the inode
    // and ctime of the new file still differ.
    const stamp = `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
    const known = cache.get(file);
    if (known?.stamp === stamp) return known.loaded;
    const loaded = read(file);
    cache.set(file, { stamp, loaded });
    return loaded;
  }

  async function send(c: Context<E>, file: string): Promise<Response | null> {
    const entry = await load(file);
    if (!entry) return null;
    const variants = entry.compressed && (await entry.compressed);
    const encoding = variants ? chooseEncoding(c.req.header('accept-encoding')) : null;
    const chosen = variants && encoding ? variants[encoding] : entry.identity;
    // Hashed build assets never change; everything else (sw.js, index.html, the manifest) is
    // revalidated so an update reaches the service worker. Decided by the file found, not by
    // how the request spelt its path.
    const immutable = file.startsWith(join(base, 'assets') + sep);
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      etag: chosen.etag,
    };
    if (entry.compressed) headers.vary = 'Accept-Encoding';
    if (encoding && variants) headers['content-encoding'] = encoding;
    return c.body(chosen.body as Uint8Array<ArrayBuffer>, 200, headers);
  }

  return async (c: Context<E>): Promise<Response> => {
    let path: string;
    try {
      path = decodeURIComponent(c.req.path);
    } catch {
      return c.text('Bad Request', 400);
    }
    const file = normalize(join(base, path));
    if (!file.startsWith(base) || path.includes('\0')) return c.text('Not Found', 404);
    // Source maps would hand out the app's source: the build makes none, and none is served.
    if (extname(path).toLowerCase() === '.map') return c.text('Not Found', 404);
    const sent = await send(c, file);
    if (sent) return sent;
    // A missing asset is a 404; a page path is the app's to route.
    if (extname(path) !== '') return c.text('Not Found', 404);
    return (await send(c, join(base, 'index.html'))) ?? c.text('Not Found', 404);
  };
}
