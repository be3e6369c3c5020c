/**
 * The CBDS code sets a CTF uses, written here as the facts they are: each code with its meaning,
 * the CBDS set it comes from, and changes since that release. ../shared/codesets/ holds the
 * sources (SOURCES.md says where each came from), and test/ctf/code-sets.test.ts compares every
 * set with them, so the two cannot drift. CTF-NOTES.md says where sources disagree and what was
 * chosen.
 *
 * A `complete` set warns on any code it does not hold, naming the nearest; a partial one (codes
 * have been added since the release we have, and no list of them was found) warns only on a
 * value that cannot be a code by its shape, so a rare but real code is never called wrong.
 */
import { LANGUAGES, OLD_LANGUAGES } from "./language-codes.js";

export interface RetiredCode {
  /** Its meaning while it was in use. */
  name: string;
  /** The CTF version from which it is warned about; absent: in files of every version. */
  from?: number;
  /** The code to write instead, where one replaced it. */
  now?: string;
}

export interface CodeSet {
  /** The set's name in words, for messages. */
  name: string;
  /** Where the codes come from: the CBDS set and what changed since. */
  source: string;
  /** Element names whose values this set holds. */
  items: readonly string[];
  /** Codes for new records, with their meanings. */
  codes: Readonly<Record<string, string>>;
  /** Codes not for new records that real files still carry: accepted, shown with their meaning. */
  historic?: Readonly<Record<string, string>>;
  /** Codes withdrawn: accepted in files older than `from`, warned about from it. */
  retired?: Readonly<Record<string, RetiredCode>>;
  /** Codes that belong to another item, and where: warned even in a partial set. */
  misplaced?: Readonly<Record<string, string>>;
  complete: boolean;
  /** What any code of the set looks like; partial sets warn on values that do not. */
  shape: RegExp;
}

