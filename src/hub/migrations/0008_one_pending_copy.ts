// At most one copy of a file (same bytes, same sender, same destination) on its way at a time,
// kept by the database itself: two identical uploads at the same moment cannot both be
// inserted, and checking costs no lock and no extra statement. Copies that reached a database
// before this rule keep their place (marked, and left out of the index), so the index can be
// made on any existing data; the marked rows behave as before in every other way.
export default `
alter table transfers add column if not exists sent_before_duplicate_rule boolean not null default false;

update transfers t set sent_before_duplicate_rule = true
where t.status in ('checking', 'available', 'lost', 'outside')
  and not t.sent_before_duplicate_rule
  and exists (
    select 1 from transfers o
    where o.sha256 = t.sha256 and o.source_laestab = t.source_laestab
      and o.dest_laestab = t.dest_laestab
      and o.status in ('checking', 'available', 'lost', 'outside')
      and (o.created_at, o.id) < (t.created_at, t.id)
  );

create unique index if not exists transfers_one_pending_copy
  on transfers (sha256, source_laestab, dest_laestab)
  where status in ('checking', 'available', 'lost', 'outside') and not sent_before_duplicate_rule;
`;
