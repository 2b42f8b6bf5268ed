import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app";
import { configureAuth } from "./auth";
import { webConfig } from "./config";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");

try {
  const config = webConfig();
  configureAuth(config);
  createRoot(root).render(
    <StrictMode>
      <App config={config} />
    </StrictMode>,
  );
} catch (error) {
  // A build without its VITE_* variables: say which one, instead of a blank page.
  root.textContent = error instanceof Error ? error.message : String(error);
}
