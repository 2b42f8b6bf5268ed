/**
 * The thin React layer over the realtime client: one client per signed-in session, shared
 * through context; the connection state as an external store.
 */
import { createContext, type ReactNode, useContext, useEffect, useState, useSyncExternalStore } from "react";
import { accessToken } from "../auth";
import type { WebConfig } from "../config";
import { RealtimeClient } from "../realtime/client";
import { browserNetworkSignal } from "../realtime/network";
import { type ConnectionState, defaultTransportOptions } from "../realtime/transport";

const RealtimeContext = createContext<RealtimeClient | null>(null);

export function RealtimeProvider(props: {
  config: WebConfig;
  userId: string;
  onError: (error: Error) => void;
  children: ReactNode;
}) {
  const { config, userId, onError } = props;
  const [client, setClient] = useState<RealtimeClient | null>(null);
  // A new user means a new connection; the error callback changing does not.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by user on purpose (see above)
  useEffect(() => {
    const created = new RealtimeClient({
      wsUrl: config.wsUrl,
      apiUrl: config.apiUrl,
      getToken: accessToken,
      transport: {
        network: browserNetworkSignal(),
        ...(config.heartbeatSeconds === undefined
          ? {}
          : { heartbeat: { ...defaultTransportOptions.heartbeat, intervalMs: config.heartbeatSeconds * 1000 } }),
      },
      onError,
    });
    setClient(created);
    // A phone that slept or a tab in the background may hold a dead socket with no close event:
    // check it as soon as the page is looked at again instead of at the next heartbeat.
    const onVisible = () => {
      if (document.visibilityState === "visible") created.transport.probe();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      created.close();
    };
  }, [config, userId]);
  if (!client) return null;
  return <RealtimeContext.Provider value={client}>{props.children}</RealtimeContext.Provider>;
}

export function useRealtime(): RealtimeClient {
  const client = useContext(RealtimeContext);
  if (!client) throw new Error("useRealtime outside <RealtimeProvider>");
  return client;
}

export function useConnectionState(): ConnectionState {
  const client = useRealtime();
  return useSyncExternalStore(
    (notify) => client.onStateChange(notify),
    () => client.state,
  );
}
