/**
 * The CBDS code sets a CTF uses, as data. Each set says which items it checks, from which CTF
 * version it applies, and whether we hold all of it: a `complete` set warns on any code it does
 * not hold; a partial one (we know the common codes, not every one) warns only on a code that
 * cannot be one, by its shape, so a rare but real code is never called wrong. CTF.md says where
 * each list comes from.
 */

export interface CodeSet {
  /** Element names whose values this set holds. */
  items: readonly string[];
  codes: Readonly<Record<string, string>>;
  complete: boolean;
  /** What any code of the set looks like; partial sets warn on values that do not. */
  shape: RegExp;
  /** Codes retired at a CTF version: accepted in files older than it, warned from it. */
  retired?: Readonly<Record<string, { name: string; from: number }>>;
}

const ETHNICITY: Record<string, string> = {
  WBRI: "White - British",
  WENG: "White - English",
  WSCO: "White - Scottish",
  WWEL: "White - Welsh",
  WCOR: "White - Cornish",
  WOWB: "Other White British",
  WIRI: "White - Irish",
  WIRT: "Traveller of Irish heritage",
  WOTH: "Any other White background",
  WALB: "Albanian",
  WBOS: "Bosnian-Herzegovinian",
  WCRO: "Croatian",
  WGRE: "Greek / Greek Cypriot",
  WGRK: "Greek",
  WGRC: "Greek Cypriot",
  WITA: "Italian",
  WKOS: "Kosovan",
  WPOR: "Portuguese",
  WSER: "Serbian",
  WTUR: "Turkish / Turkish Cypriot",
  WTUK: "Turkish",
  WTUC: "Turkish Cypriot",
  WEUR: "White European",
  WEEU: "White Eastern European",
  WWEU: "White Western European",
  WOTW: "White other",
  WROM: "Gypsy / Roma",
  WROG: "Gypsy",
  WROR: "Roma",
  WROO: "Other Gypsy / Roma",
  MWBC: "White and Black Caribbean",
  MWBA: "White and Black African",
  MWAS: "White and Asian",
  MWAP: "White and Pakistani",
  MWAI: "White and Indian",
  MWAO: "White and any other Asian background",
  MOTH: "Any other mixed background",
  MAOE: "Asian and any other ethnic group",
  MABL: "Asian and Black",
  MACH: "Asian and Chinese",
  MBOE: "Black and any other ethnic group",
  MBCH: "Black and Chinese",
  MCOE: "Chinese and any other ethnic group",
  MWOE: "White and any other ethnic group",
  MWCH: "White and Chinese",
  MOTM: "Other mixed background",
  AIND: "Indian",
  APKN: "Pakistani",
  AMPK: "Mirpuri Pakistani",
  AKPA: "Kashmiri Pakistani",
  AOPK: "Other Pakistani",
  ABAN: "Bangladeshi",
  AOTH: "Any other Asian background",
  AAFR: "African Asian",
  AKAO: "Kashmiri other",
  ANEP: "Nepali",
  ASNL: "Sri Lankan Sinhalese",
  ASLT: "Sri Lankan Tamil",
  ASRO: "Sri Lankan other",
  AOTA: "Other Asian",
  BCRB: "Black Caribbean",
  BAFR: "Black African",
  BANN: "Black - Angolan",
  BCON: "Black - Congolese",
  BGHA: "Black - Ghanaian",
  BNGN: "Black - Nigerian",
  BSLN: "Black - Sierra Leonean",
  BSOM: "Black - Somali",
  BSUD: "Black - Sudanese",
  BAOF: "Other Black African",
  BOTH: "Any other Black background",
  BEUR: "Black European",
  BNAM: "Black North American",
  BOTB: "Other Black",
  CHNE: "Chinese",
  CHKC: "Hong Kong Chinese",
  CMAL: "Malaysian Chinese",
  CSNG: "Singaporean Chinese",
  CTWN: "Taiwanese",
  COCH: "Other Chinese",
  OOTH: "Any other ethnic group",
  OAFG: "Afghan",
  OARA: "Arab other",
  OEGY: "Egyptian",
  OFIL: "Filipino",
  OIRN: "Iranian",
  OIRQ: "Iraqi",
  OJPN: "Japanese",
  OKOR: "Korean",
  OKRD: "Kurdish",
  OLAM: "Latin / South / Central American",
  OLEB: "Lebanese",
  OLIB: "Libyan",
  OMAL: "Malay",
  OMRC: "Moroccan",
  OPOL: "Polynesian",
  OTHA: "Thai",
  OVIE: "Vietnamese",
  OYEM: "Yemeni",
  OOEG: "Other ethnic group",
  REFU: "Refused",
  NOBT: "Information not yet obtained",
};

