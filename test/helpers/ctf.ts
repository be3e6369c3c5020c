import { generateCtf } from "../../src/ctf/generator.js";
import type { CtfDocument } from "../../src/ctf/model.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { TODAY } from "./fixtures.js";

export function syntheticDocument(pupils = 3, seed = 7, to = "8235678"): CtfDocument {
  return generateCtf({ from: "8231234", to, pupils, seed, now: TODAY });
}

export function syntheticXml(pupils = 3, seed = 7, version?: string): string {
  return writeCtf(syntheticDocument(pupils, seed), version ? { version } : {});
}

/** A small valid CTF, written out by hand so tests can bend single elements. */
export function ctfXml(
  pupils: string,
  header: { dest?: string; source?: string; version?: string } = {},
): string {
  const [sl, se] = [
    (header.source ?? "8231234").slice(0, 3),
    (header.source ?? "8231234").slice(3),
  ];
  const [dl, de] = [(header.dest ?? "8235678").slice(0, 3), (header.dest ?? "8235678").slice(3)];
  return `<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
<Header>
<DocumentName>Common Transfer File</DocumentName>
<CTFversion>${header.version ?? "25.0"}</CTFversion>
<DateTime>2026-10-01T09:00:00</DateTime>
<DocumentQualifier>full</DocumentQualifier>
<SupplierID>TEST</SupplierID>
<SourceSchool><LEA>${sl}</LEA><Estab>${se}</Estab><URN>123456</URN><SchoolName>Test School</SchoolName><AcademicYear>2026</AcademicYear></SourceSchool>
<DestSchool><LEA>${dl}</LEA><Estab>${de}</Estab></DestSchool>
</Header>
<CTFpupilData>
${pupils}
</CTFpupilData>
</CTfile>
`;
}

/** One pupil with what a valid pupil needs; `inner` replaces or adds elements. */
export function pupilXml(inner = "", base = true): string {
  const core = base
    ? "<UPN>H801200001001</UPN><Surname>Smith</Surname><Forename>Ann</Forename><DOB>2015-10-02</DOB><Sex>F</Sex>"
    : "";
  return `<Pupil>${core}${inner}</Pupil>`;
}

/** The document of a read that must have succeeded. */
export function documentOf(r: { document?: CtfDocument; findings: unknown[] }): CtfDocument {
  if (r.document === undefined) throw new Error(`no document: ${JSON.stringify(r.findings)}`);
  return r.document;
}
