/**
 * A streaming XML scanner for the XML a CTF is: UTF-8 text already decoded, elements with few or
 * no attributes, the five predefined entities and character references, comments, CDATA and
 * processing instructions, and never a DTD (a DOCTYPE is handed to the caller, which refuses
 * it). It checks what XML 1.0 requires of well-formed documents of that kind and says where a
 * fault is. Written for CTFs rather than taken from a general parser because a general parser
 * was most of the time of reading one: this one finds each "<" with the engine's own search and
 * copies out only the names and values the caller keeps.
 *
 * Positions are 1-based; a column counts characters (a character beyond the Basic Multilingual
 * Plane is one), and "\r\n" or a lone "\r" ends a line as "\n" does, as XML reads them.
 */

/** A fault that makes the input not well-formed XML, at the line and column where it is. */
export class XmlError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = "XmlError";
  }
}

export interface ScanHandlers {
  /** A start tag, its "<" at `line` and `column`; `attributes` only when it has some. */
  open(
    name: string,
    attributes: Record<string, string> | undefined,
    line: number,
    column: number,
  ): void;
  /** The end of the element last opened (an empty-element tag ends at once). */
  close(): void;
  /** Character data of the open element: `s` from `start` to `end` (entities already read). */
  text(s: string, start: number, end: number): void;
  /** A DOCTYPE: the caller decides; reading goes on past it if it returns. */
  doctype(): void;
  /** The XML declaration, with the encoding it names. */
  declaration(encoding: string | undefined): void;
}

const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const DISALLOWED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ASTRAL = /[\uD800-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const UNUSUAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const NAME_START_WIDE =
  /[\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
const NAME_WIDE = /\u00B7|[\u0300-\u036F]|[\u203F\u2040]/;

/** What an XML declaration holds: its version, then an encoding and "standalone" if any. */
const DECLARATION =
  /^\s+version\s*=\s*(?:"1\.[0-9]+"|'1\.[0-9]+')(?:\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\1)?(?:\s+standalone\s*=\s*(?:"(?:yes|no)"|'(?:yes|no)'))?\s*$/;

/** ASCII name characters: 1 may start a name, 2 may only follow. */
const NAME_ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_:]/.test(ch)) NAME_ASCII[c] = 1;
  else if (/[0-9.-]/.test(ch)) NAME_ASCII[c] = 2;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

const PREDEFINED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

/** Whether `code` (a whole code point) is a character XML 1.0 allows. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** A name's length and first and last characters, to look it up by. */
function nameKey(s: string, start: number, end: number): number {
  return (
    ((end - start) << 16) | ((s.charCodeAt(start) & 0xff) << 8) | (s.charCodeAt(end - 1) & 0xff)
  );
}

/** Whether `name` stands in `s` at `at`: for names of a few letters, faster than startsWith. */
function sameAt(s: string, at: number, name: string): boolean {
  for (let k = 0; k < name.length; k++)
    if (s.charCodeAt(at + k) !== name.charCodeAt(k)) return false;
  return true;
}

/** How many element names are remembered (a CTF has a few hundred). */
const MAX_NAMES = 2048;

/** Thrown to wait for more input: the token at the scan position is not complete yet. */
const MORE = Symbol("more");

export class XmlScanner {
  /** Input not yet scanned, from `pos`; what came before it has been handed over. */
  private buf = "";
  private pos = 0;
  /** Where, in `buf`, a character XML does not allow is (-1: none). */
  private bad = -1;
  /** Characters of the document before `buf` starts. */
  private offset = 0;
  /** The end of the last input, when it may be half of "\r\n" or of a surrogate pair. */
  private held = "";
  private readonly open: string[] = [];
  private readonly names = new Map<number, string[]>();
  private namesKept = 0;
  private rootSeen = false;
  private ended = false;

  // Lines: the line `lineAt` is on, where in `buf` it starts (before `buf`: `colBase` characters
  // of it were in earlier input), and the next "\n" at or after `lineAt` (-2: not looked for).
  private lineNo = 1;
  private lineStart = 0;
  private colBase = 0;
  private lineAt = 0;
  private nextNl = -2;
  private astral = false;
  // Low surrogates counted on this line up to `lowAt`: a column counts a pair once.
  private lowCount = 0;
  private lowAt = 0;
  // The next "&" and "]]>" in `buf` (-2: not looked for; -1: none), so that no search repeats.
  private nextAmp = -2;
  private nextCdEnd = -2;

  /** `names`: element names the caller expects, given as the very strings it compares with. */
  constructor(
    private readonly handlers: ScanHandlers,
    names: readonly string[] = [],
  ) {
    for (const name of names) this.remember(name);
  }

