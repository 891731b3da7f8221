// The API and the worker as child processes of `npm start`: started from their own entry points, given every
// signal the launcher gets, and stopped together when one of them dies (docs/deployment.md, "npm start").
import { type ChildProcess, spawn } from "node:child_process";
import type { Logger } from "pino";

export interface ChildSpec {
  /** How the logs name it: "API", "worker". */
  name: string;
  /** The TypeScript entry point, run as `node --import tsx <entry>` like the package scripts. */
  entry: string;
  /** An exit status that means "could not start, carry on without it" instead of a failure of the whole service. */
  optionalExitCode?: number;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit status ${code}`;
}

/**
 * Starts every child with the launcher's environment and output (their pino lines pass through unchanged). Returns
 * `stop(signal)`, which forwards a signal to the children still running; the launcher exits once none is: 0 after a
 * stop whose children all ended cleanly, 1 when a child died on its own (the others are stopped first) or failed to
 * stop.
 */
export function superviseChildren(specs: ChildSpec[], logger: Logger): { stop(signal: NodeJS.Signals): void } {
  const running = new Map<string, ChildProcess>();
  let stopping = false;
  let failed = false;

  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const child of running.values()) child.kill(signal);
  };

  const exited = (spec: ChildSpec, code: number | null, signal: NodeJS.Signals | null) => {
    running.delete(spec.name);
    const how = describeExit(code, signal);
    if (stopping) {
      // A child killed by the forwarded signal itself was still starting: it held no job yet.
      if (code !== 0 && signal === null) {
        failed = true;
        logger.error({ child: spec.name, code }, `the ${spec.name} did not stop cleanly (${how})`);
      }
    } else if (code !== null && code === spec.optionalExitCode) {
      logger.error(
        { child: spec.name, code },
        `no ${spec.name} (${how}): its log above says why; the rest keeps running`,
      );
    } else {
      failed = true;
      const others = [...running.keys()];
      logger.error(
        { child: spec.name, code, signal },
        `the ${spec.name} exited unexpectedly (${how})${others.length ? `: stopping the ${others.join(" and the ")}` : ""}`,
      );
      stop("SIGTERM");
    }
    if (running.size === 0) process.exit(failed ? 1 : 0);
  };

  for (const spec of specs) {
    // Its own process group: a terminal's Ctrl-C (sent to the whole foreground group) then reaches the children once,
    // through the launcher; twice would make the worker stop without waiting for checkpoints.
    const child = spawn(process.execPath, ["--import", "tsx", spec.entry], {
      env: process.env,
      stdio: ["ignore", "inherit", "inherit"],
      detached: true,
    });
    running.set(spec.name, child);
    logger.info({ child: spec.name, childPid: child.pid, entry: spec.entry }, `started the ${spec.name}`);
    child.on("exit", (code, signal) => exited(spec, code, signal));
    child.on("error", (err) => logger.error({ err, child: spec.name }, `could not start the ${spec.name}`));
  }
  // Whatever ends the launcher (an uncaught error too) does not leave the children behind.
  process.on("exit", () => {
    for (const child of running.values()) child.kill("SIGTERM");
  });
  return { stop };
}
