// Who is signed in. The session itself is the API's httpOnly cookie: the dashboard never sees or stores the key;
// it only asks the API who the cookie belongs to.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { api } from "./api/client";
import { type Me, readMe } from "./api/types";

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

  // GET /v1/session answers 200 signed in or not: a signed-out first visit is no failed request in the console.
  const refresh = useCallback(async () => {
    const answer = (await api("/v1/session")) as { signedIn?: boolean; me?: unknown };
    setSession(answer.signedIn ? { state: "signed-in", me: readMe(answer.me) } : { state: "signed-out" });
  }, []);

  useEffect(() => {
    refresh().catch(() => setSession({ state: "signed-out" }));
  }, [refresh]);

  const value = useMemo<SessionValue>(
    () => ({
      session,
      async signIn(apiKey) {
        await api("/v1/session", { method: "POST", body: { apiKey } });
        await refresh();
      },
      async signOut() {
        try {
          await api("/v1/session", { method: "DELETE" });
        } finally {
          setSession({ state: "signed-out" });
        }
      },
      expired() {
        setSession({ state: "signed-out" });
      },
    }),
    [session, refresh],
  );

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}
