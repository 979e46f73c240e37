/// <reference types="vitest/config" />
// Build, dev server and unit/component test configuration. The service worker is built by
// vite-plugin-pwa in injectManifest mode from src/sw.ts; the page registers it itself
// (src/ui/pwa.ts) so that updates wait for the user's consent.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  plugins: [
    preact(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      manifest: {
        name: '事業計画トラッカー',
        short_name: '事業計画',
        description: '協会けんぽ支部の事業計画の実施状況・評価・KPIを端末で記録するアプリ',
        lang: 'ja',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1d4e89',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg}'],
        globIgnores: ['**/*.map'],
        sourcemap: false,
      },
      devOptions: { enabled: false },
    }),
  ],
  // `npm run dev` talks to a server started with `npm start` (port 8080 unless API_URL says otherwise).
  server: { proxy: { '/api': process.env.API_URL ?? 'http://127.0.0.1:8080' } },
  build: {
    target: 'es2022',
    // No source maps in production: they would publish the source to anyone (the server also
    // refuses to serve a .map file, and the service worker's precache lists none).
    sourcemap: false,
    manifest: true,
  },
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/architecture.test.ts'], environment: 'node' } },
      {
        extends: true,
        test: {
          name: 'component',
          include: ['test/component/**/*.test.tsx'],
          environment: 'jsdom',
          setupFiles: ['test/component/setup.ts'],
        },
      },
      { extends: true, test: { name: 'server', include: ['test/server/**/*.test.ts'], environment: 'node' } },
    ],
  },
});
