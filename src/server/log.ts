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

/** Lines buffered here at most before they are written at once, whatever the turn. */
const BATCH_CHARS = 64 * 1024;

/**
 * A writer that joins the lines of one turn of the event loop into one write: stdout to a file
 * or a pipe is written synchronously, a system call per line (under load, a request's log line
 * cost as much as some of its SQL). What is pending is written before the process exits.
 */
export function batchedLines(write: (text: string) => void): (line: string) => void {
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === '') return;
    const text = pending;
    pending = '';
    write(text);
  };
  process.once('exit', flush);
  return (line) => {
    pending += line;
    if (pending.length >= BATCH_CHARS) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

/** The process's one batched stdout, made when first used. */
let stdoutLines: ((line: string) => void) | undefined;
const toStdout = (line: string) => {
  stdoutLines ??= batchedLines((text) => process.stdout.write(text));
  stdoutLines(line);
};

/** JSON lines to a writer (stdout by default, a write per turn of the event loop). */
export function jsonLogger(write: (line: string) => void = toStdout, now: () => Date = () => new Date()): Logger {
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
