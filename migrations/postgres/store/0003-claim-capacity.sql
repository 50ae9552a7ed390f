-- Version 3 of Planton's PostgreSQL schema.
--
-- claim_token: the uuid the store generated for the claim that recorded the execution. A claim
-- whose reply was lost (the connection cut after the commit) is found again by it, and its
-- executions dispatched, instead of waiting for the reaper.
--
-- admit_claim: the task's concurrency across processes. A claim of `claimed` executions calls it
-- before it inserts them; it takes the task's transaction-scoped advisory lock, held to the claim's
-- commit, so the claims of one task admit themselves one at a time, and then counts the task's
-- RUNNING executions other than the claim's own (claim_token). The function is VOLATILE: in READ
-- COMMITTED (the default, and what the store's claims run in) its count takes a fresh snapshot,
-- which sees the executions a claim that held the lock before committed. It raises SQLSTATE PT002
-- when that count plus `claimed` exceeds `capacity`; otherwise it returns the count.
-- The lock's keys: 1668047213 ('clam' in ASCII, no other lock of Planton's uses it) and
-- hashtext(schema/task id), so that stores in two schemas of one database never wait for each
-- other (but on a hash collision). SET search_path FROM CURRENT keeps the function on the tables
-- of the schema it was created in, whatever the caller's search_path.

ALTER TABLE maintenance_task_execution ADD COLUMN claim_token uuid;

CREATE FUNCTION admit_claim (claiming_task_id integer, token uuid, claimed integer, capacity integer) RETURNS integer
LANGUAGE plpgsql
VOLATILE
SET search_path FROM CURRENT
AS $$
DECLARE
  active integer;
BEGIN
  IF claimed > 0 THEN
    PERFORM pg_advisory_xact_lock(1668047213, hashtext(current_schema() || '/' || claiming_task_id));
  END IF;

  SELECT count(*)::integer INTO active
  FROM maintenance_task_execution
  WHERE maintenance_task_id = claiming_task_id AND ended_at IS NULL AND claim_token IS DISTINCT FROM token;

  IF active + claimed > capacity THEN
    RAISE EXCEPTION USING ERRCODE = 'PT002', MESSAGE = format('%s active and %s claimed exceed the concurrency of %s', active, claimed, capacity);
  END IF;

  RETURN active;
END;
$$;
