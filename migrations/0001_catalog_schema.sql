-- The fiscal-services catalog: ministries > sectors > categories > services, names in es/fr/en,
-- fees in integer XAF (NULL when unknown), data-quality flags kept visible, versioned.

-- migrate:up
-- Case- and accent-insensitive folding for search; IMMUTABLE so it can feed a generated column.
CREATE FUNCTION taxasge_fold(value text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN lower(translate(value,
    'ÁÀÂÄÃÅáàâäãåÉÈÊËéèêëÍÌÎÏíìîïÓÒÔÖÕóòôöõÚÙÛÜúùûüÑñÇçÝýÿŒœÆæ',
    'aaaaaaaaaaaaeeeeeeeeiiiiiiiioooooooooouuuuuuuunnccyyyooaa'));

CREATE TABLE catalog_versions (
  version integer PRIMARY KEY CHECK (version > 0),
  note text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ministries (
  code text COLLATE "C" PRIMARY KEY CHECK (code ~ '^M-[0-9]{3}$'),
  name_es text NOT NULL,
  name_fr text NOT NULL,
  name_en text NOT NULL
);

CREATE TABLE sectors (
  code text COLLATE "C" PRIMARY KEY CHECK (code ~ '^S-[0-9]{3}$'),
  ministry_code text COLLATE "C" NOT NULL REFERENCES ministries (code),
  name_es text NOT NULL,
  name_fr text NOT NULL,
  name_en text NOT NULL
);
CREATE INDEX sectors_ministry_idx ON sectors (ministry_code);

CREATE TABLE categories (
  code text COLLATE "C" PRIMARY KEY CHECK (code ~ '^C-[0-9]{3}$'),
  sector_code text COLLATE "C" NOT NULL REFERENCES sectors (code),
  name_es text NOT NULL,
  name_fr text NOT NULL,
  name_en text NOT NULL
);
CREATE INDEX categories_sector_idx ON categories (sector_code);

CREATE TABLE fiscal_services (
  code text COLLATE "C" PRIMARY KEY CHECK (code ~ '^T-[0-9]{3,}$'),
  category_code text COLLATE "C" NOT NULL REFERENCES categories (code),
  sector_code text COLLATE "C" NOT NULL REFERENCES sectors (code),
  ministry_code text COLLATE "C" NOT NULL REFERENCES ministries (code),
  name_es text NOT NULL,
  name_fr text NOT NULL,
  name_en text NOT NULL,
  -- Integer XAF (no minor unit). NULL = no usable fee: never priced by a placeholder.
  expedition_amount bigint CHECK (expedition_amount > 0),
  renewal_amount bigint CHECK (renewal_amount > 0),
  -- The fees exactly as the source gave them, for the admins who review the flags.
  source_expedition_amount numeric NOT NULL,
  source_renewal_amount numeric NOT NULL,
  required_documents jsonb NOT NULL CHECK (jsonb_typeof(required_documents) = 'object'),
  flags text[] NOT NULL DEFAULT '{}',
  same_name_in_category text[] NOT NULL DEFAULT '{}',
  exact_duplicate_of text[] NOT NULL DEFAULT '{}',
  active boolean NOT NULL DEFAULT true,
  catalog_version integer NOT NULL REFERENCES catalog_versions (version),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- The one payable-online rule: a known fee and no open flag that makes the fee or name unusable.
  payable_online boolean GENERATED ALWAYS AS (
    active
    AND (expedition_amount IS NOT NULL OR renewal_amount IS NOT NULL)
    AND NOT (flags && ARRAY['zero_amounts_in_source', 'suspect_small_amount', 'non_integer_amount',
                            'amount_unit_usd_in_name', 'empty_name', 'spreadsheet_artifact_name'])
  ) STORED,
  search_text text GENERATED ALWAYS AS (taxasge_fold(name_es || ' ' || name_fr || ' ' || name_en)) STORED
);
CREATE INDEX fiscal_services_ministry_idx ON fiscal_services (ministry_code, code);
CREATE INDEX fiscal_services_sector_idx ON fiscal_services (sector_code, code);
CREATE INDEX fiscal_services_category_idx ON fiscal_services (category_code, code);

-- migrate:down
DROP TABLE fiscal_services;
DROP TABLE categories;
DROP TABLE sectors;
DROP TABLE ministries;
DROP TABLE catalog_versions;
DROP FUNCTION taxasge_fold(text);
