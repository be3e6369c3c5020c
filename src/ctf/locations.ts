/**
 * Where each element of a model object started in the file, recorded by the reader for the
 * checker. Lines and columns are kept in typed arrays, so recording one never allocates.
 */
import type { Schema } from "./schema.js";

export interface SourcePos {
  line: number;
  column: number;
}

/**
 * Where each element of a model object started in the file, for the objects of the current
 * pupil (or the header). The reader reuses it for each pupil, so it is only good during the
 * call it is handed to, and it never grows with the file. Looking up is a linear search: it
 * happens only when something is reported, while recording happens for every element.
 */
export class Locations {
  private targets: object[] = [];
  private schemas: Schema<unknown>[] = [];
  private bases: number[] = [];
  private lines = new Int32Array(4096);
  private columns = new Int32Array(4096);
  private used = 0;

  reset(): void {
    this.targets.length = 0;
    this.schemas.length = 0;
    this.bases.length = 0;
    this.used = 0;
  }

  /** Starts the record of `target`, whose element starts at `pos`; returns its handle. */
  record(target: object, schema: Schema<unknown>, line: number, column: number): number {
    const base = this.used;
    const size = schema.fields.length + 1;
    if (base + size > this.lines.length) {
      const length = Math.max(this.lines.length * 2, base + size);
      const lines = new Int32Array(length);
      const columns = new Int32Array(length);
      lines.set(this.lines.subarray(0, base));
      columns.set(this.columns.subarray(0, base));
      this.lines = lines;
      this.columns = columns;
    }
    this.lines.fill(0, base, base + size);
    this.lines[base] = line;
    this.columns[base] = column;
    this.used = base + size;
    this.targets.push(target);
    this.schemas.push(schema);
    this.bases.push(base);
    return base;
  }

  /** Records where field `index` of the object with handle `base` starts. */
  set(base: number, index: number, line: number, column: number): void {
    this.lines[base + 1 + index] = line;
    this.columns[base + 1 + index] = column;
  }

  /** The start of `target`'s element, or of its child field `key`. */
  of(target: object | undefined, key?: string): SourcePos | undefined {
    if (target === undefined) return undefined;
    const i = this.targets.lastIndexOf(target);
    if (i < 0) return undefined;
    const schema = this.schemas[i] as Schema<unknown>;
    const offset = key === undefined ? 0 : (schema.indexOf[key] ?? -2) + 1;
    if (offset < 0) return undefined;
    const at = (this.bases[i] as number) + offset;
    const line = this.lines[at] ?? 0;
    if (line === 0) return undefined;
    return { line, column: this.columns[at] ?? 1 };
  }
}
