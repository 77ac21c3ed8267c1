import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { matchRoute } from "./lib/index.js";
import { prefetchRoute, queryClient } from "./queries.js";
import "./styles.css";

// The first page's data is asked for before React renders.
prefetchRoute(matchRoute(window.location.pathname), window.location.search);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
