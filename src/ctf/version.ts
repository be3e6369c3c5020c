/** CTF versions: from about 20.0 the number follows the academic year (25.0 for 2025/26). */

/** The version this library writes unless asked for another. */
export const CURRENT_VERSION = "25.0";

/** The oldest version the reader accepts and the writer writes. */
export const OLDEST_VERSION = 11;
/** The newest version this code knows (2026/27); newer ones are read, with a warning. */
export const NEWEST_VERSION = 26;

export function versionNumber(version: string): number | undefined {
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(version.trim())) return undefined;
  return Number(version);
}

/**
 * The version a file made in an academic year is written at (26.0 for 2026/27): the number has
 * followed the year since 20.0 (2020/21). A year this code does not know yet gets the newest
 * version it knows, as no file may claim a version its writer cannot write.
 */
export function versionForYear(academicYear: number): string {
  return `${Math.min(Math.max(academicYear - 2000, 20), NEWEST_VERSION)}.0`;
}

/** From 25.0 the pupil's sex is written as <Sex>, before it as <Gender>. */
export function writesSex(version: string): boolean {
  return (versionNumber(version) ?? 0) >= 25;
}

/** The academic year a day falls in, by the year it starts (2025 for 2025/26): it turns on 1 August. */
export function academicYearOf(d: Date): number {
  return d.getUTCMonth() >= 7 ? d.getUTCFullYear() : d.getUTCFullYear() - 1;
}
