// Days the school is closed (holidays, half terms, INSET days, bank holidays), for counting
// school days: a CTF is due within 15 school days of a pupil leaving. England's usual dates are
// filled in for a year when the school has given none for it; the school edits them.
export default `
create table if not exists closures (
  id uuid primary key default gen_random_uuid(),
  first_day date not null,
  last_day date not null,
  kind text not null check (kind in ('holiday', 'half-term', 'inset', 'bank-holiday')),
  label text not null,
  check (last_day >= first_day)
);
create index if not exists closures_days on closures (first_day, last_day);
`;