  write(chunk: string): void {
    if (this.ended) return;
    let s = this.held + chunk;
    // Half of a surrogate pair, or of "\r\n", waits for the rest.
    let keep = 0;
    if (isHigh(s.charCodeAt(s.length - 1))) keep = 1;
    if (s.charCodeAt(s.length - 1 - keep) === 0x0d) keep++;
    this.held = keep > 0 ? s.slice(s.length - keep) : "";
    if (keep > 0) s = s.slice(0, s.length - keep);
    if (s.length === 0) return;
    this.append(s);
    this.scan();
  }

  /** The input is complete: anything still open, or half-read, is a fault. */
  end(): void {
    if (this.ended) return;
    if (this.held !== "") {
      const rest = this.held;
      this.held = "";
      this.append(rest);
      this.scan();
    }
    this.ended = true;
    if (this.bad >= 0) this.scan();
    const rest = this.buf.length - this.pos;
    if (this.open.length > 0)
      throw this.fault(`unclosed tag: ${this.open[this.open.length - 1]}`, this.buf.length);
    if (rest > 0) {
      const lt = this.buf.indexOf("<", this.pos);
      throw this.fault("unfinished markup at the end of the input", lt >= 0 ? lt : this.pos);
    }
    if (!this.rootSeen) throw this.fault("the document has no root element", this.buf.length);
  }

  /** The line of the end of the input given so far. */
  get lastLine(): number {
    this.lineTo(this.buf.length);
    return this.lineNo;
  }

  /** Where scanning has reached: the start of what is not yet handed over. */
  position(): { line: number; column: number } {
    return { line: this.lineTo(this.pos), column: this.columnAt(this.pos) };
  }

