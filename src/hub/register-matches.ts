/**
 * Finding lost children without waiting for a search: each pupil of a file checked for a school
 * is compared with the registers (the Lost Pupils database and the out-of-sector register), and a
 * certain or probable match is put before the LA of the school the pupil turned up at and the LA
 * that keeps the register file, who confirm it (the register file is passed on to the school) or
 * dismiss it with a reason. Matches never reach a school.
 */
import { sql } from "kysely";
import { inTransaction } from "../platform/change.js";
import { forbidden, invalid, notFound, requireId } from "../platform/errors.js";
import { enqueueMail } from "../platform/mail/outbox.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { nameLike, redirect } from "./lost-pupils.js";
import { possibleFoundMessage } from "./messages.js";
import { passOnPupil } from "./pass-on-pupil.js";
import { canSearchRegisters } from "./policies/registers.js";
import { type Candidate, NEAR_DATE_DAYS, scoreCandidate } from "./register-match.js";
import { laUsers } from "./register-notices.js";
import type { Tx } from "./schema.js";

/** Two register pupils scoring within this of each other are too close to call. */
const TOO_CLOSE = 3;
/** Register pupils looked at for one pupil of a file: a week's births with a name like theirs. */
const CANDIDATES_PER_PUPIL = 50;

interface Found {
  lostTransferId: string;
  lostPosition: number;
  transferPosition: number;
  score: number;
  certainty: "certain" | "probable" | "too-close";
  reasons: string[];
  keeperLa: string;
}

/**
 * A file checked for a school: its pupils against the registers, in the check's own transaction
 * after its pupils are written (one query, so the check is hardly longer); what may be a child in
 * a register is kept and both LAs are told. Returns whether mail was queued.
 */
