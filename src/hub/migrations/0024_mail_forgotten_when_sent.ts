// Mail waiting to go about a file that has since been removed keeps nothing of the file once it
// is sent. The outbox used to ask the transfers table at each send; a flag set when the file is
// purged lets the outbox (a platform part) know without knowing of transfers.
export default `
alter table mail_outbox add column if not exists forget_when_sent boolean not null default false;
update mail_outbox m set forget_when_sent = true
  where m.sent_at is null
    and exists (select 1 from transfers t where t.id = m.transfer_id and t.purged_at is not null);
`;
