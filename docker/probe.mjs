// Container health probe: `node docker/probe.mjs <url>` exits 0 when the URL answers 2xx within the timeout and 1
// otherwise, printing why. The images are slim (no curl or wget), and Node's own fetch is always there.
const [url] = process.argv.slice(2);
const env = process.env;
const timeoutMs = Number(env.PROBE_TIMEOUT_MS || 4000);

if (!url) {
  console.error("usage: node docker/probe.mjs <url>");
  process.exit(2);
}

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  // Drain the body so the socket closes before exiting.
  await response.arrayBuffer();
  if (!response.ok) {
    console.error(`${url} answered ${response.status} ${response.statusText}`);
    process.exit(1);
  }
} catch (err) {
  const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  console.error(`${url} did not answer: ${reason}`);
  process.exit(1);
}
