-- Version 2 of Planton's PostgreSQL schema (applied after schema.sql, version 1).
--
-- The store claims work and records its executions in ONE self-committing statement (a claim
-- query nested in a WITH that inserts the RUNNING executions): no explicit transaction, so one
-- round trip instead of three. Whatever that statement must not commit (more rows than the limit,
-- an instruction type it does not convert exactly) it rolls back by raising through this function,
-- with SQLSTATE PT001; the store then claims the two-statement way, inside a transaction, which
-- decides and reports exactly as it always did. SQLSTATE PT002: the claim would take the task past
-- its concurrency (the store's in-memory view of active executions was behind); the store then
-- reads the active executions and claims again.

CREATE FUNCTION assert_combined_claim (passes boolean, reason text, sql_state text) RETURNS boolean
LANGUAGE plpgsql
VOLATILE
AS $$
BEGIN
  IF passes IS NOT TRUE THEN
    RAISE EXCEPTION USING ERRCODE = sql_state, MESSAGE = reason;
  END IF;

  RETURN true;
END;
$$;
