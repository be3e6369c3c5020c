// A file waiting to be checked tells every process (LISTEN s2s_changes, notice "check"), so that
// a worker process wakes at once for an upload another process took, rather than at its next
// poll. By the same trigger as the inbox notices: any writer that queues a check sends it, and
// only when it commits, by which time the check's job (queued in the same transaction) is there.
export default `
create or replace function s2s_notify_inbox() returns trigger language plpgsql as $$
begin
  if tg_op <> 'INSERT' then perform pg_notify('s2s_changes', 'inbox:' || old.dest_laestab); end if;
  if tg_op <> 'DELETE' then perform pg_notify('s2s_changes', 'inbox:' || new.dest_laestab); end if;
  if tg_op = 'INSERT' and new.status = 'checking' then perform pg_notify('s2s_changes', 'check'); end if;
  return null;
end $$;
`;
