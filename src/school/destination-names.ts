/**
 * Where a leaver goes, in words: an associated school by name with its number after it, and the
 * two special destinations by what they are. An office reads "Meadow Lane Primary School
 * (9382001)", not "9382001".
 */
import { LOST_PUPILS, OUT_OF_SECTOR } from "../ctf/filename.js";
import type { MisContext } from "./context.js";

export function destinationName(laestab: string, name?: string | null): string {
  if (laestab === LOST_PUPILS) return "Lost Pupils database";
  if (laestab === OUT_OF_SECTOR) return "Out of sector (independent school or abroad)";
  // A school no longer associated is named by its number, never mistaken for out of sector.
  return name ? `${name} (${laestab})` : `School ${laestab}`;
}

/** Names every destination by the associated schools, in one query. */
export async function destinationNamer(ctx: MisContext): Promise<(laestab: string) => string> {
  const rows = await ctx.db.selectFrom("associated_schools").select(["laestab", "name"]).execute();
  const names = new Map(rows.map((r) => [r.laestab, r.name]));
  return (laestab) => destinationName(laestab, names.get(laestab));
}
