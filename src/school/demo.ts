/**
 * A register of generated pupils (never real people) across the year groups, on roll, for a
 * demo or a trial: the same `seed`, the same pupils.
 */
import { generatePupils } from "../ctf/generator.js";
import { misAudit } from "./audit.js";
import type { MisContext } from "./context.js";
import { addPupil } from "./pupils.js";
import { getSchool } from "./school.js";

export async function createDemoRegister(
  ctx: MisContext,
  count: number,
  seed = 1,
): Promise<number> {
  if (!Number.isInteger(count) || count < 1 || count > 10_000)
    throw new RangeError("a demo register holds 1 to 10,000 pupils");
  const school = await getSchool(ctx);
  const now = ctx.clock();
  // A primary's pupils are in Reception to Year 6, any other school's in Years 7 to 11: a
  // demo register should look like the school it is for.
  const primary = /primary|infant|junior|first school/i.test(school.name);
  const pupils = generatePupils({
    from: school.laestab,
    to: "MMMMMMM",
    pupils: count,
    seed,
    now,
    schoolName: school.name,
    ncYears: primary ? [0, 1, 2, 3, 4, 5, 6] : [7, 8, 9, 10, 11],
  });
  await ctx.db.transaction().execute(async (trx) => {
    let i = 0;
    for (const pupil of pupils) {
      const year = pupil.basicDetails?.ncYearActual ?? "";
      const admitted = pupil.schoolHistory?.[0]?.entryDate;
      await addPupil(
        trx,
        pupil,
        {
          status: "onroll",
          regGroup: `${year}${"ABC"[i++ % 3]}`,
          ...(admitted ? { admissionDate: admitted } : {}),
        },
        now,
      );
    }
    await misAudit(trx, null, "pupils.demo", undefined, { pupils: count, seed });
  });
  return count;
}
