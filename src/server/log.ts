// Structured logs: one JSON object per line (time, level, msg and fields such as method, path,
// status, ms, userId). Pluggable, so tests stay quiet or read what was logged. Callers never
// pass passwords or tokens; errors are reduced to name, message and stack.

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LogEntry extends LogFields {
  time: string;
  level: LogLevel;
  msg: string;
}

function plain(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

function entry(level: LogLevel, msg: string, fields: LogFields | undefined, now: () => Date): LogEntry {
  const out: LogEntry = { time: now().toISOString(), level, msg };
  for (const [k, v] of Object.entries(fields ?? {})) if (v !== undefined && !(k in out)) out[k] = plain(v);
  return out;
}

function loggerFrom(sink: (e: LogEntry) => void, now: () => Date): Logger {
  return {
    info: (msg, fields) => sink(entry('info', msg, fields, now)),
    warn: (msg, fields) => sink(entry('warn', msg, fields, now)),
    error: (msg, fields) => sink(entry('error', msg, fields, now)),
  };
}

/** JSON lines to a writer (stdout by default). */
export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(line), now: () => Date = () => new Date()): Logger {
  return loggerFrom((e) => write(`${JSON.stringify(e)}\n`), now);
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Keeps the entries in memory (tests). */
export function memoryLogger(now: () => Date = () => new Date()): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return Object.assign(
    loggerFrom((e) => entries.push(e), now),
    { entries },
  );
}
