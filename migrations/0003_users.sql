-- Accounts: citizens, businesses, ministry agents and supervisors (scoped to ministries), finance, admins.

-- migrate:up
CREATE TABLE users (
  id uuid PRIMARY KEY,
  email text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
  password_hash text NOT NULL,
  full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
  phone text,
  role text NOT NULL CHECK (role IN ('citizen', 'business', 'agent', 'supervisor', 'finance', 'admin')),
  -- Agents and supervisors act only within these ministries.
  ministries text[] NOT NULL DEFAULT '{}',
  tax_id text,
  locale text NOT NULL DEFAULT 'es' CHECK (locale IN ('es', 'fr', 'en')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (role <> 'business' OR tax_id IS NOT NULL),
  CHECK (role IN ('agent', 'supervisor') OR ministries = '{}')
);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- migrate:down
DROP TABLE users;
