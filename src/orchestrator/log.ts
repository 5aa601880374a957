/**
 * Logs for machines and for people from one logger. Not a terminal (a container, a pipe, a file)
 * or `LOG_FORMAT=json`: one JSON object per line, what CloudWatch and log shippers expect. A
 * terminal (or `LOG_FORMAT=pretty`): one coloured line per event with the same fields. The pretty
 * form is a small formatter in this process, not pino-pretty's transport, which would start a
 * worker thread in every agent and add its dependencies to the image.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

/**
 * Paths whose values are credentials. Nothing logs them today; this keeps a future
 * `logger.info({ settings })` from printing a LiveKit secret or an Azure key into CloudWatch.
 * A LiveKit API key is not among them: it names the key pair (as a user name does), operators
 * need it to tell which pair a process uses, and LiveKit's own logs print it.
 */
export const REDACTED_PATHS = [
  'apiSecret',
  'secret',
  'token',
  'password',
  'authorization',
  'speechKey',
  'key',
  '*.apiSecret',
  '*.secret',
  '*.token',
  '*.password',
  '*.authorization',
  '*.speechKey',
  'azure.key',
  'speech.key',
  'headers.authorization',
  'req.headers.authorization',
];
export const REDACTED = '[redacted]';

/** `LOG_FORMAT` wins; otherwise a terminal gets the pretty form and anything else JSON. */
export function logFormat(env: NodeJS.ProcessEnv = process.env, isTTY: boolean = process.stdout.isTTY === true): LogFormat {
  const chosen = env.LOG_FORMAT?.trim().toLowerCase();
  if (chosen === 'json' || chosen === 'pretty') return chosen;
  if (chosen) throw new Error(`LOG_FORMAT must be json or pretty, not '${env.LOG_FORMAT}'`);
  return isTTY ? 'pretty' : 'json';
}

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Default: `logFormat()` of this process's environment and stdout. */
  format?: LogFormat;
  /** Default: stdout. */
  destination?: { write(line: string): unknown };
  /** Colour the pretty form. Default: a terminal without `NO_COLOR`. */
  color?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? logFormat();
  const settings = {
    name: options.name ?? 'interpreter',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
  };
  if (format === 'json') return options.destination ? pino(settings, options.destination as DestinationStream) : pino(settings);
  const out = options.destination ?? process.stdout;
  const color = options.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  // pino hands the destination one complete JSON line per event: reformat it, fields and all.
  return pino(settings, { write: (line: string) => out.write(`${prettyLine(line, color)}\n`) });
}

/** A logger that drops everything, for tests and embedding. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

const LEVELS: Record<number, [label: string, color: string]> = {
  10: ['TRACE', '90'],
  20: ['DEBUG', '36'],
  30: ['INFO ', '32'],
  40: ['WARN ', '33'],
  50: ['ERROR', '31'],
  60: ['FATAL', '35'],
};

/**
 * One JSON log line as one line for a person: `12:00:01.250 INFO  name: message key=value ...`.
 * Every field of the JSON appears: strings bare when they are one plain word, everything else as
 * JSON (so a stack trace or a nested object stays on the line, its newlines escaped).
 */
export function prettyLine(json: string, color = false): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const { time, level, name, msg, ...fields } = event;
  const [label, levelColor] = typeof level === 'number' ? (LEVELS[level] ?? [`L${level}`, '0']) : [String(level ?? '?'), '0'];
  const parts: string[] = [];
  if (time !== undefined) parts.push(paint('2', clock(time)));
  parts.push(paint(levelColor, label));
  if (name !== undefined) parts.push(paint('2', `${String(name)}:`));
  if (msg !== undefined) parts.push(oneLine(String(msg)));
  for (const [key, value] of Object.entries(fields)) parts.push(`${paint('36', key)}=${fieldValue(value)}`);
  return parts.join(' ');
}

/** The ISO time of day to the millisecond; anything else as it came. */
function clock(time: unknown): string {
  const text = String(time);
  const match = /T(\d\d:\d\d:\d\d(?:\.\d+)?)/.exec(text);
  return match ? match[1]! : text;
}

function oneLine(text: string): string {
  return text.replace(/\r?\n/g, '\\n');
}

function fieldValue(value: unknown): string {
  if (typeof value === 'string' && /^[^\s"=\\]+$/.test(value)) return value;
  return JSON.stringify(value) ?? String(value);
}
