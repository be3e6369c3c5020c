/**
 * Writes CTFs: UTF-8, the standard element order (or, for what was read from a file, the order
 * and names it came in), a version's own element names, and the same bytes for the same model
 * every time. Pupils can be written one at a time to any sink.
 */
import type { CtfDocument, Header, Pupil, XmlNode } from "./model.js";
import { type Field, headerSchema, pupilSchema, ROOT_ELEMENT, type Schema } from "./schema.js";
import { CURRENT_VERSION, OLDEST_VERSION, versionNumber, writesSex } from "./version.js";

export interface WriteOptions {
  /**
   * The CTF version to write (19.0 writes <Gender> for <Sex>); unless asked, the header's own,
   * else 25.0.
   */
  version?: string;
  /** The root element's attributes, as a file read had them. */
  attributes?: Record<string, string>;
}

/** A value that XML cannot carry; says which element holds it. */
export class CtfWriteError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "CtfWriteError";
  }
}

// Characters XML 1.0 cannot carry at all, even escaped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NEEDS_ESCAPE = /[&<>"]/;

function escapeXml(value: string, path: string): string {
  if (FORBIDDEN.test(value)) {
    throw new CtfWriteError(path, "holds a control character that XML cannot carry");
  }
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

class Emitter {
  readonly parts: string[] = [];
  /**
   * `sex`: the version written names the pupil's sex <Sex>, not <Gender>. `asReadNames`: it is
   * the version read, so a name as read (a <Sex> in an older file, say) is kept.
   */
  constructor(
    private readonly sex: boolean,
    private readonly asReadNames: boolean,
  ) {}

  text(indent: string, tag: string, value: string, path: string): void {
    this.parts.push(`${indent}<${tag}>${escapeXml(value, `${path}/${tag}`)}</${tag}>\n`);
  }

  object(
    indent: string,
    tag: string,
    obj: Record<string, unknown>,
    schema: Schema<unknown>,
    path: string,
  ): void {
    const here = `${path}/${tag}`;
    const inner = `${indent}  `;
    this.parts.push(`${indent}<${tag}>\n`);
    if (obj.readOrder !== undefined) this.asRead(inner, obj, schema, here);
    else {
      for (const field of schema.fields) {
        const value = obj[field.key];
        if (value !== undefined) this.field(inner, field, value, here);
      }
      for (const node of (obj.extra as XmlNode[] | undefined) ?? []) this.raw(inner, node, here);
    }
    this.parts.push(`${indent}</${tag}>\n`);
  }

  /**
   * An object's children in the order and under the names its file gave them (`readOrder`).
   * A field added since it was read goes where the standard order puts it among the others; a
   * field removed since is left out.
   */
  private asRead(
    indent: string,
    obj: Record<string, unknown>,
    schema: Schema<unknown>,
    path: string,
  ): void {
    const order = obj.readOrder as string[];
    const extras = (obj.extra as XmlNode[] | undefined) ?? [];
    const fields = schema.fields;
    const named = new Set<number>();
    for (const name of order) {
      const f = schema.byTag.get(name);
      if (f !== undefined) named.add(f.index);
    }
    const used = new Array<number>(fields.length).fill(0);
    let nextExtra = 0;
    let nextNew = 0;
    const newBefore = (index: number) => {
      for (; nextNew < index; nextNew++) {
        const f = fields[nextNew] as Field;
        const value = obj[f.key];
        if (!named.has(f.index) && value !== undefined) this.field(indent, f, value, path);
      }
    };
    for (const name of order) {
      const f = schema.byTag.get(name);
      const value = f === undefined ? undefined : obj[f.key];
      if (f !== undefined && value === undefined) continue;
      if (f !== undefined && f.kind === "object" && f.many) {
        const item = (value as Record<string, unknown>[])[used[f.index] as number];
        if (item === undefined) continue;
        used[f.index] = (used[f.index] as number) + 1;
        newBefore(f.index);
        this.object(indent, f.tag, item, f.schema, path);
        continue;
      }
      if (f !== undefined && used[f.index] === 0) {
        used[f.index] = 1;
        newBefore(f.index);
        // The name as read (ZIP, say), except where a change of version decides it (Gender
        // or Sex).
        if (f.kind === "text" && (f.before25 === undefined || this.asReadNames))
          this.text(indent, name, value as string, path);
        else this.field(indent, f, value, path);
        continue;
      }
      // A list's wrapper given twice was read as one list, written once.
      if (f !== undefined && (f.kind === "objectList" || f.kind === "textList")) continue;
      const node = extras[nextExtra++];
      if (node !== undefined) this.raw(indent, node, path);
    }
    newBefore(fields.length);
    for (const f of fields) {
      if (!(f.kind === "object" && f.many) || !named.has(f.index)) continue;
      const items = (obj[f.key] as Record<string, unknown>[] | undefined) ?? [];
      for (const item of items.slice(used[f.index]))
        this.object(indent, f.tag, item, f.schema, path);
    }
    for (const node of extras.slice(nextExtra)) this.raw(indent, node, path);
  }

  private field(indent: string, field: Field, value: unknown, path: string): void {
    switch (field.kind) {
      case "text": {
        const tag = field.before25 !== undefined && !this.sex ? field.before25 : field.tag;
        this.text(indent, tag, value as string, path);
        return;
      }
      case "raw":
        this.raw(indent, value as XmlNode, path);
        return;
      case "object":
        if (field.many) {
          for (const item of value as Record<string, unknown>[]) {
            this.object(indent, field.tag, item, field.schema, path);
          }
        } else this.object(indent, field.tag, value as Record<string, unknown>, field.schema, path);
        return;
      default: {
        const inner = `${indent}  `;
        const here = `${path}/${field.tag}`;
        this.parts.push(`${indent}<${field.tag}>\n`);
        for (const item of value as unknown[]) {
          if (field.kind === "textList") this.text(inner, field.item, item as string, here);
          else this.object(inner, field.item, item as Record<string, unknown>, field.schema, here);
        }
        this.parts.push(`${indent}</${field.tag}>\n`);
      }
    }
  }

  raw(indent: string, node: XmlNode, path: string): void {
    const here = `${path}/${node.name}`;
    let open = node.name;
    for (const [k, v] of Object.entries(node.attributes ?? {}))
      open += ` ${k}="${escapeXml(v, here)}"`;
    const text = node.text === undefined ? "" : escapeXml(node.text, here);
    if (node.children === undefined || node.children.length === 0) {
      this.parts.push(`${indent}<${open}>${text}</${node.name}>\n`);
      return;
    }
    this.parts.push(`${indent}<${open}>${text}\n`);
    for (const child of node.children) this.raw(`${indent}  `, child, here);
    this.parts.push(`${indent}</${node.name}>\n`);
  }

  take(): string {
    const s = this.parts.join("");
    this.parts.length = 0;
    return s;
  }
}

/** Writes a CTF piece by piece: the header on creation, then pupils, then `end()`. */
export class CtfWriter {
  private readonly emitter: Emitter;
  private pupils = 0;

  constructor(
    private readonly out: (chunk: string) => void,
    header: Header,
    options: WriteOptions = {},
  ) {
    const version = options.version ?? header.version ?? CURRENT_VERSION;
    const v = versionNumber(version);
    if (v === undefined || v < OLDEST_VERSION)
      throw new RangeError(`cannot write CTF version "${version}"`);
    this.emitter = new Emitter(writesSex(version), header.version === version);
    let root = ROOT_ELEMENT;
    for (const [k, v] of Object.entries(options.attributes ?? {}))
      root += ` ${k}="${escapeXml(v, ROOT_ELEMENT)}"`;
    this.emitter.parts.push(`<?xml version="1.0" encoding="UTF-8"?>\n<${root}>\n`);
    this.emitter.object(
      "  ",
      "Header",
      { ...header, version },
      headerSchema as Schema<unknown>,
      ROOT_ELEMENT,
    );
    this.emitter.parts.push("  <CTFpupilData>\n");
    this.out(this.emitter.take());
  }

  pupil(p: Pupil): void {
    this.pupils++;
    const path = `${ROOT_ELEMENT}/CTFpupilData/Pupil[${this.pupils}]`;
    this.emitter.object(
      "    ",
      "Pupil",
      p as Record<string, unknown>,
      pupilSchema as Schema<unknown>,
      path,
    );
    this.out(this.emitter.take());
  }

  end(extra: XmlNode[] = []): void {
    this.emitter.parts.push("  </CTFpupilData>\n");
    for (const node of extra) this.emitter.raw("  ", node, ROOT_ELEMENT);
    this.emitter.parts.push(`</${ROOT_ELEMENT}>\n`);
    this.out(this.emitter.take());
  }
}

export function writeCtf(doc: CtfDocument, options: WriteOptions = {}): string {
  const parts: string[] = [];
  const writer = new CtfWriter((s) => parts.push(s), doc.header, {
    ...(doc.attributes ? { attributes: doc.attributes } : {}),
    ...options,
  });
  for (const p of doc.pupils) writer.pupil(p);
  writer.end(doc.extra);
  return parts.join("");
}
