// The pupil register. The columns a list is searched and sorted by; the whole record, every
// area a CTF carries (unknown elements and SuppInfo as they came), as the ctf library models a
// pupil, in \`record\`.
export default `
create table if not exists pupils (
  id uuid primary key default gen_random_uuid(),
  upn text,
  surname text not null,
  forename text not null,
  dob date,
  sex text,
  nc_year text,
  reg_group text,
  status text not null check (status in ('applicant', 'intake', 'onroll', 'left')),
  admission_date date,
  leaving_date date,
  leaving_reason text,
  leaving_destination text,
  record jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index if not exists pupils_upn on pupils (upn);
create index if not exists pupils_surname on pupils (lower(surname), lower(forename));
`;
