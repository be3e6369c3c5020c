// What a record has never been given: a pupil made from a partial CTF (no contacts, or a DfE
// service's file) lists the areas no file has carried for them, so that their export says it is
// partial. An import remembers whether its file was partial; an export whether it went as one.
export default `
alter table pupils add column if not exists never_given jsonb;
alter table imports add column if not exists partial boolean not null default false;
alter table exports add column if not exists partial boolean not null default false;
`;
