// Shared set-up for the browser benchmarks: a production build served by Vite's preview server
// on loopback, and Debian's Chromium with the same flags as the e2e tests.
import { build, preview, type PreviewServer } from 'vite';
import { chromium, type Browser } from '@playwright/test';
import { launchOptions } from '../e2e/browser';

export const BENCH_PORT = Number(process.env.BENCH_PORT ?? 4190);
export const BENCH_URL = `http://127.0.0.1:${BENCH_PORT}`;

export async function buildApp(): Promise<void> {
  await build({ logLevel: 'warn' });
}

export async function startPreview(): Promise<PreviewServer> {
  return preview({ logLevel: 'warn', preview: { host: '127.0.0.1', port: BENCH_PORT, strictPort: true } });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch(launchOptions);
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
