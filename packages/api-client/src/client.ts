// A client of the API typed by its own OpenAPI document: openapi-fetch checks every request (path, params, body) and
// answer against generated/openapi.d.ts. With an API key it authenticates as the API asks of scripts and the CLI,
// `Authorization: Bearer <key>` (README.md, "The service"); without one (the dashboard) the session cookie does.
import createClient, { type Client, type ClientOptions, mergeHeaders } from "openapi-fetch";
import type { paths } from "./generated/openapi";

export type ApiClient = Client<paths>;

export interface ApiClientOptions extends Omit<ClientOptions, "baseUrl"> {
  /** A team's API key (`nas admin create-key` prints one), sent as a bearer token on every request. */
  apiKey?: string;
}

/** A typed client of the API at `baseUrl` ("" for the origin the page came from). */
export function createApiClient(baseUrl: string, { apiKey, headers, ...options }: ApiClientOptions = {}): ApiClient {
  const auth = apiKey ? { authorization: `Bearer ${apiKey}` } : undefined;
  return createClient<paths>({ ...options, baseUrl, headers: mergeHeaders(headers, auth) });
}
