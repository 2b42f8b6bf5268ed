import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FleetCommand, FleetReply } from "./fleet-protocol";

type ReplyOf<Op extends FleetReply["op"]> = Extract<FleetReply, { op: Op }>;

/** The bench side of the client fleet: one child process, requests matched to replies by `ref`. */
export class Fleet {
  private nextRef = 1;
  private readonly waiting = new Map<
    number,
    { armed?: () => void; resolve: (reply: FleetReply) => void; reject: (error: Error) => void }
  >();

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (reply: FleetReply) => {
      const waiter = this.waiting.get(reply.ref);
      if (!waiter) return;
      if (reply.op === "armed") return waiter.armed?.();
      this.waiting.delete(reply.ref);
      if (reply.op === "error") waiter.reject(new Error(`fleet: ${reply.message}`));
      else waiter.resolve(reply);
    });
    child.on("exit", (code) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`fleet exited (${code})`));
      this.waiting.clear();
    });
  }

  static start(): Fleet {
    const script = fileURLToPath(new URL("./fleet.ts", import.meta.url));
    // tsx's loader, as `npm run bench` itself runs; the heap is raised for thousands of sockets.
    const child = fork(script, [], {
      execArgv: ["--import", "tsx", "--max-old-space-size=2048"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new Fleet(child);
  }

  send<Op extends FleetReply["op"]>(command: FleetCommand, onArmed?: () => void): Promise<ReplyOf<Op>> {
    const ref = this.nextRef++;
    const reply = new Promise<ReplyOf<Op>>((resolve, reject) => {
      this.waiting.set(ref, { armed: onArmed, resolve: resolve as (reply: FleetReply) => void, reject });
      this.child.send({ ...command, ref });
    });
    // A request still pending when the fleet goes (the bench stopping after a failure) must not
    // crash the process before that failure is reported; whoever awaits it still gets the error.
    reply.catch(() => undefined);
    return reply;
  }

  /** Arm a range of a group; resolves with the receipt times once armed (so the trigger can follow). */
  async arm(command: Extract<FleetCommand, { op: "arm" }>): Promise<{ received: Promise<ReplyOf<"received">> }> {
    let armed!: () => void;
    const ready = new Promise<void>((resolve) => {
      armed = resolve;
    });
    const received = this.send<"received">(command, armed);
    await ready;
    return { received };
  }

  pid(): number | undefined {
    return this.child.pid;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}
