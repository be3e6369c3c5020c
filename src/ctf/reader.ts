/**
 * The streaming CTF reader: bytes in, a header and then one pupil at a time out, with every
 * fault as a finding at its line and column. It never expands entities, refuses a DOCTYPE, and
 * stops with a clear error at each limit, so hostile input cannot make it hang or swell.
 */

import { isUtf8 } from "node:buffer";
import { detach, type Finding, type FindingCode, finding, type PupilRef } from "./findings.js";
import { Locations } from "./locations.js";
import type { CtfDocument, Extensible, Header, Pupil, XmlNode } from "./model.js";
import { documentSchema, type Field, ROOT_ELEMENT, type Schema, type TextField } from "./schema.js";
import { cutShort, firstInvalidUtf8, wholeUpTo } from "./utf8.js";
import { CURRENT_VERSION, writesSex } from "./version.js";
import { XmlError, XmlScanner } from "./xml-scanner.js";

/** A start tag as the scanner gives it. */
interface Tag {
  name: string;
  attributes: Record<string, string> | undefined;
}

/** A document that is not a CTF, named for what it is, with what to do instead. */
const NOT_A_CTF = (what: string) =>
  `the file is ${what}, not a CTF, whatever its name says: export the CTF from your MIS again and send the .XML file it makes`;

export interface ReaderLimits {
  /** Largest file in bytes. */
  maxBytes?: number;
  /** Deepest nesting of elements (a CTF needs about 8). */
  maxDepth?: number;
  /** Most elements in one file. */
  maxElements?: number;
  /** Longest run of characters between two tags, in characters. */
  maxValueLength?: number;
  /** Most pupils in one file (a real CTF holds a few thousand at most). */
  maxPupils?: number;
}

export const DEFAULT_LIMITS: Required<ReaderLimits> = {
  maxBytes: 256 * 1024 * 1024,
  maxDepth: 32,
  maxElements: 50_000_000,
  maxValueLength: 1024 * 1024,
  maxPupils: 1_000_000,
};

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
  line: number;
  column: number;
  /** OBJECT: the model object; LIST: its array; RAW: the node being kept. */
  value: unknown;
  schema: Schema<unknown> | undefined;
  /** TEXT: the field the value goes to; LIST: the wrapper's field. */
  field: Field | undefined;
  /** TEXT: the object or array that receives the value. */
  holder: Record<string, unknown> | string[] | undefined;
  /** OBJECT: its handle in Locations; TEXT: its holder's; -1 for none. */
  rec: number;
  /** OBJECT: the next field expected, as files mostly keep the standard order. */
  cursor: number;
  /** OBJECT: a bit for each field already given, to spot duplicates without a lookup. */
  seen: number;
  /** OBJECT: the highest field index given so far, to notice a child out of order. */
  last: number;
  /** OBJECT: an element kept in `extra` has come; a field after it is out of order. */
  extraSeen: boolean;
  text: string;
  warnedText: boolean;
}

const pupilsField = documentSchema.byTag.get("CTFpupilData");

/** Every element name the schema knows. */
const SCHEMA_NAMES: readonly string[] = (() => {
  const names = new Set<string>([ROOT_ELEMENT]);
  const walk = (schema: Schema<unknown>) => {
    for (const name of schema.byTag.keys()) names.add(name);
    for (const f of schema.fields) {
      if (f.kind === "textList" || f.kind === "objectList") names.add(f.item);
      if ((f.kind === "object" || f.kind === "objectList") && f.schema !== schema) walk(f.schema);
    }
  };
  walk(documentSchema as Schema<unknown>);
  return [...names];
})();

/** Thrown inside saxes callbacks to unwind a parse that must stop; never escapes the reader. */
const STOP = Symbol("stop");
/**
 * Input is read a slice at a time. 16 KB: the engine turns 16 KB of UTF-8 into text several
 * times faster than 64 KB (measured on a 100 MB CTF: 25 ms against 150 ms in all), and a
 * reader's whole read was 15% faster for it.
 */
