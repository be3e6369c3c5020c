/**
 * Importing a CTF into the register: the file's pupils matched against the register (a UPN is
 * certain; names only ever propose), a field-by-field preview of each merge, and a commit that
 * adds, merges or skips each pupil as the user decided, keeping what each merge changed (and a
 * digest of each pupil added) so that the whole import can be undone. A file from the hub is
 * accepted there once the commit is made (hub-accepts.ts: an outbox row written with the commit,
 * sent after it and tried again until the hub answers); an import left unfinished leaves the
 * file waiting.
 */

import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { isDate } from "../ctf/checker.js";
import { LOST_PUPILS, OUT_OF_SECTOR } from "../ctf/filename.js";
import type { Pupil } from "../ctf/model.js";
import { readCtf } from "../ctf/read.js";
import { AppError, invalid, isId, notFound } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import { schoolToday } from "./calendar.js";
import type { MisContext, MisPrincipal } from "./context.js";
import { acceptStates, queueAccept, sendDueAccepts } from "./hub-accepts.js";
import { hubClientFor } from "./hub-connection.js";
import type { ImportFiles } from "./import-files.js";
import { type ImportSource, importedBefore, listIncoming, loadSource } from "./incoming.js";
import { type Candidate, type RegisterEntry, RegisterIndex } from "./matching.js";
import { AREAS, FIELDS, type MergeRow, mergePupil } from "./merge.js";
import { NC_YEARS } from "./pupil-edits.js";
import { columnsOf } from "./pupils.js";
import { neverGivenAfter } from "./record-gaps.js";
import type { MisTx, PupilState, PupilStatus } from "./schema.js";
import { getSchool } from "./school.js";
import { alike, canonicalJson, diffOf, type StateDiff, stateDigestWith } from "./state-diff.js";
import { packingAsRead, unpackFile } from "./stored-file.js";

export { listIncoming };

export interface Proposal {
  position: number;
  upn: string | null;
  surname: string;
  forename: string;
  dob: string | null;
  sex: string | null;
  matches: Candidate[];
}

/** Whom a CTF's DestSchool names, in words. */
function addressedTo(to: string): string {
  if (to === LOST_PUPILS) return `the Lost Pupils database (${to})`;
  if (to === OUT_OF_SECTOR) return `the out of sector register (${to})`;
  if (/^\d{3}LLLL$/.test(to)) return `a local authority (${to})`;
  return to === "" ? "no school (it names none)" : to;
}

