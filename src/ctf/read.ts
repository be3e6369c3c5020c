/**
 * Reading a CTF from bytes, a string, a stream or a file, checked as it goes. `parseCtf` hands
 * out pupils one at a time and keeps none, so memory stays flat for a file of any size;
 * `readCtf` gathers them into a document for callers that want the whole file.
 */
import { createReadStream } from "node:fs";
import { type CheckOptions, CtfChecker } from "./checker.js";
import { type Finding, FindingList, finding } from "./findings.js";
import type { Locations } from "./locations.js";
import type { CtfDocument, Header, Pupil, XmlNode } from "./model.js";
import { CtfReader, type ReaderLimits } from "./reader.js";

export type CtfSource =
  | string
  | Uint8Array
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>;

export interface ParseOptions extends CheckOptions, ReaderLimits {
  /** Most findings kept for each code; all are counted. */
  findingsPerCode?: number;
  /** Called with each pupil as it is read; a returned promise is awaited before reading on. */
  onPupil?(pupil: Pupil, position: number, locations: Locations): undefined | Promise<unknown>;
  onHeader?(header: Header): void;
}

export interface CheckReport {
  header?: Header;
  pupilCount: number;
  /** Findings in the order found (at most `findingsPerCode` of each code). */
  findings: Finding[];
  errorCount: number;
  warningCount: number;
  /** Codes with more findings than were kept, and how many more. */
  omitted: { code: Finding["code"]; count: number }[];
  /** True when the file has no errors. */
  valid: boolean;
  /** Top-level elements we do not model. */
  extra?: XmlNode[];
  /** The root element's attributes (a namespace, say). */
  attributes?: Record<string, string>;
}

function chunksOf(
  source: CtfSource,
): AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> {
  if (typeof source === "string" || source instanceof Uint8Array) return [source];
  return source;
}

export async function parseCtf(
  source: CtfSource,
  options: ParseOptions = {},
): Promise<CheckReport> {
  const findings = new FindingList(options.findingsPerCode);
  const sink = (f: Finding) => findings.add(f);
  const checker = new CtfChecker(sink, options);
  let header: Header | undefined;
  let pending: Promise<unknown>[] = [];
  const reader = new CtfReader(
    {
      finding: sink,
      header(h, locations) {
        header = h;
        checker.header(h, locations);
        options.onHeader?.(h);
      },
      pupil(p, position, locations) {
        checker.pupil(p, position, locations);
        const r = options.onPupil?.(p, position, locations);
        if (r !== undefined) pending.push(r);
      },
    },
    options,
  );
  for await (const chunk of chunksOf(source)) {
    reader.write(chunk);
    if (pending.length > 0) {
      await Promise.all(pending);
      pending = [];
    }
    if (reader.failed) break;
  }
  reader.end();
  await Promise.all(pending);
  if (!reader.failed) checker.end(reader.pupils);
  const report: CheckReport = {
    pupilCount: reader.pupils,
    findings: findings.items,
    errorCount: findings.errorCount,
    warningCount: findings.warningCount,
    omitted: findings.omitted(),
    valid: findings.errorCount === 0,
  };
  if (header !== undefined) report.header = header;
  if (reader.extra !== undefined) report.extra = reader.extra;
  if (reader.attributes !== undefined) report.attributes = reader.attributes;
  return report;
}

export interface ReadResult extends CheckReport {
  /** The whole file, when it could be read at all (there is a header). */
  document?: CtfDocument;
}

/** Reads a whole CTF into memory: for files of ordinary size. */
export async function readCtf(source: CtfSource, options: ParseOptions = {}): Promise<ReadResult> {
  const pupils: Pupil[] = [];
  const report: ReadResult = await parseCtf(source, {
    ...options,
    onPupil(p, position, locations) {
      pupils.push(p);
      return options.onPupil?.(p, position, locations);
    },
  });
  if (report.header !== undefined) {
    const document: CtfDocument = { header: report.header, pupils };
    if (report.extra !== undefined) document.extra = report.extra;
    if (report.attributes !== undefined) document.attributes = report.attributes;
    report.document = document;
  }
  return report;
}

/** Streams a file from disk through `parseCtf`; a file that cannot be opened is a finding. */
export async function parseCtfFile(path: string, options: ParseOptions = {}): Promise<CheckReport> {
  const stream = createReadStream(path, { highWaterMark: 65_536 });
  try {
    return await parseCtf(stream, { fileName: path, ...options });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code !== "string" || !err.syscall) throw e;
    const f = finding(
      "file.unreadable",
      `cannot read the file: ${err.code === "ENOENT" ? "no such file" : err.code}`,
    );
    return {
      pupilCount: 0,
      findings: [f],
      errorCount: 1,
      warningCount: 0,
      omitted: [],
      valid: false,
    };
  } finally {
    stream.destroy();
  }
}