const ETHNICITY: Readonly<Record<string, string>> = {
  WBRI: "White - British",
  WCOR: "White - Cornish",
  WENG: "White - English",
  WSCO: "White - Scottish",
  WWEL: "White - Welsh",
  WOWB: "Other White British",
  WIRI: "White - Irish",
  WIRT: "Traveller of Irish Heritage",
  WOTH: "Any Other White Background",
  WALB: "Albanian",
  WBOS: "Bosnian- Herzegovinian",
  WCRO: "Croatian",
  WGRE: "Greek/ Greek Cypriot",
  WGRK: "Greek",
  WGRC: "Greek Cypriot",
  WITA: "Italian",
  WKOS: "Kosovan",
  WPOR: "Portuguese",
  WSER: "Serbian",
  WTUR: "Turkish/ Turkish Cypriot",
  WTUK: "Turkish",
  WTUC: "Turkish Cypriot",
  WEUR: "White European",
  WEEU: "White Eastern European",
  WWEU: "White Western European",
  WOTW: "White Other",
  WROM: "Gypsy / Roma",
  MWBC: "White and Black Caribbean",
  MWBA: "White and Black African",
  MWAS: "White and Asian",
  MWAP: "White and Pakistani",
  MWAI: "White and Indian",
  MWAO: "White and Any Other Asian Background",
  MOTH: "Any Other Mixed Background",
  MAOE: "Asian and Any Other Ethnic Group",
  MABL: "Asian and Black",
  MACH: "Asian and Chinese",
  MBOE: "Black and Any Other Ethnic Group",
  MBCH: "Black and Chinese",
  MCOE: "Chinese and Any Other Ethnic Group",
  MWOE: "White and Any Other Ethnic Group",
  MWCH: "White and Chinese",
  MOTM: "Other Mixed Background",
  AIND: "Indian",
  APKN: "Pakistani",
  AMPK: "Mirpuri Pakistani",
  AKPA: "Kashmiri Pakistani",
  AOPK: "Other Pakistani",
  ABAN: "Bangladeshi",
  AOTH: "Any Other Asian Background",
  AAFR: "African Asian",
  AKAO: "Kashmiri Other",
  ANEP: "Nepali",
  ASNL: "Sri Lankan Sinhalese",
  ASLT: "Sri Lankan Tamil",
  ASRO: "Sri Lankan Other",
  AOTA: "Other Asian",
  BCRB: "Black Caribbean",
  BAFR: "Black - African",
  BANN: "Black - Angolan",
  BCON: "Black - Congolese",
  BGHA: "Black - Ghanaian",
  BNGN: "Black - Nigerian",
  BSLN: "Black - Sierra Leonean",
  BSOM: "Black - Somali",
  BSUD: "Black - Sudanese",
  BAOF: "Other Black African",
  BOTH: "Any Other Black Background",
  BEUR: "Black European",
  BNAM: "Black North American",
  BOTB: "Other Black",
  CHNE: "Chinese",
  CHKC: "Hong Kong Chinese",
  CMAL: "Malaysian Chinese",
  CSNG: "Singaporean Chinese",
  CTWN: "Taiwanese",
  COCH: "Other Chinese",
  OOTH: "Any Other Ethnic Group",
  OAFG: "Afghan",
  OARA: "Arab Other",
  OEGY: "Egyptian",
  OFIL: "Filipino",
  OIRN: "Iranian",
  OIRQ: "Iraqi",
  OJPN: "Japanese",
  OKOR: "Korean",
  OKRD: "Kurdish",
  OLAM: "Latin/ South/ Central American",
  OLEB: "Lebanese",
  OLIB: "Libyan",
  OMAL: "Malay",
  OMRC: "Moroccan",
  OPOL: "Polynesian",
  OTHA: "Thai",
  OVIE: "Vietnamese",
  OYEM: "Yemeni",
  OOEG: "Other Ethnic Group",
  REFU: "Refused",
  NOBT: "Information Not Yet Obtained",
  // Added since the 2014 release (later-changes.csv).
  WNIR: "White - Northern Irish",
  WROG: "Gypsy",
  WROR: "Roma",
  WROO: "Other Gypsy/Roma",
};

/** Reason for leaving (D00206): the codes for new records, then those kept for history. */
export const LEAVING_REASONS: Readonly<Record<string, string>> = {
  PM: "End of phase transfer - Maintained school",
  PI: "End of phase transfer - Independent school",
  PF: "End of phase transfer - FE / 6th form college",
  IM: "In year transfer - Maintained school",
  II: "In year transfer - Independent school",
  IF: "In year transfer - FE / 6th form college",
  NH: "Normal leaving age - Higher education institutions",
  NT: "Normal leaving age - Training",
  NE: "Normal leaving age - Employment",
  NU: "Normal leaving age - Unemployed",
  EL: "Elective Home Education",
  PE: "Permanent Exclusion",
  LC: "Left Country",
  DD: "Deceased",
  OR: "Other reason",
  MI: "Missing Pupil",
  UK: "Unknown",
};

const HISTORIC_LEAVING_REASONS: Readonly<Record<string, string>> = {
  NI: "Nursery to infant",
  IJ: "Infant to Junior / Primary Phase Transfer",
  FM: "First to Middle Phase Transfer",
  JS: "Junior / Primary to Secondary Phase Transfer",
  MS: "Middle to Secondary Phase Transfer",
  ST: "School Transfer (Mid-Year)",
  EO: "Education other than at school / college",
  EM: "Emigration",
  MD: "Military deployment of parent(s)",
  FE: "Further Education (Leaver)",
  HE: "Higher Education (Leaver)",
  TR: "Training (Leaver)",
  WK: "Employment (Leaver)",
  UN: "Unemployment (Leaver)",
  OS: "Other School Sixth Form (Leaver)",
  OT: "Other / Unknown",
};

