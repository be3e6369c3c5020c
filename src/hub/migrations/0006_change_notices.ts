// Change notices for the caches in each hub process: a commit that changes what an inbox shows or
// who a credential belongs to tells every listening process (LISTEN s2s_changes). Triggers, not
// calls in the code, so that no writer (the CLI, a GIAS import, a future path) can forget one.
// Notices are sent at commit and only then; a rolled-back change sends none.
export default `
create or replace function s2s_notify_inbox() returns trigger language plpgsql as $$
begin
  if tg_op <> 'INSERT' then perform pg_notify('s2s_changes', 'inbox:' || old.dest_laestab); end if;
  if tg_op <> 'DELETE' then perform pg_notify('s2s_changes', 'inbox:' || new.dest_laestab); end if;
  return null;
end $$;

create or replace function s2s_notify(notice text) returns void language sql as $$
  select pg_notify('s2s_changes', notice);
$$;

create or replace function s2s_notify_all_inboxes() returns trigger language plpgsql as $$
begin
  perform s2s_notify('inbox:*');
  return null;
end $$;

create or replace function s2s_notify_principals() returns trigger language plpgsql as $$
begin
  perform s2s_notify('principals');
  return null;
end $$;

drop trigger if exists transfers_inbox_notice on transfers;
create trigger transfers_inbox_notice after insert or update or delete on transfers
  for each row execute function s2s_notify_inbox();

-- Inboxes show establishment names.
drop trigger if exists establishments_inbox_notice on establishments;
create trigger establishments_inbox_notice after update or delete on establishments
  for each statement execute function s2s_notify_all_inboxes();

-- What a principal is made of; failed sign-in counts and last-use times are not.
drop trigger if exists users_principal_notice on users;
create trigger users_principal_notice after update on users for each row
  when (old.disabled is distinct from new.disabled or old.role is distinct from new.role
    or old.establishment is distinct from new.establishment or old.la_code is distinct from new.la_code
    or old.username is distinct from new.username or old.password_hash is distinct from new.password_hash)
  execute function s2s_notify_principals();

drop trigger if exists api_tokens_principal_notice on api_tokens;
create trigger api_tokens_principal_notice after update on api_tokens for each row
  when (old.revoked_at is distinct from new.revoked_at or old.user_id is distinct from new.user_id)
  execute function s2s_notify_principals();

drop trigger if exists api_tokens_deleted_notice on api_tokens;
create trigger api_tokens_deleted_notice after delete on api_tokens
  for each statement execute function s2s_notify_principals();

drop trigger if exists sessions_principal_notice on sessions;
create trigger sessions_principal_notice after update or delete on sessions
  for each statement execute function s2s_notify_principals();
`;
