-- Reserved for the api schema; filled in before this migration first lands.
SELECT 1; -- placeholder statement so that tern accepts the file
