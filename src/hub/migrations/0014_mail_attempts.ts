// A message's sending is recorded before it is handed to the mail server, so that a process
// that dies between the server taking it and our noting so leaves a trace; the message then goes
// again with the same Message-ID (its row's id), which mail systems use to drop the repeat.
export default `
alter table mail_outbox add column if not exists sending_since timestamptz;
`;