/** Reads the file, refuses what cannot be imported, and proposes a match for each pupil. */
export async function createImport(
  ctx: MisContext,
  actor: MisPrincipal,
  source: ImportSource,
  options: { again?: boolean } = {},
) {
  const file = await loadSource(ctx, source);
  let before: Awaited<ReturnType<typeof importedBefore>> = null;
  const refuseIfImported = async (digest: string) => {
    before = await importedBefore(ctx, digest);
    if (before && !options.again)
      throw new AppError(
        "import.duplicate",
        `${file.fileName} was imported on ${before.at.slice(0, 10)} by ${before.by}. To import it again, say so.`,
        { detail: { importedAt: before.at, importedBy: before.by } },
      );
  };
  // Known before reading (the hub says it), a file imported before is not fetched again.
  if (file.sha256) await refuseIfImported(file.sha256);
  // Asked for before the file is read: a database server answers while the file is parsed.
  const [thisSchool, register] = [getSchool(ctx), registerEntries(ctx)];
  // Awaited below, unless the file is refused first.
  for (const asked of [thisSchool, register]) asked.catch(() => {});
  // Read as it arrives, hashed and packed (on the thread pool) as it goes: the file itself is
  // never held whole beside its pupils (`npm run bench -- mis.import_memory`: a 48 MB hub file
  // took 2.9-3.6 MB of memory a MB when it was, 2.5-2.8 since; the pupils are most of that).
  const packing = packingAsRead(file.chunks);
  const read = await readCtf(packing.chunks, { fileName: file.fileName, now: ctx.clock() });
  if (!read.document || !read.valid) {
    const errors = read.findings
      .filter((f) => f.severity === "error")
      .slice(0, 5)
      .map((f) => `${f.line ? `line ${f.line}: ` : ""}${f.message}`);
    throw invalid(
      `${file.fileName} is not a CTF this school can import: ${errors.join("; ") || "it could not be read"}.`,
      "file",
    );
  }
  const stored = await packing.read();
  if (file.sha256 && stored.sha256 !== file.sha256)
    throw invalid(
      `${file.fileName} is not the file the hub holds (its contents differ from what the hub says): try again.`,
      "transfer",
    );
  if (!file.sha256) await refuseIfImported(stored.sha256);
  const school = await thisSchool;
  const dest = read.document.header.destSchool;
  const to = `${dest?.lea ?? ""}${dest?.estab ?? ""}`;
  // A file from the hub was addressed here by the hub (a lost pupil's file an LA passed on keeps
  // XXXXXXX inside); any other must say this school inside.
  if (file.source !== "hub" && to !== school.laestab)
    throw invalid(
      `${file.fileName} is for ${addressedTo(to)}, not this school (${school.laestab}).`,
      "file",
    );
  const index = new RegisterIndex(await register);
  const proposals: Proposal[] = read.document.pupils.map((p, i) => ({
    position: i + 1,
    upn: p.upn ?? null,
    surname: p.surname ?? "",
    forename: p.forename ?? "",
    dob: p.dob ?? null,
    sex: p.sex ?? null,
    matches: index.match(p),
  }));
  const src = read.document.header.sourceSchool;
  const values = {
    file_name: file.fileName,
    sha256: stored.sha256,
    source: file.source,
    transfer_id: file.transferId,
    from_laestab: src ? `${src.lea ?? ""}${src.estab ?? ""}` : null,
    from_name: src?.schoolName ?? null,
    file: stored.packed,
    proposals: JSON.stringify(proposals),
    partial: read.document.header.documentQualifier?.toLowerCase() === "partial",
    status: "proposed" as const,
    created_by: actor.userId,
  };
  const row = await ctx.db.transaction().execute(async (trx) => {
    const made = await trx
      .insertInto("imports")
      .values(values)
      .returning(["id", "from_laestab", "from_name"])
      .executeTakeFirstOrThrow();
    await misAudit(trx, actor, "import.create", `import:${made.id}`, {
      fileName: file.fileName,
      pupils: proposals.length,
    });
    return made;
  });
  ctx.importFiles.set(row.id, read.document.pupils, stored.bytes);
  return {
    id: row.id,
    fileName: file.fileName,
    from: { laestab: row.from_laestab, name: row.from_name },
    importedBefore: before,
    pupils: proposals,
  };
}

/**
 * Every pupil's identifying details, for matching: one query, no whole records, and one row back
 * (a register of thousands read row by row costs more in the driver than in the database). Each
 * pupil comes as an array of text: the database writes that in a third of the time it takes to
 * write an object of named fields.
 */
async function registerEntries(ctx: MisContext): Promise<RegisterEntry[]> {
  const { rows } = await sql<{ entries: (string | null)[][] }>`
    select coalesce(json_agg(array[id::text, upn, former_upn, surname, forename,
      preferred_surname, preferred_forename, former_surname, dob::text, sex]), '[]') as entries
    from pupils`.execute(ctx.db);
  return (rows[0]?.entries ?? []).map((e) => ({
    id: e[0] as string,
    upn: e[1] ?? null,
    formerUpn: e[2] ?? null,
    surname: e[3] ?? "",
    forename: e[4] ?? "",
    preferredSurname: e[5] ?? null,
    preferredForename: e[6] ?? null,
    formerSurname: e[7] ?? null,
    dob: e[8] ?? null,
    sex: e[9] ?? null,
  }));
}