// The commonest codes only: CBDS lists some 300 languages and dialects, with four-letter codes
// for varieties (CHIC Cantonese, PNJM Mirpuri Panjabi), so the set is partial.
const LANGUAGES: Record<string, string> = {
  ENG: "English",
  ENB: "English (believed to be)",
  OTB: "Other than English (believed to be)",
  OTL: "Other language",
  NOT: "Information not obtained",
  REF: "Refused",
  ARA: "Arabic",
  BNG: "Bengali",
  CHI: "Chinese",
  FRN: "French",
  GER: "German",
  GRE: "Greek",
  GUJ: "Gujarati",
  HIN: "Hindi",
  ITA: "Italian",
  JPN: "Japanese",
  PNJ: "Panjabi",
  POL: "Polish",
  POR: "Portuguese",
  RUS: "Russian",
  SOM: "Somali",
  SPA: "Spanish",
  TAM: "Tamil",
  TUR: "Turkish",
  URD: "Urdu",
};

export const CODE_SETS: Readonly<Record<string, CodeSet>> = {
  ethnicity: {
    items: ["Ethnicity"],
    codes: ETHNICITY,
    complete: true,
    shape: /^[A-Z]{4}$/,
  },
  language: {
    items: ["Language"],
    codes: LANGUAGES,
    complete: false,
    shape: /^[A-Z]{3,4}$/,
  },
  languageType: {
    items: ["LanguageType"],
    codes: { F: "First language", H: "Home language", M: "Main language" },
    complete: false,
    shape: /^[A-Z]$/,
  },
  senProvision: {
    items: ["SENprovision"],
    codes: {
      N: "No special educational need",
      K: "SEN support",
      E: "Education, health and care plan",
    },
    complete: true,
    shape: /^[A-Z]$/,
    // The 2014 reforms ended School Action and School Action Plus at once; statements were
    // turned into plans until April 2018.
    retired: {
      A: { name: "School Action", from: 16 },
      P: { name: "School Action Plus", from: 16 },
      S: { name: "Statement", from: 19 },
    },
  },
  senType: {
    items: ["SENtype"],
    codes: {
      SPLD: "Specific learning difficulty",
      MLD: "Moderate learning difficulty",
      SLD: "Severe learning difficulty",
      PMLD: "Profound and multiple learning difficulty",
      SEMH: "Social, emotional and mental health",
      SLCN: "Speech, language and communication needs",
      HI: "Hearing impairment",
      VI: "Visual impairment",
      MSI: "Multi-sensory impairment",
      PD: "Physical disability",
      ASD: "Autistic spectrum disorder",
      OTH: "Other difficulty or disability",
      NSA: "SEN support but no specialist assessment of type of need",
    },
    complete: true,
    shape: /^[A-Z]{2,4}$/,
    retired: { BESD: { name: "Behaviour, emotional and social difficulty", from: 16 } },
  },
  relationship: {
    items: ["Relationship"],
    codes: {
      PAM: "Mother",
      PAF: "Father",
      STM: "Step-mother",
      STF: "Step-father",
      FOM: "Foster mother",
      FOF: "Foster father",
      GRM: "Grandmother",
      GRF: "Grandfather",
      CAR: "Carer",
      REL: "Other relative",
      FAM: "Other family member",
      CHM: "Childminder",
      DOC: "Doctor",
      HTR: "Head teacher",
      SWR: "Social worker",
      OTH: "Other contact",
    },
    complete: false,
    shape: /^[A-Z]{3}$/,
  },
  serviceChild: {
    items: ["ServiceChild"],
    codes: { Y: "Yes", N: "No", R: "Refused", U: "Unknown" },
    complete: true,
    shape: /^[A-Z]$/,
  },
  enrolStatus: {
    items: ["EnrolStatus"],
    codes: {
      C: "Current, single registration",
      M: "Main, dual registration",
      S: "Subsidiary, dual registration",
      G: "Guest",
      O: "Other provision",
    },
    complete: true,
    shape: /^[A-Z]$/,
  },
  telephoneType: {
    items: ["TelephoneType"],
    codes: { H: "Home", M: "Mobile", W: "Work", F: "Fax" },
    complete: false,
    shape: /^[A-Z]$/,
  },
  ukCountry: {
    items: ["UKcountry"],
    codes: { ENG: "England", WLS: "Wales", SCT: "Scotland", NIR: "Northern Ireland" },
    complete: true,
    shape: /^[A-Z]{3}$/,
  },
  disability: {
    items: ["Disability"],
    codes: { NCOL: "Not collected", NONE: "No disability" },
    complete: false,
    shape: /^[A-Z]{2,4}$/,
  },
  leavingReason: {
    items: ["LeavingReason"],
    codes: {},
    complete: false,
    shape: /^[A-Z0-9]{1,4}$/,
  },
  stage: {
    items: ["Stage"],
    codes: {
      EYF: "Early years foundation stage",
      FSP: "Foundation stage profile",
      KS1: "Key stage 1",
      KS2: "Key stage 2",
      KS3: "Key stage 3",
      KS4: "Key stage 4",
      PHO: "Phonics screening check",
      MTC: "Multiplication tables check",
      RBA: "Reception baseline assessment",
    },
    complete: false,
    shape: /^[A-Z0-9]{2,4}$/,
  },
  assessmentCode: {
    items: ["Method", "ResultStatus", "ResultQualifier", "Locale"],
    codes: {},
    complete: false,
    shape: /^[A-Z0-9]{1,5}$/,
  },
};

