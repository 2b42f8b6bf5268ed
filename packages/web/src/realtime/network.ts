/**
 * Whether the device has a network, as the browser sees it (`navigator.onLine` and the
 * `online`/`offline` window events). Reconnect attempts while offline only burn battery and
 * backoff steps, so the transport parks until the network returns, then connects at once.
 */
export interface NetworkSignal {
  isOnline(): boolean;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (online: boolean) => void): () => void;
}

/** Node and other hosts with no notion of "offline": always online. */
export const alwaysOnline: NetworkSignal = {
  isOnline: () => true,
  subscribe: () => () => {},
};

export function browserNetworkSignal(): NetworkSignal {
  const target = globalThis as unknown as Partial<Window>;
  if (typeof target.addEventListener !== "function" || typeof navigator === "undefined") {
    return alwaysOnline;
  }
  return {
    isOnline: () => navigator.onLine !== false,
    subscribe(listener) {
      const online = () => listener(true);
      const offline = () => listener(false);
      target.addEventListener!("online", online);
      target.addEventListener!("offline", offline);
      return () => {
        target.removeEventListener!("online", online);
        target.removeEventListener!("offline", offline);
      };
    },
  };
}