const NC_YEARS: Readonly<Record<string, string>> = {
  E1: "Early first year (aged 0 at 31 August)",
  E2: "Early second year (aged 1 at 31 August)",
  N1: "Nursery first year",
  N2: "Nursery second year",
  R: "Reception",
  ...Object.fromEntries(Array.from({ length: 14 }, (_, i) => [String(i + 1), `Year ${i + 1}`])),
  M: "Mixed Year Class",
  X: "National Curriculum not followed - available only for Special Schools where pupils are not following a particular NC Year",
};

export const CODE_SETS = {
  ethnicity: {
    name: "ethnicity",
    source: "CBDS D00005 (2014), with WNIR, WROG, WROR and WROO added since",
    items: ["Ethnicity"],
    codes: ETHNICITY,
    complete: true,
    shape: /^[A-Z]{4}$/,
  },
  ethnicitySource: {
    name: "ethnicity source",
    source: "CBDS D00006",
    items: ["EthnicitySource"],
    codes: {
      C: "Provided by the child (ie pupil)",
      P: "Provided by the parent",
      S: "Ascribed by the current school",
      T: "Ascribed by a previous school",
      O: "Other",
    },
    complete: true,
    shape: /^[A-Z]$/,
  },
  language: {
    name: "language",
    source: "CBDS D00011 (2014; the main codes agree with a 2022 list), and its old-to-new table",
    items: ["Language"],
    codes: LANGUAGES,
    retired: OLD_LANGUAGES,
    complete: true,
    shape: /^[A-Z]{3,4}$/,
  },
  languageType: {
    name: "language type",
    source: "CBDS D00207 (U, V and W are local subsets of T)",
    items: ["LanguageType"],
    codes: {
      F: "First Language",
      M: "Multiple First Language",
      H: "Home",
      T: "Tuition Language",
      S: "Second Language",
      C: "Correspondence language",
      U: "Tuition Language (UK School)",
      V: "Tuition Language (Community)",
      W: "Tuition Language (Outside UK)",
    },
    complete: true,
    shape: /^[A-Z]$/,
  },
  senProvision: {
    name: "SEN provision",
    source: "CBDS D00194 (2014), with the 2014 reforms' K and E; A, P, S and Q withdrawn",
    items: ["SENprovision"],
    codes: {
      N: "No Special Educational Need",
      K: "SEN support",
      E: "Education, health and care plan",
    },
    complete: true,
    shape: /^[A-Z]$/,
    // The 2014 reforms ended School Action and School Action Plus at once; statements were
    // turned into plans until April 2018. Q was for local use only even in 2014.
    retired: {
      A: { name: "School Action or Early Years Action", from: 16, now: "K" },
      P: { name: "School Action Plus or Early Years Action Plus", from: 16, now: "K" },
      S: { name: "Statement", from: 19, now: "E" },
      Q: {
        name: "School ActionPlus and Statutory Assessment (for historical and/or local purposes only - not valid for PLASC / School Census / Early Years Census and Alternative Provision Census)",
      },
    },
  },
  senType: {
    name: "SEN type",
    source: "CBDS D00023 (2014), with SEMH and NSA from the 2014 reforms and DS from 2025",
    items: ["SENtype"],
    codes: {
      SPLD: "Specific Learning Difficulty",
      MLD: "Moderate Learning Difficulty",
      SLD: "Severe Learning Difficulty",
      PMLD: "Profound & Multiple Learning Difficulty",
      SEMH: "Social, emotional and mental health",
      SLCN: "Speech, Language and Communication Needs",
      HI: "Hearing Impairment",
      VI: "Visual Impairment",
      MSI: "Multi-Sensory Impairment",
      PD: "Physical Disability",
      ASD: "Autistic Spectrum Disorder",
      DS: "Down syndrome",
      OTH: "Other Difficulty/Disability",
      NSA: "SEN support but no specialist assessment of type of need",
    },
    complete: true,
    shape: /^[A-Z]{2,4}$/,
    retired: {
      BESD: { name: "Behaviour, Emotional & Social Difficulties", from: 16, now: "SEMH" },
    },
  },
  relationship: {
    name: "relationship",
    source: "CBDS D00033 (v2.0), and STP and FOS of D00032 (v1)",
    items: ["Relationship"],
    codes: {
      CAR: "Carer",
      CHM: "Childminder",
      DOC: "Doctor",
      FAM: "Other family member",
      FOF: "Foster Father",
      FOM: "Foster Mother",
      HTC: "Head Teacher",
      OTH: "Other Contact",
      PAF: "Father",
      PAM: "Mother",
      REL: "Other Relative",
      RLG: "Religious/Spiritual Contact",
      STF: "Step Father",
      STM: "Step Mother",
      SWR: "Social Worker",
      TCH: "Teacher",
      STP: "Step Parent",
      FOS: "Foster Parent",
    },
    complete: true,
    shape: /^[A-Z]{3}$/,
  },
  serviceChild: {
    name: "service child",
    source: "CBDS D00016",
    items: ["ServiceChild"],
    codes: {
      Y: "Yes",
      N: "No",
      U: "Unknown",
      R: "Refused",
    },
    complete: true,
    shape: /^[A-Z]$/,
  },
  enrolStatus: {
    name: "enrolment status",
    source: "CBDS D00018",
    items: ["EnrolStatus"],
    codes: {
      C: "Current (single registration at this school)",
      G: "Guest (pupil not registered at this school but attending some lessons or sessions)",
      M: "Current Main (dual registration)",
      S: "Current Subsidiary (dual registration)",
      P: "Previous",
      F: "FE College",
      O: "Other Provider",
    },
    complete: true,
    shape: /^[A-Z]$/,
  },
  ncYear: {
    name: "NC year",
    source: "CBDS D00020, with E1 and E2 (early years) added since",
    items: ["NCyearActual"],
    codes: NC_YEARS,
    complete: true,
    shape: /^[A-Z0-9]{1,2}$/,
  },
  telephoneType: {
    name: "telephone type",
    source: "CBDS D00026",
    items: ["TelephoneType"],
    codes: {
      F: "Fax",
      H: "Home",
      A: "Alternate Home",
      M: "Mobile",
      W: "Work",
      D: "Minicom (hearing impaired/disabled)",
    },
    complete: true,
    shape: /^[A-Z]$/,
  },
  ukCountry: {
    name: "UK country",
    source: "CBDS D00210",
    items: ["UKcountry"],
    codes: {
      ENG: "England",
      NIR: "Northern Ireland",
      SCT: "Scotland",
      WLS: "Wales/Cymru",
    },
    complete: true,
    shape: /^[A-Z]{3}$/,
  },
  disability: {
    name: "disability",
    source: "CBDS D00190 (version 2, with NCOL)",
    items: ["Disability"],
    codes: {
      NCOL: "Not collected (the default value)",
      NONE: "No disability",
      MOB: "Problems with Mobility",
      HAND: "Problems with Hand function",
      PC: "Problems with Personal care",
      EAT: "Problems with Eating & drinking",
      MED: "Problems with Medication",
      INC: "Problems with Incontinence",
      COMM: "Problems with Communication",
      LD: "Problems with Learning",
      HEAR: "Problems with Hearing",
      VIS: "Problems with Vision",
      BEH: "Problems with Behaviour",
      CON: "Problems with Consciousness",
      AUT: "Problems with ASD/Aspergers",
      DDA: "Problems with Palliative care needs",
      OTH: "Other Disability/health problem",
    },
    complete: true,
    shape: /^[A-Z]{2,4}$/,
  },
  leavingReason: {
    name: "leaving reason",
    source: "CBDS D00206: its current codes, and its historic ones (not for new records)",
    items: ["LeavingReason"],
    codes: LEAVING_REASONS,
    historic: HISTORIC_LEAVING_REASONS,
    complete: true,
    shape: /^[A-Z]{2}$/,
  },
  stage: {
    name: "assessment stage",
    source: "CBDS D00182 (2014); stages since (EYF, as SIMS writes) are not listed there",
    items: ["Stage"],
    codes: {
      AFL: "Assessment for Learning",
      FSP: "Foundation Stage",
      KS0: "Baseline Assessment",
      KS1: "End of Key Stage 1",
      K1T: "Key Stage 1 Trial (Historical)",
      K2P: "Key Stage 2 Progression Teacher Assessments (Pilot)",
      K3P: "Key Stage 3 Progression Teacher Assessments (Pilot)",
      KS2: "End of Key Stage 2",
      KS3: "End of Key Stage 3",
      KS4: "GCSE/GNVQ/Other Approved Awards",
      KS5: "A Level/AS Level/Advanced GNVQ/Other Advanced Studies",
      Y03: "Year 3 Optional Tests/Teacher Assessments",
      Y04: "Year 4 Optional Tests/Teacher Assessments",
      Y4X: "Year 4 Optional Tests (1997 Based)",
      Y05: "Year 5 Optional Tests/Teacher Assessments",
      Y07: "Year 7 Optional Tests/Teacher Assessments",
      Y7P: "Year 7 Progress Tests (Historical)",
      Y08: "Year 8 Optional Tests/Teacher Assessments",
      EAL: "English as an Additional Language Level of Acquisition",
      SEN: "P-Scale Assessment for SEN children",
      SL2: "Single Level Test (Level 2)",
      SL3: "Single Level Test (Level 3)",
      SL4: "Single Level Test (Level 4)",
      SL5: "Single Level Test (Level 5)",
      SL6: "Single Level Test (Level 6)",
      W09: "World Class Tests – Aged 9",
      W13: "World Class Tests – Aged 13",
      EYF: "Early Years Foundation Stage",
    },
    complete: false,
    shape: /^[A-Z0-9]{2,4}$/,
    misplaced: { MTC: "the multiplication tables check is a Component of Stage KS2" },
  },
  method: {
    name: "assessment method",
    source: "CBDS D00145, which no source here holds: the codes real files carry",
    items: ["Method"],
    codes: { TA: "Teacher assessment", TT: "Test", FA: "Foundation stage assessment" },
    complete: false,
    shape: /^[A-Z0-9]{1,3}$/,
  },
  component: {
    name: "assessment component",
    source: "CBDS D00146, which no source here holds: the codes DfE's own files carry",
    items: ["Component"],
    codes: { MTC: "Multiplication tables check" },
    complete: false,
    shape: /^[A-Z0-9]{1,5}$/,
  },
  resultStatus: {
    name: "result status",
    source: "CBDS D00051",
    items: ["ResultStatus"],
    codes: {
      E: "Estimate",
      I: "Interim",
      P: "Provisional (subject to regrading/appeal)",
      R: "Result",
      T: "Target",
    },
    complete: true,
    shape: /^[A-Z]$/,
  },
  resultQualifier: {
    name: "result qualifier",
    source: "CBDS D00143 (2014), with NC and MT seen in use since",
    items: ["ResultQualifier"],
    codes: {
      EG: "Examination/Post-14 Qualification Grade",
      EL: "EAL Assessment Level (Pre NC Level 2)",
      FC: "Foundation Stage Profile Count",
      FD: "Foundation Stage Profile Detail",
      FS: "Foundation Stage Profile Score",
      IA: "International Baccalaureate Assessment",
      IG: "International Baccalaureate Grade Point",
      IR: "International Baccalaureate Final Result",
      IS: "International Baccalaureate Aggregate Grade Points",
      LL: "Assessment for Learning Level",
      NA: "National Curriculum Age Standardised Score",
      ND: "National Curriculum Level (Decimalised)",
      NF: "National Curriculum Level with Fine Grading",
      NL: "National Curriculum Level",
      NM: "National Curriculum Task/Test Mark",
      NN: "National Curriculum Level (Numeric Equivalent)",
      NO: "National Curriculum Level (Order)",
      NP: "SEN Assessment Level (P Scale)",
      NQ: "National Curriculum Level (QCA Points Score)",
      NR: "National Curriculum Test Raw Score",
      NS: "National Curriculum Summary (Aggregate) Mark",
      NC: "Teacher assessment outcome (KS1 interim frameworks)",
      MT: "Multiplication tables check score",
    },
    complete: false,
    shape: /^[A-Z]{2}$/,
  },
  locale: {
    name: "assessment locale",
    source: "CBDS item 100267",
    items: ["Locale"],
    codes: { ENG: "England", WAL: "Wales/Cymru", UNK: "Unknown" },
    complete: true,
    shape: /^[A-Z]{3}$/,
  },
  partialType: {
    name: "type of partial CTF",
    source: "CBDS D00205 (2014)",
    items: ["DataQualifier"],
    codes: {
      FSP: "PARTIAL CTF containing Early Years Foundation Stage data",
      KS1: "PARTIAL CTF containing Key Stage 1 data",
      KS2: "PARTIAL CTF containing Key Stage 2 data",
      KS3: "PARTIAL CTF containing Key Stage 3 data",
      ULN: "PARTIAL CTF containing Unique Learner Number data",
      FSM: "PARTIAL CTF containing Free School Meal eligibility data",
      PHO: "PARTIAL CTF containing Y1 phonics check data",
    },
    complete: false,
    shape: /^[A-Z0-9]{2,4}$/,
  },
} satisfies Record<string, CodeSet>;

