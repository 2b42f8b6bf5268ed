// Runs a command that cannot watch its parent itself (the JVM of DynamoDB Local) and stops it
// when the local stack's process goes away, even by SIGKILL: the IPC channel to the parent
// closes then, which is the one signal a dead parent still sends. Signals are passed through.
"use strict";
const { spawn } = require("node:child_process");
const { constants } = require("node:os");

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
const send = (signal) => {
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
};
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => send(signal));
process.on("disconnect", () => {
  send("SIGTERM");
  setTimeout(() => send("SIGKILL"), 5_000).unref();
});
child.on("error", (error) => {
  console.error(`could not run ${command}: ${error.message}`);
  process.exit(127);
});
child.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 1)));
