/**
 * Associated schools: where this school sends pupils and where its pupils come from. Each is
 * found in the hub's directory, so its numbers and name are the directory's, never typed; the
 * school adds its own short code and marks feeder schools.
 */
import { AppError, invalid } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";
import { requireHub } from "./hub-connection.js";
import { leaverFileStates } from "./leaver-files.js";
import { getSchool } from "./school.js";

export interface NewAssociatedSchool {
  laestab: string;
  code?: string;
  feeder?: boolean;
}

/** Searches the hub's directory by name, town or number, for choosing a school to add. */
export async function searchDirectory(ctx: MisContext, q: string) {
  if (q.trim().length < 2) throw invalid("Type at least two letters or digits.", "q");
  const hub = await requireHub(ctx);
  return hub.searchEstablishments(q.trim());
}

/** One school of the directory, by its LAESTAB, to show before it is added. */
export async function directoryEntry(ctx: MisContext, laestab: string) {
  if (!/^[0-9]{7}$/.test(laestab))
    throw invalid("Choose the school from the directory (its LAESTAB is 7 digits).", "laestab");
  const hub = await requireHub(ctx);
  const found = (await hub.searchEstablishments(laestab)).find((e) => e.laestab === laestab);
  if (!found) throw invalid(`There is no school ${laestab} in the directory.`, "laestab");
  return found;
}

export async function addAssociatedSchool(
  ctx: MisContext,
  actor: MisPrincipal,
  input: NewAssociatedSchool,
) {
  const laestab = input.laestab.trim();
  if (!/^[0-9]{7}$/.test(laestab))
    throw invalid("Choose the school from the directory (its LAESTAB is 7 digits).", "laestab");
  const code = input.code?.trim() ?? "";
  if (code.length > 10) throw invalid("A short code has at most 10 characters.", "code");
  const own = await getSchool(ctx);
  if (laestab === own.laestab) throw invalid("That is this school.", "laestab");
  const found = await directoryEntry(ctx, laestab);
  if (found.status === "closed")
    throw invalid(
      `${found.name} (${laestab}) is closed: it cannot be a destination.${
        found.successor
          ? ` ${found.successor.name} (${found.successor.laestab}) took it over: add that school instead.`
          : ""
      }`,
      "laestab",
    );
  if (found.independent)
    throw invalid(
      `${found.name} (${laestab}) is an independent school: a pupil going there leaves the maintained sector, so their file goes to MMMMMMM (out of sector).`,
      "laestab",
    );
  const values = {
    laestab,
    urn: found.urn,
    name: found.name,
    la_code: found.la.code,
    la_name: found.la.name,
    code: code === "" ? null : code,
    feeder: input.feeder === true,
  };
  await ctx.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("associated_schools")
      .values(values)
      .onConflict((oc) => oc.column("laestab").doNothing())
      .returning("laestab")
      .executeTakeFirst();
    if (!inserted)
      throw new AppError("conflict", `${found.name} (${laestab}) is already associated.`);
    await misAudit(trx, actor, "associated-school.add", `school:${laestab}`);
  });
  return associatedJson(values);
}

const known = (laestab: string) => {
  if (!/^[0-9]{7}$/.test(laestab)) throw new AppError("not-found");
  return laestab;
};

/** Changes this school's own code for an associated school, or whether it is a feeder. */
export async function updateAssociatedSchool(
  ctx: MisContext,
  actor: MisPrincipal,
  laestab: string,
  change: { code?: string | null; feeder?: boolean },
) {
  const code = change.code === undefined ? undefined : (change.code ?? "").trim();
  if (code !== undefined && code.length > 10)
    throw invalid("A short code has at most 10 characters.", "code");
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("associated_schools")
      .set({
        ...(code === undefined ? {} : { code: code === "" ? null : code }),
        ...(change.feeder === undefined ? {} : { feeder: change.feeder }),
      })
      .where("laestab", "=", known(laestab))
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError("not-found", "That school is not associated.");
    await misAudit(trx, actor, "associated-school.update", `school:${laestab}`, {
      ...(code === undefined ? {} : { code }),
      ...(change.feeder === undefined ? {} : { feeder: change.feeder }),
    });
    return associatedJson(row);
  });
}

/**
 * Removes an associated school, unless a leaver's file to it has still to arrive: their
 * destination names it, and their export would lose the school's name.
 */
export async function removeAssociatedSchool(
  ctx: MisContext,
  actor: MisPrincipal,
  laestab: string,
): Promise<void> {
  const going = await ctx.db
    .selectFrom("pupils")
    .select("id")
    .where("leaving_destination", "=", known(laestab))
    .execute();
  const files =
    going.length > 0
      ? await leaverFileStates(
          ctx,
          going.map((p) => p.id),
        )
      : new Map();
  const waiting = going.filter((p) => files.get(p.id)?.kind !== "arrived");
  if (waiting.length > 0)
    throw new AppError(
      "conflict",
      `${waiting.length} leaver${waiting.length === 1 ? " is" : "s are"} going to that school and their file has not arrived yet: change their destination, or wait until it has.`,
    );
  await ctx.db.transaction().execute(async (trx) => {
    const gone = await trx
      .deleteFrom("associated_schools")
      .where("laestab", "=", laestab)
      .returning("name")
      .executeTakeFirst();
    if (!gone) throw new AppError("not-found", "That school is not associated.");
    await misAudit(trx, actor, "associated-school.remove", `school:${laestab}`, {
      name: gone.name,
    });
  });
}

export async function listAssociatedSchools(ctx: MisContext) {
  const rows = await ctx.db.selectFrom("associated_schools").selectAll().orderBy("name").execute();
  return rows.map(associatedJson);
}

function associatedJson(r: {
  laestab: string;
  urn: string | null;
  name: string;
  la_code: string;
  la_name: string;
  code: string | null;
  feeder: boolean;
}) {
  return {
    laestab: r.laestab,
    urn: r.urn,
    name: r.name,
    la: { code: r.la_code, name: r.la_name },
    code: r.code,
    feeder: r.feeder,
  };
}
