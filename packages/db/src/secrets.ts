// API keys and session tokens: high-entropy random strings of which only a SHA-256 is stored.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const KEY_TAG = "vnk_";
/** Characters of a key kept in clear (`vnk_` + 8) to find its row. */
export const KEY_PREFIX_LENGTH = KEY_TAG.length + 8;

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** A new API key: `vnk_<8 lookup chars>_<43 secret chars>` (256 random bits). */
export function newApiKey(): { plaintext: string; prefix: string; hash: string } {
  const lookup = randomBytes(6).toString("base64url");
  const plaintext = `${KEY_TAG}${lookup}_${randomBytes(32).toString("base64url")}`;
  return { plaintext, prefix: plaintext.slice(0, KEY_PREFIX_LENGTH), hash: sha256(plaintext) };
}

/** The lookup prefix of something shaped like a key, or null. */
export function keyPrefix(plaintext: string): string | null {
  return /^vnk_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{20,}$/.test(plaintext) ? plaintext.slice(0, KEY_PREFIX_LENGTH) : null;
}

export function hashMatches(plaintext: string, hash: string): boolean {
  const a = Buffer.from(sha256(plaintext), "hex");
  const b = Buffer.from(hash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

export const newSessionToken = (): string => randomBytes(32).toString("base64url");
