/**
 * The streaming CTF reader: bytes in, a header and then one pupil at a time out, with every
 * fault as a finding at its line and column. It never expands entities, refuses a DOCTYPE, and
 * stops with a clear error at each limit, so hostile input cannot make it hang or swell.
 */
import { SaxesParser, type SaxesTagPlain } from "saxes";
import { type Finding, type FindingCode, finding, type PupilRef } from "./findings.js";
import type { CtfDocument, Header, Pupil, XmlNode } from "./model.js";
import { documentSchema, type Field, ROOT_ELEMENT, type Schema } from "./schema.js";

export interface ReaderLimits {
  /** Largest file in bytes. */
  maxBytes?: number;
  /** Deepest nesting of elements (a CTF needs about 8). */
  maxDepth?: number;
  /** Most elements in one file. */
  maxElements?: number;
  /** Longest run of characters between two tags, in characters. */
  maxValueLength?: number;
}

export const DEFAULT_LIMITS: Required<ReaderLimits> = {
  maxBytes: 256 * 1024 * 1024,
  maxDepth: 32,
  maxElements: 50_000_000,
  maxValueLength: 1024 * 1024,
};

export interface SourcePos {
  line: number;
  column: number;
}

// Positions are packed into one number so that recording one costs no allocation.
const COLUMNS = 1_048_576;
const pack = (line: number, column: number) =>
  line * COLUMNS + Math.min(Math.max(column, 1), COLUMNS - 1);

/** Where each element of a model object started in the file. */
export class Locations {
  private readonly map = new WeakMap<object, Record<string, number>>();

  set(target: object, key: string, pos: number): void {
    const rec = this.map.get(target);
    if (rec === undefined) this.map.set(target, { [key]: pos });
    else rec[key] = pos;
  }

  /** The start of `target`'s element, or of its child field `key`. */
  of(target: object | undefined, key = "$"): SourcePos | undefined {
    if (target === undefined) return undefined;
    const p = this.map.get(target)?.[key];
    if (p === undefined) return undefined;
    return { line: Math.floor(p / COLUMNS), column: p % COLUMNS };
  }
}

export interface ReaderHandlers {
  header?(header: Header, locations: Locations): void;
  /** Called as each pupil closes; `position` is 1-based. */
  pupil?(pupil: Pupil, position: number, locations: Locations): void;
  finding(f: Finding): void;
}

const OBJECT = 0;
const TEXT = 1;
const LIST = 2;
const RAW = 3;

interface Frame {
  kind: number;
  name: string;
  pos: number;
  /** OBJECT: the model object; LIST: its array; RAW: the node being kept. */
  value: unknown;
  schema: Schema<unknown> | undefined;
  /** TEXT: the field the value goes to; LIST: the wrapper's field. */
  field: Field | undefined;
  /** TEXT: the object or array that receives the value. */
  holder: Record<string, unknown> | string[] | undefined;
  text: string;
  warnedText: boolean;
}

const pupilsField = documentSchema.byTag.get("CTFpupilData");

/** Thrown inside saxes callbacks to unwind a parse that must stop; never escapes the reader. */
const STOP = Symbol("stop");
const SLICE = 65_536;
const WHITESPACE_ONLY = /^\s*$/;

export class CtfReader {
  private readonly limits: Required<ReaderLimits>;
  private readonly parser = new SaxesParser<{ xmlns: false; position: true }>({
    position: true,
    xmlns: false,
  });
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  private readonly stack: Frame[] = [];
  readonly locations = new Locations();
  private document: Partial<CtfDocument> | undefined;
  private tagPos = 0;
  private bytes = 0;
  private elements = 0;
  private run = 0;
  private sniffed = false;
  private pupilCount = 0;
  private currentPupil: Pupil | undefined;
  private pupilFindings: Finding[] = [];
  /** True once a fatal error has been reported; the rest of the input is ignored. */
  failed = false;
  private ended = false;

  constructor(
    private readonly handlers: ReaderHandlers,
    limits: ReaderLimits = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    const p = this.parser;
    p.on("opentagstart", (tag) => {
      this.tagPos = pack(p.line, p.column - tag.name.length - 1);
    });
    p.on("opentag", (tag) => this.open(tag));
    p.on("closetag", () => this.close());
    p.on("text", (t) => this.text(t));
    p.on("cdata", (t) => this.text(t));
    p.on("doctype", () =>
      this.fatal(
        "xml.doctype",
        "the file has a DOCTYPE; CTFs never have one, and it is refused for safety",
      ),
    );
    p.on("xmldecl", (decl) => {
      if (decl.encoding !== undefined && !/^utf-?8$/i.test(decl.encoding)) {
        this.report(
          "xml.encoding-declared",
          `the file declares encoding "${decl.encoding}"; it is read as UTF-8`,
        );
      }
    });
    p.on("error", (err) => {
      const message = err.message.replace(/^\d+:\d+: /, "");
      if (this.document === undefined) this.fatal("xml.not-xml", `the file is not XML: ${message}`);
      this.fatal("xml.malformed", `the XML is not well formed: ${message}`);
    });
  }

