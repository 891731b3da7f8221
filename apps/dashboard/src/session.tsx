// Who is signed in. The session itself is the API's httpOnly cookie: the dashboard never sees or stores the key;
// it only asks the API who the cookie belongs to.
import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { answer, api } from "./api/client";
import type { Me } from "./api/schema";

type SessionState = { state: "loading" } | { state: "signed-out" } | { state: "signed-in"; me: Me };

interface SessionValue {
  session: SessionState;
  signIn(apiKey: string): Promise<void>;
  signOut(): Promise<void>;
  /** Call when a request answers 401: the cookie expired or was revoked. */
  expired(): void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionState>({ state: "loading" });
  const queries = useQueryClient();

  // GET /v1/session answers 200 signed in or not: a signed-out first visit is no failed request in the console.
  const refresh = useCallback(async () => {
    const { me } = await answer(api.GET("/v1/session"));
    setSession(me ? { state: "signed-in", me } : { state: "signed-out" });
  }, []);

  useEffect(() => {
    refresh().catch(() => setSession({ state: "signed-out" }));
  }, [refresh]);

  const value = useMemo<SessionValue>(
    () => ({
      session,
      async signIn(apiKey) {
        await answer(api.POST("/v1/session", { body: { apiKey } }));
        // Nothing read for an earlier session is shown to this one.
        queries.clear();
        await refresh();
      },
      async signOut() {
        try {
          await answer(api.DELETE("/v1/session"));
        } finally {
          setSession({ state: "signed-out" });
        }
      },
      expired() {
        setSession({ state: "signed-out" });
      },
    }),
    [session, refresh, queries],
  );

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}