const byItem = new Map<string, CodeSet>();
for (const set of Object.values(CODE_SETS)) for (const item of set.items) byItem.set(item, set);

/** The code set an element's value comes from, if it has one. */
export function codeSetOf(item: string): CodeSet | undefined {
  return byItem.get(item);
}

export type CodeVerdict = { ok: true } | { ok: false; retired?: string; nearest: string[] };

/**
 * Whether `value` is a code of `set` in a file of CTF `version` (a retired code is fine in a
 * file older than its retirement); where not, up to three known codes close to it.
 */
export function checkCode(set: CodeSet, value: string, version?: number): CodeVerdict {
  if (Object.hasOwn(set.codes, value)) return { ok: true };
  const retired = set.retired && Object.hasOwn(set.retired, value) ? set.retired[value] : undefined;
  if (retired !== undefined)
    return version !== undefined && version >= retired.from
      ? { ok: false, retired: `${retired.name}, retired in CTF ${retired.from}`, nearest: [] }
      : { ok: true };
  if (!set.complete && set.shape.test(value)) return { ok: true };
  return { ok: false, nearest: nearest(Object.keys(set.codes), value.toUpperCase()) };
}

function nearest(codes: string[], value: string): string[] {
  // A short list is worth giving whole.
  if (codes.length <= 6) return codes;
  return codes
    .map((code) => ({ code, d: distance(code, value) }))
    .filter((c) => c.d <= Math.max(1, Math.floor(c.code.length / 2)))
    .sort((a, b) => a.d - b.d || a.code.localeCompare(b.code))
    .slice(0, 3)
    .map((c) => c.code);
}

/** Edits (insert, delete, substitute, swap two neighbours) between two short codes. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(
        at(i - 1, j) + 1,
        at(i, j - 1) + 1,
        at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      // A typist's swap (ADS for ASD) is one slip, not two.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  return at(a.length, b.length);
}
