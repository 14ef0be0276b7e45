-- The local session cache of every instance (PostgresStore) hears of each change to a session
-- through NOTIFY on the channel `{schema}_sessions`, sent by these triggers from the writing
-- transaction, so the notification goes out exactly when the change is committed, whoever
-- made it (a store, the cleanup, the application's own SQL).
--
-- The payload is the session key in hex (the SHA-256 of the session id, as stored in the
-- `key` column; never the id itself), or empty for "anything may have changed" (TRUNCATE).
-- It is only a hint: any role that can connect may NOTIFY, so a notification can only make a
-- cache drop entries, never serve something.
CREATE FUNCTION sessions_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify(TG_TABLE_SCHEMA || '_sessions', '');
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify(TG_TABLE_SCHEMA || '_sessions', encode(OLD.key, 'hex'));
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.key IS DISTINCT FROM OLD.key) THEN
        PERFORM pg_notify(TG_TABLE_SCHEMA || '_sessions', encode(NEW.key, 'hex'));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER sessions_notify AFTER INSERT OR UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_notify();
CREATE TRIGGER sessions_notify_truncate AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION sessions_notify();
