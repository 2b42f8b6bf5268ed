import { createServer } from "node:net";
import { PortInUseError } from "../errors";

/** A port the OS considers free right now (listen on 0, read it, close). */
export async function findFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether `port` can be bound on `host`. */
export async function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") resolve(false);
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Fails with a `PortInUseError` naming the part and its env var when the port is taken.
 * Checks the wildcard address too: a program that binds every interface (DynamoDB Local
 * does) collides with a listener on 127.0.0.1, and vice versa.
 */
export async function assertPortFree(o: {
  port: number;
  part: string;
  envVar?: string;
  hosts?: readonly string[];
}): Promise<void> {
  if (o.port === 0) return;
  for (const host of o.hosts ?? ["127.0.0.1", "0.0.0.0"]) {
    if (!(await isPortFree(o.port, host))) throw new PortInUseError(o);
  }
}

/** `port` itself, or a free one when it is 0. */
export async function resolvePort(port: number | undefined): Promise<number> {
  return port ? port : findFreePort();
}
