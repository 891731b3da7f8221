// Structured logs: pino JSON lines in production, pretty-printed when LOG_PRETTY=1 or NODE_ENV=development.
import { type Logger, pino } from "pino";

export type { Logger };

export function createLogger(name: string, env: NodeJS.ProcessEnv = process.env): Logger {
  const pretty = env.LOG_PRETTY === "1" || env.NODE_ENV === "development";
  return pino({
    name,
    level: env.LOG_LEVEL || "info",
    ...(pretty ? { transport: { target: "pino-pretty", options: { colorize: true } } } : {}),
  });
}
