/**
 * Demo data for `npm start`: two local authorities with schools, and a user of each kind. The
 * names and addresses are invented; the passwords are printed at start and are for demos only.
 */

import { newTotpSecret } from "../platform/accounts/totp.js";
import type { HubContext } from "./context.js";
import { upsertEstablishment } from "./establishments.js";
import { createUser } from "./users.js";

const LAS = [
  {
    code: "823",
    name: "Northshire",
    schools: [
      ["8231234", "Brookfield Primary School", "Ashby"],
      ["8231235", "Hillcrest Academy", "Northam"],
      ["8234001", "Northshire High School", "Northam"],
    ],
  },
  {
    code: "938",
    name: "Southvale",
    schools: [
      ["9382001", "Meadow Lane Primary School", "Southbury"],
      ["9384002", "Southvale Community College", "Southbury"],
      ["9382003", "St Anne's CE Primary", "Elmford"],
    ],
  },
] as const;

export const DEMO_PASSWORD = "demo-password-only";

export interface DemoSignIn {
  username: string;
  password: string;
  /** LA and administrator accounts need a second factor: the key for an authenticator app. */
  totpSecret?: string;
  role: string;
  organisation: string;
}

/** The demo's accounts: two schools, an LA for each, and an administrator. */
export const DEMO_USERS = [
  {
    username: "brookfield",
    role: "school",
    establishment: "8231234",
    org: "Brookfield Primary School (8231234)",
  },
  {
    username: "meadowlane",
    role: "school",
    establishment: "9382001",
    org: "Meadow Lane Primary School (9382001)",
  },
  { username: "northshire-la", role: "la", laCode: "823", org: "Northshire LA (823)" },
  // One for each demo LA, so a lost pupil can be found across LAs.
  { username: "southvale-la", role: "la", laCode: "938", org: "Southvale LA (938)" },
  { username: "admin", role: "admin", org: "service administrator" },
] as const;

export async function createDemoData(ctx: HubContext): Promise<DemoSignIn[]> {
  let urn = 990001;
  for (const la of LAS) {
    for (const [laestab, name, town] of la.schools) {
      await upsertEstablishment(ctx.db, {
        laestab,
        urn: String(urn++),
        name,
        laCode: la.code,
        laName: la.name,
        type: name.includes("Primary") ? "Community school" : "Academy converter",
        status: "open",
        independent: false,
        email: `office@${laestab}.schools.invalid`,
        town,
      });
    }
    await ctx.db
      .updateTable("local_authorities")
      .set({ email: `ctf@${la.code}.la.invalid` })
      .where("code", "=", la.code)
      .execute();
  }
  await upsertEstablishment(ctx.db, {
    laestab: "8236000",
    urn: "990099",
    name: "Northshire Independent School",
    laCode: "823",
    laName: "Northshire",
    type: "Other independent school",
    status: "open",
    independent: true,
    town: "Northam",
  });
  // A school that closed when it became Hillcrest Academy: the directory points at its successor.
  await upsertEstablishment(ctx.db, {
    laestab: "8232005",
    urn: "990098",
    name: "Hillcrest Junior School",
    laCode: "823",
    laName: "Northshire",
    type: "Community school",
    status: "closed",
    independent: false,
    town: "Northam",
  });
  const academy = await ctx.db
    .selectFrom("establishments")
    .select("urn")
    .where("laestab", "=", "8231235")
    .executeTakeFirstOrThrow();
  await ctx.db
    .updateTable("establishments")
    .set({ successor_urn: academy.urn })
    .where("laestab", "=", "8232005")
    .execute();
  const out: DemoSignIn[] = [];
  for (const u of DEMO_USERS) {
    const totpSecret = u.role === "school" ? undefined : newTotpSecret();
    await createUser(ctx, null, {
      username: u.username,
      email: `${u.username}@users.invalid`,
      role: u.role,
      ...("establishment" in u ? { establishment: u.establishment } : {}),
      ...("laCode" in u ? { laCode: u.laCode } : {}),
      password: DEMO_PASSWORD,
      ...(totpSecret ? { totpSecret } : {}),
    });
    out.push({
      username: u.username,
      password: DEMO_PASSWORD,
      role: u.role,
      organisation: u.org,
      ...(totpSecret ? { totpSecret } : {}),
    });
  }
  return out;
}

/**
 * The demo's sign-ins as they stand, for printing each time a demo starts: the password is the
 * demo's, the authenticator keys are read back from the (demo) database.
 */
export async function demoSignIns(ctx: HubContext): Promise<DemoSignIn[]> {
  const rows = await ctx.db
    .selectFrom("users")
    .select(["username", "totp_secret"])
    .where(
      "username",
      "in",
      DEMO_USERS.map((u) => u.username),
    )
    .execute();
  const secrets = new Map(rows.map((r) => [r.username, r.totp_secret]));
  return DEMO_USERS.filter((u) => secrets.has(u.username)).map((u) => {
    const sealed = secrets.get(u.username);
    return {
      username: u.username,
      password: DEMO_PASSWORD,
      role: u.role,
      organisation: u.org,
      ...(sealed ? { totpSecret: ctx.secrets.open(sealed) } : {}),
    };
  });
}
