/**
 * A school side on PGlite for page tests: Brookfield set up, with one staff user "office" whose
 * password is STAFF_PASSWORD.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { misConfigFromEnv } from "../../src/school/config.js";
import { initSchool } from "../../src/school/school.js";
import { type RunningMis, startMis } from "../../src/school/service.js";
import { createMisUser } from "../../src/school/users.js";

export const STAFF_PASSWORD = "correct horse battery staple";

/** Started with its master key in a file named for `name` outside its data folder. */
export async function startStaffedSchool(name: string): Promise<RunningMis> {
  const dataDir = await mkdtemp(join(tmpdir(), `s2s-${name}-`));
  const keyFile = join(tmpdir(), `s2s-${name}-${process.pid}.key`);
  const mis = await startMis(
    misConfigFromEnv(
      { S2S_MASTER_KEY_FILE: keyFile },
      { dataDir, port: 0, pgliteTemplate: inject("misPgliteTemplate") },
    ),
    {},
  );
  await initSchool(mis.ctx, { laestab: "8231234", name: "Brookfield Primary School" });
  await createMisUser(mis.ctx, null, {
    username: "office",
    email: "office@example.org",
    role: "staff",
    password: STAFF_PASSWORD,
  });
  return mis;
}
