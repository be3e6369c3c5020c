/** Who is signed in, in words, as every page of the hub says it: the user and whom they act for. */
import type { Db } from "../db/hub-schema.js";
import type { Principal } from "./principal.js";

/** The school or LA a user acts for, by name with its number after it. */
export async function organisationName(
  db: Db,
  p: Pick<Principal, "role" | "establishment" | "laCode">,
): Promise<string> {
  if (p.role === "school" && p.establishment) {
    const school = await db
      .selectFrom("establishments")
      .select("name")
      .where("laestab", "=", p.establishment)
      .executeTakeFirst();
    return school ? `${school.name} (${p.establishment})` : p.establishment;
  }
  if (p.role === "la" && p.laCode) {
    const la = await db
      .selectFrom("local_authorities")
      .select("name")
      .where("code", "=", p.laCode)
      .executeTakeFirst();
    return la ? `${la.name} (LA ${p.laCode})` : `LA ${p.laCode}`;
  }
  return "administrator";
}

export async function signedInAs(
  db: Db,
  p: Pick<Principal, "username" | "role" | "establishment" | "laCode">,
): Promise<string> {
  return `${p.username}, ${await organisationName(db, p)}`;
}
