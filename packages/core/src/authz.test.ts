import { describe, expect, it } from "vitest";
import {
  assertCanSeeOrder,
  assertStaff,
  groupsOf,
  identityFromAuthorizerContext,
  identityFromClaims,
  roleOfGroups,
  staffGroup,
  toAuthorizerContext,
} from "./authz";
import { ForbiddenError, NotFoundError } from "./errors";

const alice = { userId: "alice", role: "customer" } as const;
const staff = { userId: "s", role: "staff" } as const;

describe("authorization rules", () => {
  it("shows an order to its customer and staff, and to nobody else as NOT_FOUND", () => {
    const order = { customerId: "alice" };
    expect(assertCanSeeOrder(alice, order)).toBe(order);
    expect(assertCanSeeOrder(staff, order)).toBe(order);
    expect(() => assertCanSeeOrder({ userId: "bob", role: "customer" }, order)).toThrow(NotFoundError);
    expect(() => assertCanSeeOrder(alice, undefined)).toThrow(NotFoundError);
  });

  it("keeps staff actions from customers with FORBIDDEN", () => {
    expect(() => assertStaff(alice, "the orders feed")).toThrow(ForbiddenError);
    expect(() => assertStaff(staff, "the orders feed")).not.toThrow();
  });
});

describe("identity", () => {
  it("reads groups as HTTP API passes them and as a verified token has them", () => {
    expect(groupsOf("[staff admins]")).toEqual(["staff", "admins"]);
    expect(groupsOf("[]")).toEqual([]);
    expect(groupsOf(["staff"])).toEqual(["staff"]);
    expect(groupsOf(undefined)).toEqual([]);
  });

  it("reads group names with commas and brackets as API Gateway prints them, and as the token has them", () => {
    // API Gateway prints ["readers,staff", "admins"] as "[readers,staff admins]".
    const cases: [string[], string][] = [
      [["readers,staff", "admins"], "[readers,staff admins]"],
      [["[staff]"], "[[staff]]"],
      [["staff]", "[x"], "[staff] [x]"],
      [["a,b,c"], "[a,b,c]"],
      [[",staff,"], "[,staff,]"],
    ];
    for (const [groups, printed] of cases) {
      expect(groupsOf(printed), printed).toEqual(groups);
      expect(groupsOf(groups), printed).toEqual(groups);
      expect(roleOfGroups(printed), printed).toBe("customer");
      expect(roleOfGroups(groups), printed).toBe("customer");
    }
    expect(roleOfGroups("[readers,staff staff]")).toBe("staff");
  });

  it("keeps a group name with a space whole in a token payload (Cognito allows none; API Gateway would print it ambiguously)", () => {
    expect(groupsOf(["readers staff"])).toEqual(["readers staff"]);
    expect(roleOfGroups(["readers staff"])).toBe("customer");
    // A string claim that API Gateway did not bracket was a string in the token: one name.
    expect(groupsOf("readers staff")).toEqual(["readers staff"]);
    expect(roleOfGroups("readers staff")).toBe("customer");
    expect(roleOfGroups("staff")).toBe("staff");
  });

  it("derives user id from sub and role from the staff group, for access tokens only", () => {
    expect(
      identityFromClaims({ sub: "u1", token_use: "access", "cognito:groups": "[staff]", username: "s@x" }),
    ).toEqual({
      userId: "u1",
      role: "staff",
      username: "s@x",
    });
    expect(identityFromClaims({ sub: "u2", token_use: "access" })).toEqual({ userId: "u2", role: "customer" });
    expect(identityFromClaims({ token_use: "access", "cognito:groups": ["staff"] })).toBeUndefined();
    // An ID token has the same sub and groups: no identity from it.
    expect(identityFromClaims({ sub: "u1", token_use: "id", "cognito:groups": "[staff]" })).toBeUndefined();
    expect(identityFromClaims({ sub: "u1", "cognito:groups": "[staff]" })).toBeUndefined();
  });

  it("takes the role from the staff group, in either claim shape", () => {
    expect(roleOfGroups(["admins", staffGroup])).toBe("staff");
    expect(roleOfGroups("[staff admins]")).toBe("staff");
    expect(roleOfGroups(["staffers"])).toBe("customer");
    expect(roleOfGroups(undefined)).toBe("customer");
  });

  it("round-trips through the authorizer context and rejects a forged role", () => {
    const context = toAuthorizerContext({ userId: "u1", role: "staff", username: "s@x" });
    expect(Object.values(context).every((v) => typeof v === "string")).toBe(true);
    expect(identityFromAuthorizerContext({ ...context, principalId: "u1" })).toEqual({
      userId: "u1",
      role: "staff",
      username: "s@x",
    });
    expect(identityFromAuthorizerContext({ userId: "u1", role: "admin" })).toBeUndefined();
    expect(identityFromAuthorizerContext(undefined)).toBeUndefined();
  });
});
