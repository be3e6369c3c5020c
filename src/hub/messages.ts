/**
 * The hub's e-mails. Subjects and bodies name schools and files, never pupils: mail crosses
 * servers we do not control. Findings are described by their catalogue summary and position,
 * not by the message, which may quote a value from the file.
 */
import { findingInWords } from "../ctf/finding-words.js";
import { englandDayInWords } from "../ctf/school-days.js";
import type { Message } from "../platform/mail/outbox.js";
import type { StoredFinding } from "./schema.js";

export interface School {
  laestab: string;
  name: string;
}

/** The file a message is about: named, linked, and when it will be deleted. */
export interface FileRef {
  id: string;
  name: string;
  /** When S2S deletes it; null while it is kept with no date (a lost pupil's file). */
  deletedOn: Date | null;
}

/** The file's own page (signing in first if need be), and when it goes. */
function fileLines(file: FileRef, url: string, side: "received" | "sent", gone = false): string {
  const deleted = gone
    ? "Its contents have been deleted; its page shows what happened."
    : file.deletedOn
      ? `S2S will delete it on ${englandDayInWords(file.deletedOn)}.`
      : "S2S keeps it until it is dealt with.";
  return `\n\nThe file: ${file.name}\nOpen it: ${url}/${side}/${file.id} (you will be asked to sign in first if you are not)\n${deleted}`;
}

const signOff = (url: string) =>
  `\nSign in to S2S: ${url}\n\nThis message was sent by S2S, the school-to-school transfer service.\n`;

export function fileAwaitsMessage(
  to: string[],
  from: School,
  count: number,
  url: string,
  file: FileRef,
  /** The LA that found the pupil in a register and passed the file on, in words. */
  passedOnBy?: string,
): Message {
  const records = `${count} pupil record${count === 1 ? "" : "s"}`;
  const what = passedOnBy
    ? `${passedOnBy} has passed on to your school a Common Transfer File holding ${records}, ` +
      `sent by ${from.name} (${from.laestab}), which did not know the pupil's new school. ` +
      `Contact the LA if you do not expect this pupil.`
    : `${from.name} (${from.laestab}) has sent your school a Common Transfer File holding ${records}.`;
  return {
    to,
    subject: "S2S: a Common Transfer File is waiting for you",
    body:
      `${what}${fileLines(file, url, "received")}\n\n` +
      `See who is in it, then accept and download it, or reject it with a reason.\n${signOff(url)}`,
  };
}

/** To an LA user who asked: a file from one of its schools went to a register. */
export function registerFileMessage(
  to: string[],
  from: School,
  file: FileRef,
  register: "lost" | "outside",
  url: string,
): Message {
  const where = register === "lost" ? "the Lost Pupils database" : "the out of sector register";
  return {
    to,
    subject: `S2S: a file from one of your schools is in ${where}`,
    body:
      `${from.name} (${from.laestab}) sent a Common Transfer File to ${where}: ${register === "lost" ? "the pupil's new school was not known" : "the pupil left the maintained sector"}.` +
      `${fileLines(file, url, "received")}\n\nYou asked to be told of these on your account page; change that there.\n${signOff(url)}`,
  };
}

/**
 * To the sending school's LA: another LA opened or passed on one of its schools' register files.
 * A register file is the child's only trail, so its keeper hears of every other hand on it.
 */
export function registerAccessMessage(
  to: string[],
  from: School,
  file: FileRef,
  register: "lost" | "outside",
  who: string,
  what: { passedOnTo?: School },
  url: string,
): Message {
  const where = register === "lost" ? "the Lost Pupils database" : "the out of sector register";
  const done = what.passedOnTo
    ? `passed it on to ${what.passedOnTo.name} (${what.passedOnTo.laestab}), which takes it out of ${where}.`
    : "looked at it. You are told of the first look by each local authority each day; the file's page lists every look.";
  return {
    to,
    subject: `S2S: another local authority opened a file in ${where}`,
    body:
      `${from.name} (${from.laestab}) sent a Common Transfer File to ${where}. ${who} ${done}` +
      `${fileLines(file, url, "received")}\n\nIf you did not expect this, tell the S2S service desk.\n${signOff(url)}`,
  };
}

/** Codes whose message never quotes the file's content: the page's words can go by mail. */
const SAFE_MESSAGES = new Set([
  "file.empty",
  "file.unreadable",
  "file.binary",
  "file.encoding",
  "file.too-large",
  "xml.truncated",
  "xml.doctype",
]);

/**
 * A finding as the file's page words it, without the pupil's name or UPN and without any value
 * quoted from the file: the pupil by position, and the catalogue's words for what is wrong.
 */