  /** Pupils read so far. */
  get pupils(): number {
    return this.pupilCount;
  }

  /** Top-level elements other than Header and CTFpupilData, kept for writing back. */
  get extra(): XmlNode[] | undefined {
    return this.document?.extra;
  }

  write(chunk: Uint8Array | string): void {
    if (this.failed || this.ended) return;
    for (let i = 0; i < chunk.length && !this.failed; i += SLICE) {
      const part = chunk.slice(i, i + SLICE);
      try {
        if (typeof part === "string") this.count(part.length);
        this.feed(typeof part === "string" ? part : this.decode(part));
      } catch (e) {
        if (e !== STOP) throw e;
      }
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.failed) return;
    try {
      this.feed(this.decode(undefined));
      if (this.bytes === 0 && this.document === undefined)
        this.fatal("file.empty", "the file is empty");
      if (this.document === undefined) this.fatal("xml.not-xml", "the file holds no XML element");
      if (this.stack.length > 0) {
        const open = this.stack.map((f) => f.name).join(" > ");
        this.fatal(
          "xml.truncated",
          `the file ends inside ${open}; it may have been cut short in copying`,
        );
      }
      this.parser.close();
    } catch (e) {
      if (e !== STOP) throw e;
    }
  }

  private decode(bytes: Uint8Array | undefined): string {
    if (bytes === undefined) {
      try {
        return this.decoder.decode();
      } catch {
        return this.fatal("file.encoding", "the file ends in the middle of a UTF-8 character");
      }
    }
    this.count(bytes.length);
    if (!this.sniffed) this.sniff(bytes);
    try {
      return this.decoder.decode(bytes, { stream: true });
    } catch {
      const at = firstInvalidUtf8(bytes);
      const before = new TextDecoder().decode(bytes.subarray(0, at));
      const newlines = before.split("\n").length - 1;
      const line = this.parser.line + newlines;
      const byte = this.bytes - bytes.length + at;
      return this.fatal(
        "file.encoding",
        `byte ${byte} (line ${line}) is not UTF-8; CTFs must be saved as UTF-8, not ANSI or Windows-1252`,
        pack(line, 1),
      );
    }
  }

