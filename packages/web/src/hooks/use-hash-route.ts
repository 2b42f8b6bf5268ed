/**
 * Two screens per role do not need a router package: the hash keeps deep links and the back
 * button working on any static host (CloudFront serves index.html for `/` only).
 */
import { useSyncExternalStore } from "react";

export type Route = { name: "home" } | { name: "history" } | { name: "order"; orderId: string };

function parse(hash: string): Route {
  const match = /^#\/orders\/([^/?#]+)/.exec(hash);
  if (match) return { name: "order", orderId: decodeURIComponent(match[1]!) };
  return /^#\/history\/?$/.test(hash) ? { name: "history" } : { name: "home" };
}

function subscribe(notify: () => void): () => void {
  window.addEventListener("hashchange", notify);
  return () => window.removeEventListener("hashchange", notify);
}

export function useHashRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parse(hash);
}

export function orderHref(orderId: string): string {
  return `#/orders/${encodeURIComponent(orderId)}`;
}

export function navigate(href: string): void {
  window.location.hash = href.startsWith("#") ? href.slice(1) : href;
}
