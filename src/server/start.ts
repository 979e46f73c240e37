// `npm start`: builds the app with Vite when dist/ is missing or older than its sources, then
// starts the server (main.ts) with the settings from the environment.
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT, runFromEnv, settingsFromEnv } from './main';

/** What the browser build is made from. */
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'];

async function newestMtime(path: string): Promise<number> {
  const s = await stat(path).catch(() => null);
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

export async function buildNeeded(root: string = PROJECT_ROOT): Promise<boolean> {
  const index = join(root, 'dist', 'index.html');
  if (!existsSync(index)) return true;
  const built = (await stat(index)).mtimeMs;
  for (const source of SOURCES) {
    // The server's and the command line's code are not part of the browser build.
    const path = join(root, source);
    if (source === 'src') {
      for (const entry of await readdir(path)) if (entry !== 'server' && entry !== 'cli' && (await newestMtime(join(path, entry))) > built) return true;
    } else if ((await newestMtime(path)) > built) return true;
  }
  return false;
}

// Read before building: Vite's build sets NODE_ENV=production in this process.
const settings = settingsFromEnv();
if (await buildNeeded()) {
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'building the app (dist/ is missing or older than its sources)' })}\n`,
  );
  const { build } = await import('vite');
  await build({ root: PROJECT_ROOT, logLevel: 'warn' });
}
await runFromEnv(settings);
