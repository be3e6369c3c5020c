// An LA user may choose to be e-mailed when a file from one of the LA's schools goes to the
// Lost Pupils database or the out-of-sector register.
export default `
alter table users add column if not exists notify_register boolean not null default false;
`;