/** An import without its file and pupils (large); those are read where they are needed. */
async function loadImport(ctx: MisContext | { db: MisTx }, id: string, lock = false) {
  if (!isId(id)) throw notFound();
  let q = ctx.db
    .selectFrom("imports")
    .select([
      "id",
      "file_name",
      "source",
      "transfer_id",
      "from_laestab",
      "from_name",
      "proposals",
      "partial",
      "status",
    ])
    .where("id", "=", id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound();
  return row;
}

/**
 * An import's parsed pupils: held by this process since it created the import, or read again
 * from the file kept with it (and held from then on).
 */
async function filePupils(
  db: MisContext["db"] | MisTx,
  held: ImportFiles,
  id: string,
): Promise<readonly Pupil[]> {
  const kept = held.get(id);
  if (kept) return kept;
  const row = await db
    .selectFrom("imports")
    .select(["file_name", "file", "file_pupils"])
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound();
  // Imports made before the file was kept have their pupils as JSON instead.
  if (!row.file) return row.file_pupils ?? [];
  const bytes = await unpackFile(row.file);
  const read = await readCtf(bytes, { fileName: row.file_name });
  // It was read when the import was made; software changed since might not read it now.
  if (!read.document)
    throw new AppError("import.state", `${row.file_name} can no longer be read: start again.`);
  held.set(id, read.document.pupils, bytes.length);
  return read.document.pupils;
}

/** What a user may take from the file: an area, or a single field. */
const TAKEABLE: ReadonlySet<string> = new Set([...AREAS, ...FIELDS]);

function takeOf(take: readonly string[] | undefined): Set<string> {
  for (const t of take ?? [])
    if (!TAKEABLE.has(t))
      throw invalid(
        `"${t}" is not an area or field: take one of ${[...AREAS, ...FIELDS].join(", ")}.`,
        "take",
      );
  return new Set(take ?? []);
}

/**
 * What merging the file's pupil at `position` into a register pupil would do, area by area and
 * field by field. The register pupil is the one named, else the certain or best match.
 */
export async function previewImport(
  ctx: MisContext,
  actor: MisPrincipal,
  id: string,
  input: { position: number; pupil?: string; take?: string[] },
) {
  if (!isId(id)) throw notFound();
  if (!Number.isInteger(input.position) || input.position < 1)
    throw invalid("The position is a pupil's number in the file, from 1.", "position");
  const take = takeOf(input.take);
  // One pupil's proposal, not every pupil's.
  const one = await ctx.db
    .selectFrom("imports")
    .select(sql<Proposal | null>`proposals->${sql.lit(input.position - 1)}`.as("proposal"))
    .where("id", "=", id)
    .executeTakeFirst();
  if (!one) throw notFound();
  const file = (await filePupils(ctx.db, ctx.importFiles, id))[input.position - 1];
  if (!one.proposal || !file)
    throw invalid(`There is no pupil ${input.position} in this file.`, "position");
  const target = input.pupil ?? one.proposal.matches[0]?.pupil;
  if (!target) return { position: input.position, pupil: null, action: "new" as const, areas: [] };
  if (!isId(target)) throw invalid("Choose a pupil of the register to merge into.", "pupil");
  const reg = await ctx.db
    .selectFrom("pupils")
    .select(["id", "record", ROW_VERSION])
    .where("id", "=", target)
    .executeTakeFirst();
  if (!reg) throw invalid("That pupil is not in the register.", "pupil");
  await misAudit(ctx.db, actor, "pupil.view", `pupil:${reg.id}`, { import: id });
  const { rows } = heldMerge(ctx, id, input.position, reg, file, take);
  return { position: input.position, pupil: reg.id, action: "merge" as const, areas: byArea(rows) };
}

/**
 * Every merge the import proposes, previewed at once (each pupil into its certain or best
 * match, with the defaults): one read of the file and one of the register.
 */
export async function previewAll(ctx: MisContext, actor: MisPrincipal, id: string) {
  if (!isId(id)) throw notFound();
  const imp = await ctx.db
    .selectFrom("imports")
    .select("proposals")
    .where("id", "=", id)
    .executeTakeFirst();
  if (!imp) throw notFound();
  const proposals = imp.proposals as Proposal[];
  const pupils = await filePupils(ctx.db, ctx.importFiles, id);
  const targets = [...new Set(proposals.flatMap((p) => p.matches.slice(0, 1).map((m) => m.pupil)))];
  const regs =
    targets.length === 0
      ? []
      : await ctx.db
          .selectFrom("pupils")
          .select(["id", "record", ROW_VERSION])
          .where("id", "in", targets)
          .execute();
  const byId = new Map(regs.map((r) => [r.id, r]));
  if (regs.length > 0)
    await misAudit(ctx.db, actor, "pupil.view", `import:${id}`, { pupils: regs.map((r) => r.id) });
  return proposals.map((p) => {
    const target = p.matches[0]?.pupil;
    const reg = target ? byId.get(target) : undefined;
    if (!target || !reg)
      return { position: p.position, pupil: null, action: "new" as const, areas: [] };
    const file = pupils[p.position - 1] as Pupil;
    const { rows } = heldMerge(ctx, id, p.position, reg, file, new Set());
    return { position: p.position, pupil: target, action: "merge" as const, areas: byArea(rows) };
  });
}

/**
 * The version of a pupil's row: the transaction that last wrote it (PostgreSQL's xmin), which
 * changes with every write. A merge held from a preview is reused while the row is that version.
 */
const ROW_VERSION = sql<string>`xmin::text`.as("version");

interface RegisterRow {
  id: string;
  record: Pupil;
  version: string;
}

const mergeKey = (position: number, pupilId: string, take: ReadonlySet<string>) =>
  `${position}|${pupilId}|${[...take].sort().join(",")}`;

/**
 * mergePupil, remembered for the import (import-files.ts): the commit reuses what a preview
 * worked out while the register pupil is as it was then.
 */
function heldMerge(
  ctx: MisContext,
  id: string,
  position: number,
  register: RegisterRow,
  file: Pupil,
  take: ReadonlySet<string>,
) {
  const key = mergeKey(position, register.id, take);
  const held = ctx.importFiles.merge(id, key);
  if (held && (held.version === register.version || alike(held.register, register.record)))
    return held.result;
  const result = mergePupil(register.record, file, take);
  ctx.importFiles.keepMerge(id, key, {
    register: register.record,
    version: register.version,
    result,
  });
  return result;
}

/**
 * The register pupils an import merges into, locked, each with its record unless a merge held
 * from a preview was worked out from this very version of the row (then the held copy is it):
 * re-reading a hundred records only to find them unchanged cost more than the rest of the lock.
 */
async function lockTargets(
  trx: MisTx,
  ctx: MisContext,
  id: string,
  decisions: Decision[],
): Promise<Map<string, LockedRow>> {
  const merges = decisions.filter((d) => d.action === "merge");
  const targets = merges.flatMap((d) => (d.pupil ? [d.pupil] : []));
  if (!targets.every(isId)) throw invalid("Choose the register pupils to merge into.", "decisions");
  if (targets.length === 0) return new Map();
  // The row each pupil's held merges were worked out from; none where they disagree.
  const heldRows = new Map<string, { version: string; record: Pupil } | null>();
  for (const d of merges) {
    const held =
      d.pupil && ctx.importFiles.merge(id, mergeKey(d.position, d.pupil, takeOf(d.take)));
    if (!d.pupil || !held) continue;
    const known = heldRows.get(d.pupil);
    heldRows.set(
      d.pupil,
      known === undefined || known?.version === held.version
        ? { version: held.version, record: held.register }
        : null,
    );
  }
  const versions = Object.fromEntries([...heldRows].map(([pupil, h]) => [pupil, h?.version]));
  const rows = await trx
    .selectFrom("pupils")
    .select([
      "id",
      ...STATE_COLUMNS,
      ROW_VERSION,
      sql<Pupil | null>`case when xmin::text = ${JSON.stringify(versions)}::jsonb ->> id::text
        then null else record end`.as("record"),
    ])
    .where("id", "in", targets)
    .forUpdate()
    .execute();
  return new Map(
    rows.map((r) => [r.id, { ...r, record: r.record ?? (heldRows.get(r.id)?.record as Pupil) }]),
  );
}

type LockedRow = RegisterRow & Omit<StateColumns, "record">;

/** The columns of a pupil's row that make its state (PupilState). */
export const STATE_COLUMNS = [
  "status",
  "reg_group",
  "admission_date",
  "leaving_date",
  "leaving_reason",
  "leaving_destination",
  "never_given",
] as const;

export interface StateColumns {
  record: Pupil;
  status: PupilStatus;
  reg_group: string | null;
  admission_date: string | null;
  leaving_date: string | null;
  leaving_reason: string | null;
  leaving_destination: string | null;
  never_given: string[] | null;
}

/** A row's state, its optional parts left out where there is nothing to say. */
export function stateOf(row: StateColumns): PupilState {
  const state: PupilState = {
    record: row.record,
    status: row.status,
    regGroup: row.reg_group,
    admissionDate: row.admission_date,
  };
  if (row.leaving_date !== null || row.leaving_reason !== null || row.leaving_destination !== null)
    state.leaving = {
      date: row.leaving_date,
      reason: row.leaving_reason,
      destination: row.leaving_destination,
    };
  if (row.never_given !== null && row.never_given.length > 0) state.neverGiven = row.never_given;
  return state;
}

function byArea(rows: MergeRow[]) {
  return AREAS.map((area) => ({ area, fields: rows.filter((r) => r.area === area) })).filter(
    (a) => a.fields.length > 0,
  );
}

export interface Decision {
  position: number;
  action: "new" | "merge" | "skip";
  pupil?: string;
  take?: string[];
  admissionDate?: string;
  ncYear?: string;
  regGroup?: string;
}

export interface CommitInput {
  admissionDate: string;
  ncYear?: string;
  regGroup?: string;
  decisions?: Decision[];
}

/** Each pupil's decision: as given, else a certain match merges and no candidate is new. */
function decide(proposals: Proposal[], given: Decision[]): Decision[] {
  const byPosition = new Map<number, Decision>();
  for (const d of given) {
    if (!proposals.some((p) => p.position === d.position))
      throw invalid(`There is no pupil ${d.position} in this file.`, "decisions");
    if (!["new", "merge", "skip"].includes(d.action))
      throw invalid(`Pupil ${d.position}: the action is new, merge or skip.`, "decisions");
    byPosition.set(d.position, d);
  }
  const undecided: string[] = [];
  const out = proposals.map((p): Decision => {
    const d = byPosition.get(p.position);
    // A certain match is the same child by UPN: a second record of them would put one UPN on
    // roll twice (an outside test made such duplicates).
    if (d?.action === "new" && p.matches.some((m) => m.certain))
      throw invalid(
        `Pupil ${p.position} (${p.surname} ${p.forename}) is already in your register by UPN: merge them into that pupil or skip them. A UPN is on roll once, so they cannot be added again.`,
        "decisions",
      );
    if (d) {
      if (d.action === "merge" && !d.pupil) {
        const certain = p.matches.filter((m) => m.certain);
        if (certain.length !== 1)
          throw invalid(
            `Pupil ${p.position}: say which register pupil to merge into.`,
            "decisions",
          );
        return { ...d, pupil: certain[0]?.pupil as string };
      }
      return d;
    }
    const certain = p.matches.filter((m) => m.certain);
    if (certain.length === 1)
      return { position: p.position, action: "merge", pupil: certain[0]?.pupil as string };
    if (p.matches.length === 0) return { position: p.position, action: "new" };
    undecided.push(`${p.position} (${p.surname} ${p.forename})`);
    return { position: p.position, action: "skip" };
  });
  // Names alone never merge, and never become a second record, without a person choosing.
  if (undecided.length > 0)
    throw invalid(
      `Choose add, merge or skip for the pupils who resemble someone in the register: ${undecided.join(", ")}.`,
      "decisions",
    );
  return out;
}

function checkEnrolment(e: { admissionDate?: string; ncYear?: string }, who: string): void {
  // A date's shape is not enough: 2027-02-29 has one, and reached the database as a 500.
  if (e.admissionDate !== undefined && !isDate(e.admissionDate))
    throw invalid(
      `${who}: the admission date must be a real date, for example 27 3 2027 (YYYY-MM-DD in the API).`,
      "admissionDate",
    );
  if (e.ncYear !== undefined && e.ncYear !== "" && !NC_YEARS.includes(e.ncYear))
    throw invalid(`${who}: the NC year is E1, E2, N1, N2, R, 1 to 14, M or X.`, "ncYear");
}

/** Commits the import as decided: all of it, or (on any failure) none of it. */
export async function commitImport(
  ctx: MisContext,
  actor: MisPrincipal,
  id: string,
  input: CommitInput,
) {
  if (!input.admissionDate)
    throw invalid("Give the admission date: the day the pupils start.", "admissionDate");
  checkEnrolment(input, "The import");
  const today = schoolToday(ctx);
  // Asked before the transaction: on PGlite's one connection a query beside it would wait.
  const hub = await hubClientFor(ctx);
  let transferId: string | null = null;
  const summary = await ctx.db.transaction().execute(async (trx) => {
    const imp = await loadImport({ db: trx }, id, true);
    if (imp.status !== "proposed")
      throw new AppError("import.state", `This import was ${imp.status} already.`);
    const proposals = imp.proposals as Proposal[];
    const decisions = decide(proposals, input.decisions ?? []);
    const pupils = await filePupils(trx, ctx.importFiles, id);
    const counts = { added: 0, merged: 0, skipped: 0 };
    const now = ctx.clock();
    // Every pupil to merge, locked at once; new pupils and the change log written a batch at a
    // time: an import of hundreds of pupils is a few statements, not hundreds.
    const held = await lockTargets(trx, ctx, id, decisions);
    const added: StateRow[] = [];
    const merged: { id: string; state: PupilState }[] = [];
    // What each change keeps for undo, worked out once the rows are on their way (below).
    const toKeep: (() => ChangeRow)[] = [];
    for (const d of decisions) {
      const who = `Pupil ${d.position}`;
      checkEnrolment(d, who);
      const file = pupils[d.position - 1] as Pupil;
      const admission = d.admissionDate ?? input.admissionDate;
      const ncYear = d.ncYear ?? input.ncYear;
      const regGroup = d.regGroup ?? input.regGroup;
      // A date to come: the pupil waits as intake, and the daily enrolment puts them on roll.
      const status: PupilStatus = admission > today ? "intake" : "onroll";
      if (d.action === "skip") {
        counts.skipped++;
        continue;
      }
      if (d.action === "new") {
        const state: PupilState = {
          record: ncYear ? withYear(file, ncYear) : file,
          status,
          regGroup: regGroup ?? null,
          admissionDate: admission,
        };
        const gaps = neverGivenAfter(undefined, file, imp.partial);
        if (gaps) state.neverGiven = gaps;
        const pupilId = randomUUID();
        // Written out once: the text the database stores and the digest undo compares with.
        const recordJson = canonicalJson(state.record);
        added.push({ id: pupilId, state, recordJson });
        toKeep.push(() =>
          changeRow(d.position, pupilId, "new", {
            digest: stateDigestWith(state, recordJson),
          }),
        );
        counts.added++;
        continue;
      }
      const row = d.pupil ? held.get(d.pupil) : undefined;
      if (!row) throw invalid(`${who}: that register pupil is not there any more.`, "decisions");
      const before = stateOf(row);
      let { record } = heldMerge(ctx, id, d.position, row, file, takeOf(d.take));
      // A pupil who left and comes back starts a new stay: their enrolment is this admission's,
      // and their leaving details (of the stay that ended) go. Otherwise what the school keyed
      // in stays: the enrolment fills only what is blank.
      const returning = row.status === "left";
      if (ncYear && (returning || !record.basicDetails?.ncYearActual))
        record = withYear(record, ncYear);
      const after: PupilState = returning
        ? { record, status, regGroup: regGroup ?? null, admissionDate: admission }
        : {
            record,
            status: row.status === "applicant" ? status : row.status,
            regGroup: row.reg_group ?? regGroup ?? null,
            admissionDate: row.admission_date ?? admission,
            ...(before.leaving ? { leaving: before.leaving } : {}),
          };
      const gaps = neverGivenAfter(row.never_given, file, imp.partial);
      if (gaps) after.neverGiven = gaps;
      merged.push({ id: row.id, state: after });
      toKeep.push(() => changeRow(d.position, row.id, "merge", { diff: diffOf(before, after) }));
      counts.merged++;
    }
    // The rows are written while the digests and diffs are worked out: a database server takes
    // them in meanwhile (PGlite, in this thread, simply runs them first).
    const written = (async () => {
      await insertStates(trx, added, now);
      await writeStates(trx, merged, now);
    })();
    written.catch(() => {}); // awaited below
    const changes = toKeep.map((keep) => keep());
    await written;
    await insertChanges(trx, id, changes);
    await trx
      .updateTable("imports")
      .set({
        status: "committed",
        committed_by: actor.userId,
        committed_at: ctx.clock(),
        ...counts,
      })
      .where("id", "=", id)
      .execute();
    await misAudit(trx, actor, "import.commit", `import:${id}`, counts);
    // Accepted at the hub only if imported: the accept commits with the import, as a row to
    // send, and no call to the hub is made while the transaction holds the database.
    if (imp.transfer_id) {
      if (!hub) throw invalid("This school side is not connected to the hub.", "transfer");
      await queueAccept(trx, id, imp.transfer_id, now);
      transferId = imp.transfer_id;
    }
    return counts;
  });
  ctx.importFiles.drop(id);
  // Tried at once; if the hub does not answer now, the send-accepts job tries again.
  const hubAccept = transferId === null ? null : await sendDueAccepts(ctx, id);
  return {
    id,
    status: "committed" as const,
    ...summary,
    hubAccept:
      hubAccept === null
        ? null
        : hubAccept.accepted > 0
          ? "accepted"
          : hubAccept.refused > 0
            ? "refused"
            : "waiting",
  };
}

function withYear(p: Pupil, ncYear: string): Pupil {
  return { ...p, basicDetails: { ...(p.basicDetails ?? {}), ncYearActual: ncYear } };
}

/**
 * Rows as one JSON parameter that the database takes apart: a few hundred pupils' rows are one
 * value to send and parse, not thousands of parameters.
 */
function asRows(rows: StateRow[]): string {
  const texts = rows.map(({ id, state, recordJson }) => {
    const columns = JSON.stringify({
      id,
      ...columnsOf(state.record),
      status: state.status,
      reg_group: state.regGroup,
      admission_date: state.admissionDate,
      leaving_date: state.leaving?.date ?? null,
      leaving_reason: state.leaving?.reason ?? null,
      leaving_destination: state.leaving?.destination ?? null,
      never_given: state.neverGiven ?? null,
    });
    return `${columns.slice(0, -1)},"record":${recordJson ?? JSON.stringify(state.record)}}`;
  });
  return `[${texts.join(",")}]`;
}

/** A pupil's row to write; with its record's JSON when that has been written out already. */
export interface StateRow {
  id: string;
  state: PupilState;
  recordJson?: string;
}

const ROW_TYPES = sql`(id uuid, upn text, surname text, forename text, dob date, sex text,
  nc_year text, status text, reg_group text, admission_date date, leaving_date date,
  leaving_reason text, leaving_destination text, never_given jsonb, record jsonb)`;

/** New pupils' rows in one statement. */
async function insertStates(trx: MisTx, rows: StateRow[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    insert into pupils (id, upn, surname, forename, dob, sex, nc_year, status, reg_group,
      admission_date, leaving_date, leaving_reason, leaving_destination, never_given, record,
      updated_at)
    select v.id, v.upn, v.surname, v.forename, v.dob, v.sex, v.nc_year, v.status, v.reg_group,
      v.admission_date, v.leaving_date, v.leaving_reason, v.leaving_destination, v.never_given,
      v.record, ${now}
    from jsonb_to_recordset(${asRows(rows)}::jsonb) as v${ROW_TYPES}`.execute(trx);
}

/** Pupils' rows rewritten in one statement: a merge (or its undo) of a hundred pupils is one round trip. */
export async function writeStates(trx: MisTx, rows: StateRow[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    update pupils set upn = v.upn, surname = v.surname, forename = v.forename, dob = v.dob,
      sex = v.sex, nc_year = v.nc_year, record = v.record, status = v.status,
      reg_group = v.reg_group, admission_date = v.admission_date, leaving_date = v.leaving_date,
      leaving_reason = v.leaving_reason, leaving_destination = v.leaving_destination,
      never_given = v.never_given, updated_at = ${now}
    from jsonb_to_recordset(${asRows(rows)}::jsonb) as v${ROW_TYPES}
    where pupils.id = v.id`.execute(trx);
}

type ChangeRow = {
  position: number;
  pupil_id: string;
  action: "new" | "merge";
  diff: StateDiff | null;
  after_digest: string | null;
};

/** The import's change log in one statement, its rows as one JSON value (like the pupils'). */
async function insertChanges(trx: MisTx, importId: string, rows: ChangeRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    insert into import_changes (import_id, position, pupil_id, action, diff, after_digest)
    select ${importId}::uuid, v.position, v.pupil_id, v.action, v.diff, v.after_digest
    from json_to_recordset(${JSON.stringify(rows)}::json)
      as v(position integer, pupil_id uuid, action text, diff json, after_digest text)`.execute(
    trx,
  );
}

/**
 * One pupil's change: for a pupil added, a digest of the row written; for a merge, only the
 * leaves it changed, before and after (a few fields, not two whole records).
 */
function changeRow(
  position: number,
  pupilId: string,
  action: "new" | "merge",
  kept: { digest?: string; diff?: StateDiff },
): ChangeRow {
  return {
    position,
    pupil_id: pupilId,
    action,
    diff: kept.diff ?? null,
    after_digest: kept.digest ?? null,
  };
}

/** The import history, newest first (or one import's entry): file, sender, who, when, counts, undo. */
export async function listImports(ctx: MisContext, only?: string) {
  let query = ctx.db
    .selectFrom("imports")
    .leftJoin("users as c", "c.id", "imports.committed_by")
    .leftJoin("users as u", "u.id", "imports.undone_by")
    .leftJoin("users as m", "m.id", "imports.created_by")
    .select([
      "imports.id",
      "imports.file_name",
      "imports.source",
      "imports.from_laestab",
      "imports.from_name",
      "imports.status",
      "imports.added",
      "imports.merged",
      "imports.skipped",
      "imports.created_at",
      "m.username as created_by",
      "imports.committed_at",
      "c.username as committed_by",
      "imports.undone_at",
      "u.username as undone_by",
      "imports.undo_notes",
      sql<number>`json_array_length(imports.proposals)`.as("pupils"),
    ])
    .orderBy("imports.created_at", "desc")
    .limit(200);
  // One import's entry, for its own page.
  if (only !== undefined) query = query.where("imports.id", "=", only);
  const rows = await query.execute();
  const accepts = await acceptStates(
    ctx,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    id: r.id,
    fileName: r.file_name,
    source: r.source,
    from: { laestab: r.from_laestab, name: r.from_name },
    status: r.status,
    pupils: Number(r.pupils),
    added: r.added,
    merged: r.merged,
    skipped: r.skipped,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    committedAt: r.committed_at?.toISOString() ?? null,
    committedBy: r.committed_by,
    undoneAt: r.undone_at?.toISOString() ?? null,
    undoneBy: r.undone_by,
    undoNotes: r.undo_notes ?? [],
    hubAccept: accepts.get(r.id) ?? null,
  }));
}

/** One import as proposed, for its page: the file, its pupils and their matches. */
export async function getImport(ctx: MisContext, id: string) {
  const imp = await loadImport(ctx, id);
  return {
    id: imp.id,
    fileName: imp.file_name,
    source: imp.source,
    from: { laestab: imp.from_laestab, name: imp.from_name },
    status: imp.status,
    pupils: imp.proposals as Proposal[],
  };
}