export function describeFinding(f: StoredFinding): string {
  return `- ${findingInWords({
    ...f,
    message: SAFE_MESSAGES.has(f.code) ? f.message : "",
    pupil: f.pupil ? { position: f.pupil.position } : null,
  })}`;
}

export function uploadFailedMessage(
  to: string[],
  file: FileRef,
  errors: StoredFinding[],
  url: string,
): Message {
  const fileName = file.name;
  const shown = errors.slice(0, 30).map(describeFinding).join("\n");
  const more = errors.length > 30 ? `\n... and ${errors.length - 30} more.` : "";
  return {
    to,
    subject: `S2S: ${fileName} could not be accepted`,
    body:
      `The file ${fileName} you uploaded has errors, so it has not been sent:\n\n${shown}${more}\n\n` +
      `Correct them in your MIS, export the file again and upload it. The file's page shows every error in full.${fileLines(file, url, "sent")}\n${signOff(url)}`,
  };
}

/** A file S2S tried to check and could not, however often it tried: the sender sends it again. */
export function uncheckedMessage(
  to: string[],
  file: FileRef,
  helpdesk: { phone: string; email: string },
  url: string,
): Message {
  return {
    to,
    subject: `S2S: ${file.name} could not be checked`,
    body:
      `S2S could not check the file ${file.name} you uploaded, so it has not been sent. The fault ` +
      `was S2S's, not the file's. Send it again, or contact the help desk (${helpdesk.phone}, ` +
      `${helpdesk.email}).${fileLines(file, url, "sent")}\n${signOff(url)}`,
  };
}

export function rejectedMessage(
  to: string[],
  file: FileRef,
  by: School,
  reason: string,
  url: string,
): Message {
  return {
    to,
    subject: `S2S: ${file.name} was rejected`,
    // The reason is the receiver's own words, quoted as theirs: S2S neither wrote nor checked it.
    body:
      `${by.name} (${by.laestab}) rejected the file ${file.name} you sent. Someone at ` +
      `${by.name} gave this reason, in their own words (not checked by S2S):\n\n` +
      `${reason
        .split(/\r?\n/)
        .map((line) => `> ${line}`)
        .join(
          "\n",
        )}\n\nIf it is unclear, contact the school directly.${fileLines(file, url, "sent")}\n${signOff(url)}`,
  };
}

/** To the sender who asked (on by default): the file reached its school. */
export function downloadedMessage(to: string[], file: FileRef, by: School, url: string): Message {
  return {
    to,
    subject: "S2S: a file you sent has been downloaded",
    body:
      `${by.name} (${by.laestab}) has downloaded the file ${file.name} you sent: it has arrived.` +
      `${fileLines(file, url, "sent")}\n\nYou can stop these messages on your account page.\n${signOff(url)}`,
  };
}

/**
 * To the school a file was waiting for: its sender removed it before it was collected, so the
 * e-mail that said it was waiting no longer holds.
 */
export function removedBeforeCollectedMessage(
  to: string[],
  file: FileRef,
  from: School,
  url: string,
): Message {
  return {
    to,
    subject: "S2S: a file that was waiting for you has been removed",
    body:
      `${from.name} (${from.laestab}) has removed the file ${file.name} they sent you, before ` +
      `it was collected. You need do nothing with it. If you are expecting a pupil from them, ` +
      `ask them to send the file again.${fileLines(file, url, "received", true)}\n${signOff(url)}`,
  };
}

export function expiryWarningMessage(to: string[], file: FileRef, url: string): Message {
  return {
    to,
    subject: `S2S: ${file.name} has not been downloaded`,
    body:
      `The file ${file.name} you sent has not been downloaded by its destination. It will be deleted ` +
      `unless they download it first. You may want to contact the school.${fileLines(file, url, "sent")}\n${signOff(url)}`,
  };
}

export function expiredMessage(to: string[], file: FileRef, url: string): Message {
  return {
    to,
    subject: `S2S: ${file.name} expired without being downloaded`,
    body:
      `The file ${file.name} you sent was never downloaded and has now been deleted. Send it again if the pupil still needs it.` +
      `${fileLines(file, url, "sent", true)}\n${signOff(url)}`,
  };
}

