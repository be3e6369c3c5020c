/**
 * What a record means as it moves between school sides, on both databases: a pupil who leaves
 * and comes back starts a new stay and no stay overlaps another; a UPN that fails its check is
 * kept but never makes two children one; a record made from a partial CTF goes on as partial.
 * Two school sides (Brookfield and Meadow Lane) pass files by hand, as through a folder.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import type { Pupil } from "../../src/ctf/model.js";
import { readCtf } from "../../src/ctf/read.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { OpenedParts } from "../../src/platform/opened-parts.js";
import { misConfigFromEnv } from "../../src/school/config.js";
import type { MisContext, MisPrincipal } from "../../src/school/context.js";
import { createExports, exportFile } from "../../src/school/export.js";
import { undoImport } from "../../src/school/import-undo.js";
import { commitImport, createImport, type Decision } from "../../src/school/imports.js";
import { enrolDue } from "../../src/school/intake.js";
import { setLeaving } from "../../src/school/leaving.js";
import { createPupil, updatePupil } from "../../src/school/pupil-edits.js";
import { getPupil } from "../../src/school/pupils.js";
import { initSchool } from "../../src/school/school.js";
import { openMisContext } from "../../src/school/service.js";
import { createMisUser } from "../../src/school/users.js";
import { DATABASES, freshPostgresUrl } from "../helpers/db.js";

const KEY_FILE = join(tmpdir(), `s2s-mis-history-${process.pid}.key`);

interface Side {
  ctx: MisContext;
  office: MisPrincipal;
  /** The school side's today. */
  today: string;
}

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`a record's meaning between school sides on ${target.name}`, () => {
    const parts = new OpenedParts();
    let brookfield: Side;
    let meadow: Side;

    async function side(laestab: string, name: string, other: [string, string]): Promise<Side> {
      const dataDir = await mkdtemp(join(tmpdir(), "s2s-mis-history-"));
      const env: Record<string, string> = { S2S_MASTER_KEY_FILE: KEY_FILE };
      if (target.name === "postgres") {
        const pg = await freshPostgresUrl();
        parts.add("database", pg.drop);
        env.MIS_DATABASE_URL = pg.url;
      }
      const s = { today: "2023-09-01" } as Side;
      const { ctx } = await openMisContext(
        misConfigFromEnv(env, { dataDir, pgliteTemplate: inject("misPgliteTemplate") }),
        parts,
        {
          clock: () => new Date(`${s.today}T10:00:00Z`),
        },
      );
      await initSchool(ctx, { laestab, name });
      const user = await createMisUser(ctx, null, {
        username: "office",
        email: `office@${laestab}.example.org`,
        role: "manager",
      });
      await ctx.db
        .insertInto("associated_schools")
        .values({
          laestab: other[0],
          name: other[1],
          la_code: other[0].slice(0, 3),
          la_name: "LA",
          urn: null,
        })
        .execute();
      return Object.assign(s, {
        ctx,
        office: { userId: user.id, username: "office", role: "manager" as const },
      });
    }

    /** Exports one pupil's CTF (kept back, not sent) and gives its file. */
    async function exported(s: Side, pupil: string) {
      const [made] = await createExports(s.ctx, s.office, { pupils: [pupil], send: false });
      const file = await exportFile(s.ctx, s.office, made?.id as string);
      if (!file) throw new Error("no file");
      return { fileName: file.file_name, xml: file.xml, partial: made?.partial };
    }

    /** Imports a file as if uploaded, deciding each pupil as given (or as proposed). */
    async function imported(
      s: Side,
      file: { fileName: string; xml: string },
      admissionDate: string,
      decisions: Decision[] = [],
    ) {
      const imp = await createImport(s.ctx, s.office, {
        upload: { fileName: file.fileName, bytes: new TextEncoder().encode(file.xml) },
      });
      const done = await commitImport(s.ctx, s.office, imp.id, { admissionDate, decisions });
      return { imp, done };
    }

    beforeAll(async () => {
      brookfield = await side("8231234", "Brookfield Primary School", [
        "9382001",
        "Meadow Lane Primary School",
      ]);
      meadow = await side("9382001", "Meadow Lane Primary School", [
        "8231234",
        "Brookfield Primary School",
      ]);
    }, 120_000);

    afterAll(async () => {
      await parts.closeAll();
    });

    it("starts a new stay for a pupil who leaves and comes back: every date right, no stays overlapping", async () => {
      brookfield.today = "2023-09-04";
      const made = await createPupil(brookfield.ctx, brookfield.office, {
        upn: "H801200001001",
        surname: "Archer",
        forename: "Bea",
        dob: "2016-05-06",
        sex: "F",
        ncYear: "2",
        admissionDate: "2023-09-04",
      });
      // Brookfield -> Meadow Lane in March 2025.
      brookfield.today = "2025-03-28";
      await setLeaving(brookfield.ctx, brookfield.office, made.id, {
        date: "2025-03-28",
        reason: "IM",
        destination: "9382001",
      });
      meadow.today = "2025-04-14";
      const first = await imported(meadow, await exported(brookfield, made.id), "2025-04-14");
      expect(first.done).toMatchObject({ added: 1 });
      const atMeadow = (
        await meadow.ctx.db.selectFrom("pupils").select("id").executeTakeFirstOrThrow()
      ).id;
      // Meadow Lane -> Brookfield in January 2026.
      meadow.today = "2026-01-30";
      await setLeaving(meadow.ctx, meadow.office, atMeadow, {
        date: "2026-01-30",
        reason: "IM",
        destination: "8231234",
      });
      const back = await exported(meadow, atMeadow);
      // Brookfield knows the file's pupil for certain (the UPN): they left, and come back on
      // 23 February, a date still to come when the file is imported.
      brookfield.today = "2026-02-10";
      const again = await imported(brookfield, back, "2026-02-23", [
        { position: 1, action: "merge" },
      ]);
      expect(again.imp.pupils[0]?.matches[0]).toMatchObject({ pupil: made.id, certain: true });
      const waiting = await getPupil(brookfield.ctx, brookfield.office, made.id);
      expect(waiting).toMatchObject({
        status: "intake",
        admissionDate: "2026-02-23",
        leaving: null,
      });
      // Not before the day; on it, on roll.
      brookfield.today = "2026-02-22";
      expect(await enrolDue(brookfield.ctx)).toEqual([]);
      brookfield.today = "2026-02-23";
      expect(await enrolDue(brookfield.ctx)).toEqual([made.id]);
      // And off to secondary school (out of sector) at the end of the year.
      brookfield.today = "2026-07-22";
      await setLeaving(brookfield.ctx, brookfield.office, made.id, {
        date: "2026-07-22",
        reason: "PI",
        destination: "MMMMMMM",
      });
      const last = await exported(brookfield, made.id);
      const history = (await readCtf(last.xml)).document?.pupils[0]?.schoolHistory ?? [];
      const stays = history.map((h) => [
        `${h.lea}${h.estab}`,
        h.entryDate,
        h.leavingDate,
        h.leavingReason,
      ]);
      expect(stays.sort((a, b) => String(a[1]).localeCompare(String(b[1])))).toEqual([
        ["8231234", "2023-09-04", "2025-03-28", "IM"],
        ["9382001", "2025-04-14", "2026-01-30", "IM"],
        ["8231234", "2026-02-23", "2026-07-22", "PI"],
      ]);
      for (let i = 1; i < stays.length; i++)
        expect(String(stays[i]?.[1]) > String(stays[i - 1]?.[2])).toBe(true);
    });

    it("undoes a return: the pupil has left again, with their leaving details and first admission", async () => {
      // A pupil who comes back, imported and then undone.
      brookfield.today = "2026-09-01";
      const made = await createPupil(brookfield.ctx, brookfield.office, {
        upn: "B801200005001",
        surname: "Baker",
        forename: "Cal",
        dob: "2015-02-03",
        sex: "M",
        admissionDate: "2021-09-01",
      });
      await setLeaving(brookfield.ctx, brookfield.office, made.id, {
        date: "2026-09-01",
        reason: "IM",
        destination: "9382001",
      });
      const before = await getPupil(brookfield.ctx, brookfield.office, made.id);
      meadow.today = "2026-09-02";
      await imported(meadow, await exported(brookfield, made.id), "2026-09-02");
      const atMeadow = (
        await meadow.ctx.db
          .selectFrom("pupils")
          .select("id")
          .where("upn", "=", "B801200005001")
          .executeTakeFirstOrThrow()
      ).id;
      await setLeaving(meadow.ctx, meadow.office, atMeadow, {
        date: "2026-09-30",
        reason: "IM",
        destination: "8231234",
      });
      meadow.today = "2026-09-30";
      brookfield.today = "2026-10-01";
      const { imp } = await imported(brookfield, await exported(meadow, atMeadow), "2026-10-05");
      expect(await getPupil(brookfield.ctx, brookfield.office, made.id)).toMatchObject({
        status: "intake",
        admissionDate: "2026-10-05",
        leaving: null,
      });
      expect(await undoImport(brookfield.ctx, brookfield.office, imp.id)).toMatchObject({
        restored: 1,
        notes: [],
      });
      const after = await getPupil(brookfield.ctx, brookfield.office, made.id);
      expect(after).toMatchObject({
        status: "left",
        admissionDate: "2021-09-01",
        leaving: { date: "2026-09-01", reason: "IM", destination: "9382001" },
      });
      expect(after).toEqual(before);
    });

    /** A one-pupil CTF from another school (or a DfE service), bent as a test needs. */
    function fileOf(
      pupil: Partial<Pupil>,
      o: { from?: string; sequence: number; partial?: boolean; keep?: (keyof Pupil)[] },
    ) {
      const dfe = o.from === "XXXXXXX";
      const doc = generateCtf({
        from: dfe ? "8234001" : (o.from ?? "8234001"),
        to: "9382001",
        pupils: 1,
        seed: o.sequence,
        now: new Date("2026-11-02T10:00:00Z"),
      });
      const generated = doc.pupils[0] as Pupil;
      const kept = o.keep ? Object.fromEntries(o.keep.map((k) => [k, generated[k]])) : generated;
      doc.pupils = [{ ...kept, ...pupil } as Pupil];
      if (o.partial) doc.header.documentQualifier = "partial";
      // A DfE service's file names no school as its sender.
      if (dfe) doc.header.sourceSchool = { lea: "XXX", estab: "XXXX", schoolName: "DfE" };
      const from = o.from ?? "8234001";
      return {
        fileName: `${from}_CTF_9382001_${String(o.sequence).padStart(3, "0")}.XML`,
        xml: writeCtf(doc),
      };
    }

    it("keeps a UPN that fails its check as the file gave it, shows it as not valid, and never matches on it", async () => {
      meadow.today = "2026-11-02";
      const dee = await createPupil(meadow.ctx, meadow.office, {
        surname: "Cole",
        forename: "Dee",
        dob: "2016-02-03",
        sex: "F",
        admissionDate: "2026-11-02",
      });
      const filled = fileOf(
        { upn: "A123456789", surname: "Cole", forename: "Dee", dob: "2016-02-03", sex: "F" },
        { sequence: 11 },
      );
      const first = await imported(meadow, filled, "2026-11-02", [
        { position: 1, action: "merge", pupil: dee.id },
      ]);
      expect(first.imp.pupils[0]?.matches[0]).toMatchObject({ pupil: dee.id, certain: false });
      expect(await getPupil(meadow.ctx, meadow.office, dee.id)).toMatchObject({
        upn: "A123456789",
        upnValid: false,
      });
      // Other details can be corrected by hand with it as it is; a new UPN typed must be valid.
      const edited = await updatePupil(meadow.ctx, meadow.office, dee.id, {
        upn: "A123456789",
        preferredForename: "Dee-Dee",
      });
      expect(edited).toMatchObject({ upn: "A123456789", preferredForename: "Dee-Dee" });
      await expect(
        updatePupil(meadow.ctx, meadow.office, dee.id, { upn: "A123456780" }),
      ).rejects.toMatchObject({ code: "invalid", field: "upn" });
      // Another child whose file carries the same malformed UPN is nobody in the register.
      const other = fileOf(
        { upn: "A123456789", surname: "Ford", forename: "Eve", dob: "2014-07-08", sex: "F" },
        { sequence: 12 },
      );
      const second = await imported(meadow, other, "2026-11-02");
      expect(second.imp.pupils[0]?.matches).toEqual([]);
      expect(second.done).toMatchObject({ added: 1, merged: 0 });
      expect((await getPupil(meadow.ctx, meadow.office, dee.id)).forename).toBe("Dee");
    });

    it("sends a record made from a partial CTF on as partial, until a full one fills it", async () => {
      meadow.today = "2026-11-03";
      // The multiplication tables check's file: results only, from DfE (XXX/XXXX), partial.
      const mtc = fileOf(
        {
          upn: "G335311012004",
          surname: "Gale",
          forename: "Hugo",
          dob: "2016-04-05",
          sex: "M",
          stageAssessments: [
            {
              stage: "KS2",
              assessments: [
                {
                  locale: "ENG",
                  year: "2026",
                  subject: "MAT",
                  method: "TT",
                  component: "MTC",
                  resultStatus: "R",
                  resultQualifier: "MT",
                  result: "23",
                },
              ],
            },
          ],
        },
        { from: "XXXXXXX", sequence: 13, partial: true, keep: [] },
      );
      expect(mtc.xml).toContain("<DocumentQualifier>partial</DocumentQualifier>");
      const made = await imported(meadow, { ...mtc, fileName: "MTC_results.xml" }, "2026-11-03");
      expect(made.done).toMatchObject({ added: 1 });
      const hugo = (
        await meadow.ctx.db
          .selectFrom("pupils")
          .select("id")
          .where("upn", "=", "G335311012004")
          .executeTakeFirstOrThrow()
      ).id;
      const record = await getPupil(meadow.ctx, meadow.office, hugo);
      expect(record.neverGiven).toEqual(
        expect.arrayContaining(["contacts", "address", "schoolHistory", "sen"]),
      );
      expect(record.neverGiven).not.toContain("assessments");
      // Leaving with a partial record: the file says so, and what it lacks, by place not name.
      await setLeaving(meadow.ctx, meadow.office, hugo, {
        date: "2026-11-03",
        reason: "IM",
        destination: "8231234",
      });
      const out = await exported(meadow, hugo);
      expect(out.partial).toBe(true);
      const header = (await readCtf(out.xml)).document?.header;
      expect(header?.documentQualifier).toBe("partial");
      expect(header?.dataDescriptor).toMatch(/^Partial record: its .*contacts.* never received$/);
      expect(header?.dataDescriptor).not.toContain("Gale");
      // Brookfield takes it in as partial too: it lacks what the file lacked.
      brookfield.today = "2026-11-04";
      await imported(brookfield, out, "2026-11-04");
      const there = await brookfield.ctx.db
        .selectFrom("pupils")
        .select(["id", "never_given"])
        .where("upn", "=", "G335311012004")
        .executeTakeFirstOrThrow();
      expect(there.never_given).toEqual(expect.arrayContaining(["contacts", "address"]));
      // A full CTF of the same pupil from their old school fills the record: it goes on as full.
      const full = fileOf(
        { upn: "G335311012004", surname: "Gale", forename: "Hugo", dob: "2016-04-05", sex: "M" },
        { from: "8234001", sequence: 14 },
      );
      meadow.today = "2026-11-05";
      await meadow.ctx.db
        .updateTable("pupils")
        .set({
          status: "onroll",
          leaving_date: null,
          leaving_reason: null,
          leaving_destination: null,
        })
        .where("id", "=", hugo)
        .execute();
      await imported(meadow, full, "2026-11-05", [{ position: 1, action: "merge" }]);
      expect((await getPupil(meadow.ctx, meadow.office, hugo)).neverGiven).toEqual([]);
      await setLeaving(meadow.ctx, meadow.office, hugo, {
        date: "2026-11-05",
        reason: "IM",
        destination: "8231234",
      });
      const whole = await exported(meadow, hugo);
      expect(whole.partial).toBe(false);
      expect((await readCtf(whole.xml)).document?.header.documentQualifier).toBe("full");
    });
  });
}