  private append(s: string): void {
    const kept = this.buf.length - this.pos;
    // What was handed over goes; the line and the searches move with what stays.
    if (this.pos > 0) {
      this.lineTo(this.pos);
      if (this.lineStart < this.pos) {
        this.colBase = this.columnAt(this.pos) - 1;
        this.lineStart = 0;
      } else this.lineStart -= this.pos;
      this.lowCount = 0;
      this.lowAt = this.lineStart;
      // A search's answer behind what goes is no answer (-2: look again).
      const moved = (at: number) => (at >= this.pos ? at - this.pos : -2);
      this.nextNl = moved(this.nextNl);
      this.nextAmp = moved(this.nextAmp);
      this.nextCdEnd = moved(this.nextCdEnd);
      if (this.bad >= 0) this.bad -= this.pos;
      this.offset += this.pos;
      this.buf = this.buf.slice(this.pos);
      this.pos = 0;
      this.lineAt = 0;
    }
    if (s.indexOf("\r") >= 0) s = s.replace(/\r\n?/g, "\n");
    // One pass finds both a character XML does not allow and the first surrogate (a character
    // beyond the BMP, which columns count once); most files have neither.
    const odd = s.search(UNUSUAL);
    if (odd >= 0) {
      let bad = s.search(DISALLOWED);
      if (ASTRAL.test(s)) {
        this.astral = true;
        if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) {
          const lone = s.search(LONE_SURROGATE);
          if (lone >= 0 && (bad < 0 || lone < bad)) bad = lone;
        }
      }
      if (bad >= 0 && this.bad < 0) this.bad = kept + bad;
    }
    // A search that found nothing looks again in the new input ("]]>" may straddle the join).
    if (this.nextNl === -1) this.nextNl = -2;
    if (this.nextAmp === -1) this.nextAmp = -2;
    if (this.nextCdEnd === -1) this.nextCdEnd = -2;
    this.buf = kept === 0 ? s : this.buf + s;
  }

  private lineTo(i: number): number {
    if (i < this.lineAt) return this.lineNo;
    const s = this.buf;
    let nl = this.nextNl === -2 ? s.indexOf("\n", this.lineAt) : this.nextNl;
    while (nl >= 0 && nl < i) {
      this.lineNo++;
      this.lineStart = nl + 1;
      this.colBase = 0;
      this.lowCount = 0;
      this.lowAt = nl + 1;
      nl = s.indexOf("\n", nl + 1);
    }
    this.nextNl = nl;
    this.lineAt = i;
    return this.lineNo;
  }

  /** The column of `i`, on the line `lineTo` last reached. */
  private columnAt(i: number): number {
    const column = this.colBase + (i - this.lineStart) + 1;
    if (!this.astral) return column;
    const lows = (from: number, to: number) => {
      let count = 0;
      for (let k = from; k < to; k++) {
        const c = this.buf.charCodeAt(k);
        if (c >= 0xdc00 && c <= 0xdfff) count++;
      }
      return count;
    };
    // Counted on from where the last column was asked, so a long line is read once.
    if (i < this.lowAt) return column - lows(this.lineStart, i);
    this.lowCount += lows(this.lowAt, i);
    this.lowAt = i;
    return column - this.lowCount;
  }

  private fault(message: string, at: number): XmlError {
    const line = this.lineTo(at);
    return new XmlError(message, line, this.columnAt(at));
  }

  private scan(): void {
    const s = this.buf;
    // Scanning stops short of a character XML does not allow, and reports it once it is there.
    const n = this.bad >= 0 ? this.bad : s.length;
    let i = this.pos;
    try {
      while (i < n) {
        const lt = s.indexOf("<", i);
        if (lt === -1 || lt >= n) {
          // Character data runs on, handed over once its end is known; outside the root, white
          // space is all it may be.
          if (this.open.length === 0) {
            this.outside(i, n);
            this.pos = n;
          }
          break;
        }
        if (lt > i) {
          if (this.open.length === 0) this.outside(i, lt);
          else this.characters(i, lt);
          i = lt;
          this.pos = i;
        }
        if (lt + 1 >= n) break;
        const c = s.charCodeAt(lt + 1);
        if (c === SLASH) i = this.endTag(lt, n);
        else if (c === BANG) i = this.bang(lt, n);
        else if (c === QUESTION) i = this.instruction(lt, n);
        else i = this.startTag(lt, n);
        this.pos = i;
      }
    } catch (e) {
      if (e !== MORE) throw e;
    }
    if (this.bad >= 0) {
      // Everything before the character that could be is handed over; what holds it cannot be.
      const at = this.bad;
      const code = s.codePointAt(at) ?? 0;
      throw this.fault(
        `a character XML does not allow (U+${code.toString(16).toUpperCase().padStart(4, "0")})`,
        at,
      );
    }
  }

  /** Text outside the root element: only white space may be there. */
  private outside(start: number, end: number): void {
    const s = this.buf;
    for (let k = start; k < end; k++) {
      const c = s.charCodeAt(k);
      if (isSpace(c)) continue;
      if (k === 0 && this.offset === 0 && c === 0xfeff) continue;
      throw this.fault(
        this.rootSeen
          ? "text after the root element"
          : "text before the root element: the file does not start with XML",
        k,
      );
    }
  }

  private characters(start: number, end: number): void {
    const s = this.buf;
    let cd = this.nextCdEnd;
    if (cd === -2 || (cd >= 0 && cd < start)) cd = this.nextCdEnd = s.indexOf("]]>", start);
    if (cd >= 0 && cd < end) throw this.fault('"]]>" may not stand in text', cd);
    let amp = this.nextAmp;
    if (amp === -2 || (amp >= 0 && amp < start)) amp = this.nextAmp = s.indexOf("&", start);
    if (amp >= 0 && amp < end) {
      const text = this.entities(start, end, amp);
      this.handlers.text(text, 0, text.length);
    } else this.handlers.text(s, start, end);
  }

  /** `buf` from `start` to `end` with its references read; the first "&" is at `amp`. */
  private entities(start: number, end: number, amp: number): string {
    const s = this.buf;
    let out = "";
    let from = start;
    while (amp >= 0 && amp < end) {
      const semi = s.indexOf(";", amp + 1);
      if (semi < 0 || semi > end || semi - amp > 12)
        throw this.fault(
          '"&" must begin a reference such as &amp; (and "&" be written &amp;)',
          amp,
        );
      out += s.slice(from, amp) + this.reference(s.slice(amp + 1, semi), amp);
      from = semi + 1;
      amp = s.indexOf("&", from);
    }
    this.nextAmp = amp;
    return out + s.slice(from, end);
  }

  private reference(name: string, at: number): string {
    // Its own names only: &constructor; is no entity, whatever an object inherits.
    if (Object.hasOwn(PREDEFINED, name)) return PREDEFINED[name] as string;
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(name);
    if (!m) throw this.fault(`undefined entity &${name};`, at);
    const code = m[1] !== undefined ? Number.parseInt(m[1], 16) : Number(m[2]);
    if (!isXmlChar(code)) throw this.fault(`&${name}; is a character XML does not allow`, at);
    return String.fromCodePoint(code);
  }

  private endTag(lt: number, n: number): number {
    const s = this.buf;
    const expected = this.open[this.open.length - 1];
    // Mostly the name expected and ">" at once: no search needed.
    if (expected !== undefined && sameAt(s, lt + 2, expected)) {
      const at = lt + 2 + expected.length;
      if (at < n && s.charCodeAt(at) === GT) {
        this.open.pop();
        this.handlers.close();
        return at + 1;
      }
    }
    const gt = s.indexOf(">", lt + 2);
    if (gt < 0 || gt >= n) throw MORE;
    let k = lt + 2;
    if (expected !== undefined && sameAt(s, k, expected)) k += expected.length;
    else k = gt + 1;
    while (k < gt && isSpace(s.charCodeAt(k))) k++;
    if (k !== gt || expected === undefined) {
      const name = s.slice(lt + 2, gt).trim();
      throw this.fault(
        expected === undefined
          ? `an end tag </${name}> with no element open`
          : `</${name}> where </${expected}> was expected`,
        lt,
      );
    }
    this.open.pop();
    this.handlers.close();
    return gt + 1;
  }

  private startTag(lt: number, n: number): number {
    const s = this.buf;
    // Mostly a name met before, then ">": found whole, with no character to look at singly.
    const gt = s.indexOf(">", lt + 1);
    if (gt > lt + 1 && gt < n && s.charCodeAt(gt - 1) !== SLASH) {
      const name = this.knownName(lt + 1, gt);
      if (name !== undefined) {
        this.opened(name, undefined, lt);
        return gt + 1;
      }
    }
    const nameEnd = this.nameFrom(lt + 1, n, "an element's name");
    const name = this.nameAt(lt + 1, nameEnd);
    let k = nameEnd;
    let attributes: Record<string, string> | undefined;
    for (;;) {
      if (k >= n) throw MORE;
      let c = s.charCodeAt(k);
      if (c === GT || c === SLASH) break;
      if (!isSpace(c)) throw this.fault(`<${name}> has a character its tag cannot hold`, k);
      while (k < n && isSpace(s.charCodeAt(k))) k++;
      if (k >= n) throw MORE;
      c = s.charCodeAt(k);
      if (c === GT || c === SLASH) break;
      const attrStart = k;
      const attrEnd = this.nameFrom(k, n, `an attribute's name in <${name}>`);
      const attr = s.slice(k, attrEnd);
      k = attrEnd;
      while (k < n && isSpace(s.charCodeAt(k))) k++;
      if (k >= n) throw MORE;
      if (s.charCodeAt(k) !== EQUALS)
        throw this.fault(`attribute ${attr} of <${name}> has no value`, k);
      k++;
      while (k < n && isSpace(s.charCodeAt(k))) k++;
      if (k >= n) throw MORE;
      const quote = s[k];
      if (quote !== '"' && quote !== "'")
        throw this.fault(`attribute ${attr} of <${name}> must be quoted`, k);
      const close = s.indexOf(quote, k + 1);
      if (close < 0 || close >= n) throw MORE;
      const lessThan = s.indexOf("<", k + 1);
      if (lessThan >= 0 && lessThan < close)
        throw this.fault(`attribute ${attr} of <${name}> holds "<"`, lessThan);
      attributes ??= {};
      if (Object.hasOwn(attributes, attr))
        throw this.fault(`<${name}> has attribute ${attr} twice`, attrStart);
      // Defined, not assigned: an attribute named __proto__ is a name like any other.
      Object.defineProperty(attributes, attr, {
        value: this.attributeValue(k + 1, close),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      k = close + 1;
    }
    let empty = false;
    if (s.charCodeAt(k) === SLASH) {
      if (k + 1 >= n) throw MORE;
      if (s.charCodeAt(k + 1) !== GT) throw this.fault(`<${name}> has "/" inside its tag`, k);
      empty = true;
      k++;
    }
    this.opened(name, attributes, lt);
    if (empty) {
      this.open.pop();
      this.handlers.close();
    }
    return k + 1;
  }

  private opened(name: string, attributes: Record<string, string> | undefined, lt: number): void {
    if (this.open.length === 0) {
      if (this.rootSeen) throw this.fault(`a second root element <${name}>`, lt);
      this.rootSeen = true;
    }
    this.open.push(name);
    this.handlers.open(name, attributes, this.lineTo(lt), this.columnAt(lt));
  }

  /** The name from `start` to `end` if it is one met before (so already found to be a name). */
  private knownName(start: number, end: number): string | undefined {
    const s = this.buf;
    const known = this.names.get(nameKey(s, start, end));
    if (known !== undefined)
      for (let k = 0; k < known.length; k++) {
        const name = known[k] as string;
        if (sameAt(s, start, name)) return name;
      }
    return undefined;
  }

  /**
   * The name from `start` to `end`, as the same string each time it comes: a CTF uses a few
   * hundred names millions of times, and comparing in place costs less than copying each out.
   */
  private nameAt(start: number, end: number): string {
    const found = this.knownName(start, end);
    if (found !== undefined) return found;
    const name = this.buf.slice(start, end);
    // Bounded: a file of endless made-up names is only copied, not remembered.
    if (this.namesKept < MAX_NAMES) this.remember(name);
    return name;
  }

  private remember(name: string): void {
    this.namesKept++;
    const key = nameKey(name, 0, name.length);
    const known = this.names.get(key);
    if (known === undefined) this.names.set(key, [name]);
    else if (!known.includes(name)) known.push(name);
  }

  /** Attribute-value normalisation: references read, each white space character a space. */
  private attributeValue(start: number, end: number): string {
    const s = this.buf;
    const amp = s.indexOf("&", start);
    const raw = amp >= 0 && amp < end ? this.entitiesIn(start, end, amp) : s.slice(start, end);
    return raw.replace(/[\t\n]/g, " ");
  }

  private entitiesIn(start: number, end: number, amp: number): string {
    // The cached search position belongs to character data; keep it.
    const saved = this.nextAmp;
    const text = this.entities(start, end, amp);
    this.nextAmp = saved;
    return text;
  }

  /** The end of the name starting at `i`. */
  private nameFrom(i: number, n: number, what: string): number {
    const s = this.buf;
    let k = i;
    for (; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c < 128) {
        const kind = NAME_ASCII[c] as number;
        if (kind === 0 || (kind === 2 && k === i)) break;
      } else if (c >= 0xd800 && c <= 0xdbff) {
        k++; // a character beyond the BMP (U+10000 to U+EFFFF) may be part of a name
      } else if (
        !NAME_START_WIDE.test(s[k] as string) &&
        (k === i || !NAME_WIDE.test(s[k] as string))
      )
        break;
    }
    if (k >= n) throw MORE;
    if (k === i) throw this.fault(`${what} is missing or starts with a character a name cannot`, i);
    return k;
  }

  private bang(lt: number, n: number): number {
    const s = this.buf;
    if (s.startsWith("<!--", lt)) {
      const end = s.indexOf("-->", lt + 4);
      if (end < 0 || end >= n) throw MORE;
      const dashes = s.indexOf("--", lt + 4);
      if (dashes < end) throw this.fault('a comment may not hold "--"', dashes);
      return end + 3;
    }
    if (s.startsWith("<![CDATA[", lt)) {
      if (this.open.length === 0) throw this.fault("CDATA outside the root element", lt);
      const end = s.indexOf("]]>", lt + 9);
      if (end < 0 || end >= n) throw MORE;
      this.handlers.text(s, lt + 9, end);
      return end + 3;
    }
    if (s.startsWith("<!DOCTYPE", lt)) {
      if (this.rootSeen) throw this.fault("a DOCTYPE may only come before the root element", lt);
      const gt = s.indexOf(">", lt);
      if (gt < 0 || gt >= n) throw MORE;
      this.handlers.doctype();
      return gt + 1;
    }
    // Not yet enough to tell which it is.
    if (
      n - lt < 9 &&
      ("<![CDATA[".startsWith(s.slice(lt, n)) ||
        "<!DOCTYPE".startsWith(s.slice(lt, n)) ||
        "<!--".startsWith(s.slice(lt, n)))
    )
      throw MORE;
    throw this.fault("markup that starts with <! but is no comment, CDATA or DOCTYPE", lt);
  }

  private instruction(lt: number, n: number): number {
    const s = this.buf;
    const end = s.indexOf("?>", lt + 2);
    if (end < 0 || end >= n) throw MORE;
    const targetEnd = this.nameFrom(lt + 2, end + 1, "a processing instruction's target");
    const target = s.slice(lt + 2, targetEnd);
    if (targetEnd < end && !isSpace(s.charCodeAt(targetEnd)))
      throw this.fault(
        `processing instruction <?${target} has a character its target cannot`,
        targetEnd,
      );
    if (target.toLowerCase() === "xml") {
      if (target !== "xml" || this.offset + lt !== 0)
        throw this.fault("the XML declaration may only open the file", lt);
      const declared = DECLARATION.exec(s.slice(targetEnd, end));
      if (!declared)
        throw this.fault(
          "the XML declaration is not version, then encoding and standalone if any",
          lt,
        );
      this.handlers.declaration(declared[2]);
    }
    return end + 2;
  }
}
