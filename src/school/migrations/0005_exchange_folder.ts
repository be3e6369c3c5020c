// The school's data exchange folder, where an export the school keeps back is written for its
// own MIS or for a person to upload, and where each such export was written.
export default `
alter table school add column if not exists exchange_folder text;
alter table exports add column if not exists saved_path text;
`;
