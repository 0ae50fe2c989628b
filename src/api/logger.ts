// berthd's log lines on stderr, filtered by --log-level.
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
const LEVELS = LOG_LEVELS;
type Level = (typeof LEVELS)[number];

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(level: string): Logger {
  const min = Math.max(0, LEVELS.indexOf(level as Level));
  const at = (l: Level) => (msg: string) => {
    if (LEVELS.indexOf(l) >= min) process.stderr.write(`time="${new Date().toISOString()}" level=${l} msg=${JSON.stringify(msg)}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
