/**
 * What every screen does when it appears (SPEC §7): its own `document.title`, and focus on its
 * `h1` so that a keyboard or screen-reader user lands on the new content instead of on `body`
 * (the heading has tabIndex -1: focusable by script, not a tab stop). A screen whose heading
 * waits for data (an order page) gets focus when the heading first appears.
 */
import { useCallback, useEffect, useRef } from "react";

export const appName = "Live Orders";

export function useScreen(title: string): (heading: HTMLHeadingElement | null) => void {
  useEffect(() => {
    document.title = `${title} · ${appName}`;
  }, [title]);
  const focused = useRef(false);
  return useCallback((heading: HTMLHeadingElement | null) => {
    if (!heading || focused.current) return;
    focused.current = true;
    heading.focus();
  }, []);
}
