// A password the operator set or was shown (s2s hub admin users create) is the user's to replace
// at their first sign-in: until then the account reaches only the page to change it.
export default `
alter table users add column if not exists must_change_password boolean not null default false;
`;