export async function matchFileAgainstRegisters(
  ctx: HubContext,
  trx: Tx,
  file: { id: string; dest_laestab: string },
): Promise<boolean> {
  const found = scoreFile(await candidatesFor(trx, file.id));
  if (found.length === 0) return false;
  const seenLa = file.dest_laestab.slice(0, 3);
  const inserted = await trx
    .insertInto("register_matches")
    .values(
      found.map((f) => ({
        lost_transfer_id: f.lostTransferId,
        lost_position: f.lostPosition,
        transfer_id: file.id,
        transfer_position: f.transferPosition,
        score: f.score,
        certainty: f.certainty,
        reasons: JSON.stringify(f.reasons),
        seen_la: seenLa,
        keeper_la: f.keeperLa,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(["lost_transfer_id", "lost_position", "transfer_id", "transfer_position"])
        .doNothing(),
    )
    .returning(["keeper_la"])
    .execute();
  if (inserted.length === 0) return false;
  // Every LA user of each LA: a child who may be found is not a notice anyone opts out of.
  let told = false;
  const tell = async (la: string, count: number, role: "seen" | "keeper") => {
    const users = await laUsers(trx, la, { onlyNotified: false });
    if (users.length === 0) return;
    await enqueueMail(
      trx,
      possibleFoundMessage(
        users.map((u) => u.email),
        count,
        role,
        ctx.config.publicUrl,
      ),
      ctx.clock(),
    );
    told = true;
  };
  await tell(seenLa, inserted.length, "seen");
  const keepers = new Map<string, number>();
  for (const r of inserted)
    if (r.keeper_la !== seenLa) keepers.set(r.keeper_la, (keepers.get(r.keeper_la) ?? 0) + 1);
  for (const [la, count] of keepers) await tell(la, count, "keeper");
  return told;
}

interface Row extends Candidate {
  filePosition: number;
  fileUpn: string | null;
  fileSurname: string;
  fileForename: string;
  fileDob: string | null;
  transferId: string;
  sourceLaestab: string;
  position: number;
}

/**
 * Every pupil of the file with the register pupils they may be, in one query: by UPN or former
 * UPN, or born near them (a few days either side, or day and month swapped) with a name like
 * theirs; each way in by an index. A pupil with neither a UPN nor a date of birth cannot be
 * told from others of the same name, and is not looked for.
 */
async function candidatesFor(trx: Tx, transferId: string): Promise<Row[]> {
  const swapped = sql`case when extract(day from fp.dob) <= 12
      and extract(day from fp.dob) <> extract(month from fp.dob)
    then make_date(extract(year from fp.dob)::int, extract(day from fp.dob)::int,
      extract(month from fp.dob)::int) end`;
  const result = await sql<Row>`select fp.position as "filePosition", fp.upn as "fileUpn",
      fp.surname as "fileSurname", fp.forename as "fileForename", fp.dob::text as "fileDob",
      c.*
    from transfer_pupils fp
    cross join lateral (
      select t.id as "transferId", t.source_laestab as "sourceLaestab", tp.position, tp.upn,
        tp.former_upn as "formerUpn", tp.surname, tp.forename,
        tp.former_surname as "formerSurname", tp.preferred_surname as "preferredSurname",
        tp.preferred_forename as "preferredForename", tp.dob::text as dob, tp.sex
      from transfer_pupils tp
      join transfers t on t.id = tp.transfer_id
      where t.status in ('lost', 'outside')
        and ((fp.upn is not null and (tp.upn = fp.upn or tp.former_upn = fp.upn))
          or (fp.dob is not null
            and (tp.dob between fp.dob - ${NEAR_DATE_DAYS}::int and fp.dob + ${NEAR_DATE_DAYS}::int
              or tp.dob = ${swapped})
            and ${nameLike(sql<string>`lower(fp.surname)`)}))
      limit ${CANDIDATES_PER_PUPIL}
    ) c
    where fp.transfer_id = ${transferId}`.execute(trx);
  return result.rows;
}

/** The register pupils each of the file's pupils may be: certain, probable, or too close. */
function scoreFile(rows: Row[]): Found[] {
  const byPupil = new Map<number, Row[]>();
  for (const r of rows) byPupil.set(r.filePosition, [...(byPupil.get(r.filePosition) ?? []), r]);
  const found: Found[] = [];
  for (const [position, candidates] of byPupil) {
    const first = candidates[0] as Row;
    const described = {
      surname: first.fileSurname,
      forename: first.fileForename,
      ...(first.fileUpn ? { upn: first.fileUpn } : {}),
      ...(first.fileDob ? { dob: first.fileDob } : {}),
    };
    const ranked = candidates
      .map((c) => ({ c, m: scoreCandidate(described, c) }))
      .filter(({ m }) => m.certainty !== "possible")
      .sort((x, y) => y.m.score - x.m.score);
    const best = ranked[0]?.m.score ?? 0;
    const close = ranked.filter(
      ({ m }) => m.certainty === "probable" && best - m.score <= TOO_CLOSE,
    ).length;
    for (const { c, m } of ranked)
      found.push({
        lostTransferId: c.transferId,
        lostPosition: c.position,
        transferPosition: position,
        score: m.score,
        certainty:
          m.certainty === "probable" && close > 1 && best - m.score <= TOO_CLOSE
            ? "too-close"
            : (m.certainty as "certain" | "probable"),
        reasons: m.plain,
        keeperLa: c.sourceLaestab.slice(0, 3),
      });
  }
  return found;
}

/** An LA's matches: children who may have turned up at its schools, or whom its schools sent. */
export async function listMatches(ctx: HubContext, p: Principal) {
  if (!canSearchRegisters(p) || !p.laCode)
    throw forbidden("Only local authorities see possible found children.");
  const la = p.laCode;
  const rows = await ctx.db
    .selectFrom("register_matches")
    .selectAll()
    .where((eb) => eb.or([eb("seen_la", "=", la), eb("keeper_la", "=", la)]))
    .orderBy(sql`status = 'open'`, "desc")
    .orderBy("created_at", "desc")
    .limit(500)
    .execute();
  await audit(ctx.db, p, { action: "matches.read", detail: { results: rows.length } });
  return {
    matches: rows.map((r) => ({
      id: r.id,
      lostTransferId: r.lost_transfer_id,
      lostPupil: r.lost_position,
      transferId: r.transfer_id,
      pupil: r.transfer_position,
      score: r.score,
      certainty: r.certainty,
      reasons: (typeof r.reasons === "string" ? JSON.parse(r.reasons) : r.reasons) as string[],
      status: r.status,
      yourSchool: r.seen_la === la,
      createdAt: r.created_at.toISOString(),
    })),
  };
}

async function openMatch(ctx: HubContext, p: Principal, id: string) {
  if (!canSearchRegisters(p) || !p.laCode)
    throw forbidden("Only local authorities decide on possible found children.");
  requireId(id);
  const row = await ctx.db
    .selectFrom("register_matches as m")
    .innerJoin("transfers as t", "t.id", "m.transfer_id")
    .select([
      "m.id",
      "m.status",
      "m.seen_la",
      "m.keeper_la",
      "m.lost_transfer_id",
      "m.lost_position",
      "t.dest_laestab",
    ])
    .where("m.id", "=", id)
    .executeTakeFirst();
  if (!row || (row.seen_la !== p.laCode && row.keeper_la !== p.laCode)) throw notFound();
  if (row.status !== "open")
    throw invalid("This possible match has been decided already.", "match");
  return row;
}

/** Not the child: closed with the LA's reason, for the record. */
export async function dismissMatch(ctx: HubContext, p: Principal, id: string, reason: string) {
  if (!canSearchRegisters(p))
    throw forbidden("Only local authorities decide on possible found children.");
  const why = reason.trim();
  if (why.length === 0) throw invalid("Say why this is not the child.", "reason");
  if (why.length > 500) throw invalid("Say why in 500 characters or fewer.", "reason");
  await openMatch(ctx, p, id);
  await inTransaction(ctx, async ({ trx }) => {
    await trx
      .updateTable("register_matches")
      .set({
        status: "dismissed",
        dismiss_reason: why,
        decided_by: p.userId,
        decided_at: ctx.clock(),
      })
      .where("id", "=", id)
      .where("status", "=", "open")
      .execute();
    await audit(trx, p, { action: "match.dismiss", target: `match:${id}` });
  });
  return { id, status: "dismissed" as const };
}

/**
 * The child: the register file (or, of a file of several, this child's part) is passed on to the
 * school the child turned up at, as a pass-on from the register is. Only that school's LA may.
 */
export async function confirmMatch(ctx: HubContext, p: Principal, id: string) {
  const row = await openMatch(ctx, p, id);
  if (row.seen_la !== p.laCode)
    throw forbidden("The LA of the school the child turned up at confirms the match.");
  const lost = await ctx.db
    .selectFrom("transfers")
    .select(["pupil_count"])
    .where("id", "=", row.lost_transfer_id)
    .executeTakeFirstOrThrow();
  if ((lost.pupil_count ?? 0) > 1)
    await passOnPupil(ctx, p, row.lost_transfer_id, row.lost_position, row.dest_laestab);
  else await redirect(ctx, p, row.lost_transfer_id, row.dest_laestab);
  await inTransaction(ctx, async ({ trx }) => {
    await trx
      .updateTable("register_matches")
      .set({ status: "passed-on", decided_by: p.userId, decided_at: ctx.clock() })
      .where("id", "=", id)
      .execute();
    await audit(trx, p, {
      action: "match.confirm",
      target: `match:${id}`,
      detail: { file: row.lost_transfer_id, to: row.dest_laestab },
    });
  });
  return { id, status: "passed-on" as const };
}
