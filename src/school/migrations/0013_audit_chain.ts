// The school side's audit log becomes a chain like the hub's (platform/audit/chain.ts): the same
// columns, so one implementation seals and verifies both, and a trigger that refuses every
// update, delete and truncate except writing a new entry's seal once.
export default `
alter table audit_events add column if not exists organisation text;
alter table audit_events add column if not exists ip text;
alter table audit_events add column if not exists chain_seq bigint;
alter table audit_events add column if not exists prev_hash text;
alter table audit_events add column if not exists hash text;
create unique index if not exists audit_events_chain_seq on audit_events (chain_seq);
create index if not exists audit_events_unsealed on audit_events (id) where hash is null;

create or replace function s2s_audit_append_only() returns trigger language plpgsql as $fn$
begin
  if tg_op = 'UPDATE' and old.hash is null and old.chain_seq is null
     and new.hash is not null and new.chain_seq is not null
     and (new.id, new.at, new.user_id, new.username, new.organisation, new.action, new.target,
          new.ip, new.detail)
         is not distinct from
         (old.id, old.at, old.user_id, old.username, old.organisation, old.action, old.target,
          old.ip, old.detail)
  then
    return new;
  end if;
  raise exception 'the audit log is append-only: entries are never changed or removed';
end
$fn$;

drop trigger if exists audit_events_append_only on audit_events;
create trigger audit_events_append_only before update or delete on audit_events
  for each row execute function s2s_audit_append_only();
drop trigger if exists audit_events_no_truncate on audit_events;
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function s2s_audit_append_only();
`;
