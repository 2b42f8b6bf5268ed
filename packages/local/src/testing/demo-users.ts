/**
 * The demo logins of SPEC §6 (local only): what this repository's `local.config.ts` gives the
 * local stack, and what its tests and benchmarks sign in with.
 */
import { staffGroup } from "@live-orders/core/authz";
import type { LocalUser } from "../app";

export const DEMO_PASSWORD = "Passw0rd!";

export const demoUsers: readonly LocalUser[] = [
  { email: "alice@example.com", password: DEMO_PASSWORD },
  { email: "bob@example.com", password: DEMO_PASSWORD },
  { email: "staff@example.com", password: DEMO_PASSWORD, groups: [staffGroup] },
];
