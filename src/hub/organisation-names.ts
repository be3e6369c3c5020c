/**
 * Organisations in words, as the hub's pages name them: a school by name with its number after
 * it, an LA as "Name (LA 823)". From the audit log's form ("8231234", "LA 823") or a user's.
 */
import { partyName } from "../ctf/filename.js";
import type { Principal } from "./principal.js";
import type { Db } from "./schema.js";

/**
 * Names for organisations as the audit log records them ("8231234", "LA 823"; "admin" and empty
 * ones are left to the caller) and for schools by number, in two queries at most.
 */
export async function organisationNames(
  db: Db,
  organisations: (string | null)[],
  schools: string[] = [],
): Promise<Map<string, string>> {
  const codes = new Set<string>(schools);
  const las = new Set<string>();
  for (const o of organisations) {
    if (!o || o === "admin") continue;
    if (o.startsWith("LA ")) las.add(o.slice(3));
    else codes.add(o);
  }
  const [estabs, authorities] = await Promise.all([
    codes.size === 0
      ? []
      : db
          .selectFrom("establishments")
          .select(["laestab", "name"])
          .where("laestab", "in", [...codes])
          .execute(),
    las.size === 0
      ? []
      : db
          .selectFrom("local_authorities")
          .select(["code", "name"])
          .where("code", "in", [...las])
          .execute(),
  ]);
  const names = new Map<string, string>();
  for (const code of codes) names.set(code, partyName(code));
  for (const e of estabs) names.set(e.laestab, partyName(e.laestab, e.name));
  for (const la of las) names.set(`LA ${la}`, `LA ${la}`);
  for (const a of authorities) names.set(`LA ${a.code}`, `${a.name} (LA ${a.code})`);
  return names;
}

/** The school or LA a user acts for, by name with its number after it. */
export async function organisationName(
  db: Db,
  p: Pick<Principal, "role" | "establishment" | "laCode">,
): Promise<string> {
  const org =
    p.role === "school" && p.establishment
      ? p.establishment
      : p.role === "la" && p.laCode
        ? `LA ${p.laCode}`
        : undefined;
  if (!org) return "administrator";
  return (await organisationNames(db, [org])).get(org) ?? org;
}

/** Who is signed in, in words, as every page says it: the user and whom they act for. */
export async function signedInAs(
  db: Db,
  p: Pick<Principal, "username" | "role" | "establishment" | "laCode">,
): Promise<string> {
  return `${p.username}, ${await organisationName(db, p)}`;
}