const SLICE = 16_384;
const GT = 0x3e;

function isBlank(t: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (t.charCodeAt(i) > 32) return false;
  return true;
}

export class CtfReader {
  private readonly limits: Required<ReaderLimits>;
  private readonly scanner: XmlScanner;
  private readonly tag: Tag = { name: "", attributes: undefined };
  /** Bytes after the last ">" so far, decoded with the next (decodeToTag). */
  private held: Uint8Array | undefined;
  /** Bytes handed to the decoder so far. */
  private decoded = 0;
  // Frames are reused by depth: one allocation per level, not per element.
  private readonly frames: Frame[] = [];
  private depth = 0;
  private readonly locations = new Locations();
  private document: Partial<CtfDocument> | undefined;
  private tagLine = 0;
  private tagColumn = 0;
  private bytes = 0;
  private elements = 0;
  private run = 0;
  private sniffed = false;
  private pupilCount = 0;
  private currentPupil: Pupil | undefined;
  private pupilFindings: Finding[] = [];
  /** The name the file's version gives the pupil's sex (Sex from 25.0, Gender before). */
  private sexTag = "Sex";
  /** True once a fatal error has been reported; the rest of the input is ignored. */
  failed = false;
  private ended = false;

  constructor(
    private readonly handlers: ReaderHandlers,
    limits: ReaderLimits = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.scanner = new XmlScanner(
      {
        open: (name, attributes, line, column) => {
          // One tag object, reused: nothing keeps it past the call.
          this.tag.name = name;
          this.tag.attributes = attributes;
          this.open(this.tag, line, column);
        },
        close: () => this.close(),
        text: (t, start, end) => this.text(t, start, end),
        doctype: () =>
          this.fatal(
            "xml.doctype",
            "the file has a DOCTYPE; CTFs never have one, and it is refused for safety",
          ),
        declaration: (encoding) => {
          if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
            this.report(
              "xml.encoding-declared",
              `the file declares encoding "${encoding}"; it is read as UTF-8`,
              // The declaration always opens the file.
              1,
              1,
            );
          }
        },
      },
      // The schema's own names: a tag read is then the very string the schema compares with.
      SCHEMA_NAMES,
    );
  }

  private parse(s: string | null): void {
    try {
      if (s === null) this.scanner.end();
      else this.scanner.write(s);
    } catch (e) {
      if (e === STOP || !(e instanceof XmlError)) throw e;
      let message = e.message;
      if (message.startsWith("undefined entity")) {
        message +=
          ". Only &amp; &lt; &gt; &quot; &apos; and character references such as &#233; are allowed.";
      }
      if (this.document === undefined)
        this.fatal("xml.not-xml", `the file is not XML: ${message}`, e.line, e.column);
      this.fatal("xml.malformed", `the XML is not well formed: ${message}`, e.line, e.column);
    }
  }

  /** Pupils read so far. */
  get pupils(): number {
    return this.pupilCount;
  }

  /** The root element's attributes, kept for writing back. */
  get attributes(): Record<string, string> | undefined {
    return this.document?.attributes;
  }

  /** Top-level elements other than Header and CTFpupilData, kept for writing back. */
  get extra(): XmlNode[] | undefined {
    return this.document?.extra;
  }

  write(chunk: Uint8Array | string): void {
    if (this.failed || this.ended) return;
    for (let i = 0; i < chunk.length && !this.failed; i += SLICE) {
      const part =
        typeof chunk === "string" ? chunk.slice(i, i + SLICE) : chunk.subarray(i, i + SLICE);
      try {
        this.count(part.length);
        if (typeof part === "string") this.feed(part);
        else {
          if (!this.sniffed) this.sniff(part);
          this.feed(this.decodeToTag(part));
        }
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
      if (this.held !== undefined) this.feed(this.decode(this.held));
      this.held = undefined;
      if (this.bytes === 0 && this.document === undefined)
        this.fatal("file.empty", "the file is empty");
      if (this.document === undefined) this.fatal("xml.not-xml", "the file holds no XML element");
      if (this.depth > 0) {
        const open = this.frames
          .slice(0, this.depth)
          .map((f) => f.name)
          .join(" > ");
        this.fatal(
          "xml.truncated",
          `the file ends inside ${open}; it may have been cut short in copying`,
        );
      }
      this.parse(null);
    } catch (e) {
      if (e !== STOP) throw e;
    }
  }

  /**
   * The bytes up to the last ">" among them, decoded; the rest waits for the next bytes. So the
   * scanner mostly gets text that ends at a tag, and seldom has to join what it kept to what
   * comes (a joined string is slower to search than one the decoder made). Bytes are held only
   * so far: a long value is decoded as it comes, and its length checked.
   */
  private decodeToTag(bytes: Uint8Array): string {
    const data = this.held === undefined ? bytes : Buffer.concat([this.held, bytes]);
    this.held = undefined;
    let cut = Buffer.from(data.buffer, data.byteOffset, data.byteLength).lastIndexOf(GT) + 1;
    if (data.length - cut > SLICE) cut = wholeUpTo(data, data.length);
    // A copy: the caller may use its buffer again.
    if (cut < data.length) this.held = data.slice(cut);
    return this.decode(data.subarray(0, cut));
  }

  /**
   * Bytes that end where a character does, as text: validated, then decoded, by the engine's own
   * UTF-8 code (the TextDecoder's validating decoder was a tenth of reading a file).
   */
  private decode(bytes: Uint8Array): string {
    const start = this.decoded;
    this.decoded += bytes.length;
    if (isUtf8(bytes)) {
      const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
      // A byte order mark opens some files; it is no character of theirs.
      return start === 0 && s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
    }
    const at = firstInvalidUtf8(bytes);
    if (this.ended && cutShort(bytes, at))
      return this.fatal("file.encoding", "the file ends in the middle of a UTF-8 character");
    // A line ends at a "\n" byte: UTF-8 has no other byte 0x0a.
    let newlines = 0;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) newlines++;
    const line = this.scanner.lastLine + newlines;
    return this.fatal(
      "file.encoding",
      `byte ${start + at} (line ${line}) is not UTF-8; CTFs must be saved as UTF-8, not ANSI or Windows-1252`,
      line,
      1,
    );
  }

  private sniff(bytes: Uint8Array): void {
    this.sniffed = true;
    const [a, b, c, d] = bytes;
    if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) {
      this.fatal("file.encoding", "the file is UTF-16; CTFs must be UTF-8");
    }
    if (a === 0x50 && b === 0x4b && c === 0x03 && d === 0x04) {
      // Word and Excel files are ZIP archives too, named by the parts they hold.
      const head = new TextDecoder("latin1").decode(bytes.subarray(0, 64 * 1024));
      if (head.includes("word/")) this.fatal("file.binary", NOT_A_CTF("a Word document (.docx)"));
      if (head.includes("xl/")) this.fatal("file.binary", NOT_A_CTF("an Excel workbook (.xlsx)"));
      if (head.includes("[Content_Types].xml"))
        this.fatal("file.binary", NOT_A_CTF("an Office document (Word, Excel or PowerPoint)"));
      this.fatal("file.binary", "the file is a ZIP archive; extract the .XML file from it first");
    }
    if (a === 0xd0 && b === 0xcf && c === 0x11 && d === 0xe0)
      this.fatal("file.binary", NOT_A_CTF("an older Word or Excel document (.doc or .xls)"));
    if (a === 0x25 && b === 0x50 && c === 0x44 && d === 0x46)
      this.fatal("file.binary", NOT_A_CTF("a PDF document"));
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
    this.parse(s);
  }

  private tooLong(): never {
    return this.fatal(
      "xml.limit",
      `a value or tag longer than ${this.limits.maxValueLength} characters near line ${this.scanner.lastLine}`,
    );
  }

  /** Reports an error that ends reading; `pos` defaults to where scanning has reached. */
  private fatal(code: FindingCode, message: string, line?: number, column?: number): never {
    if (!this.failed) {
      this.failed = true;
      const where = line === undefined ? this.scanner.position() : { line, column: column ?? 1 };
      this.flushPupilFindings();
      this.handlers.finding(finding(code, message, where));
    }
    throw STOP;
  }

  private report(
    code: FindingCode,
    message: string,
    line = this.tagLine,
    column = this.tagColumn,
  ): void {
    const where = { line, column };
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
    const name = [this.currentPupil?.surname, this.currentPupil?.forename]
      .filter(Boolean)
      .join(" ");
    for (const f of this.pupilFindings) {
      if (upn && f.pupil) f.pupil.upn = detach(upn);
      if (name && f.pupil) f.pupil.name = detach(name);
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
    let frame = this.frames[this.depth];
    if (frame === undefined) {
      frame = {} as Frame;
      this.frames.push(frame);
    }
    this.depth++;
    frame.kind = kind;
    frame.name = name;
    frame.line = this.tagLine;
    frame.column = this.tagColumn;
    frame.value = value;
    frame.schema = schema;
    frame.field = field;
    frame.holder = undefined;
    frame.rec = -1;
    frame.cursor = 0;
    frame.seen = 0;
    frame.last = -1;
    frame.extraSeen = false;
    frame.text = "";
    frame.warnedText = false;
    return frame;
  }

  private top(): Frame | undefined {
    return this.depth === 0 ? undefined : this.frames[this.depth - 1];
  }

  private open(tag: Tag, line: number, column: number): void {
    const name = tag.name;
    this.tagLine = line;
    this.tagColumn = column;
    if (++this.elements > this.limits.maxElements) {
      this.fatal(
        "xml.limit",
        `the file has more than ${this.limits.maxElements} elements`,
        this.tagLine,
        this.tagColumn,
      );
    }
    const depth = this.depth;
    if (depth >= this.limits.maxDepth) {
      this.fatal(
        "xml.limit",
        `elements are nested more than ${this.limits.maxDepth} deep`,
        this.tagLine,
        this.tagColumn,
      );
    }
    const top = this.top();
    if (top === undefined) {
      if (name !== ROOT_ELEMENT) {
        this.fatal(
          "ctf.root",
          `the root element is <${name}>, not <${ROOT_ELEMENT}>: this is not a CTF`,
          this.tagLine,
          this.tagColumn,
        );
      }
      this.document = {};
      for (const key in tag.attributes) {
        if (this.document.attributes === undefined) this.document.attributes = {};
        this.document.attributes[key] = tag.attributes[key] as string;
      }
      const rec = this.locations.record(
        this.document,
        documentSchema as Schema<unknown>,
        this.tagLine,
        this.tagColumn,
      );
      this.push(OBJECT, name, this.document, documentSchema as Schema<unknown>).rec = rec;
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
          top.line,
          top.column,
        );
        top.kind = RAW;
        top.value = { name: top.name, children: [] };
        this.extraOf(depth - 2).push(top.value as XmlNode);
        return this.openRaw(top, tag);
      default:
        return this.openRaw(top, tag);
    }
  }

  /**
   * The field an element belongs to. Files mostly keep the standard order, so looking ahead from
   * the last field seen compares a few short strings instead of hashing every tag name.
   */
  private fieldFor(top: Frame, name: string): Field | undefined {
    const schema = top.schema as Schema<unknown>;
    const fields = schema.fields;
    for (let i = top.cursor; i < fields.length; i++) {
      const f = fields[i] as Field;
      if (f.tag === name) {
        top.cursor = f.kind === "object" && f.many ? i : i + 1;
        return f;
      }
    }
    return schema.byTag.get(name);
  }

  private openInObject(top: Frame, tag: Tag): void {
    const name = tag.name;
    const obj = top.value as Record<string, unknown>;
    const field = this.fieldFor(top, name);
    if (field === undefined) {
      this.noteChild(top, name, undefined);
      if (top.schema !== documentSchema) {
        this.report(
          "element.unknown",
          `<${name}> is not a known element of <${top.name}>; it is kept as it is`,
        );
      }
      this.keepRaw(this.extraOf(this.depth - 1), tag);
      return;
    }
    const bit = 1 << field.index;
    const present = (top.seen & bit) !== 0;
    top.seen |= bit;
    // A second of a single field is kept in `extra`; a list's wrapper given twice is one list.
    const kept =
      present &&
      (field.kind === "text" || field.kind === "raw" || (field.kind === "object" && !field.many));
    this.noteChild(top, name, kept ? undefined : field);
    switch (field.kind) {
      case "text":
        if (present) return this.duplicate(top, tag);
        {
          const frame = this.push(TEXT, name, undefined, undefined, field);
          frame.holder = obj;
          frame.rec = top.rec;
        }
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
        const rec = this.locations.record(child, field.schema, this.tagLine, this.tagColumn);
        this.push(OBJECT, name, child, field.schema).rec = rec;
        return;
      }
      default: {
        // A wrapper given twice gathers into one list.
        const items = (obj[field.key] as unknown[] | undefined) ?? [];
        if (!present) {
          // The pupils are handed out one by one, never gathered here.
          if (field !== pupilsField) obj[field.key] = items;
          if (top.rec >= 0) this.locations.set(top.rec, field.index, this.tagLine, this.tagColumn);
        }
        this.push(LIST, name, items, undefined, field);
      }
    }
  }

  /**
   * Notes a child of a model object for writing back in the order and under the name it came.
   * Files mostly keep the standard order and names, and then nothing is stored; from the first
   * child that does not, the object keeps the names of all its children in `readOrder`.
   */
  private noteChild(top: Frame, name: string, field: Field | undefined): void {
    if (top.schema === documentSchema) return;
    const obj = top.value as Extensible;
    if (obj.readOrder !== undefined) {
      obj.readOrder.push(name);
      return;
    }
    if (field === undefined) {
      top.extraSeen = true;
      return;
    }
    // A pupil's Sex or Gender is standard when it is the one the file's version names.
    const standardName =
      field.kind === "text" && field.before25 !== undefined
        ? name === this.sexTag
        : name === field.tag;
    if (standardName && !top.extraSeen && field.index >= top.last) {
      top.last = field.index;
      return;
    }
    obj.readOrder = standardOrder(obj, top.schema as Schema<unknown>, this.sexTag);
    obj.readOrder.push(name);
  }

  private openInList(top: Frame, tag: Tag): void {
    const field = top.field as Field;
    if (field.kind !== "textList" && field.kind !== "objectList") return;
    if (tag.name !== field.item) {
      this.report(
        "element.unknown",
        `<${tag.name}> does not belong in <${top.name}>; it is kept as it is`,
      );
      this.keepRaw(this.extraOf(this.depth - 1), tag);
      return;
    }
    const items = top.value as unknown[];
    if (field.kind === "textList") {
      this.push(TEXT, tag.name, undefined, undefined, field).holder = items as string[];
      return;
    }
    const child: Record<string, unknown> = {};
    if (field === pupilsField) {
      this.currentPupil = child as Pupil;
      this.locations.reset();
    } else {
      items.push(child);
    }
    const rec = this.locations.record(child, field.schema, this.tagLine, this.tagColumn);
    this.push(OBJECT, tag.name, child, field.schema).rec = rec;
  }

  private duplicate(top: Frame, tag: Tag): void {
    this.report(
      "element.duplicate",
      `<${top.name}> has <${tag.name}> more than once; the first is used, the rest kept`,
    );
    this.keepRaw(this.extraOf(this.depth - 1), tag);
  }

  /** The `extra` list of the nearest model object at or below stack index `i`. */
  private extraOf(i: number): XmlNode[] {
    for (let j = i; j >= 0; j--) {
      const f = this.frames[j] as Frame;
      if (f.kind === OBJECT) {
        const obj = f.value as { extra?: XmlNode[] };
        if (obj.extra === undefined) obj.extra = [];
        return obj.extra;
      }
    }
    throw new Error("no model object on the stack");
  }

  private keepRaw(into: XmlNode[] | undefined, tag: Tag): XmlNode {
    const node = rawNode(tag);
    into?.push(node);
    this.push(RAW, tag.name, node);
    return node;
  }

  private openRaw(top: Frame, tag: Tag): void {
    const parent = top.value as XmlNode;
    if (parent.children === undefined) parent.children = [];
    this.keepRaw(parent.children, tag);
  }

  private text(t: string, start: number, end: number): void {
    const top = this.top();
    if (top === undefined) return;
    if (top.kind === TEXT || top.kind === RAW) {
      // Copied out only here: the white space between elements never is.
      top.text = top.text === "" ? t.slice(start, end) : top.text + t.slice(start, end);
    } else if (!top.warnedText && !isBlank(t, start, end)) {
      top.warnedText = true;
      this.report(
        "xml.stray-text",
        `text inside <${top.name}> where only elements belong is ignored`,
        top.line,
        top.column,
      );
    }
  }

  private close(): void {
    const frame = this.frames[--this.depth] as Frame;
    if (frame.kind === TEXT) {
      const value = this.value(frame);
      const field = frame.field as Field;
      if (Array.isArray(frame.holder)) {
        frame.holder.push(value);
      } else {
        const holder = frame.holder as Record<string, unknown>;
        holder[field.key] = value;
        if (frame.rec >= 0) this.locations.set(frame.rec, field.index, frame.line, frame.column);
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
    // Where the spaces are data, the value is the text as it stands (its length equals raw's).
    const value = (frame.field as TextField).verbatim === true ? raw : raw.trim();
    if (value === "") {
      this.report("value.empty", `<${frame.name}> is empty`, frame.line, frame.column);
    } else if (value.length !== raw.length) {
      this.report(
        "value.spaces",
        `<${frame.name}> has spaces around "${value}"; they are trimmed`,
        frame.line,
        frame.column,
      );
    }
    return value;
  }

  private closeObject(frame: Frame): void {
    const value = frame.value;
    if (value === this.currentPupil) {
      if (this.pupilCount >= this.limits.maxPupils)
        this.fatal(
          "xml.limit",
          `the file holds more than ${this.limits.maxPupils} pupils; a CTF holds a few thousand at most`,
          frame.line,
          frame.column,
        );
      this.pupilCount++;
      this.flushPupilFindings();
      this.currentPupil = undefined;
      this.handlers.pupil?.(value as Pupil, this.pupilCount, this.locations);
      return;
    }
    const parent = this.top();
    if (parent?.value === this.document && value === this.document?.header) {
      this.sexTag = writesSex((value as Header).version ?? CURRENT_VERSION) ? "Sex" : "Gender";
      this.handlers.header?.(value as Header, this.locations);
    }
  }
}

/**
 * The children an object read so far stands for, in the standard order, then its extras. They
 * came in the standard order under standard names, the sex under the name the file's version
 * gives it (`sexTag`): so that is the name written back.
 */
function standardOrder(obj: Extensible, schema: Schema<unknown>, sexTag: string): string[] {
  const names: string[] = [];
  const values = obj as Record<string, unknown>;
  for (const field of schema.fields) {
    const v = values[field.key];
    if (v === undefined) continue;
    const count = field.kind === "object" && field.many ? (v as unknown[]).length : 1;
    const tag = field.kind === "text" && field.before25 !== undefined ? sexTag : field.tag;
    for (let i = 0; i < count; i++) names.push(tag);
  }
  for (const node of obj.extra ?? []) names.push(node.name);
  return names;
}

function rawNode(tag: Tag): XmlNode {
  const node: XmlNode = { name: tag.name };
  const attrs = tag.attributes;
  for (const key in attrs) {
    if (node.attributes === undefined) node.attributes = {};
    node.attributes[key] = attrs[key] as string;
  }
  return node;
}
