// Server processes for the tests of several instances: src/server/main.ts started as `npm start`
// would run it (without the build), each printing its JSON log lines, stopped with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT } from '../../src/server/main';

export interface Instance {
  name: string;
  url: string;
  process: ChildProcess;
  /** What the process printed, for the failure message. */
  output: string[];
}

function parseLogLine(line: string): { msg?: string; url?: string } | null {
  try {
    return JSON.parse(line) as { msg?: string; url?: string };
  } catch {
    return null;
  }
}

/** Starts main.ts as `npm start` would run it (without the build), and waits for its 'listening' line. */
export function startInstance(name: string, env: NodeJS.ProcessEnv): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/server/main.ts')], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${name} did not start:\n${output.join('\n')}`)), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`instance ${name} exited with ${code}:\n${output.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      const entry = parseLogLine(line);
      if (entry?.msg === 'listening' && entry.url) {
        clearTimeout(timer);
        resolve({ name, url: entry.url, process: child, output });
      }
    });
  });
}

export async function stopInstance(instance: Instance): Promise<void> {
  const { process: child } = instance;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Instances A and B as production runs them, on one PostgreSQL database (a URL with its schema)
 * and one data folder. If one fails to start, the other is stopped before the failure is thrown.
 */
export async function startPostgresInstances(databaseUrl: string, dataDir: string, poolSize: number): Promise<Instance[]> {
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(poolSize),
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
  };
  const started = await Promise.allSettled(['A', 'B'].map((name) => startInstance(name, env)));
  const failed = started.find((s) => s.status === 'rejected');
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (failed) {
    await Promise.all(running.map(stopInstance));
    throw failed.reason;
  }
  return running;
}
