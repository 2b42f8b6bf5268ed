/** Transient messages: errors as an assertive live region, the rest polite. */
import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from "react";

interface Toast {
  id: number;
  kind: "error" | "info";
  text: string;
}

interface ToastApi {
  error(text: string): void;
  info(text: string): void;
}

const ToastContext = createContext<ToastApi | null>(null);
const toastLifetimeMs = 6_000;

export function ToastProvider(props: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const counter = useRef(0);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((toast) => toast.id !== id)), []);
  const push = useCallback(
    (kind: Toast["kind"], text: string) => {
      const id = ++counter.current;
      // The same text twice in a row (a retry failing again) is one toast, not a stack.
      setToasts((all) => [...all.filter((toast) => toast.text !== text), { id, kind, text }].slice(-4));
      setTimeout(() => dismiss(id), toastLifetimeMs);
    },
    [dismiss],
  );
  const api = useMemo<ToastApi>(
    () => ({ error: (text) => push("error", text), info: (text) => push("info", text) }),
    [push],
  );
  return (
    <ToastContext.Provider value={api}>
      {props.children}
      <div className="toasts" aria-live="polite">
        {toasts.map((toast) => (
          <div
            key={toast.id}
            className={`toast toast-${toast.kind}`}
            role={toast.kind === "error" ? "alert" : "status"}
          >
            <span>{toast.text}</span>
            <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error("useToast outside <ToastProvider>");
  return api;
}
