-- The public keys that ever signed a receipt. Signing keys leave AUTH_SIGNING_KEYS 15 minutes after
-- a rotation (access tokens must stop verifying then); a fiscal receipt must stay verifiable for as
-- long as fiscal records are kept (10 years), so the public half of each key that signs a receipt is
-- recorded here in the receipt's own transaction and published at GET /api/v1/receipts/keys forever.
-- Public halves only: a row carrying a private member is refused. Rows are never deleted, and only
-- retired_at may change (bookkeeping: when the key stopped signing; the key stays published).

-- migrate:up
CREATE TABLE receipt_keys (
  kid text PRIMARY KEY,
  public_jwk jsonb NOT NULL CONSTRAINT receipt_keys_public_jwk_only CHECK (
    jsonb_typeof(public_jwk) = 'object'
    AND public_jwk ->> 'kid' = kid
    AND public_jwk ?& ARRAY['kty', 'crv', 'x']
    AND NOT public_jwk ?| ARRAY['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']
  ),
  first_used_at timestamptz NOT NULL,
  retired_at timestamptz CHECK (retired_at IS NULL OR retired_at >= first_used_at)
);

CREATE FUNCTION receipt_keys_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.kid = OLD.kid AND NEW.public_jwk = OLD.public_jwk AND NEW.first_used_at = OLD.first_used_at THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'receipt keys are kept forever: receipts they signed must stay verifiable (only retired_at may change)';
END;
$$;
CREATE TRIGGER receipt_keys_no_update BEFORE UPDATE ON receipt_keys FOR EACH ROW EXECUTE FUNCTION receipt_keys_keep();
CREATE TRIGGER receipt_keys_no_delete BEFORE DELETE OR TRUNCATE ON receipt_keys FOR EACH STATEMENT EXECUTE FUNCTION receipt_keys_keep();

-- migrate:down
DROP TABLE receipt_keys;
DROP FUNCTION receipt_keys_keep();