  private sniff(bytes: Uint8Array): void {
    this.sniffed = true;
    const [a, b, c, d] = bytes;
    if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) {
      this.fatal("file.encoding", "the file is UTF-16; CTFs must be UTF-8");
    }
    if (a === 0x50 && b === 0x4b && c === 0x03 && d === 0x04) {
      this.fatal("file.binary", "the file is a ZIP archive; extract the .XML file from it first");
    }
    if (a === 0x1f && b === 0x8b)
      this.fatal("file.binary", "the file is compressed (gzip); decompress it first");
    if (bytes.subarray(0, 1024).includes(0)) {
      this.fatal("file.binary", "the file holds binary data; it is not a CTF");
    }
  }

  private count(n: number): void {
    this.bytes += n;
    if (this.bytes > this.limits.maxBytes) {
      this.fatal("file.too-large", `the file is larger than ${this.limits.maxBytes} bytes`);
    }
  }

  private feed(s: string): void {
    if (s.length === 0) return;
    const first = s.indexOf("<");
    if (first === -1) {
      this.run += s.length;
    } else {
      if (this.run + first > this.limits.maxValueLength) this.tooLong();
      this.run = s.length - s.lastIndexOf("<") - 1;
    }
    if (this.run > this.limits.maxValueLength) this.tooLong();
    this.parser.write(s);
  }

  private tooLong(): never {
    return this.fatal(
      "xml.limit",
      `a value or tag longer than ${this.limits.maxValueLength} characters near line ${this.parser.line}`,
    );
  }

  /** Reports an error that ends reading; `pos` defaults to where the parser is. */
  private fatal(code: FindingCode, message: string, pos?: number): never {
    if (!this.failed) {
      this.failed = true;
      const p = pos ?? pack(this.parser.line, this.parser.column + 1);
      const where = { line: Math.floor(p / COLUMNS), column: p % COLUMNS };
      this.flushPupilFindings();
      this.handlers.finding(finding(code, message, where));
    }
    throw STOP;
  }

  private report(code: FindingCode, message: string, pos = this.tagPos): void {
    const where = { line: Math.floor(pos / COLUMNS), column: pos % COLUMNS };
    if (this.currentPupil === undefined) {
      this.handlers.finding(finding(code, message, where));
    } else {
      const pupil: PupilRef = { position: this.pupilCount + 1 };
      this.pupilFindings.push(finding(code, message, { ...where, pupil }));
    }
  }

  // A pupil's UPN may come after a fault inside it, so its findings wait for the pupil to close.
  private flushPupilFindings(): void {
    const upn = this.currentPupil?.upn;
    for (const f of this.pupilFindings) {
      if (upn && f.pupil) f.pupil.upn = upn;
      this.handlers.finding(f);
    }
    this.pupilFindings = [];
  }

  private push(
    kind: number,
    name: string,
    value: unknown,
    schema?: Schema<unknown>,
    field?: Field,
  ): Frame {
    const frame: Frame = {
      kind,
      name,
      pos: this.tagPos,
      value,
      schema,
      field,
      holder: undefined,
      text: "",
      warnedText: false,
    };
    this.stack.push(frame);
    return frame;
  }

  private open(tag: SaxesTagPlain): void {
    const name = tag.name;
    if (++this.elements > this.limits.maxElements) {
      this.fatal(
        "xml.limit",
        `the file has more than ${this.limits.maxElements} elements`,
        this.tagPos,
      );
    }
    const depth = this.stack.length;
    if (depth >= this.limits.maxDepth) {
      this.fatal(
        "xml.limit",
        `elements are nested more than ${this.limits.maxDepth} deep`,
        this.tagPos,
      );
    }
    const top = this.stack[depth - 1];
    if (top === undefined) {
      if (name !== ROOT_ELEMENT) {
        this.fatal(
          "ctf.root",
          `the root element is <${name}>, not <${ROOT_ELEMENT}>: this is not a CTF`,
          this.tagPos,
        );
      }
      this.document = {};
      this.locations.set(this.document, "$", this.tagPos);
      this.push(OBJECT, name, this.document, documentSchema as Schema<unknown>);
      return;
    }
    switch (top.kind) {
      case OBJECT:
        return this.openInObject(top, tag);
      case LIST:
        return this.openInList(top, tag);
      case TEXT:
        // An element inside what should be a plain value: keep the whole thing as it came.
        this.report(
          "element.unknown",
          `<${top.name}> should hold a value but holds <${name}>; it is kept as it is`,
          top.pos,
        );
        top.kind = RAW;
        top.value = { name: top.name, children: [] };
        this.extraOf(depth - 2).push(top.value as XmlNode);
        return this.openRaw(top, tag);
      default:
        return this.openRaw(top, tag);
    }
  }

  private openInObject(top: Frame, tag: SaxesTagPlain): void {
    const name = tag.name;
    const obj = top.value as Record<string, unknown>;
    const field = (top.schema as Schema<unknown>).byTag.get(name);
    if (field === undefined) {
      if (top.schema !== documentSchema) {
        this.report(
          "element.unknown",
          `<${name}> is not a known element of <${top.name}>; it is kept as it is`,
        );
      }
      this.keepRaw(this.extraOf(this.stack.length - 1), tag);
      return;
    }
    const present = obj[field.key] !== undefined;
    switch (field.kind) {
      case "text":
        if (present) return this.duplicate(top, tag);
        this.push(TEXT, name, undefined, undefined, field).holder = obj;
        return;
      case "raw":
        if (present) return this.duplicate(top, tag);
        obj[field.key] = this.keepRaw(undefined, tag);
        return;
      case "object": {
        if (present && !field.many) return this.duplicate(top, tag);
        const child: Record<string, unknown> = {};
        if (!field.many) obj[field.key] = child;
        else if (present) (obj[field.key] as unknown[]).push(child);
        else obj[field.key] = [child];
        this.locations.set(child, "$", this.tagPos);
        this.push(OBJECT, name, child, field.schema);
        return;
      }
      default: {
        // A wrapper given twice gathers into one list.
        const items = (obj[field.key] as unknown[] | undefined) ?? [];
        if (!present) {
          // The pupils are handed out one by one, never gathered here.
          if (field !== pupilsField) obj[field.key] = items;
          this.locations.set(obj, field.key, this.tagPos);
        }
        this.push(LIST, name, items, undefined, field);
      }
    }
  }

  private openInList(top: Frame, tag: SaxesTagPlain): void {
    const field = top.field as Field;
    if (field.kind !== "textList" && field.kind !== "objectList") return;
    if (tag.name !== field.item) {
      this.report(
        "element.unknown",
        `<${tag.name}> does not belong in <${top.name}>; it is kept as it is`,
      );
      this.keepRaw(this.extraOf(this.stack.length - 1), tag);
      return;
    }
    const items = top.value as unknown[];
    if (field.kind === "textList") {
      this.push(TEXT, tag.name, undefined, undefined, field).holder = items as string[];
      return;
    }
    const child: Record<string, unknown> = {};
    this.locations.set(child, "$", this.tagPos);
    if (field === pupilsField) {
      this.currentPupil = child as Pupil;
    } else {
      items.push(child);
    }
    this.push(OBJECT, tag.name, child, field.schema);
  }

  private duplicate(top: Frame, tag: SaxesTagPlain): void {
    this.report(
      "element.duplicate",
      `<${top.name}> has <${tag.name}> more than once; the first is used, the rest kept`,
    );
    this.keepRaw(this.extraOf(this.stack.length - 1), tag);
  }

  /** The `extra` list of the nearest model object at or below stack index `i`. */
  private extraOf(i: number): XmlNode[] {
    for (let j = i; j >= 0; j--) {
      const f = this.stack[j] as Frame;
      if (f.kind === OBJECT) {
        const obj = f.value as { extra?: XmlNode[] };
        if (obj.extra === undefined) obj.extra = [];
        return obj.extra;
      }
    }
    throw new Error("no model object on the stack");
  }

  private keepRaw(into: XmlNode[] | undefined, tag: SaxesTagPlain): XmlNode {
    const node = rawNode(tag);
    into?.push(node);
    this.push(RAW, tag.name, node);
    return node;
  }

  private openRaw(top: Frame, tag: SaxesTagPlain): void {
    const parent = top.value as XmlNode;
    if (parent.children === undefined) parent.children = [];
    this.keepRaw(parent.children, tag);
  }

  private text(t: string): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) return;
    if (top.kind === TEXT || top.kind === RAW) {
      top.text += t;
    } else if (!top.warnedText && !WHITESPACE_ONLY.test(t)) {
      top.warnedText = true;
      this.report(
        "xml.stray-text",
        `text inside <${top.name}> where only elements belong is ignored`,
        top.pos,
      );
    }
  }

  private close(): void {
    const frame = this.stack.pop() as Frame;
    if (frame.kind === TEXT) {
      const value = this.value(frame);
      const field = frame.field as Field;
      if (Array.isArray(frame.holder)) {
        frame.holder.push(value);
      } else {
        const holder = frame.holder as Record<string, unknown>;
        holder[field.key] = value;
        this.locations.set(holder, field.key, frame.pos);
      }
    } else if (frame.kind === RAW) {
      const node = frame.value as XmlNode;
      const t = frame.text.trim();
      if (t !== "") node.text = t;
    } else if (frame.kind === OBJECT) {
      this.closeObject(frame);
    }
  }

  private value(frame: Frame): string {
    const raw = frame.text;
    const value = raw.trim();
    if (value === "") {
      this.report("value.empty", `<${frame.name}> is empty`, frame.pos);
    } else if (value.length !== raw.length) {
      this.report(
        "value.spaces",
        `<${frame.name}> has spaces around "${value}"; they are trimmed`,
        frame.pos,
      );
    }
    return value;
  }

  private closeObject(frame: Frame): void {
    const value = frame.value;
    if (value === this.currentPupil) {
      this.pupilCount++;
      this.flushPupilFindings();
      this.currentPupil = undefined;
      this.handlers.pupil?.(value as Pupil, this.pupilCount, this.locations);
      return;
    }
    const parent = this.stack[this.stack.length - 1];
    if (parent?.value === this.document && value === this.document?.header) {
      this.handlers.header?.(value as Header, this.locations);
    }
  }
}

function rawNode(tag: SaxesTagPlain): XmlNode {
  const node: XmlNode = { name: tag.name };
  const attrs = tag.attributes;
  for (const key in attrs) {
    if (node.attributes === undefined) node.attributes = {};
    node.attributes[key] = attrs[key] as string;
  }
  return node;
}

/** Index of the first byte that does not belong to a valid UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const need =
      b < 0x80
        ? 0
        : b >= 0xc2 && b < 0xe0
          ? 1
          : b >= 0xe0 && b < 0xf0
            ? 2
            : b >= 0xf0 && b < 0xf5
              ? 3
              : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if ((c & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}
