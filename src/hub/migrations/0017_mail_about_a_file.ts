// A message that speaks about a file (its check results, a rejection's reason) names the file,
// so that removing or purging the file can also empty what was mailed about it once it has gone.
export default `
alter table mail_outbox add column if not exists transfer_id uuid references transfers (id);
create index if not exists mail_outbox_transfer on mail_outbox (transfer_id)
  where transfer_id is not null;
`;
