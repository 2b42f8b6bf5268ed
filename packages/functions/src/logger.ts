/** The Powertools logger of the handlers: JSON lines with the service name and per-request keys. */
import { Logger } from "@aws-lambda-powertools/logger";
import { serviceName } from "./config";

export function createLogger(component: string): Logger {
  return new Logger({ serviceName, persistentKeys: { component } });
}
