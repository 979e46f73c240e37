// Component tests run on jsdom with an in-memory IndexedDB (fake-indexeddb), so Dexie and the
// repository are the real ones; each test unmounts what it rendered.
import 'fake-indexeddb/auto';
import { cleanup, configure } from '@testing-library/preact';
import { afterEach } from 'vitest';

// Role queries compute accessible names over the whole page (the first one in a file takes
// ~300 ms); the default 1 s for findBy*/waitFor flakes when the machine is busy.
configure({ asyncUtilTimeout: 4000 });

afterEach(() => {
  cleanup();
});
