/**
 * Every policy asked of every kind of principal, for every relation to the thing and every
 * status it can be in. The expected answers are written out as a table, rule by rule, so that
 * a change to who may do what shows here as a changed line.
 */
import { describe, expect, it } from "vitest";
import {
  canCreateToken,
  canDisable,
  canManageUsers,
  canResetPassword,
  canRevokeToken,
} from "../../src/hub/policies/accounts.js";
import { canSearchRegisters } from "../../src/hub/policies/registers.js";
import {
  canEditDirectory,
  canReadAudit,
  canReadCorrections,
  canReadMail,
  canReportCorrection,
} from "../../src/hub/policies/service.js";
import {
  canAccept,
  canDownload,
  canReadPupils,
  canRedirect,
  canReject,
  canRemove,
  canSeeTransfer,
  type TransferFacts,
} from "../../src/hub/policies/transfers.js";
import type { Principal } from "../../src/hub/principal.js";

const principal = (
  username: string,
  role: Principal["role"],
  establishment: string | null,
  laCode: string | null,
): Principal => ({ userId: `id-${username}`, username, role, establishment, laCode });

// A file from Brookfield (8231234, LA 823) to Meadow Lane (9382001, LA 938).
const ACTORS = {
  "sending school": principal("brookfield", "school", "8231234", null),
  "receiving school": principal("meadowlane", "school", "9382001", null),
  "another school": principal("elsewhere", "school", "3041001", null),
  "sender's LA": principal("northshire", "la", null, "823"),
  "receiver's LA": principal("southvale", "la", null, "938"),
  "another LA": principal("elsewhere-la", "la", null, "304"),
  admin: principal("admin", "admin", null, null),
} as const;
type Actor = keyof typeof ACTORS;

const ACTIONS = {
  see: canSeeTransfer,
  "read pupils": canReadPupils,
  accept: canAccept,
  download: canDownload,
  reject: canReject,
  remove: canRemove,
  "pass on": canRedirect,
} as const;
type Action = keyof typeof ACTIONS;

type Expected = Partial<Record<Actor, Partial<Record<Action, string[]>>>>;

/** Checks every actor x action x status against the table; anything not listed is refused. */
function table(kind: TransferFacts["dest_kind"], dest: string, statuses: string[], yes: Expected) {
  for (const [actor, p] of Object.entries(ACTORS) as [Actor, Principal][]) {
    for (const [action, policy] of Object.entries(ACTIONS) as [Action, typeof canSeeTransfer][]) {
      for (const status of statuses) {
        const facts: TransferFacts = {
          source_laestab: "8231234",
          dest_laestab: dest,
          dest_kind: kind,
          status,
          sender_user_id: "id-brookfield",
        };
        const expected = yes[actor]?.[action]?.includes(status) ?? false;
        expect(policy(p, facts), `${actor} / ${action} / ${status}`).toBe(expected);
      }
    }
  }
}

const ALL = ["checking", "failed", "available", "downloaded", "rejected", "removed", "expired"];
const RECEIVED = ["available", "downloaded", "rejected", "expired"];
const SENDER_REMOVES = ["checking", "failed", "available", "rejected"];

describe("who may do what to a file", () => {
  it("between two schools", () => {
    const sender = { see: ALL, "read pupils": ALL, remove: SENDER_REMOVES };
    const receiver = {
      see: RECEIVED,
      "read pupils": ["available", "downloaded", "rejected"],
      accept: ["available", "downloaded"],
      download: ["downloaded"],
      reject: ["available"],
      remove: ["downloaded"],
    };
    // Local authorities oversee their schools' files (they look, audited) but never act.
    const overseen = ["available", "downloaded", "rejected"];
    table("school", "9382001", ALL, {
      "sending school": sender,
      "sender's LA": { see: ALL, "read pupils": overseen },
      "receiving school": receiver,
      "receiver's LA": { see: RECEIVED, "read pupils": overseen },
      admin: { see: ALL },
    });
  });

  // A register file is its sending school's LA's to keep: any LA may look for a child in it
  // and pass it on to a school in its own area, but only the keeper takes or removes it (an
  // outside finding: another LA's accept and delete took the child off every LA's search).
  for (const [kind, register] of [
    ["lost", "the Lost Pupils register"],
    ["outside", "the out-of-sector register"],
  ] as const) {
    it(`to ${register}`, () => {
      const waiting = kind;
      const statuses = ["checking", "failed", waiting, "downloaded", "removed"];
      const anotherLa = { see: [waiting], "read pupils": [waiting], "pass on": [waiting] };
      table(kind, kind === "lost" ? "XXXXXXX" : "MMMMMMM", statuses, {
        "sending school": {
          see: statuses,
          "read pupils": statuses,
          remove: ["checking", "failed", waiting],
        },
        "sender's LA": {
          see: statuses,
          "read pupils": [waiting, "downloaded"],
          accept: [waiting, "downloaded"],
          download: [waiting, "downloaded"],
          remove: [waiting, "downloaded"],
          "pass on": [waiting],
        },
        "receiver's LA": anotherLa,
        "another LA": anotherLa,
        admin: { see: statuses },
      });
    });
  }
});

describe("who may manage accounts and the service's records", () => {
  const operator = null;
  const admin = ACTORS.admin;
  const school = ACTORS["sending school"];
  const la = ACTORS["sender's LA"];
  const rows: [string, (a: Principal | null) => boolean, (Principal | null)[]][] = [
    ["manage users", canManageUsers, [operator, admin]],
    [
      "reset brookfield's password",
      (a) => canResetPassword(a, school.userId),
      [operator, admin, school],
    ],
    ["make a token for brookfield", (a) => canCreateToken(a, "brookfield"), [operator, school]],
    [
      "revoke brookfield's token",
      (a) => canRevokeToken(a, "brookfield"),
      [operator, admin, school],
    ],
    ["disable the admin", (a) => canDisable(a, admin.userId), [operator]],
    ["disable brookfield", (a) => canDisable(a, school.userId), [operator, admin]],
    ["edit the directory", canEditDirectory, [operator, admin]],
    ["report a correction", canReportCorrection, [school, ACTORS["receiving school"]]],
    ["read corrections", canReadCorrections, [operator, admin]],
    ["read the audit log", canReadAudit, [operator, admin]],
    ["read recent mail", canReadMail, [operator, admin]],
  ];
  for (const [what, policy, allowed] of rows) {
    it(what, () => {
      for (const a of [operator, admin, school, la, ACTORS["receiving school"]]) {
        expect(policy(a), `${a?.username ?? "operator"} may ${what}`).toBe(allowed.includes(a));
      }
    });
  }

  it("search the registers: LAs only, never administrators or schools", () => {
    expect(canSearchRegisters(la)).toBe(true);
    expect(canSearchRegisters(admin)).toBe(false);
    expect(canSearchRegisters(school)).toBe(false);
  });
});
