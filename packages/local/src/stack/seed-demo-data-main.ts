/** The seeding process of `seedDemoData` (seed-demo-data.ts): the users arrive over IPC. */
import { type DemoUser, seedDemoData } from "@live-orders/core/demo-data";

export interface SeedReply {
  error?: string;
}

process.once("message", (users: DemoUser[]) => {
  seedDemoData(users).then(
    () => process.exit(0),
    (error: unknown) => {
      process.send?.({ error: error instanceof Error ? error.message : String(error) } satisfies SeedReply, () =>
        process.exit(1),
      );
    },
  );
});
// The stack gone (Ctrl-C during the start): no orphan.
process.on("disconnect", () => process.exit(1));
