/**
 * The school side's connection to the hub: its address and a token made by one of the school's
 * users on the hub, kept sealed in the database. A check says which of the three can be wrong:
 * the address, the token, or the token's school not being this school.
 */
import { HubClient, HubError, HubUnreachableError } from "../client/hub-client.js";
import { AppError } from "../platform/errors.js";
import type { MisContext } from "./context.js";

export async function hubClientFor(ctx: MisContext): Promise<HubClient | undefined> {
  const row = await ctx.db
    .selectFrom("school")
    .select(["hub_url", "hub_token_sealed"])
    .executeTakeFirst();
  if (!row?.hub_url || !row.hub_token_sealed) return undefined;
  return new HubClient({ url: row.hub_url, token: ctx.secrets.open(row.hub_token_sealed) });
}

export async function requireHub(ctx: MisContext): Promise<HubClient> {
  const hub = await hubClientFor(ctx);
  if (!hub)
    throw new AppError(
      "invalid",
      "This school side is not connected to the hub: set the hub's address and a token in settings (or s2s mis init --hub URL --hub-token TOKEN).",
    );
  return hub;
}

export type ConnectionVerdict =
  | { ok: true; school: string }
  | { ok: false; problem: "not-set" | "address" | "token" | "school"; message: string };

export async function checkHubConnection(ctx: MisContext): Promise<ConnectionVerdict> {
  const school = await ctx.db.selectFrom("school").select(["laestab"]).executeTakeFirst();
  const hub = await hubClientFor(ctx);
  if (!hub || !school)
    return { ok: false, problem: "not-set", message: "No hub address and token are set." };
  try {
    const me = await hub.me();
    if (me.establishment !== school.laestab)
      return {
        ok: false,
        problem: "school",
        message: `The token belongs to ${me.username} of ${me.establishment ?? `a ${me.role} account`}, not of this school (${school.laestab}). Make a token as one of this school's users.`,
      };
    return { ok: true, school: school.laestab };
  } catch (e) {
    if (e instanceof HubUnreachableError)
      return { ok: false, problem: "address", message: `${e.message}. Check the address.` };
    if (e instanceof HubError && e.status === 401)
      return {
        ok: false,
        problem: "token",
        message:
          "The hub does not accept the token: it is wrong, revoked or expired. Make a new one on the hub's Your account page.",
      };
    throw e;
  }
}
