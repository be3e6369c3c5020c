/** One line of `npm run bench -- --json`. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  baseline_value: number;
  ratio: number;
  /** The goal in words, for the human report. */
  goal?: string;
}

/** A benchmark that could not measure: its name and why, reported and counted as a failure. */
export interface BenchFailure {
  name: string;
  error: string;
}

export type BenchOutcome = BenchResult | BenchFailure;
