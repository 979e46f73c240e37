// Component tests run on jsdom with an in-memory IndexedDB (fake-indexeddb), so Dexie and the
// repository are the real ones; each test unmounts what it rendered.
import 'fake-indexeddb/auto';
import { options } from 'preact';
import { cleanup, configure } from '@testing-library/preact';
import { afterEach } from 'vitest';

// Role queries compute accessible names over the whole page (the first one in a file takes
// ~300 ms); the default 1 s for findBy*/waitFor flakes when the machine is busy.
configure({ asyncUtilTimeout: 4000 });

// Preact runs effects after the next frame, with a 100 ms timer as a fallback; in jsdom that
// timer can fire after the file's environment is torn down ("window is not defined"). Running
// them on the next task instead lets afterEach drain them before the environment goes.
options.requestAnimationFrame = (run) => void setTimeout(run, 0);

afterEach(async () => {
  cleanup();
  await new Promise((resolve) => setTimeout(resolve, 0));
  // The plan screen keeps a snapshot there (plan-snapshot.ts); each test starts without one,
  // and at the app's root (routes are read from the address).
  localStorage.clear();
  history.replaceState(null, '', '/');
});
