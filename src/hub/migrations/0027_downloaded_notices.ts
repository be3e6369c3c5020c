// A sender is e-mailed when the file they sent is downloaded, unless they turn it off.
export default `
alter table users add column if not exists notify_downloaded boolean not null default true;
`;
