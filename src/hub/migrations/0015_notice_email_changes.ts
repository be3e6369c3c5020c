// A school's notice e-mail is where files' notices go. A change takes effect only when someone
// at the new address confirms it (a link e-mailed there), and the old address is told, so that
// nobody can quietly redirect a school's notices. Only the link's hash is kept.
export default `
create table if not exists notice_email_changes (
  token_hash text primary key,
  laestab text not null references establishments (laestab),
  email text not null,
  requested_by uuid,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  confirmed_at timestamptz,
  voided_at timestamptz
);
create index if not exists notice_email_changes_laestab on notice_email_changes (laestab);
`;
