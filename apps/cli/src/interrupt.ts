// Ctrl-C for long commands (search, train): the first one aborts the work, which checkpoints and stops within a
// step so the same command resumes; a second one quits at once with the same exit status.
export const ABORTED = 130;

export function interruptible(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(ABORTED);
    process.stderr.write("\ninterrupted: saving a checkpoint (Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  return { signal: controller.signal, release: () => process.off("SIGINT", onSigint) };
}
