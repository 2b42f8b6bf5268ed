/**
 * The header's two switches for being called back while the tab is hidden: browser
 * notifications (permission asked only from this click, never on load) and the sound (off by
 * default).
 */
import { useState } from "react";
import { soundSetting, useSoundSetting } from "../hooks/use-attention";

export function AttentionSettings() {
  const sound = useSoundSetting();
  const supported = typeof window !== "undefined" && "Notification" in window;
  const [permission, setPermission] = useState(() => (supported ? Notification.permission : "denied"));
  return (
    <>
      {supported && permission === "default" ? (
        <button
          type="button"
          className="link-button"
          onClick={() => void Notification.requestPermission().then(setPermission)}
        >
          Notify me
        </button>
      ) : null}
      <button
        type="button"
        className="link-button"
        aria-pressed={sound}
        onClick={() => soundSetting.set(!sound)}
        title="Play a sound for new messages and status changes while this tab is in the background"
      >
        Sound {sound ? "on" : "off"}
      </button>
    </>
  );
}
