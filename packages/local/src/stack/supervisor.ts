/**
 * Keeps the local stack's emulator processes running: a part is whatever can be started,
 * watched for its exit, and stopped (DynamoDB Local, cognito-local; the same shape fits any
 * other child). When a part exits while the stack runs, the supervisor says which, shows the
 * last lines it printed, and starts it again on the same port and data, so every client keeps
 * its endpoint. A part that keeps dying (`maxRestarts` exits within `windowMs`) is not started
 * again: `onGiveUp` hears why, and the stack stops everything rather than run half-broken.
 */
import { PortInUseError } from "../errors";
import type { ChildExit } from "./managed-child";

/** A running process of a part. */
export interface SupervisedProcess {
  readonly pid: number | undefined;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<ChildExit>;
  logTail(): string;
  stop(): Promise<void>;
}

export interface SupervisedPart<P extends SupervisedProcess> {
  /** What the part is called in messages ("DynamoDB Local"). */
  name: string;
  /** Starts the part (same port, same data each time) and resolves once it is ready. */
  start(): Promise<P>;
  /** Where its whole log is, for the messages. */
  logFile?: string;
}

export interface SupervisorOptions {
  log: (line: string) => void;
  /** A part gave up on: stop the stack. */
  onGiveUp: (message: string) => void;
  /** Exits within `windowMs` after which a part is not started again. Default 3. */
  maxRestarts?: number;
  windowMs?: number;
  /**
   * How long a restart waits for its port while the process before it lets go of it. Default
   * 15 s: the JVM under a guard that was SIGKILLed is killed with its process group, but on a
   * loaded machine it can take seconds to exit and free its port.
   */
  portReleaseMs?: number;
}

/** A part under supervision: the process running now (a new one after each restart). */
export interface Supervised<P extends SupervisedProcess> {
  current(): P;
}

const describeExit = (exit: ChildExit) =>
  exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
const indent = (text: string) =>
  text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => `      ${line}`)
    .join("\n");

export class Supervisor {
  private stopping = false;
  private readonly stops: (() => Promise<void>)[] = [];

  constructor(private readonly options: SupervisorOptions) {}

  /** Start `part` and watch it until `stopAll()`. */
  async supervise<P extends SupervisedProcess>(part: SupervisedPart<P>): Promise<Supervised<P>> {
    let current = await part.start();
    const exits: number[] = [];
    const maxRestarts = this.options.maxRestarts ?? 3;
    const windowMs = this.options.windowMs ?? 60_000;
    const where = part.logFile ? ` (whole log: ${part.logFile})` : "";
    const watch = (process: P): void => {
      void process.exited.then(async (exit) => {
        if (this.stopping || process !== current) return;
        const now = Date.now();
        exits.push(now);
        while (exits.length > 0 && (exits[0] as number) < now - windowMs) exits.shift();
        const tail = process.logTail();
        this.options.log(
          `  ✗ ${part.name} ${describeExit(exit)} (pid ${process.pid}); its last lines${where}:\n${indent(tail) || "      (none)"}`,
        );
        if (exits.length > maxRestarts) {
          return this.options.onGiveUp(
            `${part.name} exited ${exits.length} times within ${Math.round(windowMs / 1000)} s; not starting it again${where}`,
          );
        }
        this.options.log(
          `  ↻ restarting ${part.name} (${exits.length}/${maxRestarts} within ${Math.round(windowMs / 1000)} s)`,
        );
        try {
          const started = await this.startOnItsPort(part);
          if (this.stopping) {
            await started.stop();
            return;
          }
          current = started;
          this.options.log(`  ✓ ${part.name} is back (pid ${started.pid})`);
          watch(started);
        } catch (error) {
          this.options.onGiveUp(`${part.name} could not be restarted: ${(error as Error).message}`);
        }
      });
    };
    watch(current);
    this.stops.push(() => current.stop());
    return { current: () => current };
  }

  /**
   * `part.start()`, again while its port is still held (PortInUseError) for up to
   * `portReleaseMs`: the part restarts on the port its clients know, which its previous process
   * may not have released yet. Any other failure, or a port still held after that, is final.
   */
  private async startOnItsPort<P extends SupervisedProcess>(part: SupervisedPart<P>): Promise<P> {
    const deadline = Date.now() + (this.options.portReleaseMs ?? 15_000);
    for (;;) {
      try {
        return await part.start();
      } catch (error) {
        if (!(error instanceof PortInUseError) || Date.now() >= deadline || this.stopping) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** Stop watching and stop every part (in reverse order of start). */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const stop of this.stops.splice(0).reverse()) await stop().catch(() => undefined);
  }
}