/** A sign-in link: the holder chooses a password. The link is the secret; it names nobody. */
export function signInLinkMessage(
  to: string,
  purpose: "welcome" | "reset",
  link: string,
  resetSecondFactor: boolean,
  url: string,
): Message {
  const opening =
    purpose === "welcome"
      ? "An S2S account has been made for you by the service administrators."
      : "The S2S service administrators have reset your sign-in, as you asked.";
  const phone = resetSecondFactor
    ? " Your old authenticator app no longer works: you will set up a new one."
    : "";
  return {
    to: [to],
    subject: purpose === "welcome" ? "S2S: your new account" : "S2S: your sign-in link",
    body:
      `${opening}\n\nOpen this link within 24 hours to choose your password.${phone} It works once:\n\n` +
      `${link}\n\nIf you did not expect this, do not open it: tell the S2S help desk.\n${signOff(url)}`,
  };
}

/** Tells an organisation that an account was made for it, so that a stranger's account is seen. */
export function accountCreatedMessage(
  to: string[],
  username: string,
  organisation: string,
  url: string,
): Message {
  return {
    to,
    subject: "S2S: a new account for your organisation",
    body:
      `The S2S service administrators have made a new account, ${username}, for ${organisation}.\n\n` +
      "If you do not know who this is for, tell the S2S help desk at once: the account can see " +
      `your organisation's files.\n${signOff(url)}`,
  };
}

/**
 * Asks an organisation to approve an account an administrator made for it: `link` is the notice
 * address's single-use link, or the approvals page for its signed-in users.
 */
export function approvalAskedMessage(
  to: string[],
  account: { username: string; email: string; organisation: string; url: string; link: string },
): Message {
  return {
    to,
    subject: "S2S: approve or decline a new account for your organisation",
    body:
      `The S2S service administrators have made a new account, ${account.username} ` +
      `(${account.email}), for ${account.organisation}. It can see your organisation's files, so ` +
      "it opens only when your organisation approves it.\n\n" +
      `If you know who it is for, approve it here; if not, decline it:\n${account.link}\n\n` +
      "Nothing happens until you press a button on that page." +
      `\n${signOff(account.url)}`,
  };
}

/** Tells the service that one account reached the Lost Pupils search limit. */
export function searchLimitMessage(
  to: string[],
  username: string,
  limit: number,
  url: string,
): Message {
  return {
    to,
    subject: "S2S: an account reached the Lost Pupils search limit",
    body:
      `The account ${username} has made ${limit} Lost Pupils searches in an hour, the most ` +
      "allowed, and further searches are refused for now. This can mean a stolen account or " +
      `someone walking the register: check with its local authority, and read the audit log.\n${signOff(url)}`,
  };
}

/** Asks the new address to confirm that a school's file notices should come to it. */
export function confirmNoticeEmailMessage(
  to: string,
  school: School,
  link: string,
  url: string,
): Message {
  return {
    to: [to],
    subject: "S2S: confirm this address for your school's file notices",
    body:
      `The S2S service administrators have been asked to send ${school.name} (${school.laestab})'s ` +
      `file notices to this address. Nothing changes until you confirm, within 7 days:\n\n${link}\n\n` +
      `If this is not your school's address, ignore this message.\n${signOff(url)}`,
  };
}

/** Tells the address in use that a change was asked for, or made. */
export function noticeEmailChangingMessage(
  to: string[],
  school: School,
  newAddress: string | null,
  done: boolean,
  url: string,
): Message {
  const what = newAddress
    ? `to ${newAddress}`
    : "away from a shared address, to each S2S user at the school";
  return {
    to,
    subject: done
      ? "S2S: your school's file notices now go elsewhere"
      : "S2S: a change to your school's file notices was asked for",
    body:
      (done
        ? `${school.name} (${school.laestab})'s file notices now go ${what}.`
        : `The S2S service administrators were asked to send ${school.name} (${school.laestab})'s ` +
          `file notices ${what}. It happens only if that address confirms.`) +
      `\n\nIf your school did not ask for this, tell the S2S help desk at once.\n${signOff(url)}`,
  };
}

/**
 * To an LA: a child in a register may have turned up at one of its schools, or a child its
 * school sent to a register may have. Names no child and no school's pupil: the page says more.
 */
export function possibleFoundMessage(
  to: string[],
  count: number,
  role: "seen" | "keeper",
  url: string,
): Message {
  const some = count === 1 ? "a child" : `${count} children`;
  const where =
    role === "seen"
      ? `${some} in the Lost Pupils database or the out of sector register may have turned up at one of your schools`
      : `${some} whom one of your schools sent to the Lost Pupils database or the out of sector register may have turned up at a school`;
  return {
    to,
    subject: "S2S: a missing child may have been found",
    body:
      `S2S compared a file sent to a school with the registers: ${where}.\n\n` +
      `Look at each possible match, confirm it (the register file is passed on to the school) or dismiss it: ${url}/lost-pupils/matches\n${signOff(url)}`,
  };
}