export type CodeSetName = keyof typeof CODE_SETS;

const byItem = new Map<string, CodeSet>();
for (const set of Object.values(CODE_SETS) as CodeSet[])
  for (const item of set.items) byItem.set(item, set);

/** The code set an element's value comes from, if it has one. */
export function codeSetOf(item: string): CodeSet | undefined {
  return byItem.get(item);
}

/** What a code means in an element's set (current, historic or withdrawn), if it is known. */
export function meaningOf(item: string, code: string): string | undefined {
  const set = byItem.get(item);
  if (set === undefined) return undefined;
  if (Object.hasOwn(set.codes, code)) return set.codes[code];
  if (set.historic && Object.hasOwn(set.historic, code)) return set.historic[code];
  if (set.retired && Object.hasOwn(set.retired, code)) return set.retired[code]?.name;
  return undefined;
}

const OK = { ok: true } as const;

export type CodeVerdict =
  | { ok: true }
  | { ok: false; retired?: string; misplaced?: string; nearest: string[] };

/**
 * Whether `value` is a code of `set` in a file of CTF `version` (a retired code is fine in a
 * file older than its retirement; a historic one always); where not, up to three known codes
 * close to it.
 */
export function checkCode(set: CodeSet, value: string, version?: number): CodeVerdict {
  if (Object.hasOwn(set.codes, value)) return OK;
  if (set.historic && Object.hasOwn(set.historic, value)) return OK;
  const retired = set.retired && Object.hasOwn(set.retired, value) ? set.retired[value] : undefined;
  if (retired !== undefined) {
    if (retired.from !== undefined && (version === undefined || version < retired.from))
      return { ok: true };
    const when = retired.from === undefined ? "withdrawn" : `retired in CTF ${retired.from}`;
    const instead = retired.now ? `; write ${retired.now} instead` : "";
    return { ok: false, retired: `${retired.name}, ${when}${instead}`, nearest: [] };
  }
  const misplaced =
    set.misplaced && Object.hasOwn(set.misplaced, value) ? set.misplaced[value] : undefined;
  if (misplaced !== undefined) return { ok: false, misplaced, nearest: [] };
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
