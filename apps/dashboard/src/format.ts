// How numbers and times read on screen.

export function formatMacs(macs: number): string {
  // A job's training work reaches 1e17 MACs; a model's stays below 1e12.
  if (macs >= 1e15) return `${(macs / 1e15).toFixed(2)} P`;
  if (macs >= 1e12) return `${(macs / 1e12).toFixed(2)} T`;
  if (macs >= 1e9) return `${(macs / 1e9).toFixed(2)} G`;
  if (macs >= 1e6) return `${(macs / 1e6).toFixed(2)} M`;
  if (macs >= 1e3) return `${(macs / 1e3).toFixed(1)} k`;
  return String(Math.round(macs));
}

export function formatCount(n: number): string {
  return formatMacs(n).replace(" ", "");
}

/** A measured latency: median and p90 in ms, with the threads it ran on. */
export function formatLatency(medianMs: number, p90Ms?: number | null, threads?: number | null): string {
  const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const p90 = p90Ms == null ? "" : `, p90 ${ms(p90Ms)}`;
  const on = threads == null ? "" : ` (${threads} ${threads === 1 ? "thread" : "threads"})`;
  return `${ms(medianMs)} ms${p90}${on}`;
}

export function formatAccuracy(accuracy: number): string {
  return `${(accuracy * 100).toFixed(2)}%`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function formatWhen(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${Math.round(bytes)} B`;
}

/** A count given in decimal digits (a search space's size outgrows a double): grouped, or as a power of ten. */
export function formatHugeCount(digits: string): string {
  if (!/^\d+$/.test(digits)) return digits;
  if (digits.length <= 9) return Number(digits).toLocaleString("en-US");
  return `${digits[0]}.${digits.slice(1, 3)} × 10^${digits.length - 1}`;
}
