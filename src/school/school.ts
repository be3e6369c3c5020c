/** The one school a school side serves: set up once, by the operator. */
import { hubAddressProblem } from "../client/hub-address.js";
import type { HubClient } from "../client/hub-client.js";
import { AppError, invalid } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import type { MisContext } from "./context.js";

export interface SchoolSetUp {
  laestab: string;
  name: string;
  hubUrl?: string;
  hubToken?: string;
}

export async function initSchool(ctx: MisContext, input: SchoolSetUp): Promise<void> {
  if (!/^[0-9]{7}$/.test(input.laestab))
    throw invalid("The LAESTAB is the LA number and establishment number: 7 digits.", "laestab");
  const name = input.name.trim();
  if (name === "") throw invalid("The school needs a name.", "name");
  if ((input.hubUrl === undefined) !== (input.hubToken === undefined))
    throw invalid("Give the hub's address and a token for it together.", "hubUrl");
  const wrongAddress = input.hubUrl === undefined ? undefined : hubAddressProblem(input.hubUrl);
  if (wrongAddress)
    throw invalid(`${wrongAddress[0]?.toUpperCase()}${wrongAddress.slice(1)}.`, "hubUrl");
  await ctx.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom("school").select("laestab").executeTakeFirst();
    if (existing && existing.laestab !== input.laestab)
      throw new AppError(
        "conflict",
        `This data folder is set up for ${existing.laestab}; a school side serves one school.`,
      );
    const values = {
      laestab: input.laestab,
      name,
      hub_url: input.hubUrl ?? null,
      hub_token_sealed: input.hubToken === undefined ? null : ctx.secrets.seal(input.hubToken),
    };
    await trx
      .insertInto("school")
      .values(values)
      .onConflict((oc) => oc.column("one").doUpdateSet(values))
      .execute();
    await misAudit(trx, null, "school.init", `school:${input.laestab}`, {
      hub: input.hubUrl ?? null,
    });
  });
}

export async function getSchool(ctx: MisContext) {
  const row = await ctx.db
    .selectFrom("school")
    .select(["laestab", "name", "urn", "hub_url"])
    .executeTakeFirst();
  if (!row)
    throw new AppError(
      "not-found",
      "This school side is not set up: run s2s mis init --data DIR --laestab LLLEEEE --name NAME.",
    );
  return { laestab: row.laestab, name: row.name, urn: row.urn, hubUrl: row.hub_url };
}

/**
 * The school's URN, for the CTFs it writes: kept once known, else looked up in the hub's
 * directory (and kept). Undefined while the hub cannot say: a file without it is still a CTF.
 */
export async function schoolUrn(
  ctx: MisContext,
  school: { laestab: string; urn: string | null },
  hub: HubClient | undefined,
): Promise<string | undefined> {
  if (school.urn) return school.urn;
  if (!hub) return undefined;
  const mine = await hub.mySchool().catch(() => undefined);
  // A token of another school would give that school's URN.
  const urn = mine?.laestab === school.laestab ? mine.urn : undefined;
  if (!urn || !/^\d{6}$/.test(urn)) return undefined;
  await ctx.db.updateTable("school").set({ urn }).where("laestab", "=", school.laestab).execute();
  return urn;
}
