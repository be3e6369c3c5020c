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
import type { PageClient } from "./pages.js";

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

/** Adds Amara Okafor on the Add a pupil page as `office` (signed in) would; returns her id. */
export async function addPupilOnPage(office: PageClient): Promise<string> {
  const added = await office.post("/pupils/new", {
    _csrf: await office.token(),
    surname: "Okafor",
    forename: "Amara",
    sex: "F",
    "dob-day": "14",
    "dob-month": "5",
    "dob-year": "2016",
  });
  const id = /\/pupils\/([0-9a-f-]{36})/.exec(added.headers.get("location") ?? "")?.[1];
  if (!id) throw new Error(`adding a pupil answered ${added.status}`);
  return id;
}
