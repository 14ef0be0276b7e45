-- The device a session was logged in from (auth_core::Device as JSON text: a short user agent
-- and the client address), NULL when unknown. Rows written before this migration have none.
ALTER TABLE sessions ADD COLUMN device text;
