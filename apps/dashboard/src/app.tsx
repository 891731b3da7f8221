// Routes and the page frame: a header with navigation and the signed-in team, then the page.
import { QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import { BrowserRouter, Link, Navigate, NavLink, Outlet, Route, Routes, useLocation } from "react-router";
import { newQueryClient } from "./api/queries";
import { PageBoundary } from "./components/page-boundary";
import { ArchitecturePage } from "./pages/architecture";
import { ComparePage } from "./pages/compare";
import { NewSearchPage } from "./pages/new-search";
import { SearchesPage } from "./pages/searches";
import { SignInPage } from "./pages/sign-in";
import { SessionProvider, useSession } from "./session";

// The search and comparison pages carry the chart library; loading them on demand keeps sign-in and the lists light.
const SearchPage = lazy(() => import("./pages/search").then((m) => ({ default: m.SearchPage })));
const CompareSearchesPage = lazy(() =>
  import("./pages/compare-searches").then((m) => ({ default: m.CompareSearchesPage })),
);

export function App() {
  const [queries] = useState(newQueryClient);
  return (
    <QueryClientProvider client={queries}>
      <SessionProvider>
        <BrowserRouter>
          <Routes>
            <Route path="/sign-in" element={<SignInPage />} />
            <Route element={<SignedInFrame />}>
              <Route index element={<Navigate to="/searches" replace />} />
              <Route path="/searches" element={<SearchesPage />} />
              <Route path="/searches/new" element={<NewSearchPage />} />
              <Route path="/searches/compare" element={<CompareSearchesPage />} />
              <Route path="/searches/:id" element={<SearchPage />} />
              <Route path="/searches/:id/compare" element={<ComparePage />} />
              <Route path="/searches/:id/architectures/:archId" element={<ArchitecturePage />} />
              <Route path="*" element={<NotFound />} />
            </Route>
          </Routes>
        </BrowserRouter>
      </SessionProvider>
    </QueryClientProvider>
  );
}

function SignedInFrame() {
  const { session, signOut } = useSession();
  const location = useLocation();
  if (session.state === "loading") return <p className="page-status">Loading…</p>;
  if (session.state === "signed-out") {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/searches" className="brand">
          vitnas
        </Link>
        <nav aria-label="Main">
          <NavLink to="/searches" end>
            Searches
          </NavLink>
          <NavLink to="/searches/new">New search</NavLink>
          <NavLink to="/searches/compare">Compare searches</NavLink>
        </nav>
        <div className="who">
          <span>
            Team <strong>{session.me.team.name}</strong>
          </span>
          <button type="button" className="quiet" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <PageBoundary key={location.pathname}>
          <Suspense fallback={<p className="page-status">Loading…</p>}>
            <Outlet />
          </Suspense>
        </PageBoundary>
      </main>
    </>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        No page here. <Link to="/searches">Back to the searches</Link>.
      </p>
    </section>
  );
}
