// A pupil's record (a few kilobytes of JSON) and an import's file are read and written whole, and
// often: compressing them on every write cost more time than the disk it saved (an import of 300
// pupils spent half its writing in compression). Kept out of line, uncompressed; rows already
// written stay as they are until next written.
export default `
alter table pupils alter column record set storage external;
alter table imports alter column file_pupils set storage external;
alter table imports alter column proposals set storage external;
`;
