/**
 * CTF file names: SSSSSSS_CTF_DDDDDDD_NNN.XML. The sender and destination are LAESTABs
 * (3-digit LA + 4-digit establishment, or LLLL for the LA itself), or a special destination.
 */

/** Destination unknown: the file goes to the Lost Pupils database. */
export const LOST_PUPILS = "XXXXXXX";
/** Pupil gone out of the maintained sector in England (independent school, abroad). */
export const OUT_OF_SECTOR = "MMMMMMM";

export type DestinationKind = "school" | "la" | "lost" | "outside";

/**
 * A sender or destination in words: a name with its number after it, never a bare number, and
 * the two special destinations by what they are.
 */
export function partyName(code: string, name?: string | null): string {
  if (code === LOST_PUPILS) return "Lost Pupils database";
  if (code === OUT_OF_SECTOR) return "Out of sector (independent school or abroad)";
  if (name) return `${name} (${code})`;
  return /^\d{3}(LLLL)?$/.test(code) ? `LA ${code.slice(0, 3)}` : `${code} (not in the directory)`;
}

export interface CtfFileName {
  source: string;
  destination: string;
  destinationKind: DestinationKind;
  sequence: number;
  /** The name as it should be written: upper-case extension, no browser suffix. */
  canonical: string;
}

export type FileNameResult = { ok: true; name: CtfFileName } | { ok: false; reason: string };

const SCHOOL = /^[0-9]{3}([0-9]{4}|LLLL)$/;
// A browser that downloads a file twice names the copy "name (1).xml".
const PATTERN = /^([0-9A-Z]{7})_CTF_([0-9A-Z]{7,8})_([0-9]{3})(?:\s*\(\d+\))?\.XML$/;

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/** Normalises the older eight-letter special destinations to the seven-letter form. */
export function normaliseLaestab(value: string): string {
  const v = value.trim().toUpperCase();
  if (v === "XXXXXXXX") return LOST_PUPILS;
  if (v === "MMMMMMMM") return OUT_OF_SECTOR;
  return v;
}

export function destinationKind(laestab: string): DestinationKind | undefined {
  if (laestab === LOST_PUPILS) return "lost";
  if (laestab === OUT_OF_SECTOR) return "outside";
  if (!SCHOOL.test(laestab)) return undefined;
  return laestab.endsWith("LLLL") ? "la" : "school";
}

export function isSourceLaestab(value: string): boolean {
  return SCHOOL.test(value);
}

export function formatCtfFileName(source: string, destination: string, sequence: number): string {
  const dest = normaliseLaestab(destination);
  if (!isSourceLaestab(source)) throw new RangeError(`not a sender LAESTAB: ${source}`);
  if (destinationKind(dest) === undefined)
    throw new RangeError(`not a destination: ${destination}`);
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 999) {
    throw new RangeError(`sequence must be 1 to 999: ${sequence}`);
  }
  return `${source}_CTF_${dest}_${String(sequence).padStart(3, "0")}.XML`;
}

/** A CTF's name exactly as the DfE spells it, with nothing in it that could lead out of a folder. */
const SAFE_CTF_NAME = /^\d{7}_CTF_[0-9A-Z]{7}_\d{3}\.XML$/i;

/** Whether `name`, given by someone else (the hub), may be written into a folder as it is. */
export function isSafeCtfFileName(name: string): boolean {
  return SAFE_CTF_NAME.test(name);
}

export function parseCtfFileName(path: string): FileNameResult {
  const name = baseName(path).trim();
  const m = PATTERN.exec(name.toUpperCase());
  if (!m) {
    return {
      ok: false,
      reason: `"${name}" is not named SSSSSSS_CTF_DDDDDDD_NNN.XML (sender LAESTAB, _CTF_, destination LAESTAB, 3-digit sequence)`,
    };
  }
  const [, source = "", rawDest = "", seq = ""] = m;
  const destination = normaliseLaestab(rawDest);
  if (!isSourceLaestab(source)) {
    return { ok: false, reason: `"${name}": sender ${source} is not a 7-character LAESTAB` };
  }
  const kind = destinationKind(destination);
  if (kind === undefined) {
    return {
      ok: false,
      reason: `"${name}": destination ${rawDest} is not a LAESTAB, ${LOST_PUPILS} or ${OUT_OF_SECTOR}`,
    };
  }
  const sequence = Number(seq);
  if (sequence < 1) return { ok: false, reason: `"${name}": sequence numbers start at 001` };
  return {
    ok: true,
    name: {
      source,
      destination,
      destinationKind: kind,
      sequence,
      canonical: formatCtfFileName(source, destination, sequence),
    },
  };
}

/**
 * The next sequence number a sender should use for a destination, given names it already used
 * (any names; those for other pairs are ignored). Wraps from 999 back to 001.
 */
export function nextSequence(
  source: string,
  destination: string,
  usedNames: Iterable<string>,
): number {
  const dest = normaliseLaestab(destination);
  let highest = 0;
  for (const used of usedNames) {
    const parsed = parseCtfFileName(used);
    if (parsed.ok && parsed.name.source === source && parsed.name.destination === dest) {
      highest = Math.max(highest, parsed.name.sequence);
    }
  }
  return highest >= 999 ? 1 : highest + 1;
}
