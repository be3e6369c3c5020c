/**
 * The CTF model. Every value is the text of its element, kept as a string so that a file reads
 * and writes back exactly: trimmed, except where the spaces are data (BS7666 PAON and SAON,
 * attendance marks); interpretation (dates, codes) is the checker's job. Anything we do not
 * model is kept in `extra`, so nothing is lost. Where a file's children came in another order
 * or under another name than the standard one, `readOrder` records what came, and the writer
 * follows it: a file is written back as its producer wrote it.
 */

/** An element kept as it came: SuppInfo, NAWdetails, and anything unknown. */
export interface XmlNode {
  name: string;
  attributes?: Record<string, string>;
  text?: string;
  children?: XmlNode[];
}

export interface Extensible {
  extra?: XmlNode[];
  /**
   * The element names of this object's children as read, in the order read, where that was
   * not the standard order and names (absent for the usual case). A name that is not one of
   * the object's fields, or one already written, stands for the next `extra` node.
   */
  readOrder?: string[];
}

export interface SchoolRef extends Extensible {
  lea?: string;
  estab?: string;
  urn?: string;
  schoolName?: string;
  academicYear?: string;
}

export interface Header extends Extensible {
  documentName?: string;
  version?: string;
  dateTime?: string;
  documentQualifier?: string;
  dataQualifier?: string;
  dataDescriptor?: string;
  supplierId?: string;
  sourceSchool?: SchoolRef;
  destSchool?: SchoolRef;
}

export interface Language extends Extensible {
  languageType?: string;
  language?: string;
}

export interface BasicDetails extends Extensible {
  formerUpn?: string;
  preferredSurname?: string;
  preferredForename?: string;
  formerSurname?: string;
  formerForename?: string;
  middleNames?: string;
  ncYearActual?: string;
  ethnicity?: string;
  ethnicitySource?: string;
  languages?: Language[];
  serviceChild?: string;
  medicalFlag?: string;
  disabilities?: string[];
  enrolStatus?: string;
  suppInfo?: XmlNode;
}

export interface FsmInstance extends Extensible {
  startDate?: string;
  endDate?: string;
  ukCountry?: string;
}

export interface FsmHistory extends Extensible {
  reviewDate?: string;
  instances?: FsmInstance[];
}

export interface LookedAfter extends Extensible {
  inCare?: string;
  careAuthority?: string;
}

export interface SenProvision extends Extensible {
  startDate?: string;
  endDate?: string;
  provision?: string;
}

export interface SenNeed extends Extensible {
  startDate?: string;
  type?: string;
  rank?: string;
}

export interface SenHistory extends Extensible {
  provisions?: SenProvision[];
  needs?: SenNeed[];
}

export interface Bs7666Address extends Extensible {
  saon?: string;
  paon?: string;
  street?: string;
  locality?: string;
  town?: string;
  administrativeArea?: string;
  postTown?: string;
  uprn?: string;
}

export interface AddressLines extends Extensible {
  line1?: string;
  line2?: string;
  line3?: string;
  line4?: string;
  line5?: string;
}

export interface Address extends Extensible {
  addressAsPupil?: string;
  bs7666?: Bs7666Address;
  lines?: AddressLines;
  county?: string;
  postCode?: string;
  country?: string;
  zip?: string;
  easting?: string;
  northing?: string;
}

export interface Phone extends Extensible {
  type?: string;
  number?: string;
}

export interface Contact extends Extensible {
  order?: string;
  title?: string;
  surname?: string;
  forename?: string;
  middleNames?: string;
  sex?: string;
  relationship?: string;
  responsibility?: string;
  address?: Address;
  phones?: Phone[];
  email?: string;
  suppInfo?: XmlNode;
}

export interface AttendanceYear extends Extensible {
  year?: string;
  lea?: string;
  estab?: string;
  urn?: string;
  schoolName?: string;
  sessionsPossible?: string;
  sessionsAuthorised?: string;
  sessionsAttended?: string;
  sessionsUnauthorised?: string;
  attendSessions?: AttendSessions;
}

/** Session by session: one mark a session, from the start date. */
export interface AttendSessions extends Extensible {
  startDate?: string;
  marks?: string;
}

export interface StageAssessment extends Extensible {
  locale?: string;
  year?: string;
  subject?: string;
  method?: string;
  component?: string;
  resultStatus?: string;
  resultQualifier?: string;
  result?: string;
  resultDate?: string;
}

export interface KeyStage extends Extensible {
  stage?: string;
  assessments?: StageAssessment[];
}

export interface SchoolHistoryEntry extends Extensible {
  lea?: string;
  estab?: string;
  urn?: string;
  schoolName?: string;
  entryDate?: string;
  leavingDate?: string;
  leavingReason?: string;
}

export interface Pupil extends Extensible {
  upn?: string;
  uln?: string;
  uci?: string;
  surname?: string;
  forename?: string;
  dob?: string;
  sex?: string;
  basicDetails?: BasicDetails;
  fsmHistory?: FsmHistory;
  nawDetails?: XmlNode;
  lookedAfter?: LookedAfter;
  senHistory?: SenHistory;
  address?: Address;
  phones?: Phone[];
  email?: string;
  contacts?: Contact[];
  attendance?: AttendanceYear[];
  stageAssessments?: KeyStage[];
  schoolHistory?: SchoolHistoryEntry[];
  suppInfo?: XmlNode;
}

export interface CtfDocument extends Extensible {
  /** The root element's attributes (a namespace, say), kept to be written back. */
  attributes?: Record<string, string>;
  header: Header;
  pupils: Pupil[];
}
